/**
 * The rule simulation (`lib/domain/ruleSimulation.ts`), pure: stored evidence written by hand
 * (levels chosen by hand), re-scored under proposed criteria, with every expected score and
 * outcome worked out by hand in the comments. The criteria are written out here, not taken from
 * the built-in defaults, so tuning the defaults changes nothing below.
 * (Over 400 lines as one thing: the cases share the hand-written evidence and criteria.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatSimulation, simulationRecord } from "../../lib/cli/commands/rulesSimulate.js";
import { type ContactAddress, type ContactValues, emptyValues } from "../../lib/domain/contact.js";
import {
  notSimulated,
  parseScoreEvidence,
  rescore,
  type StoredDecision,
  simulateRules,
} from "../../lib/domain/ruleSimulation.js";
import type { MatchingCriteria } from "../../lib/domain/rules.js";
import type {
  AddressLevel,
  DateLevel,
  FieldEvidence,
  GuardHold,
  GuardReason,
  IdentifierLevel,
  NameLevel,
  ScoreEvidence,
  ScoreOutcome,
} from "../../lib/domain/scoring.js";
import { scorePair } from "../../lib/domain/scoring.js";
import { handCriteria } from "../fixtures/criteria.js";

/** The property's criteria now: merge from 15, review from 14. */
const CURRENT: MatchingCriteria = handCriteria({ auto_merge: 15, review: 14 });

/** `CURRENT` with some parts replaced. */
function proposal(change: {
  thresholds?: MatchingCriteria["thresholds"];
  fields?: Partial<{
    [F in keyof MatchingCriteria["fields"]]: Partial<MatchingCriteria["fields"][F]>;
  }>;
  similarity?: MatchingCriteria["similarity"];
  shared_value_limit?: number;
}): MatchingCriteria {
  const criteria = structuredClone(CURRENT);
  if (change.thresholds) criteria.thresholds = change.thresholds;
  if (change.similarity) criteria.similarity = change.similarity;
  if (change.shared_value_limit) criteria.shared_value_limit = change.shared_value_limit;
  for (const [field, rule] of Object.entries(change.fields ?? {})) {
    Object.assign(criteria.fields[field as keyof MatchingCriteria["fields"]], rule);
  }
  return criteria;
}

type Level<F extends keyof ScoreEvidence["fields"]> = ScoreEvidence["fields"][F]["level"];
type Stored = {
  [F in keyof ScoreEvidence["fields"]]?: [Level<F>, number] | [Level<F>, number, number];
};

/**
 * Stored evidence: the fields given as [level, weight] (or [level, weight, adjustment]), the
 * others missing; `hold: undefined` writes evidence from before holds were recorded.
 */
function evidence(
  fields: Stored,
  stored: {
    score: number;
    outcome: ScoreOutcome;
    guard?: GuardReason | null;
    hold?: GuardHold | null | undefined;
  },
): ScoreEvidence {
  const field = <L extends string>(given: [L, number] | [L, number, number] | undefined) => {
    if (given === undefined) return { level: "missing", weight: 0 } as FieldEvidence<L>;
    const [level, weight, adjustment] = given;
    return { level, weight, ...(adjustment === undefined ? {} : { adjustment }) };
  };
  const result: ScoreEvidence = {
    fields: {
      first_name: field<NameLevel>(fields.first_name),
      last_name: field<NameLevel>(fields.last_name),
      date_of_birth: field<DateLevel>(fields.date_of_birth),
      email: field<IdentifierLevel>(fields.email),
      phone: field<IdentifierLevel>(fields.phone),
      address: field<AddressLevel>(fields.address),
    },
    swapped_names: false,
    score: stored.score,
    thresholds: CURRENT.thresholds,
    outcome: stored.outcome,
    guard: stored.guard ?? null,
  };
  if (!("hold" in stored)) result.hold = null;
  else if (stored.hold !== undefined) result.hold = stored.hold;
  return result;
}

