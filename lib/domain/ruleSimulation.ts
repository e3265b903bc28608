/**
 * Rule simulation (`contact-sync rules simulate`): what a property's stored decisions would
 * have been under other matching criteria, computed from the evidence they keep, without
 * writing anything. Pure.
 *
 * A decision keeps its top candidate's evidence (`MatchEvidence.best`: the level of every field
 * and the guard that applies to the pair). Re-scoring gives each stored level the proposed
 * criteria's weight for it, adds the field's frequency `adjustment` where the evidence carries
 * one, rounds the total as `scoring.ts` does, and asks `outcomeOf` — the one function that
 * turns a score, thresholds and a guard into an outcome — what it becomes.
 *
 * What cannot be simulated from stored evidence:
 *   - the levels themselves. They were computed with the Jaro–Winkler cut-offs (`similarity`)
 *     and the `shared_value_limit` of their time: two names stored as `similar` stay `similar`
 *     whatever the proposed cut-offs, an email stored as `exact` is not demoted to `shared`. A
 *     proposal that changes those (against the property's current criteria) is reported as not
 *     simulated rather than silently ignored; so is one that adds or drops the first name's
 *     `nickname` weight (without it the scorer never assigns the level). A stored `nickname`
 *     under criteria without a nickname weight gets `similar_high`'s weight: the nearest level
 *     a pair of nicknames could have had, and the most generous one, so a simulation never
 *     shows a nickname pair falling apart that in fact would not.
 *   - other candidates: only the top candidate's fields are stored (the rest of `ranked` are
 *     ids and scores), so a proposal that would have put another candidate first is not seen.
 *
 * Evidence stored before guards were recorded as a `hold` (`ScoreEvidence.hold`) applies its
 * `guard` instead — for a household guard with the household's agreements read from the levels
 * (an email or phone `exact` or `shared`, an address `exact` or `near`).
 */

import { addressWeights, dateWeights, identifierWeights, nameWeights } from "./comparisons.js";
import { DEFAULT_MATCHING_CRITERIA, type MatchingCriteria } from "./rules.js";
import {
  type FieldEvidence,
  type GuardHold,
  type GuardReason,
  HOUSEHOLD_GUARDS,
  type HouseholdField,
  type IdentifierLevel,
  outcomeOf,
  type ScoreEvidence,
  type ScoreOutcome,
} from "./scoring.js";
import * as z from "./zod.js";

type Fields = MatchingCriteria["fields"];

/** The weight of every level of every field under `criteria`. */
function levelWeights(fields: Fields) {
  return {
    first_name: nameWeights(fields.first_name),
    last_name: nameWeights(fields.last_name),
    date_of_birth: dateWeights(fields.date_of_birth),
    email: identifierWeights(fields.email),
    phone: identifierWeights(fields.phone),
    address: addressWeights(fields.address),
  } satisfies Record<keyof ScoreEvidence["fields"], Record<string, number>>;
}

/**
 * The levels stored evidence may name: the keys of the weight tables (typed by `scoring.ts`'s
 * level unions, so a level added there fails to compile here until it has a weight).
 */
const LEVELS = levelWeights(DEFAULT_MATCHING_CRITERIA.fields);
const HOUSEHOLD_FIELDS: Record<HouseholdField, true> = { email: true, phone: true, address: true };

const oneOf = <T extends string>(known: Record<T, unknown>) =>
  z.custom<T>((value) => typeof value === "string" && Object.hasOwn(known, value));

/**
 * A field's stored evidence: its level, the weight it had, and the frequency adjustment
 * included in that weight (absent: none). Other keys are ignored.
 */
const fieldEvidence = <L extends string>(levels: Record<L, number>) =>
  z.object({
    level: oneOf(levels),
    weight: z.number(),
    adjustment: z.optional(z.number()),
  });

/**
 * A stored guard. Not checked against a list: `outcomeOf` is the one place that says what each
 * guard allows, so a guard added to `scoring.ts` needs nothing here.
 */
const guardReason = z.custom<GuardReason>((value) => typeof value === "string");

/** What a re-scoring reads of stored `ScoreEvidence`. */
const storedScoreEvidence = z.object({
  fields: z.object({
    first_name: fieldEvidence(LEVELS.first_name),
    last_name: fieldEvidence(LEVELS.last_name),
    date_of_birth: fieldEvidence(LEVELS.date_of_birth),
    email: fieldEvidence(LEVELS.email),
    phone: fieldEvidence(LEVELS.phone),
    address: fieldEvidence(LEVELS.address),
  }),
  score: z.number(),
  guard: z.nullable(guardReason),
  hold: z.nullish(
    z.object({ guard: guardReason, household: z.optional(z.array(oneOf(HOUSEHOLD_FIELDS))) }),
  ),
});

