/**
 * The review queue's own rules, pure: what a listed item shows (ids and per-field comparison
 * levels, never a compared value), what an item's evidence says field by field (the console's
 * side-by-side view) and what a rejection does to the link of the record under review. Approving an item is a merge of two contacts (`mergePlan.ts`).
 */
import type { LinkMove, MergeLink } from "./mergeParties.js";

/** The fields a review item's evidence compares, in the order they are shown. */
export const reviewFields = [
  "first_name",
  "last_name",
  "date_of_birth",
  "email",
  "phone",
  "address",
] as const;
export type ReviewField = (typeof reviewFields)[number];

/** What a listed item says about the comparison: levels per field and the guard that held it. */
export interface ReviewLevels {
  levels: Partial<Record<ReviewField, string>>;
  /** Why an auto-merge score was held back for review (household guard), if it was. */
  guard: string | null;
}

/** One compared field of a review item: its level and weight (null when not recorded). */
export interface EvidenceRow {
  field: ReviewField;
  level: string | null;
  weight: number | null;
}

/** Everything a review item's evidence says (`ScoreEvidence` of `scoring.ts`), per field. */
export interface ReviewEvidence {
  rows: EvidenceRow[];
  thresholds: { auto_merge: number | null; review: number | null };
  /** Why an auto-merge score was held back for review (household guard), if it was. */
  guard: string | null;
  /** First and last name were compared crosswise. */
  swappedNames: boolean;
}

const numberOr = (value: unknown): number | null => (typeof value === "number" ? value : null);

/**
 * The evidence of a review item, field by field. Tolerant: evidence of another shape (stored
 * before a field was recorded) shows nothing for it rather than failing.
 */
export function reviewEvidence(evidence: Record<string, unknown>): ReviewEvidence {
  const fields = evidence.fields;
  const byField =
    fields !== null && typeof fields === "object"
      ? (fields as Record<string, { level?: unknown; weight?: unknown } | undefined>)
      : {};
  const thresholds = (evidence.thresholds ?? {}) as Record<string, unknown>;
  return {
    rows: reviewFields.map((field) => {
      const level = byField[field]?.level;
      return {
        field,
        level: typeof level === "string" ? level : null,
        weight: numberOr(byField[field]?.weight),
      };
    }),
    thresholds: {
      auto_merge: numberOr(thresholds.auto_merge),
      review: numberOr(thresholds.review),
    },
    guard: typeof evidence.guard === "string" ? evidence.guard : null,
    swappedNames: evidence.swapped_names === true,
  };
}

/** The per-field levels of a review item's evidence (what a listed item shows). */
export function reviewLevels(evidence: Record<string, unknown>): ReviewLevels {
  const { rows, guard } = reviewEvidence(evidence);
  const levels: ReviewLevels["levels"] = {};
  for (const row of rows) if (row.level !== null) levels[row.field] = row.level;
  return { levels, guard };
}

/**
 * The link of a rejected item's record: no longer waiting on the review, it is what the record
 * would have been without a candidate — its own contact's link, `success` (`pending` still when
 * survivorship named conflicts under `manual_review`), evidence `linkedBy: created`. A chatbot
 * lead's placeholder stays `pending` (it waits for a ResMan person, not for the review), and a
 * link no longer waiting on this review is left alone (null).
 */
export function linkAfterRejection(link: MergeLink, contactId: string): LinkMove | null {
  if (link.personId === null || link.evidence?.linkedBy !== "review") return null;
  const conflicts = link.evidence.conflicts ?? [];
  return {
    id: link.id,
    contactId,
    status: conflicts.length > 0 ? "pending" : "success",
    evidence: { ...link.evidence, linkedBy: "created" },
    matchScore: link.matchScore,
    sourceHash: link.sourceHash,
  };
}
