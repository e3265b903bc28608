/**
 * Matching a person against candidate contacts of the same property: the seam between the
 * decisions (sync, enrichment) and the scorer. A `Matcher` is a pure function of the person's
 * normalised values and the candidates; the default one scores every candidate with the
 * property's criteria (`chooseCandidate.ts`, `scoring.ts`) and says one of three things:
 * `merge` into the best candidate, `review` the pair (a new contact plus a review item), or
 * `new` contact.
 */

import { chooseCandidate } from "./chooseCandidate.js";
import type { Contact, ContactValues } from "./contact.js";
import { DEFAULT_MATCHING_CRITERIA, type MatchingCriteria } from "./rules.js";
import type { ScoreEvidence, ScoreOutcome } from "./scoring.js";

/** Why a decision was taken: fields, levels, weights and ids only, never personal values. */
export interface MatchEvidence {
  method: "scored";
  /** Candidates scored (contacts sharing at least one blocking key). */
  candidates: number;
  /**
   * The best candidate's per-field evidence, total and thresholds, whatever the outcome (null
   * without candidates): what a re-scoring under other rules starts from.
   */
  best: ScoreEvidence | null;
  /** Up to three best candidates: id, score, outcome. */
  ranked: { contactId: string; score: number; outcome: ScoreOutcome }[];
}

export interface MatchResult {
  outcome: ScoreOutcome;
  /** The candidate to merge into (`merge`) or to propose to a reviewer (`review`). */
  contact: Contact | null;
  /** The best candidate's score; null without candidates. */
  score: number | null;
  evidence: MatchEvidence;
}

/**
 * What the matcher is told besides the candidates: the person's blocking keys too common to
 * read their holders (an email or phone among them is a shared value), and how many contacts
 * hold the person's dwelling, building, street and postal code.
 */
export interface MatchContext {
  commonKeys?: readonly string[] | undefined;
  /** How many contacts hold each of the person's counted keys (`countedKeys`). */
  keyCounts?: Readonly<Record<string, number>> | undefined;
}

export type Matcher = (
  person: ContactValues,
  candidates: readonly Contact[],
  context?: MatchContext,
) => MatchResult;

/** How many ranked candidates the evidence keeps. */
const RANKED_KEPT = 3;

/** The scored matcher under `criteria` (the property's, or the built-in defaults). */
export function scoredMatcher(criteria: MatchingCriteria = DEFAULT_MATCHING_CRITERIA): Matcher {
  return (person, candidates, context) => {
    const choice = chooseCandidate(
      person,
      candidates,
      criteria,
      context?.commonKeys,
      context?.keyCounts,
    );
    const top = choice.ranked[0];
    return {
      outcome: choice.outcome,
      contact: choice.best?.contact ?? null,
      score: top?.score ?? null,
      evidence: {
        method: "scored",
        candidates: candidates.length,
        best: choice.top?.evidence ?? null,
        ranked: choice.ranked.slice(0, RANKED_KEPT),
      },
    };
  };
}
