/**
 * The import's write floor (`bench:import`): how fast this database can write, with nothing
 * else to do, the rows an import has just written — the import's speed can never pass it.
 *
 * Empty copies of the tables an import writes (contacts, links, merge histories, review items,
 * outbox rows, identity keys) are made in a scratch schema with the same columns, defaults,
 * checks, indexes (the contacts' GIN-indexed key arrays included), storage options and foreign
 * keys; then each table's rows are copied into its copy by `INSERT … SELECT` statements inside
 * the server, each carrying a full chunk's share of the table (`CHUNK_ROWS` people's rows) and
 * committed on its own, as the import's statements are. No row crosses the wire, nothing is
 * read to decide, no row is written twice (the import rewrote every contact it merged into, and bumped identity keys
 * many times): the figure is an upper bound on any import of these rows on this machine.
 * The scratch schema is dropped afterwards.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Database, DatabaseHandle } from "../../lib/adapters/db/client.js";
import { executeRows } from "../../lib/adapters/db/sqlRows.js";

/** The tables an import writes, parents first (foreign keys point to earlier ones). */
const TABLES = [
  { name: "user", key: "id" },
  { name: "contact_sync", key: "id" },
  { name: "contact_merge_history", key: "id" },
  { name: "contact_review", key: "id" },
  { name: "outbox_event", key: "id" },
  { name: "identity_key", key: "key_id" },
] as const;

const SCHEMA = "write_floor";

export interface WriteFloor {
  /** People of the import over the floor's seconds. */
  peoplePerSecond: number;
  seconds: number;
  /** Rows and seconds per table, in the order copied. */
  tables: { table: string; rows: number; seconds: number }[];
}

/** `schema."table"` in a statement. */
const qualified = (schema: string, table: string): SQL =>
  sql`${sql.identifier(schema)}.${sql.identifier(table)}`;

/** The same table as a `regclass` (for the catalog's queries). */
const regclass = (schema: string, table: string): SQL =>
  sql`format('%I.%I', ${schema}::text, ${table}::text)::regclass`;

/** Makes the empty copies (tables, then their foreign keys, re-pointed at the copies). */
export async function makeCopies(db: Database): Promise<void> {
  await db.execute(sql`DROP SCHEMA IF EXISTS ${sql.identifier(SCHEMA)} CASCADE`);
  await db.execute(sql`CREATE SCHEMA ${sql.identifier(SCHEMA)}`);
  const copied = new Set<string>(TABLES.map((t) => t.name));
  for (const { name } of TABLES) {
    const copy = qualified(SCHEMA, name);
    await db.execute(sql`CREATE TABLE ${copy} (LIKE ${qualified("public", name)} INCLUDING ALL)`);
    // LIKE copies no storage options (the contacts' fillfactor).
    const [options] = await executeRows<{ reloptions: string[] | null }>(
      db,
      sql`SELECT reloptions FROM pg_class WHERE oid = ${regclass("public", name)}`,
    );
    if (options?.reloptions) {
      await db.execute(sql`ALTER TABLE ${copy} SET (${sql.raw(options.reloptions.join(", "))})`);
    }
  }
  // Nor foreign keys: added once every copy exists, pointed at the copies.
  for (const { name } of TABLES) {
    const keys = await executeRows<{ conname: string; def: string }>(
      db,
      sql`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
          WHERE contype = 'f' AND conrelid = ${regclass("public", name)}`,
    );
    for (const { conname, def } of keys) {
      // Printed with public on the search path: unqualified names are public's tables.
      const repointed = def.replace(/REFERENCES ("[^"]+"|\w+)\(/, (_, table: string) => {
        const bare = table.replace(/^"|"$/g, "");
        return `REFERENCES ${copied.has(bare) ? SCHEMA : "public"}."${bare}"(`;
      });
      await db.execute(
        sql`ALTER TABLE ${qualified(SCHEMA, name)} ADD CONSTRAINT ${sql.identifier(conname)} ${sql.raw(repointed)}`,
      );
    }
  }
}

