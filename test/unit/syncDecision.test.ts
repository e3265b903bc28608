/**
 * The sync decision (`lib/domain/syncDecision.ts`): a person seen for the first time, one already
 * linked, and delivery orders. (Over 400 lines as one thing: the cases of one module, from one
 * fictional prospect.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blockingKeys } from "../../lib/domain/blocking.js";
import { type Contact, type ContactValues, emptySecondary } from "../../lib/domain/contact.js";
import type { Matcher } from "../../lib/domain/matching.js";
import { type NormalisationContext, normalisePerson } from "../../lib/domain/normalize.js";
import { personDigest, personStatuses, type ResmanPerson } from "../../lib/domain/person.js";
import { type MergeStrategy, variantOf } from "../../lib/domain/survivorship.js";
import {
  decideSync,
  type LinkEvidence,
  type LinkState,
  linkedByOf,
  type SyncDecision,
} from "../../lib/domain/syncDecision.js";
import { contact as buildContact, contactFromWrite } from "../fixtures/contacts.js";

const CONTEXT: NormalisationContext = {
  countryCode: "US",
  officePhone: "+14155550100",
  now: new Date("2025-06-15T12:00:00Z"),
};
const PERSON_ID = "6f1c2a4e-0b7d-4c1e-9a55-3d2f8e7b9c01";

/** A ResMan person version; every test starts from the same fictional prospect. */
function version(overrides: Partial<ResmanPerson> = {}): ResmanPerson {
  return {
    person_id: PERSON_ID,
    status: "prospect",
    first_name: "Mary",
    last_name: "Roe",
    email: "mary.roe@mailbox.org",
    phones: [{ type: "mobile", number: "(415) 555-0123" }],
    birthdate: "1990-05-17",
    last_modified: "2025-03-01T10:00:00Z",
    ...overrides,
  };
}

function existingContact(
  id: string,
  values: Partial<ContactValues>,
  sources: Contact["sources"] = {},
  kind: Contact["kind"] = "lead",
  linkedStatuses: Contact["linkedStatuses"] = [],
): Contact {
  return buildContact(id, values, { sources, kind, linkedStatuses, createdAt: "2024-01-01" });
}

function decide(
  raw: ResmanPerson,
  options: {
    link?: LinkState | null;
    contacts?: readonly Contact[];
    strategy?: MergeStrategy;
    matcher?: Matcher;
  } = {},
): SyncDecision {
  return decideSync({
    person: normalisePerson(raw, CONTEXT),
    digest: personDigest(raw),
    link: options.link ?? null,
    contacts: options.contacts ?? [],
    strategy: options.strategy ?? "resman_wins",
    newContactId: "contact-new",
    ...(options.matcher === undefined ? {} : { matcher: options.matcher }),
  });
}

/** The contact a person's first version creates, as a repository would hold it. */
function createdBy(raw: ResmanPerson, id: string): Contact {
  const decision = decide(raw);
  if (decision.action !== "create") throw new Error("expected a new contact");
  return contactFromWrite(decision.contact, { id, createdAt: "2024-01-01" });
}

/** What a repository would hold for one person: its link and the property's contacts. */
interface Store {
  link: LinkState | null;
  contacts: Map<string, Contact>;
}

const emptyStore = (): Store => ({ link: null, contacts: new Map() });

/** Decides and writes the decision the way the sync use case would. */
function deliver(store: Store, raw: ResmanPerson, strategy: MergeStrategy = "resman_wins") {
  const decision = decideSync({
    person: normalisePerson(raw, CONTEXT),
    digest: personDigest(raw),
    link: store.link,
    contacts: [...store.contacts.values()],
    strategy,
    newContactId: `contact-${store.contacts.size + 1}`,
  });
  if (decision.action !== "unchanged") {
    const { contact, link } = decision;
    const existing = store.contacts.get(contact.id);
    // The in-memory store holds one link: no other records' statuses.
    store.contacts.set(
      contact.id,
      contactFromWrite(contact, { createdAt: existing?.createdAt ?? "2025-01-01" }),
    );
    store.link = {
      id: link.id ?? "link-1",
      contactId: contact.id,
      status: link.status,
      sourceUpdatedAt: link.sourceUpdatedAt,
      sourceHash: link.sourceHash,
      resmanStatus: link.resmanStatus,
      matchScore: link.matchScore,
      evidence: link.evidence,
    };
  }
  return decision;
}

