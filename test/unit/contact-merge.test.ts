/**
 * Merging and unmerging contacts (`lib/domain/contactMerge.ts`): approving a review item, the
 * unmerge plans of an approval and of a sync-path link, restoring the survivor, and the review
 * rules. (Over 400 lines as one thing: the cases of one module, sharing its fixtures.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blockingKeys } from "../../lib/domain/blocking.js";
import {
  type Contact,
  type ContactAddress,
  type ContactField,
  type ContactKind,
  type ContactValues,
  emptySecondary,
  emptyValues,
  type FieldSource,
  type FieldSources,
  type SecondaryValues,
} from "../../lib/domain/contact.js";
import {
  type ContactMergePlan,
  type MergeHistory,
  type MergeLink,
  type MergeParty,
  MergeRefusedError,
  mergeContacts,
  mergeContactValues,
  parseMergeHistory,
  planUnmerge,
  restoreSurvivor,
  type UnmergePlan,
} from "../../lib/domain/contactMerge.js";
import { kindOfStatuses } from "../../lib/domain/normalize.js";
import type { PersonStatus } from "../../lib/domain/person.js";
import { linkAfterRejection, reviewLevels } from "../../lib/domain/review.js";
import {
  contactFields,
  fieldValue,
  type MergeStrategy,
  mergeStrategies,
  mergeValues,
  withDisplaced,
} from "../../lib/domain/survivorship.js";
import type { LinkEvidence } from "../../lib/domain/syncDecision.js";
import { contact as buildContact, contactFromWrite } from "../fixtures/contacts.js";

const A_ID = "00000000-0000-4000-8000-00000000000a";
const B_ID = "00000000-0000-4000-8000-00000000000b";
const NEW_ID = "00000000-0000-4000-8000-0000000000ff";
const REVIEW_ID = "00000000-0000-4000-8000-0000000000e1";

const ELM: ContactAddress = {
  line1: "12 Elm St",
  line2: null,
  city: "Springfield",
  state: "OR",
  postalCode: "97477",
};
const OAK: ContactAddress = {
  line1: "40 Oak Ave",
  line2: "Apt 3",
  city: null,
  state: null,
  postalCode: "97401",
};

const phone = (digits: string) => ({ raw: `(415) 555-${digits}`, e164: `+1415555${digits}` });

function valuesWith(overrides: Partial<ContactValues>): ContactValues {
  return { ...emptyValues(), ...overrides };
}

/** A stored contact; its secondary values as a write would keep them (none equal to a value). */
function contact(
  id: string,
  values: ContactValues,
  options: { sources?: FieldSources; secondary?: SecondaryValues; kind?: ContactKind } = {},
): Contact {
  const secondary = withDisplaced(emptySecondary(), options.secondary ?? emptySecondary(), values);
  return buildContact(id, values, { ...options, secondary });
}

const reviewEvidence = {
  fields: {
    first_name: { level: "disagree", weight: -6 },
    last_name: { level: "exact", weight: 8.5 },
    date_of_birth: { level: "missing", weight: 0 },
    email: { level: "missing", weight: 0 },
    phone: { level: "exact", weight: 12 },
    address: { level: "missing", weight: 0 },
  },
  score: 14.5,
  guard: "first_name_differs",
};

function personLink(id: string, personId: string, overrides: Partial<MergeLink> = {}): MergeLink {
  return {
    id,
    personId,
    status: "success",
    resmanStatus: "prospect",
    matchScore: null,
    evidence: { linkedBy: "created" },
    sourceHash: `hash-${id}`,
    ...overrides,
  };
}

function placeholder(id: string): MergeLink {
  return {
    id,
    personId: null,
    status: "pending",
    resmanStatus: null,
    matchScore: null,
    evidence: null,
    sourceHash: null,
  };
}

const reviewedLink = (id = "link-b") =>
  personLink(id, "person-b", {
    status: "pending",
    matchScore: 14.5,
    evidence: { linkedBy: "review", method: "scored", candidates: 1 } as LinkEvidence,
  });

