/**
 * The set-based file import (`importPeople` → `syncInWaves`), on a real driver: it writes what
 * the one-person path writes for the same rows in the same order, and a sync of the same
 * people running while it imports (a webhook, a worker) never gives anyone a second contact or
 * link (design §6 invariants 1 and 2), a chunk's snapshot reader, which does not send again
 * the contacts it read unchanged and reads persons again from memory after its own waves, reads
 * what a fresh read reads (and what another writer wrote meanwhile is refused by the guard), and
 * a queue batch's waves claim each delivery's inbox entry once. One concern — the set-based
 * sync's contract — over 400 lines because each of those needs its own fixture.
 */
import { isDeepStrictEqual } from "node:util";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { lockId } from "../../lib/adapters/db/keyVersions.js";
import { DrizzleOutboxStore, eventOf } from "../../lib/adapters/db/outboxRepository.js";
import {
  PREPARED,
  PREPARED_RENEWED,
  RENEW_FIRST,
} from "../../lib/adapters/db/preparedStatements.js";
import { NOT_YET_TIME } from "../../lib/adapters/db/rememberedReadings.js";
import {
  contactMergeHistory,
  contactReview,
  contactSync,
  identityKey,
  outboxEvent,
  processedEvent,
  user,
} from "../../lib/adapters/db/schema.js";
import { splitRead } from "../../lib/adapters/db/snapshotReads.js";
import { createStores } from "../../lib/adapters/db/stores.js";
import { type ImportRecord, importPeople } from "../../lib/app/importPeople.js";
import type {
  Guarded,
  PropertyContext,
  SnapshotReader,
  SnapshotRequest,
  SyncSnapshot,
} from "../../lib/app/ports.js";
import { planSync, prepareSync, snapshotRequestOf, syncPerson } from "../../lib/app/syncPerson.js";
import { syncInWaves, type WaveOutcome } from "../../lib/app/syncWaves.js";
import type { DriverName } from "../../lib/config.js";
import { MAX_BLOCK_SIZE } from "../../lib/domain/blocking.js";
import type { OutboundEvent } from "../../lib/domain/events.js";
import { personFromImportRow } from "../../lib/domain/importRow.js";
import {
  blockLockKeys,
  commonLockKeys,
  guardedLockKeys,
  personLockKey,
} from "../../lib/domain/lockKeys.js";
import { generatePeople } from "../../lib/local/peopleGenerator.js";
import { openTestDatabase } from "../support/drivers.js";
import { comparable, newProperty, propertySnapshot, syncSuite } from "./fixtures.js";

const clock = { now: () => new Date("2026-11-01T12:00:00Z") };

type Row = Record<string, string>;

/** Rows as a file import reads them. */
async function* recordsOf(rows: readonly Row[]): AsyncIterable<ImportRecord> {
  for (const [i, fields] of rows.entries()) yield { line: i + 2, fields };
}

/**
 * Rows exercising every write: new people, a second record of one by email (a merge), people
 * sharing a surname and street, a record in the review band (same name, one birth-date digit
 * off, no email or phone), a household sharing a phone (two contacts), twins (a review item), a
 * row without identity (rejected), and a row whose person repeats (rejected).
 */
function mixedRows(): Row[] {
  const rows: Row[] = [];
  for (let n = 0; n < 24; n += 1) {
    const last = ["Ray", "Oak", "Elm"][n % 3] ?? "Ray";
    rows.push({
      external_id: `P${n}`,
      first_name: ["Ann", "Ben", "Cy", "Dee", "Eve", "Fay", "Gus", "Hal"][n % 8] ?? "Ann",
      last_name: last,
      email: `person${n}@mailbox.dev`,
      phone: `(212) 555-${String(1000 + n)}`,
      address_line1: `${10 + (n % 4)} Main Street`,
      postal_code: "10001",
    });
  }
  rows.push({
    external_id: "P3b",
    first_name: "Dee",
    last_name: "Ray",
    email: "PERSON3@mailbox.dev",
  });
  rows.push({
    external_id: "Q1",
    first_name: "Ivy",
    last_name: "Stone",
    date_of_birth: "1980-04-12",
  });
  rows.push({
    external_id: "Q2",
    first_name: "Ivy",
    last_name: "Stone",
    date_of_birth: "1980-04-13",
  });
  rows.push({ external_id: "H1", first_name: "Jo", last_name: "Lake", phone: "212-555-7777" });
  rows.push({ external_id: "H2", first_name: "Kim", last_name: "Lake", phone: "212.555.7777" });
  // Twins (one email, phone and birth date, different first names): a pair for review.
  const twin = { last_name: "Quill", email: "family@mailbox.dev", phone: "(415) 555-0123" };
  rows.push({ external_id: "T1", first_name: "Dana", date_of_birth: "2001-05-06", ...twin });
  rows.push({ external_id: "T2", first_name: "Kim", date_of_birth: "2001-05-06", ...twin });
  rows.push({ external_id: "X1", email: "not-an-email" });
  rows.push({ external_id: "P5", first_name: "Fay", last_name: "Oak" });
  rows.push({ external_id: "P1c", first_name: "Ben", last_name: "Oak", phone: "(212) 555-1001" });
  return rows;
}