// Merged: 7 (first exact) − 4.5 (last disagree) + 13 (email exact) = 15.5 ≥ 15.
const merged155 = evidence(
  { first_name: ["exact", 7], last_name: ["disagree", -4.5], email: ["exact", 13] },
  { score: 15.5, outcome: "merge" },
);
// Review: 7 (first exact) − 4.5 (last disagree) + 12 (birth date exact) = 14.5, in [14, 15).
const review145 = evidence(
  { first_name: ["exact", 7], last_name: ["disagree", -4.5], date_of_birth: ["exact", 12] },
  { score: 14.5, outcome: "review" },
);
// New: 6 (nickname) + 7 (last similar_high) + 4 (birth date near) − 2 (email disagree)
// − 2 (address disagree) = 13 < 14.
const created13 = evidence(
  {
    first_name: ["nickname", 6],
    last_name: ["similar_high", 7],
    date_of_birth: ["near", 4],
    email: ["disagree", -2],
    address: ["disagree", -2],
  },
  { score: 13, outcome: "new" },
);
// A household on a shared phone: −6.5 (first disagree) + 8 (last exact) + 12 (phone exact)
// = 13.5; held by `first_name_differs`, whose cap is review only if 13.5 − 12 (the phone the
// household shares) = 1.5 reaches the review threshold: new.
const household135 = evidence(
  { first_name: ["disagree", -6.5], last_name: ["exact", 8], phone: ["exact", 12] },
  {
    score: 13.5,
    outcome: "new",
    guard: "first_name_differs",
    hold: { guard: "first_name_differs", household: ["phone"] },
  },
);