function approve(
  a: MergeParty,
  b: MergeParty,
  strategy: MergeStrategy = "resman_wins",
  otherReviews: Parameters<typeof mergeContacts>[0]["otherReviews"] = [],
): ContactMergePlan {
  return mergeContacts({
    survivor: a,
    absorbed: b,
    strategy,
    review: {
      id: REVIEW_ID,
      score: 14.5,
      evidence: reviewEvidence,
      linkId: b.links.find((l) => l.personId !== null)?.id ?? b.links[0]?.id ?? null,
      decidedBy: "ops",
    },
    otherReviews,
  });
}

/** The history row an approval writes, read back as Postgres returns jsonb. */
function historyOf(plan: ContactMergePlan, mergedUserId: string | null = B_ID): MergeHistory {
  const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
  return parseMergeHistory({
    id: "merge-1",
    propertyId: "property-1",
    userId: A_ID,
    mergedUserId,
    linkId: plan.linkId,
    personId: plan.personId,
    before: json(plan.history.before),
    applied: json(plan.history.applied),
    incoming: json({ ...plan.history.incoming, enrichments: [] }),
    revertedAt: null,
  });
}

/** A and B after an approval's writes. */
function applyMerge(a: MergeParty, b: MergeParty, plan: ContactMergePlan) {
  const removed = new Set(plan.removedPlaceholders.map((p) => p.id));
  const moved = plan.links.map((move): MergeLink => {
    const link = b.links.find((l) => l.id === move.id);
    if (link === undefined) throw new Error("moved link not found");
    return { ...link, status: move.status, evidence: move.evidence, matchScore: move.matchScore };
  });
  const survivor: MergeParty = {
    contact: contactFromWrite(plan.survivor),
    mergedIntoId: null,
    links: [...a.links.filter((l) => !removed.has(l.id)), ...moved],
  };
  const absorbed: MergeParty = { contact: b.contact, mergedIntoId: a.contact.id, links: [] };
  return { survivor, absorbed };
}

/** The links of A and of the split contact after an unmerge's writes. */
function linksAfterUnmerge(survivor: MergeParty, plan: UnmergePlan) {
  const moved = new Map(plan.links.map((move) => [move.id, move]));
  const splitId = plan.split.kind === "contact" ? plan.split.contactId : plan.split.contact.id;
  const placeholders = (contactId: string) =>
    plan.placeholders
      .filter((p) => p.contactId === contactId)
      .map((p) => placeholder(p.id ?? "new-placeholder"));
  const byId = (x: MergeLink, y: MergeLink) => (x.id < y.id ? -1 : 1);
  return {
    survivor: [
      ...survivor.links.filter((l) => !moved.has(l.id)),
      ...placeholders(survivor.contact.id),
    ].sort(byId),
    split: [
      ...survivor.links.flatMap((l) => {
        const move = moved.get(l.id);
        return move === undefined
          ? []
          : [
              {
                ...l,
                status: move.status,
                evidence: move.evidence,
                matchScore: move.matchScore,
                sourceHash: move.sourceHash,
              },
            ];
      }),
      ...placeholders(splitId),
    ].sort(byId),
  };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries: small value pools, so that the two contacts often share and often differ.

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 3 });
const emails = [
  "wren.a@mailbox.dev",
  "WREN.A@mailbox.dev",
  "w.ashby@postbox.dev",
  "ashby@mailbox.dev",
];
const phones = ["0101", "0102", "0103", "0104"].map(phone);
const valuesArb: fc.Arbitrary<ContactValues> = fc
  .record({
    firstName: optional(fc.constantFrom("Wren", "wren", "Rowan", "Sable")),
    middleName: optional(fc.constantFrom("Ivo", "Lark")),
    lastName: optional(fc.constantFrom("Ashby", "Ashbee")),
    email: optional(fc.constantFrom(...emails)),
    mobile: optional(fc.constantFrom(...phones)),
    home: optional(fc.constantFrom(...phones)),
    dateOfBirth: optional(fc.constantFrom("1988-02-03", "1988-03-02", "1991-07-30")),
    address: optional(fc.constantFrom(ELM, OAK)),
    isDependent: optional(fc.boolean()),
  })
  .map(({ mobile, home, ...rest }) => {
    const values: ContactValues = { ...rest, phones: {} };
    if (mobile !== null) values.phones.mobile = mobile;
    if (home !== null) values.phones.home = home;
    return values;
  });
