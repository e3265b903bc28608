/**
 * A file import's result does not depend on timing (issue 15): the duplicate-heavy set (many
 * records per person, common names, no email or phone) imported four rows at a time gives the
 * same contacts, record for record, as imported one row at a time — the per-person path in file
 * order — and the same again on a second run. Rows that share a guarded key run in file order
 * (`conflictGroups` in `importPeople.ts`); this is what shows it.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contactSync } from "../../lib/adapters/db/schema.js";
import { createStores } from "../../lib/adapters/db/stores.js";
import { openImportFile } from "../../lib/adapters/files/importFile.js";
import { importPeople } from "../../lib/app/importPeople.js";
import { systemClock } from "../../lib/app/ports.js";
import { writeDuplicateHeavyCsv } from "../bench/duplicateHeavy.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";

let database: TestDatabase;
let folder: string;
let file: string;

beforeAll(async () => {
  database = await openTestDatabase("pg");
  folder = await mkdtemp(join(tmpdir(), "contact-sync-determinism-"));
  file = join(folder, "duplicates.csv");
  await writeDuplicateHeavyCsv(file, { records: 600, seed: 7 });
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
  await database?.cleanup();
});

/** Imports the file into a new property; resolves with the records grouped by contact. */
async function importOnce(concurrency: number): Promise<string[][]> {
  const stores = createStores(database.handle.db);
  const property = await stores.properties.ensureResmanProperty({ resmanPropertyId: randomUUID() });
  const opened = await openImportFile(file);
  try {
    const summary = await importPeople(
      { store: stores.contacts, clock: systemClock },
      { property, records: opened.records, concurrency },
    );
    expect(summary.failed).toBe(0);
  } finally {
    opened.close();
  }
  const links = await database.handle.db
    .select({ personId: contactSync.personId, userId: contactSync.userId })
    .from(contactSync)
    .where(eq(contactSync.propertyId, property.id));
  const byContact = new Map<string, string[]>();
  for (const link of links) {
    const group = byContact.get(String(link.userId)) ?? [];
    group.push(String(link.personId));
    byContact.set(String(link.userId), group);
  }
  return [...byContact.values()]
    .map((group) => group.sort())
    .sort((a, b) => (a[0] ?? "").localeCompare(b[0] ?? ""));
}

describe("import of a duplicate-heavy file", () => {
  it("gives the same contacts four rows at a time as one at a time, run after run", async () => {
    const serial = await importOnce(1);
    // Many records per person really were put together.
    expect(serial.length).toBeLessThan(150);
    expect(serial.length).toBeGreaterThan(40);
    expect(await importOnce(4)).toEqual(serial);
    expect(await importOnce(4)).toEqual(serial);
  });
});