/** A field's evidence as stored, with the frequency adjustment newer evidence may carry. */
type StoredField<L extends string> = FieldEvidence<L> & { adjustment?: number | undefined };

/** What `rescore` needs of stored evidence (a `ScoreEvidence`, or what `parseScoreEvidence` read). */
export interface RescorableEvidence {
  fields: {
    [F in keyof ScoreEvidence["fields"]]: StoredField<ScoreEvidence["fields"][F]["level"]>;
  };
  score: number;
  guard: GuardReason | null;
  hold?: GuardHold | null | undefined;
}

/** Stored evidence in the shape a re-scoring reads, or null when it is not (unscorable). */
export function parseScoreEvidence(value: unknown): RescorableEvidence | null {
  const parsed = storedScoreEvidence.safeParse(value);
  return parsed.success ? (parsed.data as RescorableEvidence) : null;
}

const isSharedPoint = (level: IdentifierLevel) => level === "exact" || level === "shared";

/**
 * The guard that applies to the pair: the stored `hold`; else its `guard` (household guards
 * with the household read from the levels) — for evidence stored before holds were, and for a
 * contact read as one of its other records, whose evidence is that reading's (no hold) with
 * the household guard of the contact's current reading put on it (`chooseCandidate.ts`): a
 * stored guard always applies.
 */
export function holdOf(evidence: RescorableEvidence): GuardHold | null {
  if (evidence.hold !== undefined && evidence.hold !== null) return evidence.hold;
  const guard = evidence.guard;
  if (guard === null) return null;
  if (!HOUSEHOLD_GUARDS.has(guard)) return { guard };
  const { email, phone, address } = evidence.fields;
  return {
    guard,
    household: [
      ...(isSharedPoint(email.level) ? (["email"] as const) : []),
      ...(isSharedPoint(phone.level) ? (["phone"] as const) : []),
      ...(address.level === "exact" || address.level === "near" ? (["address"] as const) : []),
    ],
  };
}

/** Rounded as `scoring.ts` rounds a score: two decimals. */
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Stored evidence re-scored under `criteria`: every stored level at the criteria's weight (plus
 * the field's stored adjustment), and the outcome `outcomeOf` gives that score under the
 * criteria's thresholds, held back by the pair's guard.
 */
export function rescore(
  evidence: RescorableEvidence,
  criteria: MatchingCriteria,
): { outcome: ScoreOutcome; score: number } {
  const weights = levelWeights(criteria.fields);
  const weigh = <F extends keyof ScoreEvidence["fields"]>(field: F) => {
    const stored = evidence.fields[field];
    const table: Record<string, number> = weights[field];
    return { level: stored.level, weight: (table[stored.level] ?? 0) + (stored.adjustment ?? 0) };
  };
  const fields = {
    first_name: weigh("first_name"),
    last_name: weigh("last_name"),
    date_of_birth: weigh("date_of_birth"),
    email: weigh("email"),
    phone: weigh("phone"),
    address: weigh("address"),
  };
  const score = round(Object.values(fields).reduce((sum, field) => sum + field.weight, 0));
  return { outcome: outcomeOf(fields, score, criteria.thresholds, holdOf(evidence)), score };
}

/**
 * The parts of a proposal whose effect stored levels cannot show (see the module comment), by
 * their path in the criteria document: `similarity`, `shared_value_limit`,
 * `fields.first_name.nickname`.
 */
export function notSimulated(current: MatchingCriteria, proposed: MatchingCriteria): string[] {
  const paths: string[] = [];
  if (
    current.similarity.high !== proposed.similarity.high ||
    current.similarity.low !== proposed.similarity.low
  ) {
    paths.push("similarity");
  }
  if (current.shared_value_limit !== proposed.shared_value_limit) paths.push("shared_value_limit");
  const nickname = (c: MatchingCriteria) => c.fields.first_name.nickname !== undefined;
  if (nickname(current) !== nickname(proposed)) paths.push("fields.first_name.nickname");
  return paths;
}

/**
 * A decision as stored: a ResMan person's link to its contact (with the open review item on
 * it, if any), or an open review item of a chatbot lead (no link, no person).
 */
export interface StoredDecision {
  linkId: string | null;
  personId: string | null;
  /** The contact the link is on (for a lead: the lead's contact). */
  contactId: string;
  /** The open review item of the link or lead, if any. */
  reviewId: string | null;
  /**
   * How the link was made (`LinkEvidence.linkedBy`): `matched` was a merge, `review` a review
   * item, `created` a new contact. A chatbot lead's open item is `review`.
   */
  linkedBy: "created" | "matched" | "review";
  /**
   * The top candidate's stored evidence (`MatchEvidence.best`): null when there was no
   * candidate (a new contact under any rules), undefined when none was stored.
   */
  best: unknown;
  /**
   * A reviewer decided it (an approved, rejected or superseded review item on the link) or
   * undid its merge (`unmerge`): kept as decided, never counted as a change.
   */
  staff: boolean;
}