const sourcesArb = (values: ContactValues): fc.Arbitrary<FieldSources> =>
  fc
    .array(fc.constantFrom<FieldSource | null>("resman", "domiq", "manual", null), {
      minLength: contactFields.length,
      maxLength: contactFields.length,
    })
    .map((chosen) => {
      const sources: FieldSources = {};
      contactFields.forEach((field, i) => {
        const source = chosen[i] ?? null;
        // A value always has a source (a value without one counts as DomIQ's, and a merge
        // records it so); a blank may have one (staff locked it empty).
        const held = fieldValue(values, field) !== null;
        if (source !== null && (held || source === "manual")) sources[field] = source;
        else if (held) sources[field] = "domiq";
      });
      return sources;
    });
const secondaryArb: fc.Arbitrary<SecondaryValues> = fc.record({
  emails: fc.subarray(emails),
  phones: fc.subarray(phones),
});

type Shape = "person" | "lead" | "none";
const partyArb = (id: string, shapes: readonly Shape[], reviewed: boolean) =>
  fc
    .record({
      values: valuesArb,
      secondary: secondaryArb,
      shape: fc.constantFrom(...shapes),
      statuses: fc.subarray<PersonStatus>(["prospect", "resident", "former"], { minLength: 1 }),
      kind: fc.constantFrom<ContactKind>("lead", "prospect"),
    })
    .chain((drawn) => sourcesArb(drawn.values).map((sources) => ({ ...drawn, sources })))
    .map(({ values, secondary, shape, statuses, kind, sources }): MergeParty => {
      const links =
        shape === "lead"
          ? [placeholder(`${id}-placeholder`)]
          : shape === "none"
            ? []
            : statuses.map((status, i) =>
                i === 0 && reviewed
                  ? { ...reviewedLink(`${id}-link-${i}`), resmanStatus: status }
                  : personLink(`${id}-link-${i}`, `${id}-person-${i}`, { resmanStatus: status }),
              );
      const own = links.flatMap((l) => (l.resmanStatus === null ? [] : [l.resmanStatus]));
      return {
        contact: contact(id, values, {
          sources,
          secondary,
          kind: own.length > 0 ? kindOfStatuses(own, "lead") : kind,
        }),
        mergedIntoId: null,
        links,
      };
    });

const snapshot = (c: Contact) => ({
  values: c.values,
  sources: c.sources,
  secondary: c.secondary,
  kind: c.kind,
});

