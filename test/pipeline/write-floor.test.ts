/**
 * `bench:import`'s write floor (`test/bench/writeFloor.ts`) on every driver: it copies exactly
 * the rows an import wrote into copies of their tables that carry the same indexes, constraints
 * and storage options, leaves the imported rows as they were, and drops its copies; and its
 * check of the copies notices a missing index or foreign key.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeRows } from "../../lib/adapters/db/sqlRows.js";
import { createStores } from "../../lib/adapters/db/stores.js";
import { openImportFile } from "../../lib/adapters/files/importFile.js";
import { importPeople } from "../../lib/app/importPeople.js";
import { systemClock } from "../../lib/app/ports.js";
import { writePeopleCsv } from "../../lib/local/peopleGenerator.js";
import { copyDifferences, makeCopies, measureWriteFloor } from "../bench/writeFloor.js";
import { allDrivers, openTestDatabase, type TestDatabase } from "../support/drivers.js";

const TABLES = [
  "user",
  "contact_sync",
  "contact_merge_history",
  "contact_review",
  "outbox_event",
  "identity_key",
];
const PEOPLE = 300;

let folder: string;
let file: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "contact-sync-write-floor-"));
  file = join(folder, "people.csv");
  await writePeopleCsv(file, { seed: 5, rows: PEOPLE });
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe.each(allDrivers)("the write floor on %s", (driver) => {
  let database: TestDatabase;
  const query = <T>(text: string): Promise<T[]> =>
    executeRows<T>(database.handle.db, sql.raw(text));
  const counts = async () =>
    Object.fromEntries(
      await Promise.all(
        TABLES.map(async (table) => {
          const [row] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`);
          return [table, row?.n] as const;
        }),
      ),
    );
  const floorSchemas = async () =>
    (
      await query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'write_floor'",
      )
    )[0]?.n;

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    const stores = createStores(database.handle.db);
    const property = await stores.properties.ensureResmanProperty({
      resmanPropertyId: "9b1f0c3e-2d4a-4f6b-8e7c-1a2b3c4d5e6f",
    });
    const opened = await openImportFile(file);
    await importPeople(
      { store: stores.contacts, clock: systemClock },
      { property, records: opened.records, chunkRows: 100 },
    );
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  it("copies every row the import wrote, leaves them as they were and drops its copies", async () => {
    const before = await counts();
    expect(before.user).toBeGreaterThan(0);
    expect(before.identity_key).toBeGreaterThan(before.user as number);

    const floor = await measureWriteFloor(database.handle, PEOPLE, 100);

    expect(floor.tables.map((t) => t.table)).toEqual(TABLES);
    expect(Object.fromEntries(floor.tables.map((t) => [t.table, t.rows]))).toEqual(before);
    expect(floor.seconds).toBeCloseTo(
      floor.tables.reduce((sum, t) => sum + t.seconds, 0),
      6,
    );
    expect(floor.peoplePerSecond).toBeCloseTo(PEOPLE / floor.seconds, 6);
    expect(await counts()).toEqual(before);
    expect(await floorSchemas()).toBe(0);
  });

  it("makes faithful copies, and names what a copy lacks", async () => {
    await makeCopies(database.handle.db);
    try {
      expect(await copyDifferences(database.handle.db)).toEqual([]);
      const [gin] = await query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'write_floor' AND tablename = 'user' AND indexdef LIKE '%gin%block_keys%'",
      );
      expect(gin).toBeDefined();
      await query(`DROP INDEX write_floor."${gin?.indexname}"`);
      await query(
        'ALTER TABLE write_floor.contact_sync DROP CONSTRAINT "contact_sync_user_property_fkey"',
      );
      await query('ALTER TABLE write_floor."user" RESET (fillfactor)');

      const differences = await copyDifferences(database.handle.db);
      expect(differences).toHaveLength(4);
      expect(differences).toContainEqual(
        expect.stringMatching(
          /^user: the copy lacks index gin \(block_keys_in_property\(property_id, block_keys\)\)/,
        ),
      );
      expect(differences).toContainEqual(
        expect.stringMatching(
          /^contact_sync: the copy lacks constraint f FOREIGN KEY \(user_id, property_id\)/,
        ),
      );
      expect(differences).toContainEqual("user: the copy lacks options fillfactor=80");
      expect(differences).toContainEqual("user: the copy adds options ");
    } finally {
      await query("DROP SCHEMA write_floor CASCADE");
    }
  });
});