/** A link as stored after `raw` created or matched contact `contactId`. */
function linkFor(raw: ResmanPerson, contactId: string, extra: Partial<LinkState> = {}): LinkState {
  return {
    id: "link-1",
    contactId,
    status: "success",
    sourceUpdatedAt: raw.last_modified === undefined ? null : new Date(raw.last_modified),
    sourceHash: personDigest(raw),
    resmanStatus: raw.status,
    matchScore: null,
    evidence: { linkedBy: "created" },
    ...extra,
  };
}

describe("linkedByOf", () => {
  it("reads how a link was made from its evidence first", () => {
    expect(linkedByOf({ status: "merged", evidence: { linkedBy: "created" } })).toBe("created");
    expect(linkedByOf({ status: "success", evidence: { linkedBy: "matched" } })).toBe("matched");
  });

  it("falls back to the status for links stored without evidence", () => {
    expect(linkedByOf({ status: "merged", evidence: null })).toBe("matched");
    expect(linkedByOf({ status: "success", evidence: null })).toBe("created");
    expect(linkedByOf({ status: "pending", evidence: null })).toBe("created");
  });
});

describe("decideSync for a person seen for the first time", () => {
  it("creates a contact owned by ResMan and a successful link", () => {
    const raw = version();
    const decision = decide(raw);
    const normalised = normalisePerson(raw, CONTEXT);
    expect(decision).toEqual({
      action: "create",
      contact: {
        id: "contact-new",
        isNew: true,
        kind: "prospect",
        values: normalised.values,
        sources: {
          firstName: "resman",
          lastName: "resman",
          email: "resman",
          "phones.mobile": "resman",
          dateOfBirth: "resman",
        },
        versions: Object.fromEntries(
          ["firstName", "lastName", "email", "phones.mobile", "dateOfBirth"].map((field) => [
            field,
            { record: PERSON_ID, at: "2025-03-01T10:00:00.000Z", digest: personDigest(raw) },
          ]),
        ),
        keys: normalised.keys,
        blockKeys: blockingKeys(normalised.values),
        // The record's own variant: how it wrote the person, kept for when other records of
        // the person change the contact's values.
        secondary: {
          ...emptySecondary(),
          variants: [
            variantOf(normalised.values, {
              record: PERSON_ID,
              at: "2025-03-01T10:00:00.000Z",
              digest: personDigest(raw),
            }),
          ],
        },
        changed: true,
      },
      link: {
        id: null,
        personId: PERSON_ID,
        status: "success",
        resmanStatus: "prospect",
        sourceUpdatedAt: new Date("2025-03-01T10:00:00Z"),
        sourceHash: personDigest(raw),
        matchScore: null,
        evidence: {
          linkedBy: "created",
          method: "scored",
          candidates: 0,
          best: null,
          ranked: [],
        },
      },
      review: null,
    });
  });

  it("never merges a household member sharing the phone: own contact, pending, and a review item", () => {
    // Her twin: surname and birth date agree even without the phone they share, so a reviewer
    // gets the pair.
    const sibling = existingContact("c-sibling", {
      firstName: "John",
      lastName: "Roe",
      phones: { home: { raw: "415 555 0123", e164: "+14155550123" } },
      dateOfBirth: "1990-05-17",
    });
    const decision = decide(version(), { contacts: [sibling] });
    expect(decision.action).toBe("create");
    if (decision.action !== "create") return;
    expect(decision.contact.id).toBe("contact-new");
    expect(decision.link.evidence.candidates).toBe(1);
    expect(decision.link.evidence.ranked?.[0]?.contactId).toBe("c-sibling");
    expect(decision.link.evidence.best?.guard).toBe("first_name_differs");
    expect(decision.review).toEqual({
      candidateId: "c-sibling",
      score: decision.link.evidence.best?.score,
      evidence: decision.link.evidence.best,
    });
    expect(decision.link.status).toBe("pending");
    expect(decision.link.evidence.linkedBy).toBe("review");
    expect(decision.link.matchScore).toBe(decision.review?.score);
    // A sibling of another birth year sharing the phone: nothing but what the household shares
    // says they might be one person: their own contact, no review item.
    const other = decide(version(), {
      contacts: [{ ...sibling, values: { ...sibling.values, dateOfBirth: "1993-02-11" } }],
    });
    expect(other).toMatchObject({ action: "create", review: null });
    if (other.action === "create") expect(other.link.status).toBe("success");
  });

  it("creates a contact without a review item when the candidate is clearly someone else", () => {
    const stranger = existingContact("c-stranger", {
      firstName: "Peter",
      lastName: "Vance",
      dateOfBirth: "1971-02-03",
    });
    const decision = decide(version(), { contacts: [stranger] });
    expect(decision.action).toBe("create");
    if (decision.action !== "create") return;
    expect(decision.review).toBeNull();
    expect(decision.link.status).toBe("success");
    expect(decision.link.evidence.ranked).toEqual([
      { contactId: "c-stranger", score: expect.any(Number), outcome: "new" },
    ]);
  });

  it("merges into a contact sharing a key and fills its blanks", () => {
    const lead = existingContact(
      "c-lead",
      { firstName: "Mary", email: "mary.roe@mailbox.org" },
      { firstName: "domiq", email: "domiq" },
    );
    const decision = decide(version({ status: "applicant" }), { contacts: [lead] });
    expect(decision.action).toBe("merge");
    if (decision.action !== "merge") return;
    expect(decision.contact).toMatchObject({
      id: "c-lead",
      isNew: false,
      kind: "applicant",
      changed: true,
    });
    expect(decision.contact.values.lastName).toBe("Roe");
    expect(decision.contact.sources).toMatchObject({ firstName: "domiq", lastName: "resman" });
    expect(decision.contact.keys.nameDob).toBe("mary|roe|1990-05-17");
    expect(decision.contact.blockKeys).toEqual(blockingKeys(decision.contact.values));
    const score = decision.link.evidence.best?.score;
    expect(score).toBeGreaterThanOrEqual(decision.link.evidence.best?.thresholds.auto_merge ?? 99);
    expect(decision.link).toMatchObject({
      id: null,
      status: "merged",
      resmanStatus: "applicant",
      matchScore: score,
    });
    expect(decision.link.evidence).toMatchObject({
      linkedBy: "matched",
      method: "scored",
      candidates: 1,
      ranked: [{ contactId: "c-lead", score, outcome: "merge" }],
    });
    expect(decision.link.evidence.best?.fields.email.level).toBe("exact");
    expect(decision.merge).toEqual({
      before: {
        lastName: { value: null, source: null },
        "phones.mobile": { value: null, source: null },
        dateOfBirth: { value: null, source: null },
      },
      applied: ["lastName", "phones.mobile", "dateOfBirth"],
      incoming: normalisePerson(version({ status: "applicant" }), CONTEXT).values,
      secondaryBefore: emptySecondary(),
      kindBefore: "lead",
      score,
      evidence: decision.link.evidence,
    });
  });

  it("leaves a merge pending review when manual_review finds a conflict", () => {
    const lead = existingContact(
      "c-lead",
      { firstName: "Mary", email: "mary.roe@mailbox.org", lastName: "Roe", middleName: "Jo" },
      { firstName: "domiq", email: "domiq", lastName: "domiq", middleName: "domiq" },
    );
    const decision = decide(version({ middle_name: "Ann" }), {
      contacts: [lead],
      strategy: "manual_review",
    });
    expect(decision.action).toBe("merge");
    if (decision.action !== "merge") return;
    expect(decision.link.status).toBe("pending");
    expect(decision.contact.values.middleName).toBe("Jo");
    expect(decision.link.evidence.conflicts).toEqual(["middleName"]);
    expect(decision.merge.evidence.conflicts).toEqual(["middleName"]);
  });

  it("records fields kept because staff locked them", () => {
    const lead = existingContact(
      "c-lead",
      { firstName: "Mary", email: "mary.roe@mailbox.org", lastName: "Roe", middleName: "Jo" },
      { middleName: "manual" },
    );
    const decision = decide(version({ middle_name: "Ann" }), { contacts: [lead] });
    expect(decision.action).toBe("merge");
    if (decision.action !== "merge") return;
    expect(decision.link.status).toBe("merged");
    expect(decision.contact.values.middleName).toBe("Jo");
    expect(decision.link.evidence.locked).toEqual(["middleName"]);
    expect(decision.link.evidence.conflicts).toBeUndefined();
  });

  describe("another ResMan record matched to a contact", () => {
    const OTHER_ID = "0a7c4d2e-5b1f-4e3a-8c9d-7f6e5d4c3b2a";
    /** The contact as another record of Mary (OTHER_ID) wrote it, at `at` (null: undated). */
    const firstCard = (at: string | null) => {
      const fields = ["firstName", "lastName", "email", "dateOfBirth"] as const;
      const contact = existingContact(
        "c-first",
        {
          firstName: "Mary",
          lastName: "Roe",
          email: "mary.roe@mailbox.org",
          dateOfBirth: "1990-05-17",
        },
        Object.fromEntries(fields.map((f) => [f, "resman"])),
        "prospect",
      );
      const stamp = { record: OTHER_ID, at, digest: "d".repeat(64) };
      return { ...contact, versions: Object.fromEntries(fields.map((f) => [f, stamp])) };
    };
    // A duplicate card: surname spelt otherwise, another email, a phone the contact lacks.
    const duplicate = (lastModified: string | undefined) =>
      version({
        last_name: "Rowe",
        email: "m.roe@newmail.org",
        ...(lastModified === undefined
          ? { last_modified: undefined }
          : { last_modified: lastModified }),
      });

    it("replaces the contact's older ResMan values when its version is newer", () => {
      for (const strategy of ["resman_wins", "domiq_wins", "manual_review"] as const) {
        const decision = decide(duplicate("2025-03-01T10:00:00Z"), {
          contacts: [firstCard("2025-01-01T00:00:00.000Z")],
          strategy,
        });
        expect(decision.action).toBe("merge");
        if (decision.action !== "merge") return;
        expect(decision.contact.values).toMatchObject({
          lastName: "Rowe",
          email: "m.roe@newmail.org",
        });
        // Changed, then restamped (the same value, now known from the newer version): both
        // recorded, so that an unmerge puts the versions back too.
        expect(decision.merge.applied).toEqual([
          "lastName",
          "email",
          "phones.mobile",
          "firstName",
          "dateOfBirth",
        ]);
        expect(decision.contact.versions.lastName?.record).toBe(PERSON_ID);
        // The same first name in the newer version: the value stays, its version moves.
        expect(decision.contact.versions.firstName?.record).toBe(PERSON_ID);
        // The replaced email stays findable; each record keeps its own variant.
        expect(decision.contact.secondary.emails).toEqual(["mary.roe@mailbox.org"]);
        expect(decision.contact.secondary.variants?.map((v) => v.version?.record)).toEqual([
          PERSON_ID,
        ]);
        // Two records of one source disagreeing is not a DomIQ/ResMan conflict.
        expect(decision.link.status).toBe("merged");
        expect(decision.link.evidence.conflicts).toBeUndefined();
      }
    });

    it("only fills the contact's blanks when its version is older, or when neither is dated", () => {
      for (const [card, lastModified] of [
        [firstCard("2025-06-01T00:00:00.000Z"), "2025-03-01T10:00:00Z"],
        [firstCard(null), undefined],
      ] as const) {
        const decision = decide(duplicate(lastModified), { contacts: [card] });
        expect(decision.action).toBe("merge");
        if (decision.action !== "merge") return;
        expect(decision.contact.values).toMatchObject({
          lastName: "Roe",
          email: "mary.roe@mailbox.org",
        });
        expect(decision.contact.values.phones.mobile?.e164).toBe("+14155550123");
        expect(decision.merge.applied).toEqual(["phones.mobile"]);
        // What it said differently stays findable: the email, and the record as a variant.
        expect(decision.contact.secondary.emails).toEqual(["m.roe@newmail.org"]);
        expect(decision.contact.secondary.variants?.[0]).toMatchObject({
          lastName: "Rowe",
          email: "m.roe@newmail.org",
          version: { record: PERSON_ID },
        });
        expect(decision.contact.blockKeys).toEqual(
          blockingKeys(decision.contact.values, decision.contact.secondary),
        );
      }
    });
  });

  it("a card with first and last name swapped brings no names into the contact", () => {
    // Names the chatbot wrote: under resman_wins a ResMan card would replace them.
    const lead = existingContact(
      "c-lead",
      { firstName: "Mary", lastName: "Roe", email: "mary.roe@mailbox.org" },
      { firstName: "domiq", lastName: "domiq", email: "domiq" },
    );
    const swapped = version({ first_name: "Roe", last_name: "Mary" });
    const decision = decide(swapped, { contacts: [lead], strategy: "resman_wins" });
    expect(decision.action).toBe("merge");
    if (decision.action !== "merge") return;
    expect(decision.link.evidence.best?.swapped_names).toBe(true);
    expect(decision.contact.values).toMatchObject({ firstName: "Mary", lastName: "Roe" });
    expect(decision.contact.sources).toMatchObject({ firstName: "domiq", lastName: "domiq" });
    // The same card with the names in place does take them (the strategy still applies).
    const straight = decide(version({ last_name: "Roe-Smith" }), {
      contacts: [lead],
      strategy: "resman_wins",
    });
    expect(straight.action).toBe("merge");
    if (straight.action !== "merge") return;
    expect(straight.contact.values.lastName).toBe("Roe-Smith");
  });

  it("uses the matcher it is given", () => {
    const chosen = existingContact("c-chosen", { firstName: "Someone" });
    const matcher: Matcher = () => ({
      outcome: "merge",
      contact: chosen,
      score: 0.92,
      evidence: { method: "scored", candidates: 1, best: null, ranked: [] },
    });
    const decision = decide(version(), { contacts: [chosen], matcher });
    expect(decision.action).toBe("merge");
    if (decision.action !== "merge") return;
    expect(decision.contact.id).toBe("c-chosen");
    expect(decision.link.matchScore).toBe(0.92);
    expect(decision.merge.score).toBe(0.92);
  });
});