describe("mergeContacts (approving a review item)", () => {
  it("merges B's values into A as the sync path would merge B's record", () => {
    const a = contact(
      A_ID,
      valuesWith({ firstName: "Wren", lastName: "Ashby", email: "wren.a@mailbox.dev" }),
      {
        sources: { firstName: "resman", lastName: "resman", email: "resman" },
      },
    );
    const b = contact(
      B_ID,
      valuesWith({
        firstName: "Rowan",
        lastName: "Ashby",
        phones: { mobile: phone("0101") },
        dateOfBirth: "1988-02-03",
      }),
      {
        sources: {
          firstName: "resman",
          lastName: "resman",
          "phones.mobile": "resman",
          dateOfBirth: "resman",
        },
      },
    );
    const merged = mergeContactValues(a, b, "resman_wins");
    const direct = mergeValues({
      current: a.values,
      sources: a.sources,
      incoming: b.values,
      source: "resman",
      strategy: "resman_wins",
      record: "other",
    });
    // Another record: it fills A's blanks (phone, birth date), A keeps its own first name.
    expect(merged.values).toMatchObject({ firstName: "Wren", dateOfBirth: "1988-02-03" });
    expect(merged.values).toEqual(direct.values);
    expect(merged.sources).toEqual(direct.sources);
    expect(merged.before).toEqual(direct.before);
  });

  it("keeps A's DomIQ value against B's ResMan one under domiq_wins, the loser kept as secondary", () => {
    const a = contact(A_ID, valuesWith({ firstName: "Wren", email: "wren.a@mailbox.dev" }), {
      sources: { firstName: "domiq", email: "domiq" },
      kind: "lead",
    });
    const b = contact(B_ID, valuesWith({ firstName: "Wren", email: "w.ashby@postbox.dev" }), {
      sources: { firstName: "resman", email: "resman" },
    });
    const plan = approve(
      { contact: a, mergedIntoId: null, links: [placeholder("a-placeholder")] },
      { contact: b, mergedIntoId: null, links: [reviewedLink()] },
      "domiq_wins",
    );
    expect(plan.survivor.values.email).toBe("wren.a@mailbox.dev");
    expect(plan.survivor.secondary.emails).toEqual(["w.ashby@postbox.dev"]);
    // A now has a ResMan person: its placeholder goes, and its kind follows the person.
    expect(plan.removedPlaceholders).toEqual([{ id: "a-placeholder", contactId: A_ID }]);
    expect(plan.survivor.kind).toBe("prospect");
  });

  it("lets a value staff locked on B win and stay locked, but never over a lock on A", () => {
    const a = contact(A_ID, valuesWith({ firstName: "Wren", lastName: "Ashby" }), {
      sources: { firstName: "resman", lastName: "manual" },
    });
    const b = contact(B_ID, valuesWith({ firstName: "Rowan", lastName: "Ashbee" }), {
      sources: { firstName: "manual", lastName: "manual" },
    });
    const merged = mergeContactValues(a, b, "domiq_wins");
    expect(merged.values.firstName).toBe("Rowan");
    expect(merged.sources.firstName).toBe("manual");
    expect(merged.values.lastName).toBe("Ashby");
    expect(merged.locked).toEqual(["lastName"]);
  });

  it("names conflicts under manual_review and leaves the moved links pending", () => {
    const a = contact(A_ID, valuesWith({ firstName: "Wren" }), { sources: { firstName: "domiq" } });
    const b = contact(B_ID, valuesWith({ firstName: "Rowan" }), {
      sources: { firstName: "resman" },
    });
    const plan = approve(
      { contact: a, mergedIntoId: null, links: [] },
      { contact: b, mergedIntoId: null, links: [reviewedLink()] },
      "manual_review",
    );
    expect(plan.conflicts).toEqual(["firstName"]);
    expect(plan.links).toEqual([
      expect.objectContaining({
        status: "pending",
        evidence: expect.objectContaining({ conflicts: ["firstName"] }),
      }),
    ]);
  });

  it("moves B's links to A: the reviewed one merged with the item's evidence and score", () => {
    const other = personLink("link-b2", "person-b2", {
      status: "merged",
      matchScore: 30,
      evidence: { linkedBy: "matched" },
    });
    const plan = approve(
      {
        contact: contact(A_ID, valuesWith({ lastName: "Ashby" })),
        mergedIntoId: null,
        links: [personLink("link-a", "person-a")],
      },
      {
        contact: contact(B_ID, valuesWith({ lastName: "Ashby" })),
        mergedIntoId: null,
        links: [reviewedLink(), other],
      },
    );
    expect(plan.links).toEqual([
      {
        id: "link-b",
        contactId: A_ID,
        status: "merged",
        evidence: { linkedBy: "matched", method: "scored", candidates: 1, best: reviewEvidence },
        matchScore: 14.5,
        sourceHash: "hash-link-b",
      },
      {
        id: "link-b2",
        contactId: A_ID,
        status: "merged",
        evidence: { linkedBy: "matched" },
        matchScore: 30,
        sourceHash: "hash-link-b2",
      },
    ]);
    expect(plan.linkId).toBe("link-b");
    expect(plan.personId).toBe("person-b");
    expect(plan.lockKeys).toContain("person:person-b");
    expect(plan.lockKeys).toContain("person:person-b2");
    for (const block of [
      ...plan.survivor.blockKeys,
      ...blockingKeys(valuesWith({ lastName: "Ashby" })),
    ]) {
      expect(plan.lockKeys).toContain(`block:${block}`);
    }
  });

  it("re-points B's other open items to A, superseding those whose pair A already has", () => {
    const a = {
      contact: contact(A_ID, valuesWith({ lastName: "Ashby" })),
      mergedIntoId: null,
      links: [],
    };
    const b = {
      contact: contact(B_ID, valuesWith({ lastName: "Ashby" })),
      mergedIntoId: null,
      links: [reviewedLink()],
    };
    const plan = approve(a, b, "resman_wins", [
      { id: REVIEW_ID, userId: B_ID, candidateId: A_ID, status: "open" },
      { id: "r-x", userId: "contact-x", candidateId: B_ID, status: "open" },
      { id: "r-y", userId: "contact-y", candidateId: B_ID, status: "open" },
      { id: "r-ay", userId: "contact-y", candidateId: A_ID, status: "rejected" },
      { id: "r-z", userId: "contact-z", candidateId: B_ID, status: "rejected" },
    ]);
    expect(plan.movedReviews).toEqual([{ id: "r-x", side: "candidateId" }]);
    expect(plan.supersededReviews).toEqual(["r-y"]);
    // Stored in the words merges have always been recorded with, read back as the plan says.
    expect(plan.history.applied.reviews_moved).toEqual([{ id: "r-x", column: "candidate_id" }]);
    expect(historyOf(plan).reviewsMoved).toEqual([{ id: "r-x", side: "candidateId" }]);
  });

  it("never lets a blank overwrite A's value, never changes A's locked fields, never loses B's emails and phones", () => {
    fc.assert(
      fc.property(
        partyArb(A_ID, ["person", "lead", "none"], false),
        partyArb(B_ID, ["person", "lead"], true),
        fc.constantFrom(...mergeStrategies),
        (a, b, strategy) => {
          const plan = approve(a, b, strategy);
          const after = plan.survivor;
          for (const field of contactFields) {
            const was = fieldValue(a.contact.values, field);
            if (was !== null) expect(fieldValue(after.values, field)).not.toBeNull();
            if (a.contact.sources[field] === "manual") {
              expect(fieldValue(after.values, field)).toEqual(was);
            }
          }
          const emailsHeld = [after.values.email, ...after.secondary.emails].flatMap((e) =>
            e === null ? [] : [e.toLowerCase()],
          );
          const phonesHeld = [
            ...Object.values(after.values.phones).map((p) => p.e164),
            ...after.secondary.phones.map((p) => p.e164),
          ];
          for (const email of [b.contact.values.email, ...b.contact.secondary.emails]) {
            if (email !== null) expect(emailsHeld).toContain(email.toLowerCase());
          }
          for (const p of [
            ...Object.values(b.contact.values.phones),
            ...b.contact.secondary.phones,
          ]) {
            expect(phonesHeld).toContain(p.e164);
          }
        },
      ),
    );
  });
});