export function describeImportContract(driver: DriverName): void {
  describe(`set-based import on ${driver}`, () => {
    const suite = syncSuite(driver, clock);

    /** What a property holds besides contacts and links: counts by kind of row. */
    const sideRows = async (propertyId: string) => {
      const [merges, reviews, outbox] = await Promise.all([
        suite.db
          .select()
          .from(contactMergeHistory)
          .where(eq(contactMergeHistory.propertyId, propertyId)),
        suite.db.select().from(contactReview).where(eq(contactReview.propertyId, propertyId)),
        suite.db.select().from(outboxEvent).where(eq(outboxEvent.propertyId, propertyId)),
      ]);
      return {
        merges: merges.map((m) => m.personId).sort(),
        reviews: reviews.length,
        outbox: outbox.map((o) => `${o.personId}:${o.eventType}:${o.status}`).sort(),
      };
    };
    const statuses = async (propertyId: string) =>
      (await suite.db.select().from(contactSync).where(eq(contactSync.propertyId, propertyId)))
        .map((l) => `${l.personId}:${l.syncStatus}:${l.matchScore?.toFixed(6)}`)
        .sort();

    it("writes what the one-person path writes for the same rows in the same order", async () => {
      const rows = mixedRows();
      // The one-person path, row by row in file order.
      const serial = await newProperty(suite.db);
      const seen = new Set<string>();
      for (const fields of rows) {
        const mapped = personFromImportRow(fields);
        if (!mapped.ok || seen.has(mapped.person.person_id)) continue;
        seen.add(mapped.person.person_id);
        await syncPerson(suite.deps, { property: serial, person: mapped.person }).catch(() => null);
      }
      // The set-based import, in chunks small enough that rows of one person span chunks.
      for (const chunkRows of [7, 1000]) {
        const waves = await newProperty(suite.db);
        const summary = await importPeople(suite.deps, {
          property: waves,
          records: recordsOf(rows),
          chunkRows,
        });
        expect(summary.rejected).toBe(2);
        expect(summary.failed).toBe(0);
        expect(summary.merged).toBeGreaterThan(0);
        expect(summary.review).toBeGreaterThan(0);
        expect(comparable(await propertySnapshot(suite.db, waves.id))).toEqual(
          comparable(await propertySnapshot(suite.db, serial.id)),
        );
        expect(await statuses(waves.id)).toEqual(await statuses(serial.id));
        expect(await sideRows(waves.id)).toEqual(await sideRows(serial.id));
      }
    });

    it("sizes its chunks by the contacts their readings hold, with the same result", async () => {
      // 260 people, each a contact with its own email; then a second record of each (a new id,
      // the same email): every row of the second file reads its person's contact.
      const firsts = ["Ann", "Ben", "Cy", "Dee", "Eve", "Fay", "Gus", "Hal"];
      const lasts = ["Ash", "Birch", "Cole", "Dale", "Finch", "Grove", "Hart", "Judd"].flatMap(
        (stem) => ["field", "wood", "ton", "ley", "ford"].map((end) => `${stem}${end}`),
      );
      const person = (n: number, id: string): Row => ({
        external_id: id,
        first_name: firsts[n % firsts.length] ?? "Ann",
        last_name: lasts[Math.floor(n / firsts.length)] ?? "Ash",
        email: `person${n}@mailbox.dev`,
      });
      const first = Array.from({ length: 260 }, (_, n) => person(n, `A${n}`));
      const second = Array.from({ length: 260 }, (_, n) => person(n, `B${n}`));
      /** Imports `second` after `first`; the records read when each row of it was done. */
      const imported = async (chunkContacts?: number) => {
        const property = await newProperty(suite.db);
        await importPeople(suite.deps, { property, records: recordsOf(first) });
        let pulled = 0;
        async function* counted(): AsyncIterable<ImportRecord> {
          for await (const record of recordsOf(second)) {
            pulled += 1;
            yield record;
          }
        }
        const boundaries = new Set<number>();
        const summary = await importPeople(suite.deps, {
          property,
          records: counted(),
          chunkRows: 120,
          ...(chunkContacts === undefined ? {} : { chunkContacts }),
          onProgress: () => boundaries.add(pulled),
        });
        return { property, summary, boundaries: [...boundaries] };
      };
      const fixed = await imported();
      const bounded = await imported(30);
      // 120 rows read 120 contacts, four times the 30: the next chunk is the smallest, 100 rows.
      expect(fixed.boundaries).toEqual([120, 240, 260]);
      expect(bounded.boundaries).toEqual([120, 220, 260]);
      expect(bounded.summary.merged).toBe(260);
      const counts = ({ propertyId, resmanPropertyId, ...rest }: typeof fixed.summary) => rest;
      expect(counts(bounded.summary)).toEqual(counts(fixed.summary));
      expect(comparable(await propertySnapshot(suite.db, bounded.property.id))).toEqual(
        comparable(await propertySnapshot(suite.db, fixed.property.id)),
      );
    });

    /** Generated rows (records of one person, shared names and streets) as a file has them. */
    const generatedRows = (seed: number, rows: number): Row[] =>
      [...generatePeople({ seed, rows })].map(({ row }) => ({ ...row }));

    it("an import whose chunk reads are split in two statements writes what one statement a read writes", async () => {
      // Chunks of 300 rows: from the second on, each chunk's read is split into two parts.
      const rows = generatedRows(31, 600);
      expect(splitRead([...rows.keys()].slice(0, 300), 2)).toHaveLength(2);
      const imported = async (readParts: number) => {
        const property = await newProperty(suite.db);
        const deps = { store: createStores(suite.db, { readParts }).contacts, clock };
        const summary = await importPeople(deps, {
          property,
          records: recordsOf(rows),
          chunkRows: 300,
        });
        return { property, summary };
      };
      const one = await imported(1);
      const split = await imported(2);
      expect(one.summary.merged).toBeGreaterThan(0);
      const counts = ({ propertyId, resmanPropertyId, ...rest }: typeof one.summary) => rest;
      expect(counts(split.summary)).toEqual(counts(one.summary));
      expect(comparable(await propertySnapshot(suite.db, split.property.id))).toEqual(
        comparable(await propertySnapshot(suite.db, one.property.id)),
      );
      expect(await statuses(split.property.id)).toEqual(await statuses(one.property.id));
      expect(await sideRows(split.property.id)).toEqual(await sideRows(one.property.id));
    });

    it("a read split in two reads what one statement reads, with one object per contact", async () => {
      const property = await newProperty(suite.db);
      const rows = generatedRows(32, 500);
      await importPeople(suite.deps, { property, records: recordsOf(rows.slice(0, 250)) });
      const requests = rows.slice(250).flatMap((fields) => {
        const mapped = personFromImportRow(fields);
        return mapped.ok ? [snapshotRequestOf(prepareSync(property, mapped.person, clock))] : [];
      });
      const parts = splitRead([...requests.keys()], 2);
      expect(parts).toHaveLength(2);
      const reader = createStores(suite.db, { readParts: 2 }).contacts.snapshotReader(property.id);
      const split = await reader.read(requests);
      expect(split).toEqual(await suite.deps.store.readSnapshots(property.id, requests));
      // A contact both parts read is one object (none of these persons has a link, so each sees
      // it alike).
      const [first = [], second = []] = parts.map((part) =>
        part.flatMap((i) => split[i]?.contacts ?? []),
      );
      const inFirst = new Map(first.map((contact) => [contact.id, contact]));
      const shared = second.filter((contact) => inFirst.has(contact.id));
      expect(shared.length).toBeGreaterThan(0);
      for (const contact of shared) expect(contact).toBe(inFirst.get(contact.id));
    });

    /** Twelve rows of the mixed set as snapshot requests; half of their people already synced. */
    const readerPeople = (rows: Row[]) =>
      rows.slice(0, 12).flatMap((fields) => {
        const mapped = personFromImportRow(fields);
        return mapped.ok ? [mapped.person] : [];
      });
    const readerCase = async () => {
      const property = await newProperty(suite.db);
      const rows = mixedRows();
      const people = readerPeople(rows);
      // Half of them known, so that the other half has candidates (shared surnames, streets).
      for (const person of people.slice(0, 6)) await syncPerson(suite.deps, { property, person });
      const requests = people.map((person) =>
        snapshotRequestOf(prepareSync(property, person, clock)),
      );
      return { property, rows, requests };
    };

    it("a snapshot reader hands back the contacts it read, as the same objects, while they are unchanged", async () => {
      const { property, requests } = await readerCase();
      const reader = suite.deps.store.snapshotReader(property.id);
      const first = await reader.read(requests);
      const again = await reader.read(requests);
      expect(again).toEqual(first);
      const contacts = (snapshots: typeof first) => snapshots.flatMap((s) => s.contacts);
      expect(contacts(first).length).toBeGreaterThan(0);
      // The matcher keeps the comparison forms of a contact's values per object.
      contacts(again).forEach((contact, i) => {
        expect(contact).toBe(contacts(first)[i]);
      });
      // A plain read decodes its own.
      const plain = await suite.deps.store.readSnapshots(property.id, requests);
      expect(contacts(plain)[0]).not.toBe(contacts(first)[0]);
    });

    /** A person's sync written as a one-row wave through `reader`, on the reader's reading. */
    const waveThrough = async (
      reader: SnapshotReader,
      property: PropertyContext,
      request: SnapshotRequest,
      prepared: ReturnType<typeof prepareSync>,
    ) => {
      const [reading] = await reader.read([request]);
      if (reading === undefined) throw new Error("no reading");
      const plan = planSync(suite.deps, property, prepared, reading);
      if (plan.write === null) throw new Error("nothing to write");
      const { contact } = plan.write;
      const [outcome] = await reader.writeWave([
        {
          write: plan.write,
          announce: plan.announce,
          guard: {
            keys: guardedLockKeys(prepared.locks, reading.commonKeys),
            keyVersions: reading.keyVersions,
            unchanged: commonLockKeys(prepared.locks, reading.commonKeys),
            contactVersion: contact.isNew ? null : (reading.contactVersions.get(contact.id) ?? -1),
          },
        },
      ]);
      return outcome;
    };
    /** A neighbour: one more contact on the fixture rows' postal code and street. */
    const neighbour = (externalId: string) => {
      const mapped = personFromImportRow({
        external_id: externalId,
        first_name: "Zed",
        last_name: "Quill",
        email: `${externalId.toLowerCase()}@mailbox.dev`,
        address_line1: "11 Main Street",
        postal_code: "10001",
      });
      if (!mapped.ok) throw new Error("fixture row refused");
      return mapped.person;
    };

    it("a snapshot reader reads persons again after its own wave as a fresh read does, from memory", async () => {
      const { property, requests } = await readerCase();
      const reader = suite.deps.store.snapshotReader(property.id);
      const first = await reader.read(requests);
      expect(first).toEqual(await suite.deps.store.readSnapshots(property.id, requests));
      const prepared = prepareSync(property, neighbour("N1"), clock);
      expect(
        await waveThrough(reader, property, snapshotRequestOf(prepared), prepared),
      ).toMatchObject({ status: "applied" });
      const again = await reader.read(requests);
      expect(again).toEqual(await suite.deps.store.readSnapshots(property.id, requests));
      // The neighbour's keys moved the counts of the rows' address keys.
      expect(again.map((s) => s.keyCounts)).not.toEqual(first.map((s) => s.keyCounts));
    });

    it("a snapshot reader's reading from memory misses another writer's write, whose guard then refuses it", async () => {
      const { property, requests } = await readerCase();
      const reader = suite.deps.store.snapshotReader(property.id);
      await reader.read(requests);
      // A wave of its own, so that it reads from memory again.
      const own = prepareSync(property, neighbour("N1"), clock);
      await waveThrough(reader, property, snapshotRequestOf(own), own);
      await reader.read(requests);
      // Another writer: a second neighbour, on the same keys.
      await syncPerson(suite.deps, { property, person: neighbour("N2") });
      const fresh = await suite.deps.store.readSnapshots(property.id, requests);
      const remembered = await reader.read(requests);
      const missed = remembered.findIndex(
        (snapshot, i) => snapshot.link === null && !isDeepStrictEqual(snapshot, fresh[i]),
      );
      expect(missed).toBeGreaterThanOrEqual(0);
      // Its write on that reading is refused, and the reader forgets: it reads what is there.
      const request = requests[missed];
      if (request === undefined) throw new Error("no request");
      const people = readerPeople(mixedRows());
      const person = people.find((p) => p.person_id === request.personId);
      if (person === undefined) throw new Error("no person");
      const prepared = prepareSync(property, person, clock);
      expect(await waveThrough(reader, property, request, prepared)).toEqual({
        status: "conflict",
      });
      // (The refused write bumped its keys, as every wave's statement does.)
      expect(await reader.read(requests)).toEqual(
        await suite.deps.store.readSnapshots(property.id, requests),
      );
    });

    it("a key too common to search by that a merge bumped after the reading refuses the write", async () => {
      const property = await newProperty(suite.db);
      /** One more Quill: a surname shared by more contacts than a block may hold. */
      const quill = (n: number) => {
        const mapped = personFromImportRow({
          external_id: `Q${n}`,
          first_name: `Zed${String.fromCharCode(97 + (n % 26))}${String.fromCharCode(97 + Math.floor(n / 26))}`,
          last_name: "Quill",
          email: `quill${n}@mailbox.dev`,
        });
        if (!mapped.ok) throw new Error("fixture row refused");
        return mapped.person;
      };
      for (let n = 0; n <= MAX_BLOCK_SIZE; n += 1) {
        await syncPerson(suite.deps, { property, person: quill(n) });
      }
      const prepared = prepareSync(property, quill(MAX_BLOCK_SIZE + 1), clock);
      const request = snapshotRequestOf(prepared);
      // Read twice through one reader: the second time from memory, the key remembered as common.
      const reader = suite.deps.store.snapshotReader(property.id);
      await reader.read([request]);
      const [reading] = await reader.read([request]);
      const common = reading?.commonKeys ?? [];
      expect(common.length).toBeGreaterThan(0);
      expect(commonLockKeys(prepared.locks, common)).toEqual(blockLockKeys(common));
      // A merge (or unmerge) bumps every key it touches, the too-common one included.
      await suite.deps.store.transaction((tx) =>
        tx.claimAndLock(property.id, blockLockKeys(common)),
      );
      expect(await waveThrough(reader, property, request, prepared)).toEqual({
        status: "conflict",
      });
      // Read again (the reader forgot), nothing changed meanwhile: it applies.
      expect(await waveThrough(reader, property, request, prepared)).toMatchObject({
        status: "applied",
      });
    });

    it("an import's readings from memory are what the database reads at the same moment", async () => {
      const property = await newProperty(suite.db);
      const store = suite.deps.store;
      const snapshotReader = store.snapshotReader;
      let compared = 0;
      let comparedAhead = 0;
      const differing: (string | undefined)[] = [];
      const ahead: {
        requests: readonly SnapshotRequest[];
        read: (Guarded<SyncSnapshot> | undefined)[];
      }[] = [];
      store.snapshotReader = (propertyId) => {
        const reader = snapshotReader.call(store, propertyId);
        return {
          read: async (requests) => {
            const read = await reader.read(requests);
            // Compared here, asserted after the import: a throw inside a read would only send
            // the chunk's rows down the one-person path.
            const fresh = await store.readSnapshots(propertyId, requests);
            read.forEach((snapshot, i) => {
              if (!isDeepStrictEqual(snapshot, fresh[i])) differing.push(requests[i]?.personId);
            });
            compared += requests.length;
            return read;
          },
          writeWave: async (writes, options) => {
            const outcomes = await reader.writeWave(writes, options);
            // Readings taken ahead while the wave was in flight, once it returned, if they
            // stand: what the database reads now, but for the creation time of the wave's new
            // contacts, taken as after every other's (`NOT_YET_TIME`), which it must be.
            const held = reader.aheadHeld();
            for (const { requests, read } of ahead.splice(0)) {
              if (!held) continue;
              const fresh = await store.readSnapshots(propertyId, requests);
              read.forEach((snapshot, i) => {
                const now = fresh[i];
                if (snapshot === undefined || now === undefined) return;
                const known = snapshot.contacts.filter((c) => c.createdAt !== NOT_YET_TIME);
                const latest = Math.max(0, ...known.map((c) => c.createdAt.getTime()));
                const contacts = snapshot.contacts.map((c, j) => {
                  const created = now.contacts[j]?.createdAt;
                  if (c.createdAt !== NOT_YET_TIME || created === undefined) return c;
                  if (created.getTime() <= latest) differing.push(requests[i]?.personId);
                  return { ...c, createdAt: created };
                });
                if (!isDeepStrictEqual({ ...snapshot, contacts }, now)) {
                  differing.push(requests[i]?.personId);
                }
                comparedAhead += 1;
              });
            }
            return outcomes;
          },
          forget: () => reader.forget(),
          readAhead: (requests) => {
            const read = reader.readAhead(requests);
            ahead.push({ requests, read });
            return read;
          },
          aheadHeld: () => reader.aheadHeld(),
        };
      };
      try {
        const rows = [
          ...mixedRows(),
          ...mixedRows().map((row) => ({ ...row, external_id: `${row.external_id}b` })),
        ];
        const summary = await importPeople(suite.deps, {
          property,
          records: recordsOf(rows),
          chunkRows: 1000,
        });
        expect(summary.failed).toBe(0);
        expect(summary.merged).toBeGreaterThan(0);
        // The same people again, each with something new: every row has a link now (not a
        // replay), and those read again after the chunk's waves are read from memory too; a few
        // under a new name, whose keys no longer find their linked contact (the link does).
        const renamed = (i: number) =>
          i % 6 === 5 ? { first_name: "Zed", last_name: `Quill${i}` } : {};
        const again = await importPeople(suite.deps, {
          property,
          records: recordsOf(
            rows.map((row, i) => ({ ...row, address_line2: "Unit 2", ...renamed(i) })),
          ),
          chunkRows: 1000,
        });
        expect(again.failed).toBe(0);
        expect(again.updated + again.merged).toBeGreaterThan(0);
      } finally {
        store.snapshotReader = snapshotReader;
      }
      expect(differing).toEqual([]);
      // Rows read again after the chunk's own waves, besides the chunk's first read, from
      // memory when asked or ahead of their wave.
      expect(compared + comparedAhead).toBeGreaterThan(mixedRows().length * 2);
      // PGlite runs a statement in this process before the event loop turns: when the import
      // reads ahead, its wave has returned already (nothing is read ahead, nothing to compare).
      if (driver === "pglite") expect(comparedAhead).toBe(0);
      else expect(comparedAhead).toBeGreaterThan(0);
    });

    it("a queue batch in waves claims each delivery once: a redelivery writes nothing", async () => {
      const property = await newProperty(suite.db);
      /** Rows of the mixed set as queue deliveries (each with an event id of its own). */
      const deliveries = (from: number, to: number, label: string) =>
        mixedRows()
          .slice(from, to)
          .flatMap((fields, i) => {
            const mapped = personFromImportRow(fields);
            if (!mapped.ok) return [];
            const person = mapped.person;
            const event = { source: "resman", id: `${label}-${property.id}-${i}` };
            return [{ person, prepared: prepareSync(property, person, clock), event }];
          });
      const rows = deliveries(0, 6, "delivery");
      const outcomesOf = async () => {
        const outcomes: string[] = [];
        await syncInWaves(suite.deps, property, rows, (_row, outcome) => {
          outcomes.push("result" in outcome ? outcome.result.outcome : "error");
        });
        return outcomes.sort();
      };
      const inbox = async () =>
        (
          await suite.db
            .select()
            .from(processedEvent)
            .where(eq(processedEvent.propertyId, property.id))
        )
          .map((e) => e.eventId)
          .sort();
      expect(await outcomesOf()).toEqual(rows.map(() => "created"));
      expect(await inbox()).toEqual(rows.map((r) => r.event.id).sort());
      const before = comparable(await propertySnapshot(suite.db, property.id));
      // The same deliveries again: each finds its entry, nothing is written.
      expect(await outcomesOf()).toEqual(rows.map(() => "duplicate_event"));
      expect(comparable(await propertySnapshot(suite.db, property.id))).toEqual(before);
      // A delivery whose entry another delivery claims between the read and the wave's write
      // writes nothing; the rest of the wave is written.
      const late = deliveries(6, 10, "late");
      const first = late[0];
      if (first === undefined) throw new Error("fixture rows refused");
      const store = suite.deps.store;
      const snapshotReader = store.snapshotReader;
      store.snapshotReader = (propertyId) => {
        const reader = snapshotReader.call(store, propertyId);
        return {
          read: (requests) => reader.read(requests),
          writeWave: async (writes, options) => {
            await suite.db
              .insert(processedEvent)
              .values({
                source: first.event.source,
                eventId: first.event.id,
                propertyId: property.id,
              })
              .onConflictDoNothing();
            return reader.writeWave(writes, options);
          },
          forget: () => reader.forget(),
          readAhead: (requests) => reader.readAhead(requests),
          aheadHeld: () => reader.aheadHeld(),
        };
      };
      // …in the wave itself: nobody falls back to the one-person path.
      const readSnapshot = store.readSnapshot;
      let alone = 0;
      store.readSnapshot = (...args) => {
        alone += 1;
        return readSnapshot.apply(store, args);
      };
      const outcomes = new Map<string, string>();
      try {
        await syncInWaves(suite.deps, property, late, (row, outcome) => {
          outcomes.set(row.event.id, "result" in outcome ? outcome.result.outcome : "error");
        });
      } finally {
        store.snapshotReader = snapshotReader;
        store.readSnapshot = readSnapshot;
      }
      expect(alone).toBe(0);
      expect([...outcomes.values()].sort()).toEqual(
        [...late.slice(1).map(() => "created"), "duplicate_event"].sort(),
      );
      const links = await suite.db
        .select()
        .from(contactSync)
        .where(eq(contactSync.propertyId, property.id));
      const linked = new Set(links.map((l) => l.personId));
      expect(linked.has(first.person.person_id)).toBe(false);
      expect(late.slice(1).every((row) => linked.has(row.person.person_id))).toBe(true);
    });

    it("a wave asked to claim its outbox rows returns the events a drain would read, no drain takes them, and a stamp publishes those it names", async () => {
      const property = await newProperty(suite.db);
      const rows = mixedRows()
        .slice(0, 8)
        .flatMap((fields) => {
          const mapped = personFromImportRow(fields);
          if (!mapped.ok) return [];
          return [{ person: mapped.person, prepared: prepareSync(property, mapped.person, clock) }];
        });
      const events: OutboundEvent[] = [];
      await syncInWaves(
        suite.deps,
        property,
        rows,
        (_row, outcome) => {
          if ("result" in outcome && outcome.event !== undefined) events.push(outcome.event);
        },
        { outboxClaimMs: 60_000 },
      );
      expect(events).toHaveLength(rows.length);
      const stored = await suite.db
        .select()
        .from(outboxEvent)
        .where(eq(outboxEvent.propertyId, property.id));
      const byId = new Map(stored.map((row) => [row.id, row]));
      for (const event of events) {
        const row = byId.get(event.detail.event_id);
        if (row === undefined) throw new Error("no outbox row for a returned event");
        expect(event).toEqual(eventOf(row));
        expect(row.attempts).toBe(1);
        expect(row.publishedAt).toBeNull();
        expect(row.claimedUntil?.getTime()).toBeGreaterThan(Date.now());
      }
      const outbox = new DrizzleOutboxStore(suite.db);
      const claimed = await outbox.claim(100, 1_000);
      expect(claimed.filter((event) => event.detail.property_id === property.id)).toEqual([]);
      // Published, three of them are stamped (one statement for any number): those alone.
      const stamped = new Set(events.slice(0, 3).map((event) => event.detail.event_id));
      await outbox.markPublished([...stamped]);
      const after = await suite.db
        .select()
        .from(outboxEvent)
        .where(eq(outboxEvent.propertyId, property.id));
      expect(after).toHaveLength(events.length);
      for (const row of after) {
        expect([row.publishedAt !== null, row.claimedUntil === null]).toEqual(
          stamped.has(row.id) ? [true, true] : [false, false],
        );
      }
    });

    // On pg: a database of its own, with two connections to read back. (The Neon driver's
    // proxy setting is global to the process, so a second Neon database would take the
    // suite's; its statements are named the same way and every test above runs them.)
    if (driver === "pg") {
      it("a wave's statement is prepared once per connection, whatever its size; the batch's read once it ran RENEW_FIRST times, then again at twice that", async () => {
        // Two connections (the migration needs both), each read back below.
        const database = await openTestDatabase(driver, { maxConnections: 2 });
        try {
          const { db } = database.handle;
          const deps = { store: createStores(db).contacts, clock };
          const property = await newProperty(db);
          const rowsOf = (from: number, to: number) =>
            mixedRows()
              .slice(from, to)
              .flatMap((fields) => {
                const mapped = personFromImportRow(fields);
                if (!mapped.ok) return [];
                const prepared = prepareSync(property, mapped.person, clock);
                return [{ person: mapped.person, prepared }];
              });
          const outcomes: string[] = [];
          const settle = (_row: unknown, outcome: WaveOutcome) => {
            outcomes.push("result" in outcome ? outcome.result.outcome : "error");
          };
          // Waves of three people, of one, and of several with more keys each.
          await syncInWaves(deps, property, rowsOf(0, 3), settle);
          await syncInWaves(deps, property, rowsOf(12, 13), settle);
          await syncInWaves(deps, property, rowsOf(20, 27), settle);
          expect(outcomes.filter((o) => o === "error")).toEqual([]);
          /** What both connections prepared: both asked at once, each held by its own sleep. */
          const preparedOnBoth = async () =>
            (
              await Promise.all(
                [0, 1].map(async () => {
                  const result = await db.execute(
                    sql`select name, statement, pg_sleep(0.2) from pg_prepared_statements
                      where name like 'cs_%'`,
                  );
                  return (result as unknown as { rows: { name: string; statement: string }[] })
                    .rows;
                }),
              )
            ).flat();
          const listed = await preparedOnBoth();
          const waves = listed.filter((row) => row.statement.startsWith(PREPARED));
          expect(new Set(waves.map((row) => row.name)).size).toBe(1);
          // The batch's read is prepared only after RENEW_FIRST executions on a connection.
          expect(listed.filter((row) => row.statement.startsWith(PREPARED_RENEWED))).toEqual([]);
          // Read sequentially (the pool hands back the same idle connection), 2.5 × RENEW_FIRST
          // times: prepared at RENEW_FIRST, prepared again at 2 × RENEW_FIRST, the first dropped
          // (the waves above read a few times: short of 4 × RENEW_FIRST, the next renewal).
          const reader = deps.store.snapshotReader(property.id);
          const [first] = rowsOf(0, 1);
          if (first === undefined) throw new Error("fixture row refused");
          const request = snapshotRequestOf(first.prepared);
          for (let n = 0; n < 2.5 * RENEW_FIRST; n += 1) await reader.read([request]);
          const after = await preparedOnBoth();
          const reads = after.filter((row) => row.statement.startsWith(PREPARED_RENEWED));
          expect(reads.map((row) => row.name.replace(/^cs_[0-9a-f]+/, ""))).toEqual(["_2"]);
        } finally {
          await database.cleanup();
        }
      });
    }

    it("a wave writes nothing for a row whose key or contact changed after its reading", async () => {
      const property = await newProperty(suite.db);
      const rows = mixedRows().slice(0, 6);
      for (const fields of rows) {
        const mapped = personFromImportRow(fields);
        if (!mapped.ok) throw new Error("fixture row refused");
        await syncPerson(suite.deps, { property, person: mapped.person });
      }
      // Each person again with a new phone: six updates, none touching another's contact.
      const updates = rows.flatMap((fields, n) => {
        const mapped = personFromImportRow({ ...fields, phone: `(646) 555-${2000 + n}` });
        if (!mapped.ok) return [];
        return [{ person: mapped.person, prepared: prepareSync(property, mapped.person, clock) }];
      });
      const [keyed, versioned] = updates;
      if (keyed === undefined || versioned === undefined) throw new Error("fixture rows refused");
      const contactOf = async (personId: string) => {
        const [link] = await suite.db
          .select()
          .from(contactSync)
          .where(and(eq(contactSync.propertyId, property.id), eq(contactSync.personId, personId)));
        return link?.userId ?? "";
      };
      const versionedContact = await contactOf(versioned.person.person_id);
      // Between the reading and the wave's write, someone else writes the first person's key
      // and the second person's contact.
      const store = suite.deps.store;
      const snapshotReader = store.snapshotReader;
      const firstWave: string[] = [];
      store.snapshotReader = (propertyId) => {
        const reader = snapshotReader.call(store, propertyId);
        return {
          read: (requests) => reader.read(requests),
          writeWave: async (writes, options) => {
            if (firstWave.length > 0) return reader.writeWave(writes, options);
            await suite.db
              .update(identityKey)
              .set({ version: sql`${identityKey.version} + 1` })
              .where(
                eq(identityKey.keyId, lockId(property.id, personLockKey(keyed.person.person_id))),
              );
            await suite.db
              .update(user)
              .set({ version: sql`${user.version} + 1` })
              .where(eq(user.id, versionedContact));
            const results = await reader.writeWave(writes, options);
            firstWave.push(...results.map((result) => result.status));
            return results;
          },
          forget: () => reader.forget(),
          readAhead: (requests) => reader.readAhead(requests),
          aheadHeld: () => reader.aheadHeld(),
        };
      };
      const outcomes: string[] = [];
      try {
        await syncInWaves(suite.deps, property, updates, (_row, outcome) => {
          outcomes.push("result" in outcome ? outcome.result.outcome : "error");
        });
      } finally {
        store.snapshotReader = snapshotReader;
      }
      // The first wave holds the first three (the other three share their surnames and streets).
      expect(firstWave).toEqual(["conflict", "conflict", "applied"]);
      // Read again, both are written in the next wave.
      expect(outcomes).toEqual(updates.map(() => "updated"));
      const contacts = await suite.db.select().from(user).where(eq(user.propertyId, property.id));
      expect(contacts).toHaveLength(6);
      for (const [n, row] of updates.entries()) {
        const id = await contactOf(row.person.person_id);
        const phones = contacts.find((c) => c.id === id)?.phones ?? [];
        expect(JSON.stringify(phones)).toContain(`646555${2000 + n}`);
      }
    });

    it("a sync of the same people during an import never gives anyone a second contact or link", async () => {
      for (let round = 0; round < 2; round += 1) {
        const property: PropertyContext = await newProperty(suite.db);
        // 30 people, each with a record in the file and another arriving by webhook meanwhile
        // (same email, another PersonID); every fifth file row is also delivered by webhook.
        const rows: Row[] = Array.from({ length: 30 }, (_, n) => ({
          external_id: `F${n}`,
          first_name: "Lee",
          last_name: `Pine${String.fromCharCode(97 + (n % 26))}${n}`,
          email: `lee${n}@mailbox.dev`,
        }));
        const webhooks = rows.flatMap((row, n) => {
          const other = {
            person_id: `W${n}`,
            status: "prospect" as const,
            first_name: row.first_name,
            last_name: row.last_name,
            email: row.email,
          };
          const same = { ...other, person_id: row.external_id ?? "" };
          return n % 5 === 0 ? [other, same] : [other];
        });
        const results = await Promise.allSettled([
          importPeople(suite.deps, { property, records: recordsOf(rows), chunkRows: 4 }),
          ...webhooks.map((person) => syncPerson(suite.deps, { property, person })),
        ]);
        expect(results.filter((r) => r.status === "rejected")).toEqual([]);

        const links = await suite.db
          .select()
          .from(contactSync)
          .where(eq(contactSync.propertyId, property.id));
        expect(links).toHaveLength(60);
        const contactOf = new Map(links.map((l) => [l.personId, l.userId]));
        for (let n = 0; n < 30; n += 1) {
          expect(contactOf.get(`F${n}`)).toBe(contactOf.get(`W${n}`));
        }
        const contacts = await suite.db.select().from(user).where(eq(user.propertyId, property.id));
        expect(contacts).toHaveLength(30);
      }
    });
  });
}
