/**
 * The repository + sync path contract. One behaviour suite, run by one file per driver
 * (PGlite, node-postgres, Neon serverless through a local WebSocket proxy), each on a real,
 * freshly migrated database.
 * (Over 400 lines as one thing: the one behaviour suite every driver runs; its cases share the
 * fixtures and the store's delegate.)
 */
import { randomUUID } from "node:crypto";
import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../lib/adapters/db/client.js";
import {
  contactMergeHistory,
  contactReview,
  contactSync,
  property as propertyTable,
  user,
} from "../../lib/adapters/db/schema.js";
import { readSnapshotSet } from "../../lib/adapters/db/snapshotReads.js";
import { createStores, type Stores } from "../../lib/adapters/db/stores.js";
import type { ContactStore, PropertyContext } from "../../lib/app/ports.js";
import {
  prepareSync,
  type SyncDependencies,
  snapshotRequestOf,
  syncPerson,
} from "../../lib/app/syncPerson.js";
import type { DriverName } from "../../lib/config.js";
import { MAX_BLOCK_SIZE } from "../../lib/domain/blocking.js";
import { InvalidInputError } from "../../lib/domain/errors.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";
import { comparable, newProperty, person, propertySnapshot } from "./fixtures.js";

const clock = { now: () => new Date("2026-11-01T12:00:00Z") };

/** A `ContactStore` that forwards every call to `store` (tests override single methods). */
function delegate(store: ContactStore): ContactStore {
  return {
    findLink: (...args) => store.findLink(...args),
    markFailed: (...args) => store.markFailed(...args),
    readSnapshot: (...args) => store.readSnapshot(...args),
    readSnapshots: (...args) => store.readSnapshots(...args),
    snapshotReader: (...args) => store.snapshotReader(...args),
    writeGuarded: (...args) => store.writeGuarded(...args),
    readEnrichment: (...args) => store.readEnrichment(...args),
    writeEnrichmentGuarded: (...args) => store.writeEnrichmentGuarded(...args),
    transaction: (work) => store.transaction(work),
    writeWave: (...args) => store.writeWave(...args),
  };
}