describe("rescore", () => {
  it("gives back every stored score and outcome under the criteria they were scored with", () => {
    for (const stored of [merged155, review145, created13, household135]) {
      expect(rescore(stored, CURRENT)).toEqual({ outcome: stored.outcome, score: stored.score });
    }
  });

  it("a link merged at 15.5 goes to review when auto_merge rises to 16", () => {
    // 15.5 < 16, ≥ 14.
    expect(rescore(merged155, proposal({ thresholds: { auto_merge: 16, review: 14 } }))).toEqual({
      outcome: "review",
      score: 15.5,
    });
  });

  it("a review item becomes new when the review threshold rises above its score", () => {
    // 14.5 < 15.
    expect(rescore(review145, proposal({ thresholds: { auto_merge: 16, review: 15 } }))).toEqual({
      outcome: "new",
      score: 14.5,
    });
  });

  it("a created link whose top candidate scored 13 merges when auto_merge drops to 13", () => {
    expect(rescore(created13, proposal({ thresholds: { auto_merge: 13, review: 12 } }))).toEqual({
      outcome: "merge",
      score: 13,
    });
  });

  it("re-weighs every stored level with the proposed weights", () => {
    const proposed = proposal({
      fields: {
        first_name: { nickname: 6.5 },
        last_name: { similar_high: 7.5 },
        date_of_birth: { near: 5 },
        email: { disagree: -1 },
        address: { disagree: -1.5 },
      },
    });
    // 6.5 + 7.5 + 5 − 1 − 1.5 = 16.5 ≥ 15.
    expect(rescore(created13, proposed)).toEqual({ outcome: "merge", score: 16.5 });
  });

  it("keeps a household's cap: a shared phone with another first name never merges", () => {
    // Without the guard 13.5 ≥ 12 would merge; the cap needs 13.5 − 12 = 1.5 ≥ 11: new.
    expect(rescore(household135, proposal({ thresholds: { auto_merge: 12, review: 11 } }))).toEqual(
      { outcome: "new", score: 13.5 },
    );
    // Even a phone worth more is what the household shares: −6.5 + 8 + 20 = 21.5, and
    // 21.5 − 20 = 1.5 < 11.
    expect(
      rescore(
        household135,
        proposal({ thresholds: { auto_merge: 12, review: 11 }, fields: { phone: { exact: 20 } } }),
      ),
    ).toEqual({ outcome: "new", score: 21.5 });
    // The cap is review once what is not shared reaches it: 1.5 ≥ 1 (review 1, merge 12).
    expect(rescore(household135, proposal({ thresholds: { auto_merge: 12, review: 1 } }))).toEqual({
      outcome: "review",
      score: 13.5,
    });
  });

  it("keeps the other guards' caps: names only stay new, an unconfirmed person a review", () => {
    // 7 + 8 = 15: names only, new under any thresholds.
    const namesOnly = evidence(
      { first_name: ["exact", 7], last_name: ["exact", 8] },
      { score: 15, outcome: "new", guard: "names_only", hold: { guard: "names_only" } },
    );
    expect(rescore(namesOnly, proposal({ thresholds: { auto_merge: 10, review: 5 } }))).toEqual({
      outcome: "new",
      score: 15,
    });
    // 8 (last exact) + 0 (birth date partial) + 13 (email exact) = 21 with no first name: at
    // most a review.
    const unconfirmed = evidence(
      { last_name: ["exact", 8], date_of_birth: ["partial", 0], email: ["exact", 13] },
      {
        score: 21,
        outcome: "review",
        guard: "person_unconfirmed",
        hold: { guard: "person_unconfirmed" },
      },
    );
    expect(rescore(unconfirmed, proposal({ thresholds: { auto_merge: 10, review: 5 } }))).toEqual({
      outcome: "review",
      score: 21,
    });
    // Neither a first name nor a birth date to compare: a new contact whatever the score.
    const silent = evidence(
      { last_name: ["exact", 8], email: ["exact", 13] },
      {
        score: 21,
        outcome: "new",
        guard: "person_unconfirmed",
        hold: { guard: "person_unconfirmed" },
      },
    );
    expect(rescore(silent, proposal({ thresholds: { auto_merge: 10, review: 5 } }))).toEqual({
      outcome: "new",
      score: 21,
    });
  });

  it("adds a field's stored frequency adjustment to the proposed weight", () => {
    // First name exact 7 − 1.5 (a common name) = 5.5 stored; proposed exact 8: 8 − 1.5 = 6.5.
    // 6.5 − 4.5 + 13 = 15 ≥ 15.
    const common = evidence(
      { first_name: ["exact", 5.5, -1.5], last_name: ["disagree", -4.5], email: ["exact", 13] },
      { score: 14, outcome: "review" },
    );
    expect(rescore(common, proposal({ fields: { first_name: { exact: 8 } } }))).toEqual({
      outcome: "merge",
      score: 15,
    });
  });

  it("weighs a level the proposal gives no weight for as the scorer does", () => {
    const stored = evidence(
      {
        first_name: ["nickname", 6],
        last_name: ["exact", 8],
        email: ["near", 0],
        phone: ["near", 0],
        address: ["near", 6],
      },
      { score: 20, outcome: "merge" },
    );
    const withoutOptional = structuredClone(CURRENT);
    delete withoutOptional.fields.first_name.nickname;
    delete withoutOptional.fields.address.near;
    withoutOptional.fields.email.near = 3;
    // nickname → similar_high 6; email near 3; phone near (no weight) 0; address near → partial
    // 4: 6 + 8 + 3 + 0 + 4 = 21.
    expect(rescore(stored, withoutOptional)).toEqual({ outcome: "merge", score: 21 });
    // An address level `shared` without a weight is 0: 6 (nickname) + 8 = 14 < 15, ≥ 14.
    const shared = evidence(
      { first_name: ["nickname", 6], last_name: ["exact", 8], address: ["shared", 0] },
      { score: 14, outcome: "review" },
    );
    expect(rescore(shared, CURRENT)).toEqual({ outcome: "review", score: 14 });
    expect(rescore(shared, proposal({ fields: { address: { shared: 1 } } }))).toEqual({
      outcome: "merge",
      score: 15,
    });
  });

  it("rounds the score to two decimals as the scorer does", () => {
    const stored = evidence(
      { first_name: ["exact", 7], last_name: ["exact", 8], date_of_birth: ["near", 4] },
      { score: 19, outcome: "merge" },
    );
    const proposed = proposal({
      fields: {
        first_name: { exact: 7.333 },
        last_name: { exact: 8.333 },
        date_of_birth: { near: 0.004 },
      },
    });
    // 7.333 + 8.333 + 0.004 = 15.67.
    expect(rescore(stored, proposed)).toEqual({ outcome: "merge", score: 15.67 });
  });
});

