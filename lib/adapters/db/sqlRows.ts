/**
 * Small bridges between Drizzle's column definitions and hand-written SQL: the rows of a
 * hand-written statement, rows read as JSON (`to_jsonb(row)`, so one statement can return
 * several tables and scalars at once), and `INSERT … SELECT … WHERE <condition>` with typed
 * parameters (a conditional insert inside a guarded statement, which Drizzle's builder does not
 * express).
 */
import { getTableColumns, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Database, Transaction } from "./client.js";
import { user } from "./schema.js";

/**
 * Strings as one Postgres array parameter (cast it: `::uuid[]`, `::bigint[]`). An array
 * column's encoder hands the driver the JS array, which every driver sends as an array. The
 * strings may be a statement shape's placeholder (`statementShapes.ts`).
 */
export function arrayParam(values: readonly string[] | Placeholder): SQL {
  return sql`${sql.param(values, user.phoneKeys)}`;
}

/** A value as one `jsonb` parameter. */
export function jsonbParam(value: unknown): SQL {
  return sql`${JSON.stringify(value)}::jsonb`;
}

/**
 * The rows of a hand-written statement, typed as the caller's columns. Every driver returns
 * `{ rows }`; Drizzle types the result per driver (`PgQueryResultHKT`), hence the one cast.
 */
export async function executeRows<R>(db: Database | Transaction, query: SQL): Promise<R[]> {
  const result = (await db.execute(query)) as unknown as { rows: R[] };
  return result.rows;
}

/** A `jsonb` column as it arrives: parsed by some drivers, as text from others. */
export function parseJson<T>(value: T | string): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}

/** Each table's columns as (property, column) pairs, listed once: a read maps many rows. */
const columnLists = new WeakMap<PgTable, [string, PgTable["_"]["columns"][string]][]>();

function columnList(table: PgTable): [string, PgTable["_"]["columns"][string]][] {
  let list = columnLists.get(table);
  if (list === undefined) {
    list = Object.entries(getTableColumns(table));
    columnLists.set(table, list);
  }
  return list;
}

/** A table row from its `to_jsonb` form, mapped like Drizzle maps driver values. */
export function rowFromJson<T extends PgTable>(
  table: T,
  json: Record<string, unknown>,
): T["$inferSelect"] {
  const row: Record<string, unknown> = {};
  for (const [property, column] of columnList(table)) {
    const value = json[column.name];
    row[property] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T["$inferSelect"];
}

/**
 * `INSERT INTO table (columns) SELECT values WHERE condition [suffix]`, every value a parameter
 * cast to its column's SQL type. Columns left out take their defaults.
 */
export function insertWhere<T extends PgTable>(
  table: T,
  values: Partial<T["$inferInsert"]>,
  condition: SQL,
  suffix: SQL = sql``,
): SQL {
  const columns = getTableColumns(table);
  const names: ReturnType<typeof sql.identifier>[] = [];
  const params: SQL[] = [];
  for (const [property, value] of Object.entries(values)) {
    const column = columns[property];
    if (column === undefined || value === undefined) continue;
    names.push(sql.identifier(column.name));
    const driverValue = value === null ? null : column.mapToDriverValue(value);
    params.push(sql`${driverValue}::${sql.raw(column.getSQLType())}`);
  }
  return sql`insert into ${table} (${sql.join(names, sql`, `)})
    select ${sql.join(params, sql`, `)} where ${condition} ${suffix}`;
}