describe("planUnmerge of an approval", () => {
  it("restores A's values, sources, secondary values, kind and links, and B's links, exactly", () => {
    fc.assert(
      fc.property(
        partyArb(A_ID, ["person", "lead", "none"], false),
        partyArb(B_ID, ["person", "lead"], true),
        fc.constantFrom(...mergeStrategies),
        (a, b, strategy) => {
          const plan = approve(a, b, strategy);
          const merged = applyMerge(a, b, plan);
          const undo = planUnmerge({
            merge: historyOf(plan),
            survivor: merged.survivor,
            absorbed: merged.absorbed,
            newContactId: NEW_ID,
            strategy,
          });
          expect(snapshot(contactFromWrite(undo.survivor))).toEqual(snapshot(a.contact));
          expect(undo.kept).toEqual([]);
          expect(undo.split).toEqual({ kind: "contact", contactId: B_ID });
          const links = linksAfterUnmerge(merged.survivor, undo);
          const byId = (x: MergeLink, y: MergeLink) => (x.id < y.id ? -1 : 1);
          expect(links.survivor).toEqual([...a.links].sort(byId));
          expect(links.split).toEqual([...b.links].sort(byId));
        },
      ),
    );
  });

  it("keeps a later value in a field the merge changed, and later changes to other fields", () => {
    fc.assert(
      fc.property(
        partyArb(A_ID, ["person"], false),
        partyArb(B_ID, ["person"], true),
        fc.constantFrom<ContactField>("firstName", "middleName", "lastName"),
        fc.constantFrom("Quill", "Tamsin"),
        (a, b, laterField, value) => {
          const plan = approve(a, b, "resman_wins");
          const merged = applyMerge(a, b, plan);
          // A later sync of A's person writes a name no contact had.
          const later = structuredClone(merged.survivor.contact);
          (later.values as unknown as Record<string, unknown>)[laterField] = value;
          later.sources[laterField] = "resman";
          const undo = planUnmerge({
            merge: historyOf(plan),
            survivor: { ...merged.survivor, contact: later },
            absorbed: merged.absorbed,
            newContactId: NEW_ID,
            strategy: "resman_wins",
          });
          const restoredValue = fieldValue(undo.survivor.values, laterField);
          expect(restoredValue).toBe(value);
          if (plan.changed.includes(laterField)) expect(undo.kept).toEqual([laterField]);
          else expect(undo.kept).toEqual([]);
          // Every other field is as before the merge.
          for (const field of contactFields) {
            if (field === laterField) continue;
            expect(fieldValue(undo.survivor.values, field)).toEqual(
              fieldValue(a.contact.values, field),
            );
          }
        },
      ),
    );
  });

  it("gives a B link that synced while merged no source hash, so that version reaches B", () => {
    const a = {
      contact: contact(A_ID, valuesWith({ lastName: "Ashby" })),
      mergedIntoId: null,
      links: [],
    };
    const b = {
      contact: contact(B_ID, valuesWith({ lastName: "Ashby" })),
      mergedIntoId: null,
      links: [reviewedLink()],
    };
    const plan = approve(a, b);
    const merged = applyMerge(a, b, plan);
    const link = merged.survivor.links[0];
    if (link === undefined) throw new Error("no link");
    link.sourceHash = "a newer version";
    const undo = planUnmerge({
      merge: historyOf(plan),
      survivor: merged.survivor,
      absorbed: merged.absorbed,
      newContactId: NEW_ID,
      strategy: "resman_wins",
    });
    expect(undo.links).toEqual([
      expect.objectContaining({
        id: "link-b",
        contactId: B_ID,
        status: "pending",
        sourceHash: null,
      }),
    ]);
  });

  it("refuses when B no longer exists", () => {
    const a = {
      contact: contact(A_ID, valuesWith({ lastName: "Ashby" })),
      mergedIntoId: null,
      links: [],
    };
    const b = {
      contact: contact(B_ID, valuesWith({ lastName: "Ashby" })),
      mergedIntoId: null,
      links: [reviewedLink()],
    };
    const plan = approve(a, b);
    const merged = applyMerge(a, b, plan);
    expect(() =>
      planUnmerge({
        merge: historyOf(plan),
        survivor: merged.survivor,
        absorbed: null,
        newContactId: NEW_ID,
        strategy: "resman_wins",
      }),
    ).toThrow(MergeRefusedError);
  });
});