/**
 * How each copy differs from its table: its indexes (method, columns, options, predicate),
 * constraints (kind, definition) and storage options, as text; empty when the copies are
 * faithful.
 */
export async function copyDifferences(db: Database): Promise<string[]> {
  const shape = async (schema: string, table: string) => {
    const relation = regclass(schema, table);
    const found = await executeRows<{ item: string }>(
      db,
      sql`SELECT 'index ' || CASE WHEN i.indisunique THEN 'unique ' ELSE '' END
                 || regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING ', '')
                 || coalesce(' ' || array_to_string(c.reloptions, ','), '') AS item
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           WHERE i.indrelid = ${relation}
          UNION ALL
          SELECT 'constraint ' || contype::text || ' ' ||
                 replace(pg_get_constraintdef(oid), ${`${SCHEMA}.`}::text, '')
            FROM pg_constraint WHERE conrelid = ${relation}
          UNION ALL
          SELECT 'options ' || coalesce(array_to_string(reloptions, ','), '')
            FROM pg_class WHERE oid = ${relation}`,
    );
    return found.map(({ item }) => item).sort();
  };
  const differences: string[] = [];
  for (const { name } of TABLES) {
    const original = await shape("public", name);
    const copy = await shape(SCHEMA, name);
    for (const item of original.filter((x) => !copy.includes(x))) {
      differences.push(`${name}: the copy lacks ${item}`);
    }
    for (const item of copy.filter((x) => !original.includes(x))) {
      differences.push(`${name}: the copy adds ${item}`);
    }
  }
  return differences;
}

/** Copies one table in `statements` statements, in key order. */
async function copyTable(
  db: Database,
  table: string,
  key: string,
  total: number,
  statements: number,
): Promise<number> {
  const size = Math.max(1, Math.ceil(total / statements));
  const column = sql.identifier(key);
  let after: string | null = null;
  let copied = 0;
  for (;;) {
    const bound: SQL = after === null ? sql`` : sql`WHERE ${column} > ${after}`;
    const [moved] = await executeRows<{ last: string | null; n: number }>(
      db,
      sql`WITH moved AS (
            INSERT INTO ${qualified(SCHEMA, table)}
            SELECT * FROM ${qualified("public", table)} ${bound}
            ORDER BY ${column} LIMIT ${size}
            RETURNING ${column} AS k)
          SELECT (SELECT k::text AS key FROM moved ORDER BY moved.k DESC LIMIT 1) AS last,
                 (SELECT count(*)::int FROM moved) AS n`,
    );
    if (moved === undefined || moved.n === 0 || moved.last === null) return copied;
    copied += moved.n;
    after = moved.last;
  }
}

/**
 * Measures the floor for the rows now in the database, written by an import of `people` rows
 * (in statements of `chunkRows` people's rows).
 */
export async function measureWriteFloor(
  handle: DatabaseHandle,
  people: number,
  chunkRows: number,
): Promise<WriteFloor> {
  const chunks = Math.ceil(people / chunkRows);
  const { db } = handle;
  await makeCopies(db);
  try {
    const differences = await copyDifferences(db);
    if (differences.length > 0) {
      throw new Error(`the write floor's copies are not faithful: ${differences.join("; ")}`);
    }
    const tables: WriteFloor["tables"] = [];
    for (const { name, key } of TABLES) {
      const [count] = await executeRows<{ n: number }>(
        db,
        sql`SELECT count(*)::int AS n FROM ${qualified("public", name)}`,
      );
      const total = count?.n ?? 0;
      const started = performance.now();
      const copied = await copyTable(db, name, key, total, Math.max(1, chunks));
      if (copied !== total) {
        throw new Error(`the write floor copied ${copied} of ${total} rows of ${name}`);
      }
      tables.push({ table: name, rows: total, seconds: (performance.now() - started) / 1000 });
    }
    const seconds = tables.reduce((sum, t) => sum + t.seconds, 0);
    return { peoplePerSecond: people / seconds, seconds, tables };
  } finally {
    await db.execute(sql`DROP SCHEMA IF EXISTS ${sql.identifier(SCHEMA)} CASCADE`);
  }
}