export function describeSyncContract(driver: DriverName): void {
  describe(`sync path on ${driver}`, () => {
    let database: TestDatabase;
    let db: Database;
    let stores: Stores;
    let deps: SyncDependencies;

    beforeAll(async () => {
      database = await openTestDatabase(driver);
      db = database.handle.db;
      stores = createStores(db);
      deps = { store: stores.contacts, clock };
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    const sync = (
      property: PropertyContext,
      p: ReturnType<typeof person>,
      event?: { source: string; id: string },
    ) => syncPerson(deps, { property, person: p, event });

    const contactsOf = (propertyId: string) =>
      db.select().from(user).where(eq(user.propertyId, propertyId));
    const linksOf = (propertyId: string) =>
      db.select().from(contactSync).where(eq(contactSync.propertyId, propertyId));

    it("creates a contact with normalised keys and a success link for a new person", async () => {
      const property = await newProperty(db);
      const p = person({ email: "  Avery.Quill@MailBox.dev ", birthdate: "1990-04-09" });
      const result = await sync(property, p);
      expect(result.outcome).toBe("created");
      expect(result.status).toBe("success");

      const [contact] = await contactsOf(property.id);
      expect(contact).toMatchObject({
        id: result.contactId,
        firstName: "Avery",
        lastName: "Quill",
        email: "avery.quill@mailbox.dev",
        emailKey: "avery.quill@mailbox.dev",
        phoneKeys: ["+14155550123"],
        nameDobKey: "avery|quill|1990-04-09",
        dateOfBirth: "1990-04-09",
        kind: "prospect",
      });
      expect(contact?.phones).toEqual([
        { type: "mobile", raw: "(415) 555-0123", e164: "+14155550123" },
      ]);
      const [link] = await linksOf(property.id);
      expect(link).toMatchObject({
        id: result.linkId,
        userId: result.contactId,
        personId: p.person_id,
        syncStatus: "success",
        resmanStatus: "prospect",
        matchScore: null,
        attempts: 0,
        lastError: null,
      });
      expect(link?.sourceUpdatedAt?.toISOString()).toBe("2026-03-01T10:00:00.000Z");
      expect(link?.sourceHash).toMatch(/^[0-9a-f]{64}$/);
      expect(link?.matchEvidence).toMatchObject({
        linkedBy: "created",
        method: "scored",
        candidates: 0,
      });
    });

    it("links a second PersonID with the same email to the existing contact as merged, with evidence", async () => {
      const property = await newProperty(db);
      const first = await sync(property, person({ person_id: "P-1" }));
      // A newer card of the same person (a day later), with another surname.
      const second = await sync(
        property,
        person({
          person_id: "P-2",
          email: "AVERY.QUILL@mailbox.dev",
          phones: [],
          last_name: "Quill-Hart",
          last_modified: "2026-03-02T10:00:00Z",
        }),
      );
      expect(second).toMatchObject({
        outcome: "merged",
        status: "merged",
        contactId: first.contactId,
      });
      expect(await contactsOf(property.id)).toHaveLength(1);
      const links = await linksOf(property.id);
      expect(links.map((l) => [l.personId, l.syncStatus]).sort()).toEqual([
        ["P-1", "success"],
        ["P-2", "merged"],
      ]);
      const merged = links.find((l) => l.personId === "P-2");
      // The score and its per-field evidence: the email agreed, the last name did not.
      const best = merged?.matchEvidence?.best;
      expect(merged?.matchScore).toBe(best?.score);
      expect(best?.score).toBeGreaterThanOrEqual(best?.thresholds.auto_merge ?? 99);
      expect(merged?.matchEvidence).toMatchObject({
        linkedBy: "matched",
        method: "scored",
        candidates: 1,
        ranked: [{ contactId: first.contactId, outcome: "merge" }],
      });
      expect(best?.fields.email.level).toBe("exact");
      expect(best?.fields.first_name.level).toBe("exact");
      // The newest ResMan value wins across the person's records: the newer card's surname
      // replaces the first card's, which stays as that record's variant (still found, scored);
      // each value remembers the version it came from.
      const [contact] = await contactsOf(property.id);
      expect(contact?.lastName).toBe("Quill-Hart");
      expect(contact?.fieldVersions.lastName).toMatchObject({
        record: "P-2",
        at: "2026-03-02T10:00:00.000Z",
      });
      expect(contact?.fieldVersions.firstName?.record).toBe("P-2");
      expect(contact?.fieldVersions["phones.mobile"]?.record).toBe("P-1");
      expect(contact?.secondary.variants?.map((v) => [v.version?.record, v.lastName])).toEqual([
        ["P-2", "Quill-Hart"],
        ["P-1", "Quill"],
      ]);
      const history = await db
        .select()
        .from(contactMergeHistory)
        .where(eq(contactMergeHistory.propertyId, property.id));
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        userId: first.contactId,
        personId: "P-2",
        linkId: merged?.id,
      });
      // What undoing it needs: the surname it replaced, and the versions of the values it
      // only restamped (first name, email: the same values, now known from P-2).
      const p1Version = expect.objectContaining({ record: "P-1", at: "2026-03-01T10:00:00.000Z" });
      expect(history[0]?.before).toEqual({
        lastName: { value: "Quill", source: "resman", version: p1Version },
        firstName: { value: "Avery", source: "resman", version: p1Version },
        email: { value: "avery.quill@mailbox.dev", source: "resman", version: p1Version },
      });
      // An older card of the person only fills what the contact lacks.
      await sync(
        property,
        person({
          person_id: "P-3",
          last_name: "Quillan",
          birthdate: "1990-02-03",
          last_modified: "2026-02-01T10:00:00Z",
        }),
      );
      const [after] = await contactsOf(property.id);
      expect(after?.lastName).toBe("Quill-Hart");
      expect(after?.dateOfBirth).toBe("1990-02-03");
    });

    it("matches on first name + last name + birth date regardless of case and spaces", async () => {
      const property = await newProperty(db);
      const a = await sync(
        property,
        person({
          email: undefined,
          phones: [],
          first_name: "Mary Ann",
          last_name: "De Luca",
          birthdate: "1985-07-01",
        }),
      );
      const b = await sync(
        property,
        person({
          email: undefined,
          phones: [],
          first_name: "maryann",
          last_name: "DELUCA",
          birthdate: "19850701",
        }),
      );
      expect(b).toMatchObject({ outcome: "merged", contactId: a.contactId });
    });

    it("replaying the same person N times changes nothing after the first", async () => {
      const property = await newProperty(db);
      const p = person();
      await sync(property, p);
      const after = await propertySnapshot(db, property.id);
      for (let i = 0; i < 5; i++) {
        expect((await sync(property, structuredClone(p))).outcome).toBe("unchanged");
      }
      await Promise.all(Array.from({ length: 5 }, () => sync(property, structuredClone(p))));
      expect(await propertySnapshot(db, property.id)).toEqual(after);
    });

    it("settles a replay or a stale version with one read and writes a change with one statement", async () => {
      const property = await newProperty(db);
      const p = person({ last_modified: "2026-04-01T00:00:00Z" });
      await sync(property, p);
      let transactions = 0;
      let writes = 0;
      const counting: ContactStore = {
        ...delegate(stores.contacts),
        writeGuarded: (...args) => {
          writes += 1;
          return stores.contacts.writeGuarded(...args);
        },
        transaction: (work) => {
          transactions += 1;
          return stores.contacts.transaction(work);
        },
      };
      const counted = { ...deps, store: counting };
      expect(await syncPerson(counted, { property, person: p })).toMatchObject({
        outcome: "unchanged",
        reason: "replay",
      });
      const older = { ...p, last_name: "Older", last_modified: "2026-03-01T00:00:00Z" };
      expect(await syncPerson(counted, { property, person: older })).toMatchObject({
        outcome: "unchanged",
        reason: "stale",
      });
      expect(writes).toBe(0);
      const newer = { ...p, last_name: "Newer", last_modified: "2026-05-01T00:00:00Z" };
      expect(await syncPerson(counted, { property, person: newer })).toMatchObject({
        outcome: "updated",
      });
      expect(writes).toBe(1);
      // Without contention, no locking transaction at all.
      expect(transactions).toBe(0);
    });

    it("falls back to the locking transaction when guarded writes keep losing", async () => {
      const property = await newProperty(db);
      let transactions = 0;
      const losing: ContactStore = {
        ...delegate(stores.contacts),
        writeGuarded: async () => ({ status: "conflict" }),
        transaction: (work) => {
          transactions += 1;
          return stores.contacts.transaction(work);
        },
      };
      const result = await syncPerson({ ...deps, store: losing }, { property, person: person() });
      expect(result.outcome).toBe("created");
      expect(transactions).toBe(1);
      expect(await contactsOf(property.id)).toHaveLength(1);
    });

    it("a guarded write that fails inside its statement writes nothing", async () => {
      const property = await newProperty(db);
      await sync(property, person({ person_id: "P-OLD" }));
      const before = await propertySnapshot(db, property.id);
      const failing: ContactStore = {
        ...delegate(stores.contacts),
        // The outbox row breaks a CHECK at the end of the statement, after the other writes.
        writeGuarded: (propertyId, write, announce, guard) =>
          stores.contacts.writeGuarded(
            propertyId,
            write,
            announce && { ...announce, type: "contact.bogus" as never },
            guard,
          ),
      };
      const merge = person({ person_id: "P-NEW", last_name: "Changed" });
      await expect(
        syncPerson(
          { ...deps, store: failing },
          {
            property,
            person: merge,
            event: { source: "test", id: randomUUID() },
          },
        ),
      ).rejects.toThrow(/guarded write: database error \(23514\)/);
      expect(await propertySnapshot(db, property.id)).toEqual(before);
    });

    it("an older update arriving after a newer one never overwrites it, and ends as if it came first", async () => {
      const v2 = person({
        person_id: "P-9",
        last_name: "Newer",
        last_modified: "2026-03-02T00:00:00Z",
      });
      const v1 = {
        ...v2,
        last_name: "Older",
        email: "older@mailbox.dev",
        last_modified: "2026-03-01T00:00:00Z",
      };
      const late = await newProperty(db);
      await sync(late, v2);
      const before = await propertySnapshot(db, late.id);
      // It changes no current value; the email it saw is kept as a secondary value.
      expect(await sync(late, v1)).toMatchObject({ outcome: "updated" });
      const after = await propertySnapshot(db, late.id);
      expect(after.contacts[0]?.lastName).toBe("Newer");
      expect(after.contacts[0]?.email).toBe(before.contacts[0]?.email);
      expect(after.contacts[0]?.secondary.emails).toEqual(["older@mailbox.dev"]);
      // The link keeps the newest version (only its sync time moves).
      const version = (l: (typeof after.links)[number]) => ({
        ...l,
        lastSyncAt: null,
        updatedAt: null,
      });
      expect(after.links.map(version)).toEqual(before.links.map(version));
      // Delivered again, it changes nothing at all.
      expect(await sync(late, v1)).toMatchObject({ outcome: "unchanged", reason: "stale" });
      expect(await propertySnapshot(db, late.id)).toEqual(after);
      // The same two versions in the other order end in the same contact and link.
      const inOrder = await newProperty(db);
      await sync(inOrder, v1);
      await sync(inOrder, v2);
      expect(comparable(await propertySnapshot(db, inOrder.id))).toEqual(comparable(after));
    });

    it("applies a newer update to the linked contact and advances source_updated_at", async () => {
      const property = await newProperty(db);
      const v1 = person({ person_id: "P-3" });
      const created = await sync(property, v1);
      const v2 = {
        ...v1,
        status: "resident" as const,
        email: "new.address@mailbox.dev",
        last_modified: "2026-04-01T00:00:00Z",
      };
      expect(await sync(property, v2)).toMatchObject({
        outcome: "updated",
        status: "success",
        contactId: created.contactId,
      });
      const [contact] = await contactsOf(property.id);
      expect(contact).toMatchObject({
        email: "new.address@mailbox.dev",
        emailKey: "new.address@mailbox.dev",
        kind: "resident",
      });
      const [link] = await linksOf(property.id);
      expect(link?.sourceUpdatedAt?.toISOString()).toBe("2026-04-01T00:00:00.000Z");
      expect(link?.resmanStatus).toBe("resident");
    });

    it("two versions with the same last_modified converge whichever arrives first", async () => {
      const a = person({ person_id: "P-T", last_name: "Alpha" });
      const b = { ...a, last_name: "Beta" };
      const finals: (string | null)[] = [];
      for (const order of [
        [a, b],
        [b, a],
      ]) {
        const property = await newProperty(db);
        for (const version of order) await sync(property, version);
        const [contact] = await contactsOf(property.id);
        finals.push(contact?.lastName ?? null);
      }
      expect(finals[0]).toBe(finals[1]);
    });

    it("20 concurrent syncs of overlapping people end with one contact per real person and one link per PersonID", async () => {
      for (let round = 0; round < 3; round++) {
        const property = await newProperty(db);
        // Three real people. Ann: four PersonIDs (one sent twice); every pair of them shares a
        // key (the phone, written differently; three also share the email). Ben: two PersonIDs
        // sharing only name + birth date. Cy: one. (Records that are the same person only
        // through a third record, A~B and B~C but not A~C, can end in two contacts when A and
        // C arrive first: joining two existing contacts is the matcher's job, not this path's.)
        const ann = (id: string, extra: Partial<ReturnType<typeof person>> = {}) =>
          person({
            person_id: id,
            first_name: "Ann",
            last_name: "Ray",
            email: "ann.ray@mailbox.dev",
            phones: [{ type: "mobile", number: "212-555-0101" }],
            ...extra,
          });
        const ben = (id: string) =>
          person({
            person_id: id,
            first_name: "Ben",
            last_name: "Oak",
            email: undefined,
            phones: [],
            birthdate: "1979-02-03",
          });
        const people = [
          ann("A1"),
          ann("A2", { email: "ANN.RAY@mailbox.dev " }),
          ann("A3", { phones: [{ type: "work", number: "+1 212.555.0101" }] }),
          ann("A1"),
          ann("A4", { email: undefined, phones: [{ type: "home", number: "(212) 555-0101" }] }),
          ben("B1"),
          ben("B2"),
          ben("B1"),
          person({
            person_id: "C1",
            first_name: "Cy",
            last_name: "Elm",
            email: "cy.elm@mailbox.dev",
            phones: [],
          }),
        ];
        const deliveries = Array.from(
          { length: 20 },
          (_, i) => people[i % people.length] as ReturnType<typeof person>,
        );
        const results = await Promise.allSettled(
          deliveries.map((p) => sync(property, structuredClone(p))),
        );
        expect(results.filter((r) => r.status === "rejected")).toEqual([]);

        const links = await linksOf(property.id);
        expect(links.map((l) => l.personId).sort()).toEqual([
          "A1",
          "A2",
          "A3",
          "A4",
          "B1",
          "B2",
          "C1",
        ]);
        const contactOf = new Map(links.map((l) => [l.personId, l.userId]));
        expect(new Set(["A1", "A2", "A3", "A4"].map((id) => contactOf.get(id))).size).toBe(1);
        expect(contactOf.get("B1")).toBe(contactOf.get("B2"));
        expect(await contactsOf(property.id)).toHaveLength(3);
      }
    });

    it("a same-name burst past the common-key limit: concurrent syncs still give one contact per real person", async () => {
      const property = await newProperty(db);
      // 30 different people named Ann Ray (their name keys become too common to search by past
      // MAX_BLOCK_SIZE contacts, and stop being guarded), each with an email and phone of their
      // own; five of them arrive twice more under other PersonIDs, all at once: with the same
      // email and phone, and with the same phone only (every two records of a person share the
      // phone: a person linked only through a third record is the known limit of the sync path).
      const ann = (n: number, id: string, extra: Partial<ReturnType<typeof person>> = {}) =>
        person({
          person_id: id,
          first_name: "Ann",
          last_name: "Ray",
          email: `ann.ray.${n}@mailbox.dev`,
          phones: [{ type: "mobile", number: `+1 212 555 ${String(1000 + n)}` }],
          ...extra,
        });
      const deliveries = [
        ...Array.from({ length: 30 }, (_, n) => ann(n, `P${n}`)),
        ...Array.from({ length: 5 }, (_, n) => ann(n, `P${n}-b`)),
        ...Array.from({ length: 5 }, (_, n) => ann(n, `P${n}-c`, { email: undefined })),
      ];
      const results = await Promise.allSettled(deliveries.map((p) => sync(property, p)));
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      const links = await linksOf(property.id);
      expect(links).toHaveLength(40);
      const contactOf = new Map(links.map((l) => [l.personId, l.userId]));
      for (let n = 0; n < 5; n++) {
        expect(contactOf.get(`P${n}-b`), `P${n}-b`).toBe(contactOf.get(`P${n}`));
        expect(contactOf.get(`P${n}-c`), `P${n}-c`).toBe(contactOf.get(`P${n}`));
      }
      expect(await contactsOf(property.id)).toHaveLength(30);
    });

    it("a failure in the middle of a locking sync leaves no partial rows", async () => {
      const property = await newProperty(db);
      const existing = await sync(property, person({ person_id: "P-OLD" }));
      const before = await propertySnapshot(db, property.id);
      const failing: ContactStore = {
        ...delegate(stores.contacts),
        // Force the locking path, then crash inside its transaction.
        writeGuarded: async () => ({ status: "conflict" }),
        transaction: (work) =>
          stores.contacts.transaction((tx) =>
            work({
              ...tx,
              claimAndLock: tx.claimAndLock.bind(tx),
              loadSnapshot: tx.loadSnapshot.bind(tx),
              loadEnrichmentCandidates: tx.loadEnrichmentCandidates.bind(tx),
              applyEnrichment: tx.applyEnrichment.bind(tx),
              apply: async (propertyId, write, announce) => {
                await tx.apply(propertyId, write, announce);
                throw new Error("crash after the writes, before commit");
              },
            }),
          ),
      };
      const crashing = { ...deps, store: failing };
      // A merge into the existing contact (update + link + history) and a brand-new contact.
      const merge = person({ person_id: "P-NEW", last_name: "Changed" });
      const create = person({
        person_id: "P-OTHER",
        first_name: "Zed",
        email: "zed@mailbox.dev",
        phones: [],
      });
      await expect(
        syncPerson(crashing, {
          property,
          person: merge,
          event: { source: "test", id: randomUUID() },
        }),
      ).rejects.toThrow("crash");
      await expect(syncPerson(crashing, { property, person: create })).rejects.toThrow("crash");
      expect(await propertySnapshot(db, property.id)).toEqual(before);
      expect(existing.outcome).toBe("created");
    });

    it("finds a contact written without blocking keys by its phone alone", async () => {
      const property = await newProperty(db);
      const first = await sync(property, person({ person_id: "P-OLD" }));
      // As an older contact-sync (or another writer) left it: no blocking keys.
      await db.execute(sql`update "user" set block_keys = '{}' where id = ${first.contactId}`);
      // The same person on a new card: another email, the same phone, no birth date.
      const second = await sync(
        property,
        person({ person_id: "P-NEW", email: "avery.q@elsewhere.dev", birthdate: undefined }),
      );
      expect(second.contactId).toBe(first.contactId);
      expect(await contactsOf(property.id)).toHaveLength(1);
    });

    it("never matches across properties", async () => {
      const east = await newProperty(db);
      const west = await newProperty(db);
      const p = person({ person_id: "SHARED", birthdate: "1990-01-01" });
      const a = await sync(east, p);
      const b = await sync(west, p);
      expect(a.outcome).toBe("created");
      expect(b.outcome).toBe("created");
      expect(a.contactId).not.toBe(b.contactId);
      // Same PersonID in two properties: one link in each.
      expect(await linksOf(east.id)).toHaveLength(1);
      expect(await linksOf(west.id)).toHaveLength(1);
      // And the database itself refuses a link whose property differs from its contact's.
      await expect(
        db.insert(contactSync).values({
          propertyId: west.id,
          userId: a.contactId,
          personId: "X",
          syncStatus: "success",
        }),
      ).rejects.toThrow();
    });

    it("never uses placeholders as match keys, nor stores them over real values", async () => {
      const property = await newProperty(db, { officePhone: "(628) 555-0199" });
      const placeholders = [
        { email: "none@none.com", phones: [{ type: "mobile" as const, number: "000-000-0000" }] },
        {
          email: "noemail@mailbox.dev",
          phones: [{ type: "home" as const, number: "555-555-5555" }],
        },
        { email: "test@test.com", phones: [{ type: "work" as const, number: "(628) 555-0199" }] },
      ];
      const ids: (string | null)[] = [];
      for (const [i, values] of placeholders.entries()) {
        const result = await sync(
          property,
          person({
            person_id: `PH-${i}`,
            first_name: `Resident${i}`,
            last_name: `Family${i}`,
            ...values,
          }),
        );
        expect(result.outcome).toBe("created");
        expect(result.warnings.map((w) => w.reason)).toEqual(["placeholder", "placeholder"]);
        ids.push(result.contactId);
      }
      expect(new Set(ids).size).toBe(3);
      for (const contact of await contactsOf(property.id)) {
        expect(contact).toMatchObject({ email: null, emailKey: null, phoneKeys: [], phones: [] });
      }
      // A placeholder in a later version never blanks the real email already known.
      const real = person({
        person_id: "PH-R",
        first_name: "Real",
        email: "real.person@mailbox.dev",
      });
      await sync(property, real);
      await sync(property, {
        ...real,
        email: "none@none.com",
        last_modified: "2026-05-01T00:00:00Z",
      });
      const [kept] = await db
        .select()
        .from(user)
        .where(and(eq(user.propertyId, property.id), eq(user.firstName, "Real")));
      expect(kept?.email).toBe("real.person@mailbox.dev");
    });

    it("refuses to merge people who share a phone or email but not a first name (households)", async () => {
      const property = await newProperty(db);
      const parent = await sync(
        property,
        person({ person_id: "H-1", first_name: "Dana", email: "family@mailbox.dev" }),
      );
      const child = await sync(
        property,
        person({ person_id: "H-2", first_name: "Robin", email: "family@mailbox.dev" }),
      );
      // Never merged. Nothing but what the household shares (surname, email, phone) says they
      // might be one person: a contact of its own, and no review item to clutter the queue.
      expect(child).toMatchObject({ outcome: "created", status: "success" });
      expect(child.contactId).not.toBe(parent.contactId);
      const linkOf = async (personId: string) =>
        (await db.select().from(contactSync).where(eq(contactSync.personId, personId)))[0];
      expect((await linkOf("H-2"))?.matchEvidence).toMatchObject({
        linkedBy: "created",
        ranked: [{ contactId: parent.contactId, outcome: "new" }],
        best: {
          guard: "first_name_differs",
          hold: { guard: "first_name_differs", household: ["email", "phone"] },
          fields: { first_name: { level: "disagree" } },
        },
      });
      expect(
        await db.select().from(contactReview).where(eq(contactReview.propertyId, property.id)),
      ).toEqual([]);

      // Twins, born the same day: surname and birth date agree besides what they share, so a
      // reviewer gets the pair; still never merged.
      const twins = await newProperty(db);
      const born = "2001-05-06";
      const first = await sync(
        twins,
        person({
          person_id: "T-1",
          first_name: "Dana",
          email: "family@mailbox.dev",
          birthdate: born,
        }),
      );
      const second = await sync(
        twins,
        person({
          person_id: "T-2",
          first_name: "Kim",
          email: "family@mailbox.dev",
          birthdate: born,
        }),
      );
      expect(second).toMatchObject({ outcome: "created", status: "pending" });
      expect(second.contactId).not.toBe(first.contactId);
      const link = await linkOf("T-2");
      expect(link?.matchEvidence).toMatchObject({
        linkedBy: "review",
        ranked: [{ contactId: first.contactId, outcome: "review" }],
        best: { guard: "first_name_differs", fields: { first_name: { level: "disagree" } } },
      });
      const reviews = await db
        .select()
        .from(contactReview)
        .where(eq(contactReview.propertyId, twins.id));
      expect(reviews).toHaveLength(1);
      expect(reviews[0]).toMatchObject({
        userId: second.contactId,
        candidateId: first.contactId,
        linkId: link?.id,
        status: "open",
        score: link?.matchScore,
      });
      expect(reviews[0]?.evidence).toEqual(link?.matchEvidence?.best);
      // Evidence carries levels and weights, never the compared values.
      expect(JSON.stringify(reviews[0]?.evidence)).not.toMatch(/mailbox|Dana|Robin|Kim|2001/);
    });

    it("never reads more than MAX_BLOCK_SIZE contacts for a key, and a phone that common counts as shared", async () => {
      const property = await newProperty(db);
      // A phone on more cards than MAX_BLOCK_SIZE (a landline of a big family, a front desk).
      const names = [
        "Aaron",
        "Beatrix",
        "Cedric",
        "Dolores",
        "Emeka",
        "Farida",
        "Gideon",
        "Hortense",
        "Ignatius",
        "Jocasta",
        "Kwabena",
        "Lucinda",
        "Mortimer",
        "Nkechi",
        "Oswald",
        "Perpetua",
        "Quentin",
        "Rosalind",
        "Soren",
        "Thomasina",
        "Ulrich",
        "Valentina",
        "Wilbur",
        "Xiomara",
        "Yusuf",
        "Zenobia",
        "Ambrose",
        "Bathsheba",
        "Cornelius",
        "Drusilla",
        "Ezekiel",
        "Filomena",
        "Gaspard",
        "Henrietta",
        "Isidore",
        "Jezebel",
        "Leopold",
        "Millicent",
        "Nathaniel",
        "Octavia",
        "Percival",
        "Roxanne",
        "Sebastian",
        "Theodora",
        "Umberto",
        "Wilhelmina",
        "Zachariah",
        "Anastasia",
        "Barnaby",
        "Clementine",
        "Dashiell",
      ];
      expect(names.length).toBeGreaterThan(MAX_BLOCK_SIZE);
      const cards = names.map((name, i) =>
        person({ person_id: `BIG-${i}`, first_name: name, email: `card${i}@mailbox.dev` }),
      );
      for (const card of cards) await sync(property, card);
      const target = cards[7];
      if (target === undefined) throw new Error("no card");
      let largest = 0;
      const counting: ContactStore = {
        ...delegate(stores.contacts),
        readSnapshot: async (...args) => {
          const snapshot = await stores.contacts.readSnapshot(...args);
          largest = Math.max(largest, snapshot.contacts.length);
          expect(snapshot.commonKeys).toEqual(expect.arrayContaining(["ph:+14155550123"]));
          return snapshot;
        },
      };
      const again = await syncPerson(
        { ...deps, store: counting },
        {
          property,
          person: { ...target, person_id: "BIG-AGAIN" },
          event: { source: "test", id: randomUUID() },
        },
      );
      expect(await contactsOf(property.id)).toHaveLength(names.length);
      const [first] = await db
        .select()
        .from(contactSync)
        .where(eq(contactSync.personId, target.person_id));
      expect(again).toMatchObject({ outcome: "merged", contactId: first?.userId });
      expect(largest).toBeLessThanOrEqual(MAX_BLOCK_SIZE);
      const [link] = await db
        .select()
        .from(contactSync)
        .where(eq(contactSync.personId, "BIG-AGAIN"));
      expect(link?.matchEvidence?.best?.fields.phone.level).toBe("shared");
    });

    it("the contact's kind is the best status among all its ResMan records", async () => {
      const property = await newProperty(db);
      await sync(property, person({ person_id: "K-RES", status: "resident" }));
      const lost = person({ person_id: "K-OLD", status: "lost", phones: [] });
      await sync(property, lost);
      await sync(property, {
        ...lost,
        last_name: "Quill",
        last_modified: "2026-08-01T00:00:00Z",
        middle_name: "J",
      });
      const [contact] = await contactsOf(property.id);
      expect(contact?.kind).toBe("resident");
      const statuses = (await linksOf(property.id)).map((l) => [l.personId, l.resmanStatus]).sort();
      expect(statuses).toEqual([
        ["K-OLD", "lost"],
        ["K-RES", "resident"],
      ]);
    });

    it("a blank never overwrites a value", async () => {
      const property = await newProperty(db);
      const full = person({
        person_id: "B-1",
        birthdate: "1970-01-01",
        address: { line1: "1 Elm St", city: "Springfield", state: "IL", postal_code: "62701" },
      });
      await sync(property, full);
      await sync(property, {
        person_id: "B-1",
        status: "resident",
        first_name: "Avery",
        last_modified: "2026-06-01T00:00:00Z",
      });
      const [contact] = await contactsOf(property.id);
      expect(contact).toMatchObject({
        lastName: "Quill",
        email: "avery.quill@mailbox.dev",
        dateOfBirth: "1970-01-01",
        addressLine1: "1 Elm St",
        postalCode: "62701",
        kind: "resident",
      });
      expect(contact?.phoneKeys).toEqual(["+14155550123"]);
    });

    describe("merge strategies against a contact DomIQ created", () => {
      const seedDomiqContact = async (property: PropertyContext) => {
        const [row] = await db
          .insert(user)
          .values({
            propertyId: property.id,
            firstName: "Avery",
            middleName: "Chatbot",
            lastName: "Quill",
            email: "avery.quill@mailbox.dev",
            emailKey: "avery.quill@mailbox.dev",
          })
          .returning();
        return row?.id;
      };

      it("resman_wins takes ResMan's value", async () => {
        const property = await newProperty(db, { strategy: "resman_wins" });
        const id = await seedDomiqContact(property);
        expect(await sync(property, person({ middle_name: "Jordan" }))).toMatchObject({
          outcome: "merged",
          contactId: id,
          status: "merged",
        });
        const [contact] = await contactsOf(property.id);
        expect(contact?.middleName).toBe("Jordan");
        expect(contact?.fieldSources).toMatchObject({
          middleName: "resman",
          "phones.mobile": "resman",
        });
      });

      it("domiq_wins keeps DomIQ's value and still fills blanks", async () => {
        const property = await newProperty(db, { strategy: "domiq_wins" });
        await seedDomiqContact(property);
        expect(await sync(property, person({ middle_name: "Jordan" }))).toMatchObject({
          outcome: "merged",
          status: "merged",
        });
        const [contact] = await contactsOf(property.id);
        expect(contact?.middleName).toBe("Chatbot");
        expect(contact?.phoneKeys).toEqual(["+14155550123"]);
      });

      it("manual_review keeps DomIQ's value, links as pending and names the conflict", async () => {
        const property = await newProperty(db, { strategy: "manual_review" });
        await seedDomiqContact(property);
        expect(
          await sync(property, person({ person_id: "MR-1", middle_name: "Jordan" })),
        ).toMatchObject({ outcome: "merged", status: "pending" });
        const [contact] = await contactsOf(property.id);
        expect(contact?.middleName).toBe("Chatbot");
        const [link] = await linksOf(property.id);
        expect(link?.syncStatus).toBe("pending");
        expect(link?.matchEvidence).toMatchObject({ conflicts: ["middleName"] });
      });

      it("a field staff edited (manual) is never overwritten", async () => {
        const property = await newProperty(db);
        const id = await seedDomiqContact(property);
        await db
          .update(user)
          .set({ fieldSources: { middleName: "manual" } })
          .where(eq(user.id, id ?? ""));
        await sync(property, person({ middle_name: "Jordan" }));
        const [contact] = await contactsOf(property.id);
        expect(contact?.middleName).toBe("Chatbot");
        const [link] = await linksOf(property.id);
        expect(link?.matchEvidence).toMatchObject({ locked: ["middleName"] });
      });
    });

    it("an event id is processed once, sequentially and in parallel", async () => {
      const property = await newProperty(db);
      const event = { source: "resman-webhook", id: randomUUID() };
      const p = person();
      expect((await sync(property, p, event)).outcome).toBe("created");
      const after = await propertySnapshot(db, property.id);
      expect(after.events).toHaveLength(1);
      // A redelivery, even carrying a different (newer) body, is recognised by its id.
      const changed = { ...p, last_name: "Other", last_modified: "2026-09-09T00:00:00Z" };
      expect((await sync(property, changed, event)).outcome).toBe("duplicate_event");
      const parallelEvent = { source: "resman-webhook", id: randomUUID() };
      const other = person({ first_name: "Noor", email: "noor@mailbox.dev", phones: [] });
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () => sync(property, structuredClone(other), parallelEvent)),
      );
      expect(outcomes.map((o) => o.outcome).sort()).toEqual([
        "created",
        "duplicate_event",
        "duplicate_event",
        "duplicate_event",
        "duplicate_event",
      ]);
      const final = await propertySnapshot(db, property.id);
      expect(final.events).toHaveLength(2);
      expect(final.contacts).toHaveLength(2);
      expect(final.contacts.find((c) => c.id === after.contacts[0]?.id)).toEqual(after.contacts[0]);
    });

    it("checks a delivery against the inbox by its key, however many deliveries the inbox holds", async () => {
      const property = await newProperty(db);
      const source = `inbox-${randomUUID().slice(0, 8)}`;
      // 20,000 deliveries already processed (no statistics, as on a server without
      // autovacuum): a correlated `exists` was planned as one hash of the whole inbox.
      await db.execute(sql`insert into processed_event (source, event_id, property_id)
        select ${source}, 'evt-' || g, ${property.id}::uuid from generate_series(1, 20000) as g`);
      const requests = ["evt-17", "evt-new"].map((id) =>
        snapshotRequestOf(prepareSync(property, person({ person_id: `P-${id}` }), clock), {
          source,
          id,
        }),
      );
      const { seen, scans } = await db.transaction(async (tx) => {
        // Scans of the inbox so far (PGlite keeps earlier transactions' counts here too).
        const inboxScans = async () =>
          (
            (await tx.execute(sql`select seq_scan::int as seq, coalesce(idx_scan, 0)::int as idx
              from pg_stat_xact_user_tables where relname = 'processed_event'`)) as unknown as {
              rows: { seq: number; idx: number }[];
            }
          ).rows[0] ?? { seq: 0, idx: 0 };
        const before = await inboxScans();
        const read = await readSnapshotSet(tx, property.id, requests, undefined);
        const after = await inboxScans();
        return {
          seen: read.map((snapshot) => snapshot.seen),
          scans: { seq: after.seq - before.seq, idx: after.idx - before.idx },
        };
      });
      expect(seen).toEqual([true, false]);
      expect(scans).toEqual({ seq: 0, idx: 2 });
    });

    it("rejects a person outside the contract with field paths and writes nothing", async () => {
      const property = await newProperty(db);
      const bad = { ...person({ person_id: "BAD" }), status: "tenant", email: "x".repeat(400) };
      const error = await sync(property, bad as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).issues.map((i) => i.path).sort()).toEqual([
        "email",
        "status",
      ]);
      expect(JSON.stringify((error as InvalidInputError).issues)).not.toContain("xxxx");
      expect(await linksOf(property.id)).toHaveLength(0);
      expect(await contactsOf(property.id)).toHaveLength(0);
    });

    it("rejects a person with nothing to identify them and writes nothing", async () => {
      const property = await newProperty(db);
      await expect(
        sync(property, { person_id: "EMPTY", status: "prospect", email: "none@none.com" }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      expect(await linksOf(property.id)).toHaveLength(0);
      expect(await contactsOf(property.id)).toHaveLength(0);
    });

    it("re-points a link left without a contact instead of creating a second link", async () => {
      const property = await newProperty(db);
      await db.insert(contactSync).values({
        propertyId: property.id,
        userId: null,
        personId: "ORPHAN",
        syncStatus: "failed",
      });
      const result = await sync(property, person({ person_id: "ORPHAN" }));
      expect(result.outcome).toBe("created");
      const links = await linksOf(property.id);
      expect(links).toHaveLength(1);
      expect(links[0]).toMatchObject({ userId: result.contactId, syncStatus: "success" });
    });

    it("creates a property once for concurrent importers and keeps account ids consistent", async () => {
      const resmanPropertyId = randomUUID();
      const created = await Promise.all(
        Array.from({ length: 5 }, () =>
          stores.properties.ensureResmanProperty({ resmanPropertyId, resmanAccountId: 42 }),
        ),
      );
      expect(new Set(created.map((p) => p.id)).size).toBe(1);
      const [{ value } = { value: 0 }] = await db
        .select({ value: count() })
        .from(propertyTable)
        .where(eq(propertyTable.resmanPropertyId, resmanPropertyId));
      expect(value).toBe(1);
      await expect(
        stores.properties.ensureResmanProperty({ resmanPropertyId, resmanAccountId: 7 }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      expect(await stores.properties.findProperty(resmanPropertyId)).toMatchObject({
        id: created[0]?.id,
        resmanAccountId: 42,
        mergeStrategy: "resman_wins",
      });
    });

    it("runs on the driver it claims to", async () => {
      expect(database.handle.driver).toBe(driver);
      const result = (await db.execute(sql`select version() as version`)) as unknown as {
        rows: { version: string }[];
      };
      // PGlite reports the PostgreSQL version it embeds; the server drivers reach PG 15 here.
      expect(result.rows[0]?.version).toMatch(/PostgreSQL/);
    });
  });
}