describe("planUnmerge of a person linked by the sync path", () => {
  /** The history row the sync path writes for a merge (see `decisionWrites` in lib/adapters/db/syncWrites.ts). */
  function syncMerge(a: Contact, incoming: ContactValues) {
    const merged = mergeValues({
      current: a.values,
      sources: a.sources,
      incoming,
      source: "resman",
      strategy: "resman_wins",
    });
    const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
    const history = parseMergeHistory({
      id: "merge-2",
      propertyId: "property-1",
      userId: A_ID,
      mergedUserId: null,
      linkId: "link-p",
      personId: "person-p",
      before: json(merged.before),
      applied: json({ fields: merged.changed, secondary_before: a.secondary }),
      incoming: json({ values: incoming, sources: "resman" }),
      revertedAt: null,
    });
    const after = contact(A_ID, merged.values, {
      sources: merged.sources,
      secondary: withDisplaced(a.secondary, merged.displaced, merged.values),
      kind: "resident",
    });
    return { history, after };
  }

  it("gives the person a contact of its own and restores A", () => {
    fc.assert(
      fc.property(partyArb(A_ID, ["person"], false), valuesArb, (a, incoming) => {
        const { history, after } = syncMerge(a.contact, incoming);
        const personsLink = personLink("link-p", "person-p", {
          status: "merged",
          resmanStatus: "resident",
          evidence: { linkedBy: "matched" },
        });
        const undo = planUnmerge({
          merge: history,
          survivor: { contact: after, mergedIntoId: null, links: [...a.links, personsLink] },
          absorbed: null,
          newContactId: NEW_ID,
          strategy: "resman_wins",
        });
        expect(undo.survivor.values).toEqual(a.contact.values);
        expect(undo.survivor.sources).toEqual(a.contact.sources);
        expect(undo.survivor.secondary).toEqual(a.contact.secondary);
        expect(undo.survivor.kind).toBe(a.contact.kind);
        if (undo.split.kind !== "person") throw new Error("expected a person split");
        expect(undo.split.contact).toMatchObject({ id: NEW_ID, isNew: true, kind: "resident" });
        for (const field of contactFields) {
          expect(fieldValue(undo.split.contact.values, field)).toEqual(fieldValue(incoming, field));
        }
        expect(undo.links).toEqual([
          {
            id: "link-p",
            contactId: NEW_ID,
            status: "success",
            evidence: { linkedBy: "created" },
            matchScore: null,
            sourceHash: null,
          },
        ]);
        expect(undo.placeholders).toEqual([]);
      }),
    );
  });

  it("turns a lead that only had the person back into a lead with a placeholder", () => {
    const lead = contact(A_ID, valuesWith({ firstName: "Wren", email: "wren.a@mailbox.dev" }), {
      sources: { firstName: "domiq", email: "domiq" },
      kind: "lead",
    });
    const { history, after } = syncMerge(
      lead,
      valuesWith({ firstName: "Wren", lastName: "Ashby" }),
    );
    const undo = planUnmerge({
      merge: history,
      survivor: {
        contact: after,
        mergedIntoId: null,
        links: [personLink("link-p", "person-p", { status: "merged" })],
      },
      absorbed: null,
      newContactId: NEW_ID,
      strategy: "resman_wins",
    });
    expect(undo.survivor.kind).toBe("lead");
    expect(undo.survivor.values.lastName).toBeNull();
    expect(undo.placeholders).toEqual([{ id: null, contactId: A_ID }]);
  });

  it("refuses when the person's link has left the contact", () => {
    const a = contact(A_ID, valuesWith({ lastName: "Ashby" }));
    const { history, after } = syncMerge(a, valuesWith({ lastName: "Ashby", firstName: "Wren" }));
    expect(() =>
      planUnmerge({
        merge: history,
        survivor: { contact: after, mergedIntoId: null, links: [] },
        absorbed: null,
        newContactId: NEW_ID,
        strategy: "resman_wins",
      }),
    ).toThrow(/no longer on contact/);
  });
});