describe("rescore: evidence stored before holds were recorded", () => {
  // Legacy evidence: no `hold` key, only the guard that held an auto-merge score back.
  // 7 (first exact) + 8 (last exact) − 4 (birth date disagree) + 2 (email shared) + 12 (phone
  // exact) + 6 (address near) = 31, held back by `date_of_birth_differs`.
  const legacy = (address: [AddressLevel, number], score: number) =>
    evidence(
      {
        first_name: ["exact", 7],
        last_name: ["exact", 8],
        date_of_birth: ["disagree", -4],
        email: ["shared", 2],
        phone: ["exact", 12],
        address,
      },
      { score, outcome: "review", guard: "date_of_birth_differs", hold: undefined },
    );

  it("applies its household guard with the household read from the levels", () => {
    const stored = legacy(["near", 6], 31);
    expect("hold" in stored).toBe(false);
    // Shared: email (shared) 2 + phone (exact) 12 + address (near) 6 = 20; 31 − 20 = 11.
    // Review 10: 11 ≥ 10, review. Review 12: new.
    expect(rescore(stored, proposal({ thresholds: { auto_merge: 15, review: 10 } }))).toEqual({
      outcome: "review",
      score: 31,
    });
    expect(rescore(stored, proposal({ thresholds: { auto_merge: 15, review: 12 } }))).toEqual({
      outcome: "new",
      score: 31,
    });
  });

  it("does not count an address that only partly agrees as the household's", () => {
    // Address partial 4: 7 + 8 − 4 + 2 + 12 + 4 = 29; shared 2 + 12 = 14; 29 − 14 = 15 ≥ 12.
    expect(
      rescore(legacy(["partial", 4], 29), proposal({ thresholds: { auto_merge: 15, review: 12 } })),
    ).toEqual({ outcome: "review", score: 29 });
  });

  it("applies a guard that is not a household's as it is, and no guard as none", () => {
    const unconfirmed = evidence(
      { last_name: ["exact", 8], date_of_birth: ["partial", 0], email: ["exact", 13] },
      { score: 21, outcome: "review", guard: "person_unconfirmed", hold: undefined },
    );
    // 21 ≥ 15 but an unconfirmed person is at most a review.
    expect(rescore(unconfirmed, CURRENT)).toEqual({ outcome: "review", score: 21 });
    const unguarded = evidence(
      { first_name: ["exact", 7], last_name: ["exact", 8], email: ["exact", 13] },
      { score: 28, outcome: "merge", guard: null, hold: undefined },
    );
    expect(rescore(unguarded, CURRENT)).toEqual({ outcome: "merge", score: 28 });
  });
});

describe("parseScoreEvidence", () => {
  it("reads stored evidence, old and new", () => {
    expect(parseScoreEvidence(JSON.parse(JSON.stringify(household135)))).not.toBeNull();
    expect(parseScoreEvidence(JSON.parse(JSON.stringify(legacyWithoutHold())))).not.toBeNull();
  });

  it.each([
    ["an unknown level", { first_name: { level: "identical", weight: 7 } }],
    ["a weight that is not a number", { email: { level: "exact", weight: "13" } }],
    ["a missing field", { phone: undefined }],
  ])("refuses %s (the decision is unscorable)", (_, fields) => {
    const stored = JSON.parse(JSON.stringify(merged155));
    Object.assign(stored.fields, fields);
    expect(parseScoreEvidence(stored)).toBeNull();
  });
});

function legacyWithoutHold(): ScoreEvidence {
  return evidence({ first_name: ["exact", 7] }, { score: 7, outcome: "new", hold: undefined });
}

