/**
 * The embedded database shared over its socket: several connections querying at once each get
 * their own results. PGlite has one session; without `embeddedQueue.ts` a parameterised query
 * of one connection could run another's statement (pglite issue #1046) and return its rows.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../lib/adapters/db/client.js";
import { executeRows } from "../../lib/adapters/db/sqlRows.js";

let dir: string;
let handle: DatabaseHandle;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "contact-sync-socket-"));
  handle = await openDatabase({ driver: "pglite", dataDir: join(dir, "db"), maxConnections: 8 });
});

afterAll(async () => {
  await handle?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the embedded database's socket", () => {
  it("keeps each connection's parameterised queries apart under concurrency", async () => {
    const queries = Array.from({ length: 400 }, (_, n) =>
      executeRows<{ n: number; tag: string }>(
        handle.db,
        sql`select ${n}::int as n, ${`tag-${n}`}::text as tag, repeat('x', ${n % 50}) as pad`,
      ),
    );
    const results = await Promise.all(queries);
    const wrong = results.filter(
      (rows, n) => rows.length !== 1 || rows[0]?.n !== n || rows[0]?.tag !== `tag-${n}`,
    );
    expect(wrong).toEqual([]);
  });

  it("keeps a transaction's statements on its connection while others query", async () => {
    await executeRows(handle.db, sql`create table if not exists t (n int)`);
    const inTransaction = handle.db.transaction(async (tx) => {
      for (let n = 0; n < 50; n++) await tx.execute(sql`insert into t values (${n})`);
      const [row] = await executeRows<{ c: number }>(tx, sql`select count(*)::int as c from t`);
      return row?.c;
    });
    const others = Array.from({ length: 100 }, (_, n) =>
      executeRows<{ n: number }>(handle.db, sql`select ${n}::int as n`),
    );
    const [count, ...rest] = await Promise.all([inTransaction, ...others]);
    expect(count).toBe(50);
    expect(rest.map((rows) => rows[0]?.n)).toEqual(others.map((_, n) => n));
  });
});
