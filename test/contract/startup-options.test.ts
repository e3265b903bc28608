/**
 * What every server connection is started with: the project's `-c jit=off`, then the
 * operator's `PGOPTIONS` (`pgOptions`), so a setting named in both is the operator's — on
 * node-postgres and on the Neon driver through the local WebSocket proxy.
 */
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { toStoreError } from "../../lib/adapters/db/errors.js";
import { executeRows } from "../../lib/adapters/db/sqlRows.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";

const opened: TestDatabase[] = [];
afterEach(async () => {
  for (const database of opened.splice(0)) await database.cleanup();
});

/** `SHOW name` on a pooled connection of `database`. */
async function show(database: TestDatabase, name: "jit" | "statement_timeout"): Promise<string> {
  const [row] = await executeRows<Record<string, string>>(
    database.handle.db,
    sql.raw(`show ${name}`),
  );
  return row?.[name] ?? "";
}

describe.each(["pg", "neon"] as const)("startup options on %s", (driver) => {
  it("turns JIT off on every connection, and adds the operator's options after it", async () => {
    const plain = await openTestDatabase(driver, { migrate: false });
    opened.push(plain);
    expect(await show(plain, "jit")).toBe("off");

    const tuned = await openTestDatabase(driver, {
      migrate: false,
      pgOptions: " -c statement_timeout=4321 ",
    });
    opened.push(tuned);
    expect(await show(tuned, "jit")).toBe("off");
    expect(await show(tuned, "statement_timeout")).toBe("4321ms");
  });

  it("lets the operator's options override the project's", async () => {
    const database = await openTestDatabase(driver, { migrate: false, pgOptions: "-c jit=on" });
    opened.push(database);
    expect(await show(database, "jit")).toBe("on");
  });

  it("names an unknown setting of the operator's options in the error, and nothing else", async () => {
    const database = await openTestDatabase(driver, {
      migrate: false,
      pgOptions: "-c no_such_setting=1",
    });
    opened.push(database);
    const error = await show(database, "jit").then(
      () => new Error("the connection was accepted"),
      (thrown: unknown) => toStoreError(thrown, "read stats"),
    );
    expect((error as Error).message).toBe(
      'read stats: database error (42704: unrecognized configuration parameter "no_such_setting")',
    );
  });
});