describe("notSimulated", () => {
  it("names the changed parts that would change levels, and nothing for weights or thresholds", () => {
    expect(
      notSimulated(
        CURRENT,
        proposal({ thresholds: { auto_merge: 20, review: 1 }, fields: { email: { exact: 1 } } }),
      ),
    ).toEqual([]);
    expect(
      notSimulated(
        CURRENT,
        proposal({ similarity: { high: 0.95, low: 0.88 }, shared_value_limit: 5 }),
      ),
    ).toEqual(["similarity", "shared_value_limit"]);
    const withoutNickname = structuredClone(CURRENT);
    delete withoutNickname.fields.first_name.nickname;
    expect(notSimulated(CURRENT, withoutNickname)).toEqual(["fields.first_name.nickname"]);
    expect(notSimulated(withoutNickname, CURRENT)).toEqual(["fields.first_name.nickname"]);
  });
});

/** A ResMan link as stored. */
function link(
  id: string,
  linkedBy: StoredDecision["linkedBy"],
  best: unknown,
  options: { reviewId?: string; staff?: boolean } = {},
): StoredDecision {
  return {
    linkId: id,
    personId: `person-${id}`,
    contactId: `contact-${id}`,
    reviewId: options.reviewId ?? null,
    linkedBy,
    best,
    staff: options.staff ?? false,
  };
}

/**
 * A property: 10 decisions and 12 links (a failed link without a contact, and the placeholder
 * link of the chatbot lead, are links but decided nothing). In review now: L-review and the
 * lead's item R-lead: 2 of 12.
 */
const property = {
  links: 12,
  decisions: [
    link("L-merged", "matched", merged155),
    link("L-review", "review", review145, { reviewId: "R-review" }),
    link("L-new", "created", created13),
    link("L-household", "created", household135),
    // The first record of its person: no candidate at all.
    link("L-first", "created", null),
    // A reviewer approved it (its evidence is the item's 14.5) / rejected it.
    link("L-approved", "matched", review145, { staff: true }),
    link("L-rejected", "created", review145, { staff: true }),
    // Evidence without a top candidate's fields (before evidence was kept) / unreadable.
    link("L-bare", "created", undefined),
    link("L-garbled", "matched", { fields: { first_name: { level: "exact" } }, score: 20 }),
    {
      linkId: null,
      personId: null,
      contactId: "contact-lead",
      reviewId: "R-lead",
      linkedBy: "review",
      best: review145,
      staff: false,
    },
  ] satisfies StoredDecision[],
};

