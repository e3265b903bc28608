/**
 * The set-based import decides as the per-person path does (issue 15): on the duplicate-heavy
 * set (many records per person, common names, no email or phone), on the generated set
 * (emails, phones, addresses, typos, households) and on the quality bench's messy set (the
 * worst noise, namesakes, many contacts created in one wave that tie on creation time),
 * `importPeople` in waves gives the same contacts, record for record, and the same link
 * statuses as `syncPerson` called row by row in file order — with chunks of the default size
 * and with small chunks, so that a person's records span chunks — and the same again on a
 * second run.
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
import { syncPerson } from "../../lib/app/syncPerson.js";
import { InvalidInputError } from "../../lib/domain/errors.js";
import { personFromImportRow } from "../../lib/domain/importRow.js";
import { writePeopleCsv } from "../../lib/local/peopleGenerator.js";
import { writeDuplicateHeavyCsv } from "../bench/duplicateHeavy.js";
import { writeImportCsv } from "../bench/importCsv.js";
import { generateMessyContacts } from "../bench/messyContacts.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";

let database: TestDatabase;
let folder: string;
let duplicates: string;
let generated: string;
let messy: string;
/** The messy set's property office phone, which a few of its records carry. */
const MESSY_OFFICE_PHONE = "7205550100";

beforeAll(async () => {
  database = await openTestDatabase("pg");
  folder = await mkdtemp(join(tmpdir(), "contact-sync-determinism-"));
  duplicates = join(folder, "duplicates.csv");
  generated = join(folder, "generated.csv");
  await writeDuplicateHeavyCsv(duplicates, { records: 600, seed: 7 });
  await writePeopleCsv(generated, { seed: 11, rows: 600 });
  messy = join(folder, "messy.csv");
  // The quality bench's messy set itself: before contact ids were time-ordered, contacts one
  // wave created tied on creation time and a few of its records went to a random one of them.
  const rows = generateMessyContacts({ seed: 20_261_202, officePhone: MESSY_OFFICE_PHONE });
  await writeImportCsv(
    messy,
    [...rows].map(({ row }) => row),
  );
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
  await database?.cleanup();
});

const deps = () => ({ store: createStores(database.handle.db).contacts, clock: systemClock });

/** A new property, with the messy set's office phone for that set. */
async function newProperty(file: string) {
  const stores = createStores(database.handle.db);
  return stores.properties.ensureResmanProperty({
    resmanPropertyId: randomUUID(),
    ...(file === messy ? { officePhone: MESSY_OFFICE_PHONE } : {}),
  });
}

/** The set-based import of the file into a new property; resolves with its id. */
async function importInWaves(file: string, chunkRows?: number): Promise<string> {
  const property = await newProperty(file);
  const opened = await openImportFile(file);
  try {
    const summary = await importPeople(deps(), {
      property,
      records: opened.records,
      ...(chunkRows === undefined ? {} : { chunkRows }),
    });
    expect(summary.failed).toBe(0);
  } finally {
    opened.close();
  }
  return property.id;
}

/** The per-person path: each accepted row synced on its own, in file order. */
async function importOneByOne(file: string): Promise<string> {
  const property = await newProperty(file);
  const opened = await openImportFile(file);
  const seen = new Set<string>();
  try {
    for await (const record of opened.records) {
      if (record.fields === undefined) continue;
      const mapped = personFromImportRow(record.fields);
      if (!mapped.ok || seen.has(mapped.person.person_id)) continue;
      seen.add(mapped.person.person_id);
      await syncPerson(deps(), { property, person: mapped.person }).catch((error: unknown) => {
        if (!(error instanceof InvalidInputError)) throw error;
      });
    }
  } finally {
    opened.close();
  }
  return property.id;
}

/** The property's records grouped by contact, each with its link status. */
async function contactsOf(propertyId: string): Promise<string[][]> {
  const links = await database.handle.db
    .select({
      personId: contactSync.personId,
      userId: contactSync.userId,
      status: contactSync.syncStatus,
    })
    .from(contactSync)
    .where(eq(contactSync.propertyId, propertyId));
  const byContact = new Map<string, string[]>();
  for (const link of links) {
    const group = byContact.get(String(link.userId)) ?? [];
    group.push(`${link.personId}:${link.status}`);
    byContact.set(String(link.userId), group);
  }
  return [...byContact.values()]
    .map((group) => group.sort())
    .sort((a, b) => (a[0] ?? "").localeCompare(b[0] ?? ""));
}

describe("the set-based import", () => {
  it("decides as the per-person path on the duplicate-heavy set, run after run", async () => {
    const serial = await contactsOf(await importOneByOne(duplicates));
    // Many records per person really were put together.
    expect(serial.length).toBeLessThan(150);
    expect(serial.length).toBeGreaterThan(40);
    expect(await contactsOf(await importInWaves(duplicates))).toEqual(serial);
    expect(await contactsOf(await importInWaves(duplicates, 50))).toEqual(serial);
    expect(await contactsOf(await importInWaves(duplicates))).toEqual(serial);
  });

  it("decides as the per-person path on the generated set", async () => {
    const serial = await contactsOf(await importOneByOne(generated));
    // Some records were merged, some were left for review.
    expect(serial.some((group) => group.length > 1)).toBe(true);
    expect(serial.flat().some((link) => link.endsWith(":pending"))).toBe(true);
    expect(await contactsOf(await importInWaves(generated))).toEqual(serial);
    expect(await contactsOf(await importInWaves(generated, 50))).toEqual(serial);
  });

  it("decides as the per-person path on the messy set, run after run", async () => {
    const serial = await contactsOf(await importOneByOne(messy));
    expect(serial.some((group) => group.length > 1)).toBe(true);
    expect(await contactsOf(await importInWaves(messy))).toEqual(serial);
    expect(await contactsOf(await importInWaves(messy, 50))).toEqual(serial);
  });
});
