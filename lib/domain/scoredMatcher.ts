/**
 * Choosing among candidate contacts with the pair scorer (`scoring.ts`): every candidate is
 * scored, the best decides the outcome. Pure and order-independent. Not wired into the sync
 * path yet (the matcher issue replaces the exact-key `Matcher` with this once review items and
 * blocking-key retrieval exist).
 *
 * An email or phone held by several candidates of the property is weak evidence (an office,
 * a household): the count of candidates holding the person's value is passed to the scorer,
 * which demotes it above the criteria's `shared_value_limit`.
 */
import type { Contact, ContactValues } from "./contact.js";
import { emailMatchKey } from "./emailKey.js";
import type { MatchingCriteria } from "./rules.js";
import { type ScoreEvidence, type ScoreOutcome, scorePair } from "./scoring.js";

export interface ScoredCandidate {
  contact: Contact;
  evidence: ScoreEvidence;
}

export interface ScoredChoice {
  /** The best candidate (highest outcome, then score, then oldest, then smallest id). */
  best: ScoredCandidate | null;
  /** `merge`: link to `best`; `review`: new contact plus a review item on `best`; `new`. */
  outcome: ScoreOutcome;
  /** Every candidate's score and outcome, best first (ids only). */
  ranked: { contactId: string; score: number; outcome: ScoreOutcome }[];
}

const rank: Record<ScoreOutcome, number> = { merge: 2, review: 1, new: 0 };

/** Scores `person` against every candidate and picks the best. */
export function chooseCandidate(
  person: ContactValues,
  candidates: readonly Contact[],
  criteria: MatchingCriteria,
): ScoredChoice {
  const email = person.email === null ? null : emailMatchKey(person.email);
  const phones = Object.values(person.phones).map((phone) => phone.e164);
  const holdingEmail =
    email === null
      ? 0
      : candidates.filter((c) => c.values.email !== null && emailMatchKey(c.values.email) === email)
          .length;
  const holdingPhone = Math.max(
    0,
    ...phones.map(
      (phone) =>
        candidates.filter((c) => Object.values(c.values.phones).some((p) => p.e164 === phone))
          .length,
    ),
  );
  const scored: ScoredCandidate[] = candidates.map((contact) => ({
    contact,
    evidence: scorePair(person, contact.values, criteria, {
      email: Math.max(1, holdingEmail),
      phone: Math.max(1, holdingPhone),
    }),
  }));
  scored.sort(
    (a, b) =>
      rank[b.evidence.outcome] - rank[a.evidence.outcome] ||
      b.evidence.score - a.evidence.score ||
      a.contact.createdAt.getTime() - b.contact.createdAt.getTime() ||
      (a.contact.id < b.contact.id ? -1 : a.contact.id > b.contact.id ? 1 : 0),
  );
  const best = scored[0] ?? null;
  return {
    best: best !== null && best.evidence.outcome !== "new" ? best : null,
    outcome: best?.evidence.outcome ?? "new",
    ranked: scored.map((s) => ({
      contactId: s.contact.id,
      score: s.evidence.score,
      outcome: s.evidence.outcome,
    })),
  };
}