describe("simulateRules", () => {
  it("loosened: reviews merge and a 13 merges; the household stays new, staff stay as decided", () => {
    // Merge from 13, review from 12, and a surname that disagrees weighs −3.5 instead of −4.5.
    const proposed = proposal({
      thresholds: { auto_merge: 13, review: 12 },
      fields: { last_name: { disagree: -3.5 } },
    });
    const simulation = simulateRules(property, CURRENT, proposed);

    // L-merged: 7 − 3.5 + 13 = 16.5, merge (unchanged, +1).
    // L-review: 7 − 3.5 + 12 = 15.5 ≥ 13: review → merge (+1). R-lead the same.
    // L-new: 6 + 7 + 4 − 2 − 2 = 13 ≥ 13: new → merge (0).
    // L-household: 13.5 (no surname disagreement); 13.5 − 12 = 1.5 < 12: new (unchanged).
    // L-first: no candidate, new. L-approved, L-rejected: staff. L-bare, L-garbled: unscorable.
    expect(
      simulation.changed.map((d) => [d.linkId ?? d.reviewId, d.before, d.after, d.delta]),
    ).toEqual([
      ["L-review", { outcome: "review", score: 14.5 }, { outcome: "merge", score: 15.5 }, 1],
      ["R-lead", { outcome: "review", score: 14.5 }, { outcome: "merge", score: 15.5 }, 1],
      ["L-new", { outcome: "new", score: 13 }, { outcome: "merge", score: 13 }, 0],
    ]);
    expect(simulation.transitions).toEqual({
      merge_to_review: 0,
      merge_to_new: 0,
      review_to_merge: 2,
      review_to_new: 0,
      new_to_merge: 1,
      new_to_review: 0,
    });
    expect(simulation).toMatchObject({
      links: 12,
      rescored: 6,
      staffDecisions: 2,
      unscorable: 2,
      // 2 of 12 in review before; none after.
      reviews: { before: 2, after: 0 },
      reviewRate: { before: 2 / 12, after: 0 },
      notSimulated: [],
    });
    const byId = new Map(simulation.decisions.map((d) => [d.linkId ?? d.reviewId, d]));
    expect(byId.get("L-merged")).toMatchObject({
      kind: "rescored",
      before: { outcome: "merge", score: 15.5 },
      after: { outcome: "merge", score: 16.5 },
      delta: 1,
    });
    expect(byId.get("L-household")).toMatchObject({
      after: { outcome: "new", score: 13.5 },
      delta: 0,
    });
    expect(byId.get("L-first")).toMatchObject({
      kind: "rescored",
      before: { outcome: "new", score: null },
      after: { outcome: "new", score: null },
      delta: null,
    });
    // Rescored, the approved link would stay merged (15.5) but the rejected one would merge:
    // a reviewer's decision is never a change.
    expect(byId.get("L-rejected")).toMatchObject({
      kind: "staff",
      before: { outcome: "new", score: 14.5 },
      after: { outcome: "new", score: 14.5 },
    });
    expect(byId.get("L-bare")).toMatchObject({
      kind: "unscorable",
      before: { outcome: "new", score: null },
      after: { outcome: "new", score: null },
    });
    expect(byId.get("L-garbled")).toMatchObject({
      kind: "unscorable",
      after: { outcome: "merge" },
    });
  });

  it("tightened: the 15.5 merge goes to review, the reviews become new", () => {
    const proposed = proposal({
      thresholds: { auto_merge: 16, review: 15 },
      similarity: { high: 0.95, low: 0.9 },
    });
    const simulation = simulateRules(property, CURRENT, proposed);
    // L-merged 15.5: review. L-review, R-lead 14.5 < 15: new. L-new 13 and L-household: new.
    // The approved link (14.5) would become new: staff, not a change.
    expect(
      simulation.changed.map((d) => [d.linkId ?? d.reviewId, d.before.outcome, d.after.outcome]),
    ).toEqual([
      ["L-merged", "merge", "review"],
      ["L-review", "review", "new"],
      ["R-lead", "review", "new"],
    ]);
    expect(simulation.transitions).toMatchObject({ merge_to_review: 1, review_to_new: 2 });
    // 2 of 12 in review before; L-merged alone after: 1 of 12.
    expect(simulation.reviewRate).toEqual({ before: 2 / 12, after: 1 / 12 });
    expect(simulation.notSimulated).toEqual(["similarity"]);
  });

  it("lists the largest score changes first", () => {
    // Email exact 13 → 10: L-merged 7 − 4.5 + 10 = 12.5 (−3), new (< 14).
    // Birth date exact 12 → 14: L-review and R-lead 7 − 4.5 + 14 = 16.5 (+2), merge.
    const proposed = proposal({
      fields: { email: { exact: 10 }, date_of_birth: { exact: 14 } },
    });
    const simulation = simulateRules(property, CURRENT, proposed);
    expect(simulation.changed.map((d) => [d.linkId ?? d.reviewId, d.delta])).toEqual([
      ["L-merged", -3],
      ["L-review", 2],
      ["R-lead", 2],
    ]);
  });

  it("a property without links has a review rate of 0", () => {
    expect(simulateRules({ links: 0, decisions: [] }, CURRENT, CURRENT)).toMatchObject({
      rescored: 0,
      changed: [],
      reviewRate: { before: 0, after: 0 },
    });
  });
});

