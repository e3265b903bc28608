/**
 * The review queue and unmerge on real databases (PGlite and Postgres): approving an item
 * merges the two contacts and unmerge restores both exactly; a later update to a field the
 * merge did not touch survives the unmerge; a rejected pair is never proposed again; a person
 * the sync path linked to an existing contact gets its own contact back; a chatbot lead's
 * placeholder and enrichments travel with it; an approval racing a sync of the same person
 * loses nothing and creates no duplicate.
 * (Over 400 lines as one thing: approving, rejecting and unmerging are the review queue's
 * decisions on the same fixtures.)
 */
import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, isNull, or } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../lib/adapters/db/client.js";
import {
  contactEnrichmentLog,
  contactMergeHistory,
  contactReview,
  contactSync,
  outboxEvent,
  user,
} from "../../lib/adapters/db/schema.js";
import { createStores, type Stores } from "../../lib/adapters/db/stores.js";
import { enrichContact } from "../../lib/app/enrichContact.js";
import type { PropertyContext } from "../../lib/app/ports.js";
import { approveReview, listReviews, rejectReview } from "../../lib/app/review.js";
import { syncPerson } from "../../lib/app/syncPerson.js";
import { unmerge } from "../../lib/app/unmerge.js";
import type { DriverName } from "../../lib/config.js";
import { MergeRefusedError } from "../../lib/domain/contactMerge.js";
import type { ChatbotEvent, OutboundEventType } from "../../lib/domain/events.js";
import type { ResmanPerson } from "../../lib/domain/person.js";
import { PEOPLE } from "../fixtures/pipeline.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";
import { wideReviewBandProperty } from "./fixtures.js";

const clock = { now: () => new Date("2026-11-25T12:00:00Z") };
const { marisol, tobias, ines } = PEOPLE;

/** Marisol, resident, with her email and phone. */
function marisolPerson(overrides: Partial<ResmanPerson> = {}): ResmanPerson {
  return {
    person_id: randomUUID(),
    status: "resident",
    first_name: marisol.first_name,
    last_name: marisol.last_name,
    email: marisol.email,
    phones: [{ type: "mobile", number: marisol.phone }],
    last_modified: "2026-11-01T10:00:00Z",
    ...overrides,
  };
}

/**
 * Ines on the household's shared phone, with a birth date and an address: the household
 * guard holds her back from merging into Marisol, so she goes to review. Her card is older
 * than Marisol's: approved into Marisol's contact, her values only fill its blanks.
 */
function inesPerson(overrides: Partial<ResmanPerson> = {}): ResmanPerson {
  return {
    person_id: randomUUID(),
    status: "prospect",
    first_name: ines.first_name,
    last_name: ines.last_name,
    phones: [{ type: "mobile", number: marisol.phone }],
    birthdate: ines.birthdate,
    address: { line1: ines.address, city: "Austin", state: "TX", postal_code: "78701" },
    last_modified: "2026-10-30T10:00:00Z",
    ...overrides,
  };
}

/** Every column but the ones any write bumps. */
function withoutVersion<T extends { version?: number; updatedAt?: Date | null }>(row: T) {
  const { version: _v, updatedAt: _u, ...rest } = row;
  return rest;
}