/** An outcome and the top candidate's score (null without a candidate, or not re-scored). */
export interface SimulatedOutcome {
  outcome: ScoreOutcome;
  score: number | null;
}

export interface SimulatedDecision extends Omit<StoredDecision, "best"> {
  /**
   * `rescored`; `staff` (kept as decided); `unscorable` (no evidence stored, or evidence this
   * version cannot read: kept as it is).
   */
  kind: "rescored" | "staff" | "unscorable";
  before: SimulatedOutcome;
  after: SimulatedOutcome;
  /** `after.score − before.score` (null when either is). */
  delta: number | null;
}

export type Transition = `${ScoreOutcome}_to_${ScoreOutcome}`;

/** Every change of outcome, in a fixed order. */
export const transitions: readonly Transition[] = [
  "merge_to_review",
  "merge_to_new",
  "review_to_merge",
  "review_to_new",
  "new_to_merge",
  "new_to_review",
];

export interface RuleSimulation {
  /**
   * Every link of the property (`contact_sync` rows: ResMan links, failed ones without a
   * contact, chatbot leads' placeholders): what the review rate is a share of, as in the
   * quality benchmark ("links left pending / all links").
   */
  links: number;
  decisions: SimulatedDecision[];
  /** Decisions re-scored (a decision without a candidate counts: it stays `new`). */
  rescored: number;
  unscorable: number;
  staffDecisions: number;
  /** Decisions whose outcome would change, by |delta| (largest first), then id. */
  changed: SimulatedDecision[];
  /** How many decisions would change, by kind (every kind, zeros included). */
  transitions: Record<Transition, number>;
  /** Decisions with the outcome `review`, before and after. */
  reviews: { before: number; after: number };
  /** `reviews` / `links` (0 without links). */
  reviewRate: { before: number; after: number };
  /** Changed parts of the criteria whose effect is not simulated (`notSimulated`). */
  notSimulated: string[];
}

const outcomeOfLink: Record<StoredDecision["linkedBy"], ScoreOutcome> = {
  matched: "merge",
  review: "review",
  created: "new",
};

/** One decision before and after. */
function simulateDecision(decision: StoredDecision, proposed: MatchingCriteria): SimulatedDecision {
  const { best, ...ids } = decision;
  const stored = best === null || best === undefined ? null : parseScoreEvidence(best);
  const before: SimulatedOutcome = {
    outcome: outcomeOfLink[decision.linkedBy],
    score: stored?.score ?? null,
  };
  const kept = (kind: SimulatedDecision["kind"]): SimulatedDecision => ({
    ...ids,
    kind,
    before,
    after: before,
    delta: before.score === null ? null : 0,
  });
  if (decision.staff) return kept("staff");
  // No candidate at all: a new contact whatever the rules.
  if (best === null) return kept("rescored");
  if (stored === null) return kept("unscorable");
  const after = rescore(stored, proposed);
  return {
    ...ids,
    kind: "rescored",
    before,
    after,
    delta: round(after.score - stored.score),
  };
}

const idOf = (d: SimulatedDecision) => d.linkId ?? d.reviewId ?? "";

/**
 * Re-scores a property's stored decisions under `proposed` (see the module comment): what
 * would change, and the review rate before and after. `current` is the property's criteria
 * now, against which the parts of the proposal that cannot be simulated are found.
 */
export function simulateRules(
  property: { decisions: readonly StoredDecision[]; links: number },
  current: MatchingCriteria,
  proposed: MatchingCriteria,
): RuleSimulation {
  const decisions = property.decisions.map((d) => simulateDecision(d, proposed));
  const changed = decisions
    .filter((d) => d.before.outcome !== d.after.outcome)
    .sort(
      (a, b) =>
        Math.abs(b.delta ?? 0) - Math.abs(a.delta ?? 0) ||
        (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0),
    );
  const counts = Object.fromEntries(transitions.map((t) => [t, 0])) as Record<Transition, number>;
  for (const d of changed) counts[`${d.before.outcome}_to_${d.after.outcome}`] += 1;
  const reviews = {
    before: decisions.filter((d) => d.before.outcome === "review").length,
    after: decisions.filter((d) => d.after.outcome === "review").length,
  };
  const rate = (n: number) => (property.links === 0 ? 0 : n / property.links);
  const count = (kind: SimulatedDecision["kind"]) =>
    decisions.filter((d) => d.kind === kind).length;
  return {
    links: property.links,
    decisions,
    rescored: count("rescored"),
    unscorable: count("unscorable"),
    staffDecisions: count("staff"),
    changed,
    transitions: counts,
    reviews,
    reviewRate: { before: rate(reviews.before), after: rate(reviews.after) },
    notSimulated: notSimulated(current, proposed),
  };
}