describe("decideSync for a person already linked", () => {
  const first = version();
  // The contact `first` created: its values, sources, field versions and record variant.
  const mine = createdBy(first, "c-1");

  it("calls a delivery of the same version a replay", () => {
    expect(decide(first, { link: linkFor(first, "c-1"), contacts: [mine] })).toEqual({
      action: "unchanged",
      reason: "replay",
      contactId: "c-1",
      linkId: "link-1",
    });
  });

  it("calls an older version stale", () => {
    const older = version({ last_name: "Roe-Smith", last_modified: "2025-02-28T10:00:00Z" });
    expect(decide(older, { link: linkFor(first, "c-1"), contacts: [mine] })).toEqual({
      action: "unchanged",
      reason: "stale",
      contactId: "c-1",
      linkId: "link-1",
    });
  });

  it("orders two versions with the same timestamp by digest", () => {
    const other = version({ last_name: "Roe-Smith" });
    const [low, high] = [first, other].sort((a, b) =>
      personDigest(a) < personDigest(b) ? -1 : 1,
    ) as [ResmanPerson, ResmanPerson];
    const lowContact = { ...mine, values: normalisePerson(low, CONTEXT).values };
    const highContact = { ...mine, values: normalisePerson(high, CONTEXT).values };
    expect(decide(low, { link: linkFor(high, "c-1"), contacts: [highContact] })).toMatchObject({
      action: "unchanged",
      reason: "stale",
    });
    expect(decide(high, { link: linkFor(low, "c-1"), contacts: [lowContact] })).toMatchObject({
      action: "update",
    });
  });

  it("updates the contact with a newer version and keeps the link's identity", () => {
    const newer = version({ email: "m.roe@newmail.org", last_modified: "2025-03-02T10:00:00Z" });
    const decision = decide(newer, { link: linkFor(first, "c-1"), contacts: [mine] });
    expect(decision.action).toBe("update");
    if (decision.action !== "update") return;
    expect(decision.contact).toMatchObject({ id: "c-1", isNew: false, changed: true });
    expect(decision.contact.values.email).toBe("m.roe@newmail.org");
    expect(decision.contact.keys.email).toBe("m.roe@newmail.org");
    expect(decision.link).toEqual({
      id: "link-1",
      personId: PERSON_ID,
      status: "success",
      resmanStatus: "prospect",
      sourceUpdatedAt: new Date("2025-03-02T10:00:00Z"),
      sourceHash: personDigest(newer),
      matchScore: null,
      evidence: { linkedBy: "created" },
    });
  });

  it("keeps the match score and evidence of a matched link and drops settled conflicts", () => {
    const ranked = [
      { contactId: "c-1", score: 30, outcome: "merge" as const },
      { contactId: "c-sibling", score: 9, outcome: "review" as const },
    ];
    const evidence: LinkEvidence = {
      linkedBy: "matched",
      method: "scored",
      candidates: 2,
      best: null,
      ranked,
      conflicts: ["lastName"],
    };
    const link = linkFor(first, "c-1", { status: "pending", matchScore: 1, evidence });
    const newer = version({ middle_name: "Ann", last_modified: "2025-03-02T10:00:00Z" });
    const decision = decide(newer, { link, contacts: [mine], strategy: "manual_review" });
    expect(decision.action).toBe("update");
    if (decision.action !== "update") return;
    expect(decision.link.status).toBe("merged");
    expect(decision.link.matchScore).toBe(1);
    expect(decision.link.evidence).toEqual({
      linkedBy: "matched",
      method: "scored",
      candidates: 2,
      best: null,
      ranked,
    });
  });

  it("leaves an update pending review when manual_review finds a conflict", () => {
    const edited = { ...mine, sources: { ...mine.sources, email: "domiq" as const } };
    const newer = version({ email: "m.roe@newmail.org", last_modified: "2025-03-02T10:00:00Z" });
    const decision = decide(newer, {
      link: linkFor(first, "c-1"),
      contacts: [edited],
      strategy: "manual_review",
    });
    expect(decision.action).toBe("update");
    if (decision.action !== "update") return;
    expect(decision.link.status).toBe("pending");
    expect(decision.link.evidence).toEqual({ linkedBy: "created", conflicts: ["email"] });
    expect(decision.contact.values.email).toBe("mary.roe@mailbox.org");
    // The email that lost is kept as a secondary value (and a blocking key), not dropped.
    expect(decision.contact.secondary.emails).toEqual(["m.roe@newmail.org"]);
    expect(decision.contact.blockKeys).toContain("em:m.roe@newmail.org");
    expect(decision.contact.changed).toBe(true);
  });

  it("advances the link and the values' versions when only the timestamp moved", () => {
    const touched = version({ last_modified: "2025-03-05T10:00:00Z" });
    const decision = decide(touched, { link: linkFor(first, "c-1"), contacts: [mine] });
    expect(decision.action).toBe("update");
    if (decision.action !== "update") return;
    // The values stay; what moves is the version they are known from.
    expect(decision.contact.values).toEqual(mine.values);
    expect(decision.contact.versions.lastName?.at).toBe("2025-03-05T10:00:00.000Z");
    expect(decision.link.sourceUpdatedAt).toEqual(new Date("2025-03-05T10:00:00Z"));
    expect(decision.link.sourceHash).toBe(personDigest(touched));
  });

  it("rewrites the contact when only the person's status moved", () => {
    const resident = version({ status: "resident", last_modified: "2025-03-05T10:00:00Z" });
    const decision = decide(resident, { link: linkFor(first, "c-1"), contacts: [mine] });
    expect(decision.action).toBe("update");
    if (decision.action !== "update") return;
    expect(decision.contact.kind).toBe("resident");
    expect(decision.contact.changed).toBe(true);
    expect(decision.link.resmanStatus).toBe("resident");
  });

  it("keeps a resident a resident when an old prospect record of theirs is updated", () => {
    const residentElsewhere = { ...mine, linkedStatuses: ["resident" as const] };
    const lostAgain = version({ status: "lost", last_modified: "2025-03-05T10:00:00Z" });
    const decision = decide(lostAgain, {
      link: linkFor(first, "c-1"),
      contacts: [residentElsewhere],
    });
    expect(decision.action).toBe("update");
    if (decision.action !== "update") return;
    expect(decision.contact.kind).toBe("resident");
    expect(decision.link.resmanStatus).toBe("lost");
  });

  it("applies a file version without a timestamp and keeps the link's newest timestamp", () => {
    const { last_modified: _, ...rest } = version({ last_name: "Roe-Smith" });
    const imported: ResmanPerson = rest;
    const decision = decide(imported, { link: linkFor(first, "c-1"), contacts: [mine] });
    expect(decision.action).toBe("update");
    if (decision.action !== "update") return;
    expect(decision.contact.values.lastName).toBe("Roe-Smith");
    expect(decision.link.sourceUpdatedAt).toEqual(new Date("2025-03-01T10:00:00Z"));
  });

  it("applies a timestamped version over a link that has none", () => {
    const older = version({ last_name: "Roe-Smith", last_modified: "2020-01-01T00:00:00Z" });
    const link = linkFor(first, "c-1", { sourceUpdatedAt: null });
    const decision = decide(older, { link, contacts: [mine] });
    expect(decision.action).toBe("update");
    if (decision.action !== "update") return;
    expect(decision.link.sourceUpdatedAt).toEqual(new Date("2020-01-01T00:00:00Z"));
  });

  it("re-points a link whose contact vanished instead of adding a second link", () => {
    const decision = decide(first, { link: linkFor(first, "c-deleted"), contacts: [] });
    expect(decision.action).toBe("create");
    if (decision.action !== "create") return;
    expect(decision.link.id).toBe("link-1");
    expect(decision.contact.id).toBe("contact-new");
  });
});

