/**
 * Statements whose text is made once per shape. The sync path's hot statements (a batch's read,
 * a wave's write) are long Drizzle templates of tables, columns and nested fragments whose text
 * never changes: everything that varies travels as parameters. Building that text again for
 * every call (Drizzle walks every fragment, and `preparedStatements.ts` names the result by a
 * hash of it) cost a queue batch of ten ~0.3 ms of its ~9 (docs/performance-log.md). A shape is
 * written once with a placeholder per value (`p.name`), turned into text and a parameter list
 * at first use with Drizzle's own `sqlToQuery`, and each call only fills the values in
 * (`fillPlaceholders`) and runs it through the database's session: the same text, parameters
 * and driver path as `db.execute` on the same template with the values written in.
 */
import { type Placeholder, type Query, type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Database, Transaction } from "./client.js";

/** A placeholder per value name: `p.propertyId` stands for `values.propertyId`. */
export type Placeholders<V> = { readonly [K in keyof V & string]: Placeholder<K> };

/** Runs a shape with its values: the rows it returns. */
export type StatementShape<V, R> = (db: Database | Transaction, values: V) => Promise<R[]>;

const dialect = new PgDialect();

const placeholders = new Proxy(
  {},
  { get: (_target, name) => (typeof name === "string" ? sql.placeholder(name) : undefined) },
);

/** A statement built by `build` at its first run, and only filled in afterwards. */
export function statementShape<V extends object, R>(
  build: (p: Placeholders<V>) => SQL,
): StatementShape<V, R> {
  let query: Query | undefined;
  return async (db, values) => {
    query ??= dialect.sqlToQuery(build(placeholders as Placeholders<V>));
    const prepared = db._.session.prepareQuery(query, undefined, undefined, false);
    const result = (await prepared.execute(values as Record<string, unknown>)) as { rows: R[] };
    return result.rows;
  };
}