function describeReviewSuite(driver: DriverName): void {
  describe(`review queue and unmerge on ${driver}`, () => {
    let database: TestDatabase;
    let db: Database;
    let stores: Stores;

    beforeAll(async () => {
      database = await openTestDatabase(driver);
      db = database.handle.db;
      stores = createStores(db);
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    const deps = () => ({ reviews: stores.reviews, clock });
    const sync = (property: PropertyContext, person: ResmanPerson) =>
      syncPerson({ store: stores.contacts, clock }, { property, person });
    /** The open items of a property (all of them: these tests make a few). */
    const openItems = async (propertyId: string) =>
      (await listReviews(stores, { propertyId })).items;

    /**
     * A property whose review band starts low, so the household pairs below land in it whatever
     * the default weights are tuned to (a shared phone and surname with different first names
     * may score just under or, held back by the household guard, over the auto-merge threshold;
     * a household pair becomes a review item only if it reaches the band without what it
     * shares, here the phone).
     */
    async function newProperty(
      options: { wideReviewBand?: boolean } = {},
    ): Promise<PropertyContext> {
      if (options.wideReviewBand === false) {
        return stores.properties.ensureResmanProperty({ resmanPropertyId: randomUUID() });
      }
      return wideReviewBandProperty(stores);
    }

    /** Marisol (A) and Ines (B, under review against A). */
    async function household() {
      const property = await newProperty();
      const p1 = marisolPerson();
      const p2 = inesPerson();
      const a = await sync(property, p1);
      const b = await sync(property, p2);
      expect(a.outcome).toBe("created");
      expect(b).toMatchObject({ outcome: "created", status: "pending" });
      const [item] = await openItems(property.id);
      if (item === undefined || a.contactId === null || b.contactId === null) {
        throw new Error("expected a review item");
      }
      expect(item).toMatchObject({ userId: b.contactId, candidateId: a.contactId });
      return { property, p1, p2, aId: a.contactId, bId: b.contactId, review: item };
    }

    /** Everything an approval or an unmerge may touch in a property, bumped columns aside. */
    async function state(propertyId: string) {
      const [contacts, links, reviews, enrichments] = await Promise.all([
        db.select().from(user).where(eq(user.propertyId, propertyId)).orderBy(asc(user.id)),
        db
          .select()
          .from(contactSync)
          .where(eq(contactSync.propertyId, propertyId))
          .orderBy(asc(contactSync.id)),
        db
          .select()
          .from(contactReview)
          .where(eq(contactReview.propertyId, propertyId))
          .orderBy(asc(contactReview.id)),
        db
          .select()
          .from(contactEnrichmentLog)
          .where(eq(contactEnrichmentLog.propertyId, propertyId))
          .orderBy(asc(contactEnrichmentLog.id)),
      ]);
      return {
        contacts: contacts.map(withoutVersion),
        links: links.map(withoutVersion),
        reviews,
        enrichments,
      };
    }

    const contactRow = async (id: string) => {
      const [row] = await db.select().from(user).where(eq(user.id, id));
      if (row === undefined) throw new Error(`no contact ${id}`);
      return row;
    };
    const linkRow = async (propertyId: string, personId: string) => {
      const [row] = await db
        .select()
        .from(contactSync)
        .where(and(eq(contactSync.propertyId, propertyId), eq(contactSync.personId, personId)));
      if (row === undefined) throw new Error(`no link of ${personId}`);
      return row;
    };
    const outboxOf = (propertyId: string, type: OutboundEventType) =>
      db
        .select()
        .from(outboxEvent)
        .where(and(eq(outboxEvent.propertyId, propertyId), eq(outboxEvent.eventType, type)));

    it("approve merges B into A: values, links, history, item and announcement in one go", async () => {
      const { property, p1, p2, aId, bId, review } = await household();
      const before = { a: await contactRow(aId), b: await contactRow(bId) };

      const done = await approveReview(deps(), { reviewId: review.id, decidedBy: "ops" });
      expect(done).toMatchObject({ contactId: aId, mergedContactId: bId, linksMoved: 1 });

      const a = await contactRow(aId);
      const b = await contactRow(bId);
      expect(b.mergedIntoId).toBe(aId);
      expect(withoutVersion({ ...b, mergedIntoId: null })).toEqual(withoutVersion(before.b));
      expect(b.version).toBe(before.b.version + 1);
      expect(a.version).toBe(before.a.version + 1);
      // Survivorship as for another record of the person: B's older record fills A's gaps
      // (birth date, address) and loses to A's newer ResMan values (first name; B's record
      // stays findable as its variant); the phone was shared.
      expect(a).toMatchObject({
        email: marisol.email,
        dateOfBirth: ines.birthdate,
        addressLine1: ines.address,
        firstName: marisol.first_name,
        kind: "resident",
      });
      expect(a.secondary.variants).toEqual(
        expect.arrayContaining([expect.objectContaining({ firstName: ines.first_name })]),
      );
      expect(a.blockKeys).toEqual(expect.arrayContaining(before.b.blockKeys));

      const moved = await linkRow(property.id, p2.person_id);
      expect(moved).toMatchObject({ userId: aId, syncStatus: "merged", matchScore: review.score });
      expect(moved.matchEvidence).toMatchObject({ linkedBy: "matched", best: review.evidence });
      expect(await linkRow(property.id, p1.person_id)).toMatchObject({
        userId: aId,
        syncStatus: "success",
      });

      const [item] = await db.select().from(contactReview).where(eq(contactReview.id, review.id));
      expect(item).toMatchObject({ status: "approved", decidedBy: "ops", mergeId: done.mergeId });
      expect(item?.decidedAt?.toISOString()).toBe(clock.now().toISOString());
      const [history] = await db
        .select()
        .from(contactMergeHistory)
        .where(eq(contactMergeHistory.id, done.mergeId));
      expect(history).toMatchObject({
        userId: aId,
        mergedUserId: bId,
        linkId: moved.id,
        personId: p2.person_id,
        revertedAt: null,
      });
      expect(await outboxOf(property.id, "contact.merged")).toEqual([
        expect.objectContaining({
          contactId: aId,
          mergedContactId: bId,
          linkId: moved.id,
          status: "merged",
        }),
      ]);
      expect(await openItems(property.id)).toEqual([]);
    });

    it("approving an item twice, or an unknown one, is refused and writes nothing", async () => {
      const { property, review } = await household();
      await approveReview(deps(), { reviewId: review.id });
      const after = await state(property.id);
      await expect(approveReview(deps(), { reviewId: review.id })).rejects.toThrow(
        new MergeRefusedError(`review ${review.id} is already approved`),
      );
      await expect(rejectReview(deps(), { reviewId: review.id })).rejects.toThrow(
        MergeRefusedError,
      );
      const unknown = randomUUID();
      await expect(approveReview(deps(), { reviewId: unknown })).rejects.toThrow(
        `no review ${unknown}`,
      );
      expect(await state(property.id)).toEqual(after);
    });

    it("unmerge after approve restores both contacts, their links and the item exactly", async () => {
      const { property, aId, bId, review } = await household();
      const before = await state(property.id);
      const done = await approveReview(deps(), { reviewId: review.id });

      const undone = await unmerge(deps(), { userId: aId });
      expect(undone).toMatchObject({
        mergeId: done.mergeId,
        contactId: aId,
        splitContactId: bId,
        kind: "contact",
        fieldsKept: 0,
        linksMoved: 1,
        reviewId: review.id,
      });
      expect(await state(property.id)).toEqual(before);
      const [history] = await db
        .select()
        .from(contactMergeHistory)
        .where(eq(contactMergeHistory.id, done.mergeId));
      expect(history?.revertedAt?.toISOString()).toBe(clock.now().toISOString());
      expect(await outboxOf(property.id, "contact.unmerged")).toEqual([
        expect.objectContaining({ contactId: aId, mergedContactId: bId, status: "pending" }),
      ]);
      // Nothing left to undo; the item can be decided again.
      await expect(unmerge(deps(), { userId: aId })).rejects.toThrow(
        `contact ${aId} has no merge to undo`,
      );
      expect(await openItems(property.id)).toEqual([expect.objectContaining({ id: review.id })]);
    });

    it("approve keeping the record's contact merges A into B, and unmerge restores both exactly", async () => {
      const { property, p1, p2, aId, bId, review } = await household();
      const before = await state(property.id);

      const done = await approveReview(deps(), {
        reviewId: review.id,
        decidedBy: "ops",
        survivor: "record",
      });
      expect(done).toMatchObject({ contactId: bId, mergedContactId: aId, linksMoved: 1 });
      expect((await contactRow(aId)).mergedIntoId).toBe(bId);
      const b = await contactRow(bId);
      expect(b).toMatchObject({ mergedIntoId: null, email: marisol.email, kind: "resident" });
      // A's record moved to B; the reviewed record's link stays on B, no longer waiting.
      expect(await linkRow(property.id, p1.person_id)).toMatchObject({
        userId: bId,
        syncStatus: "merged",
      });
      const reviewed = await linkRow(property.id, p2.person_id);
      expect(reviewed).toMatchObject({
        userId: bId,
        syncStatus: "merged",
        matchScore: review.score,
      });
      expect(reviewed.matchEvidence).toMatchObject({ linkedBy: "matched", best: review.evidence });
      expect(await outboxOf(property.id, "contact.merged")).toEqual([
        expect.objectContaining({ contactId: bId, mergedContactId: aId, linkId: reviewed.id }),
      ]);

      const undone = await unmerge(deps(), { userId: bId });
      expect(undone).toMatchObject({ mergeId: done.mergeId, contactId: bId, splitContactId: aId });
      expect(await state(property.id)).toEqual(before);
      expect(await openItems(property.id)).toEqual([expect.objectContaining({ id: review.id })]);
    });

    it("unmerge keeps a later update to a field the merge did not touch", async () => {
      const { property, p1, aId, bId, review } = await household();
      const before = await state(property.id);
      await approveReview(deps(), { reviewId: review.id });
      // Marisol's record changes her email afterwards: a field the merge did not touch.
      const later = await sync(property, {
        ...p1,
        email: tobias.email,
        last_modified: "2026-11-20T10:00:00Z",
      });
      expect(later).toMatchObject({ outcome: "updated", contactId: aId });

      // Given the merged-away contact, unmerge finds the merge that absorbed it.
      const undone = await unmerge(deps(), { userId: bId });
      // The merge changed only fields Marisol's newer version did not touch (it filled A's
      // blanks): they all go back, none is kept.
      expect(undone).toMatchObject({ contactId: aId, splitContactId: bId, fieldsKept: 0 });
      const after = await state(property.id);
      const a = after.contacts.find((c) => c.id === aId);
      const aBefore = before.contacts.find((c) => c.id === aId);
      expect(a?.email).toBe(tobias.email);
      expect(a?.secondary.emails).toEqual([marisol.email]);
      // Everything else of A is as before the merge; B and the links exactly so, bar the
      // later version recorded on Marisol's link and on A's values.
      const {
        email: _e,
        emailKey: _k,
        secondary: _s,
        blockKeys: _b,
        fieldSources: _f,
        fieldVersions: _v,
        ...rest
      } = a ?? ({} as NonNullable<typeof a>);
      const {
        email: _e2,
        emailKey: _k2,
        secondary: _s2,
        blockKeys: _b2,
        fieldSources: _f2,
        fieldVersions: _v2,
        ...restBefore
      } = aBefore ?? ({} as NonNullable<typeof aBefore>);
      expect(rest).toEqual(restBefore);
      expect(after.contacts.find((c) => c.id === bId)).toEqual(
        before.contacts.find((c) => c.id === bId),
      );
      const strip = (l: (typeof after.links)[number]) => ({
        ...l,
        sourceHash: null,
        sourceUpdatedAt: null,
        lastSyncAt: null,
      });
      expect(after.links.map(strip)).toEqual(before.links.map(strip));
      expect(after.reviews).toEqual(before.reviews);
    });

    it("reject keeps the pair apart for good: a later version of the person proposes nothing", async () => {
      const { property, p2, aId, bId, review } = await household();
      const done = await rejectReview(deps(), { reviewId: review.id, decidedBy: "ops" });
      expect(done).toMatchObject({ contactId: bId, candidateId: aId, linkStatus: "success" });
      const link = await linkRow(property.id, p2.person_id);
      expect(link).toMatchObject({ userId: bId, syncStatus: "success" });
      expect(link.matchEvidence).toMatchObject({ linkedBy: "created" });
      expect(await outboxOf(property.id, "contact.synced")).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ contactId: bId, linkId: link.id, status: "success" }),
        ]),
      );

      const again = await sync(property, {
        ...p2,
        email: ines.email,
        last_modified: "2026-11-21T10:00:00Z",
      });
      expect(again).toMatchObject({ outcome: "updated", contactId: bId, status: "success" });
      const reviews = await db
        .select()
        .from(contactReview)
        .where(eq(contactReview.propertyId, property.id));
      expect(reviews).toEqual([
        expect.objectContaining({ id: review.id, status: "rejected", decidedBy: "ops" }),
      ]);
      expect(await openItems(property.id)).toEqual([]);
      const live = await db
        .select()
        .from(user)
        .where(and(eq(user.propertyId, property.id), isNull(user.mergedIntoId)));
      expect(live.map((c) => c.id).sort()).toEqual([aId, bId].sort());
    });

    it("unmerge of a person linked by matching gives it its own contact again", async () => {
      const property = await newProperty({ wideReviewBand: false });
      const p1 = marisolPerson({ status: "prospect" });
      const a = await sync(property, p1);
      const before = await state(property.id);
      // The same Marisol again under another PersonID, as a resident with a birth date: the
      // sync path merges her into A.
      const p3 = marisolPerson({ birthdate: ines.birthdate, status: "resident" });
      const merged = await sync(property, p3);
      expect(merged).toMatchObject({ outcome: "merged", contactId: a.contactId });
      const aId = a.contactId ?? "";
      expect(await contactRow(aId)).toMatchObject({
        dateOfBirth: ines.birthdate,
        kind: "resident",
      });

      const undone = await unmerge(deps(), { userId: aId });
      expect(undone).toMatchObject({
        contactId: aId,
        kind: "person",
        linksMoved: 1,
        reviewId: null,
      });
      const after = await state(property.id);
      expect(after.contacts.find((c) => c.id === aId)).toEqual(before.contacts[0]);
      const own = await contactRow(undone.splitContactId);
      expect(own).toMatchObject({
        firstName: marisol.first_name,
        email: marisol.email,
        dateOfBirth: ines.birthdate,
        kind: "resident",
        mergedIntoId: null,
      });
      const link = await linkRow(property.id, p3.person_id);
      expect(link).toMatchObject({ userId: own.id, syncStatus: "success", sourceHash: null });
      expect(link.matchEvidence).toEqual({ linkedBy: "created" });
      expect(await linkRow(property.id, p1.person_id)).toMatchObject({ userId: aId });

      // The person's next delivery goes to its own contact, never back into A.
      const next = await sync(property, p3);
      expect(next).toMatchObject({ outcome: "updated", contactId: own.id });
      const live = await db
        .select()
        .from(user)
        .where(and(eq(user.propertyId, property.id), isNull(user.mergedIntoId)));
      expect(live).toHaveLength(2);
    });

    it("a chatbot lead approved into a contact takes its conversation along, and unmerge brings it back", async () => {
      const property = await newProperty();
      const a = await sync(property, marisolPerson());
      const event: ChatbotEvent = {
        detail_type: "Preferences Updated",
        detail: {
          event_id: randomUUID(),
          property_id: property.id,
          conversation_id: randomUUID(),
          occurred_at: "2026-11-24T18:00:00Z",
          contact: { first_name: ines.first_name, last_name: ines.last_name, phone: marisol.phone },
          preferences: { bedrooms: 2 },
        },
      };
      const lead = await enrichContact(
        { store: stores.contacts, properties: stores.properties, clock },
        event,
      );
      expect(lead.outcome).toBe("created_lead");
      const [item] = await openItems(property.id);
      expect(item).toMatchObject({
        userId: lead.contactId,
        candidateId: a.contactId,
        personId: null,
      });
      const before = await state(property.id);

      await approveReview(deps(), { reviewId: item?.id ?? "" });
      const merged = await state(property.id);
      // A has a ResMan person: the lead's placeholder goes; its enrichment is A's now.
      expect(merged.links.filter((l) => l.userId === lead.contactId)).toEqual([]);
      expect(merged.links.some((l) => l.personId === null)).toBe(false);
      expect(merged.enrichments.map((e) => e.contactId)).toEqual([a.contactId]);

      await unmerge(deps(), { userId: a.contactId ?? "" });
      expect(await state(property.id)).toEqual(before);
    });

    it("a ResMan person merged into a chatbot lead by the sync path: unmerge gives the lead back as it was", async () => {
      const property = await newProperty({ wideReviewBand: false });
      const event: ChatbotEvent = {
        detail_type: "Contact Captured",
        detail: {
          event_id: randomUUID(),
          property_id: property.id,
          conversation_id: randomUUID(),
          occurred_at: "2026-11-24T18:00:00Z",
          contact: {
            first_name: marisol.first_name,
            last_name: marisol.last_name,
            email: marisol.email,
          },
        },
      };
      const lead = await enrichContact(
        { store: stores.contacts, properties: stores.properties, clock },
        event,
      );
      expect(lead.outcome).toBe("created_lead");
      const before = await state(property.id);
      const placeholder = before.links.find((l) => l.personId === null);
      expect(placeholder).toMatchObject({ userId: lead.contactId, syncStatus: "pending" });

      const person = marisolPerson({ status: "applicant" });
      const merged = await sync(property, person);
      expect(merged).toMatchObject({ outcome: "merged", contactId: lead.contactId });
      const during = await state(property.id);
      expect(during.links.some((l) => l.personId === null)).toBe(false);
      expect(during.contacts[0]?.kind).toBe("applicant");

      const undone = await unmerge(deps(), { userId: lead.contactId ?? "" });
      expect(undone).toMatchObject({ contactId: lead.contactId, kind: "person" });
      const after = await state(property.id);
      // The lead: values, kind and its very placeholder link (same id and timestamps) are back.
      expect(after.contacts.find((c) => c.id === lead.contactId)).toEqual(before.contacts[0]);
      const restored = after.links.find((l) => l.personId === null);
      expect(restored).toEqual(placeholder);
      expect(after.enrichments).toEqual(before.enrichments);
      // The person has its own contact now.
      expect(await linkRow(property.id, person.person_id)).toMatchObject({
        userId: undone.splitContactId,
        syncStatus: "success",
      });
    });

    it("an approval racing a sync of the record's person loses nothing and duplicates nothing", async () => {
      for (let round = 0; round < 6; round += 1) {
        const { property, p2, aId, bId, review } = await household();
        const [approved, synced] = await Promise.all([
          approveReview(deps(), { reviewId: review.id }),
          sync(property, { ...p2, email: ines.email, last_modified: "2026-11-22T10:00:00Z" }),
        ]);
        expect(approved.mergedContactId).toBe(bId);
        expect([aId, bId]).toContain(synced.contactId);
        const live = await db
          .select()
          .from(user)
          .where(and(eq(user.propertyId, property.id), isNull(user.mergedIntoId)));
        expect(live.map((c) => c.id)).toEqual([aId]);
        // Whichever came first, A holds both emails, one current and the other secondary
        // (approved first: the person's newer version updates A; synced first: B's email
        // meets A's as another record's and is kept as secondary).
        expect([live[0]?.email, ...(live[0]?.secondary.emails ?? [])].sort()).toEqual(
          [ines.email, marisol.email].sort(),
        );
        const links = await db
          .select()
          .from(contactSync)
          .where(eq(contactSync.propertyId, property.id));
        expect(links).toHaveLength(2);
        expect(links.every((l) => l.userId === aId)).toBe(true);
        expect((await linkRow(property.id, p2.person_id)).syncStatus).toBe("merged");
        const reviews = await db
          .select()
          .from(contactReview)
          .where(
            or(
              inArray(contactReview.userId, [aId, bId]),
              inArray(contactReview.candidateId, [aId, bId]),
            ),
          );
        expect(reviews.map((r) => r.status)).toEqual(["approved"]);
      }
    });
  });
}

describeReviewSuite("pglite");
describeReviewSuite("pg");
describeReviewSuite("neon");