describe("decideSync over delivery orders", () => {
  const casing = (text: string) => fc.constantFrom(text, text.toUpperCase(), text.toLowerCase());
  const phoneFormats = [
    (line: number) => `(415) 555-0${line}`,
    (line: number) => `+1 415 555 0${line}`,
  ];
  /** Full versions: every field present, so no value survives only because a blank is skipped. */
  const fullVersion = fc
    .record({
      status: fc.constantFrom(...personStatuses),
      first: fc.oneof(casing("Mary"), casing("Maria")),
      last: fc.oneof(casing("Roe"), casing("Roe-Smith")),
      email: fc.constantFrom("mary.roe@mailbox.org", "m.roe@newmail.org", "MARY.ROE@mailbox.org"),
      line: fc.integer({ min: 120, max: 125 }),
      format: fc.constantFrom(...phoneFormats),
      birthdate: fc.constantFrom("1990-05-17", "19900517", "1990-05-18"),
      city: fc.constantFrom("Springfield", "Shelbyville"),
      dependent: fc.boolean(),
    })
    .map(
      (v): ResmanPerson => ({
        person_id: PERSON_ID,
        status: v.status,
        first_name: v.first,
        last_name: v.last,
        email: v.email,
        phones: [{ type: "mobile", number: v.format(v.line) }],
        birthdate: v.birthdate,
        address: { line1: "12 Elm St", city: v.city },
        is_dependent: v.dependent,
      }),
    );
  const at = (raw: ResmanPerson, iso: string): ResmanPerson => ({ ...raw, last_modified: iso });
  /**
   * The state a delivery order must not change: the link, the contact's values, sources, field
   * versions, secondary values (the emails and phones it held: what was seen, not when) and
   * record variants.
   */
  const outcome = (store: Store) => ({
    link: store.link,
    contacts: [...store.contacts.values()].map(({ createdAt: _, ...rest }) => rest),
  });
  /** The current values and where they came from, without what was seen on the way. */
  const current = (store: Store) =>
    [...store.contacts.values()].map(({ values, sources, versions, kind }) => ({
      values,
      sources,
      versions,
      kind,
    }));
  const secondaryIsHistory = (store: Store, seen: readonly ResmanPerson[]) => {
    const phones = new Set(
      seen.flatMap((raw) =>
        Object.values(normalisePerson(raw, CONTEXT).values.phones).map((p) => p.e164),
      ),
    );
    const emails = new Set(seen.map((raw) => normalisePerson(raw, CONTEXT).values.email));
    for (const contact of store.contacts.values()) {
      for (const email of contact.secondary.emails) {
        expect(emails.has(email)).toBe(true);
        expect(email.toLowerCase()).not.toBe(contact.values.email?.toLowerCase());
      }
      const current = Object.values(contact.values.phones).map((p) => p.e164);
      for (const phone of contact.secondary.phones) {
        expect(phones.has(phone.e164)).toBe(true);
        expect(current).not.toContain(phone.e164);
      }
      expect(contact.blockKeys).toEqual(blockingKeys(contact.values, contact.secondary));
    }
  };

  it("applies a version delivered many times once and calls the rest replays", () => {
    fc.assert(
      fc.property(fullVersion, fc.integer({ min: 2, max: 6 }), (raw, times) => {
        const once = emptyStore();
        deliver(once, at(raw, "2025-03-01T10:00:00Z"));
        const many = emptyStore();
        const decisions = Array.from({ length: times }, () =>
          deliver(many, at(raw, "2025-03-01T10:00:00Z")),
        );
        expect(decisions[0]?.action).toBe("create");
        for (const later of decisions.slice(1)) {
          expect(later).toMatchObject({ action: "unchanged", reason: "replay" });
        }
        expect(outcome(many)).toEqual(outcome(once));
      }),
    );
  });

  it("converges on the same state whichever of two same-time versions arrives first", () => {
    fc.assert(
      fc.property(
        fullVersion,
        fullVersion,
        fc.constantFrom<MergeStrategy>("resman_wins", "domiq_wins", "manual_review"),
        (a, b, strategy) => {
          const va = at(a, "2025-03-01T10:00:00Z");
          const vb = at(b, "2025-03-01T10:00:00Z");
          fc.pre(personDigest(va) !== personDigest(vb));
          const ab = emptyStore();
          deliver(ab, va, strategy);
          deliver(ab, vb, strategy);
          const ba = emptyStore();
          deliver(ba, vb, strategy);
          deliver(ba, va, strategy);
          expect(outcome(ab)).toEqual(outcome(ba));
          secondaryIsHistory(ab, [va, vb]);
          secondaryIsHistory(ba, [va, vb]);
          const winner = personDigest(va) > personDigest(vb) ? va : vb;
          expect(ab.link?.sourceHash).toBe(personDigest(winner));
        },
      ),
    );
  });

  it("never lets an older version overwrite a newer one, in either order", () => {
    fc.assert(
      fc.property(fullVersion, fullVersion, (a, b) => {
        const older = at(a, "2025-03-01T10:00:00Z");
        const newer = at(b, "2025-03-01T10:00:01Z");
        const onlyNewer = emptyStore();
        deliver(onlyNewer, newer);
        const inOrder = emptyStore();
        deliver(inOrder, older);
        deliver(inOrder, newer);
        const reversed = emptyStore();
        deliver(reversed, newer);
        const late = deliver(reversed, older);
        // The late older version changes no current value (every field of the newer one is
        // set); at most it adds what it saw to the secondary values.
        if (late.action !== "unchanged") {
          expect(late.action).toBe("update");
          if (late.action === "update") expect(late.link.sourceHash).toBe(personDigest(newer));
        } else {
          expect(late.reason).toBe("stale");
        }
        expect(current(reversed)).toEqual(current(onlyNewer));
        expect(outcome(reversed)).toEqual(outcome(inOrder));
        secondaryIsHistory(inOrder, [older, newer]);
      }),
    );
  });
});