describe("restoreSurvivor", () => {
  /** The history of a person's ResMan values merged into A (`merged`), `fields` applied. */
  const personMergeHistory = (
    merged: { before: ReturnType<typeof mergeValues>["before"] },
    fields: ContactField[],
    incoming: ContactValues,
  ) =>
    parseMergeHistory({
      id: "m",
      propertyId: "p",
      userId: A_ID,
      mergedUserId: null,
      linkId: "l",
      personId: "x",
      before: merged.before,
      applied: { fields, secondary_before: emptySecondary() },
      incoming: { values: incoming, sources: "resman" },
      revertedAt: null,
    });

  it("restores a field only while it still holds the value the merge wrote", () => {
    const a = contact(A_ID, valuesWith({ firstName: "Wren", email: "wren.a@mailbox.dev" }), {
      sources: { firstName: "resman", email: "resman" },
    });
    const merged = mergeValues({
      current: a.values,
      sources: a.sources,
      incoming: valuesWith({ firstName: "Rowan", email: "w.ashby@postbox.dev" }),
      source: "resman",
      strategy: "resman_wins",
    });
    const history = personMergeHistory(
      merged,
      merged.changed,
      valuesWith({ firstName: "Rowan", email: "w.ashby@postbox.dev" }),
    );
    const now = contact(
      A_ID,
      { ...merged.values, firstName: "Sable" },
      {
        sources: merged.sources,
        secondary: { emails: ["wren.a@mailbox.dev"], phones: [] },
      },
    );
    const back = restoreSurvivor(now, history);
    expect(back.values.firstName).toBe("Sable");
    expect(back.values.email).toBe("wren.a@mailbox.dev");
    expect(back.restored).toEqual(["email"]);
    expect(back.kept).toEqual(["firstName"]);
    // The person's email leaves with it; A's own is current again, not secondary.
    expect(back.secondary).toEqual(emptySecondary());
  });

  it("counts a field whose version alone the merge moved apart from those it changed", () => {
    const older = { record: "P-1", at: "2026-03-02T10:00:00.000Z", digest: "d1" };
    const newer = { record: "P-2", at: "2026-03-03T10:00:00.000Z", digest: "d2" };
    const values = valuesWith({ lastName: "Roe", email: "m.roe@mailbox.dev" });
    const sources: FieldSources = { lastName: "resman", email: "resman" };
    const merged = mergeValues({
      current: values,
      sources,
      versions: { lastName: older, email: older },
      incoming: valuesWith({ lastName: "Roe", email: "mroe@postbox.dev" }),
      source: "resman",
      strategy: "resman_wins",
      version: newer,
    });
    expect(merged.changed).toEqual(["email"]);
    expect(merged.restamped).toEqual(["lastName"]);
    const history = personMergeHistory(
      merged,
      [...merged.changed, ...merged.restamped],
      valuesWith({ lastName: "Roe", email: "mroe@postbox.dev" }),
    );
    const now = buildContact(A_ID, merged.values, {
      sources: merged.sources,
      versions: merged.versions,
    });
    const back = restoreSurvivor(now, history, new Set(["P-2"]));
    expect(back.restored).toEqual(["email"]);
    expect(back.restamped).toEqual(["lastName"]);
    expect(back.values).toMatchObject({ lastName: "Roe", email: "m.roe@mailbox.dev" });
    expect(back.versions).toEqual({ lastName: older, email: older });
  });

  it("refuses a history whose documents are not a merge's, naming paths only", () => {
    expect(() =>
      parseMergeHistory({
        id: "m",
        propertyId: "p",
        userId: A_ID,
        mergedUserId: null,
        linkId: null,
        personId: null,
        before: {},
        applied: { fields: ["shoeSize"] },
        incoming: {},
        revertedAt: null,
      }),
    ).toThrow(/merge m has an unreadable history \(at .*applied\.fields\.0/);
  });
});

describe("review rules", () => {
  it("lists per-field levels and the guard, tolerating other evidence", () => {
    expect(reviewLevels(reviewEvidence)).toEqual({
      levels: {
        first_name: "disagree",
        last_name: "exact",
        date_of_birth: "missing",
        email: "missing",
        phone: "exact",
        address: "missing",
      },
      guard: "first_name_differs",
    });
    expect(reviewLevels({ something: "else" })).toEqual({ levels: {}, guard: null });
  });

  it("makes a rejected record's link its own contact's: success, linkedBy created", () => {
    expect(linkAfterRejection(reviewedLink(), B_ID)).toEqual({
      id: "link-b",
      contactId: B_ID,
      status: "success",
      evidence: { linkedBy: "created", method: "scored", candidates: 1 },
      matchScore: 14.5,
      sourceHash: "hash-link-b",
    });
  });

  it("keeps a rejected record's link pending while survivorship conflicts remain", () => {
    const link = reviewedLink();
    link.evidence = { linkedBy: "review", conflicts: ["firstName"] };
    expect(linkAfterRejection(link, B_ID)?.status).toBe("pending");
  });

  it("leaves a lead's placeholder and a link no longer under review alone", () => {
    expect(linkAfterRejection(placeholder("p"), B_ID)).toBeNull();
    expect(linkAfterRejection(personLink("l", "x"), B_ID)).toBeNull();
  });
});