describe("rescore against the scorer", () => {
  const address = (line1: string, postalCode: string): ContactAddress => ({
    line1,
    line2: null,
    city: "Portland",
    state: "OR",
    postalCode,
  });
  const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
  const valuesArb: fc.Arbitrary<ContactValues> = fc
    .record({
      firstName: optional(fc.constantFrom("Robert", "Bob", "Robbert", "Rupert", "Roberta", "Ann")),
      lastName: optional(fc.constantFrom("Quill", "Quil", "Kwill", "Ashby", "Ashbee")),
      email: optional(fc.constantFrom("rq@mailbox.dev", "rq@mailbx.dev", "ashby@postbox.dev")),
      phone: optional(fc.constantFrom("+15035550141", "+15035550142", "+15035550199")),
      dateOfBirth: optional(
        fc.constantFrom("1980-01-10", "1980-10-01", "1980-06-30", "1975-01-10"),
      ),
      address: optional(
        fc.constantFrom(
          address("12 Elm Street", "97214"),
          address("12 Elm St", "97214"),
          address("14 Elm Street", "97214"),
          address("9 Oak Avenue", "97301"),
        ),
      ),
    })
    .map(({ phone, ...rest }) => ({
      ...emptyValues(),
      ...rest,
      phones: phone === null ? {} : { mobile: { raw: phone, e164: phone } },
    }));
  const weight = fc.integer({ min: -16, max: 32 }).map((n) => n / 2);
  /** Criteria that differ from `CURRENT` in weights and thresholds only (levels unchanged). */
  const criteriaArb: fc.Arbitrary<MatchingCriteria> = fc
    .record({
      weights: fc.array(weight, { minLength: 27, maxLength: 27 }),
      thresholds: fc.tuple(weight, weight),
    })
    .map(({ weights, thresholds: [a, b] }) => {
      const criteria = structuredClone(CURRENT);
      let i = 0;
      for (const rule of Object.values(criteria.fields) as Record<string, number>[]) {
        for (const level of Object.keys(rule)) rule[level] = weights[i++] ?? 0;
      }
      criteria.thresholds = { auto_merge: Math.max(a, b), review: Math.min(a, b) };
      return criteria;
    });

  it("gives what the scorer gives under the proposed criteria, whenever the levels agree", () => {
    fc.assert(
      fc.property(valuesArb, valuesArb, criteriaArb, (person, contact, proposed) => {
        const stored = scorePair(person, contact, CURRENT);
        const direct = scorePair(person, contact, proposed);
        // A swapped-name reading is chosen by weight, so its levels may differ.
        fc.pre(!stored.swapped_names && !direct.swapped_names);
        const levels = (e: ScoreEvidence) => Object.values(e.fields).map((f) => f.level);
        fc.pre(levels(stored).join() === levels(direct).join());
        expect(rescore(stored, proposed)).toEqual({
          outcome: direct.outcome,
          score: direct.score,
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe("rules simulate output", () => {
  it("shows at most 50 changed decisions and says how many more --json lists", () => {
    const changed = Array.from({ length: 53 }, (_, i) =>
      link(`L-${String(i).padStart(2, "0")}`, "review", review145),
    );
    const simulation = simulateRules(
      { links: 53, decisions: changed },
      CURRENT,
      proposal({ thresholds: { auto_merge: 16, review: 15 } }),
    );
    const text = formatSimulation({ propertyId: "p-1", resmanPropertyId: null, ...simulation });
    // 14.5 < 15: each review item would be a new contact.
    expect(text.split("\n")[0]).toBe(
      "Property p-1: 53 links, 53 decisions re-scored, 53 would change outcome, " +
        "0 staff decisions kept, 0 without usable evidence; review rate 100.0 % → 0.0 % (53 → 0 in review).",
    );
    expect(text.match(/review → new\s+│ 14\.50 → 14\.50/g)).toHaveLength(50);
    expect(text).toContain("person-L-49");
    expect(text).not.toContain("person-L-50");
    expect(text).toContain("… and 3 more (`--json` lists every one).");
    expect(
      simulationRecord({ propertyId: "p-1", resmanPropertyId: null, ...simulation }).changed,
    ).toHaveLength(53);
  });
});
