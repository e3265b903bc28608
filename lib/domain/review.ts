/**
 * The review queue's own rules, pure: what a listed item shows (ids and per-field comparison
 * levels, never a compared value) and what a rejection does to the link of the record under
 * review. Approving an item is a merge of two contacts (`mergePlan.ts`).
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

/**
 * The per-field levels of a review item's evidence (`ScoreEvidence` of `scoring.ts`). Tolerant:
 * evidence of another shape shows no levels rather than failing the listing.
 */
export function reviewLevels(evidence: Record<string, unknown>): ReviewLevels {
  const fields = evidence.fields;
  const levels: ReviewLevels["levels"] = {};
  if (fields !== null && typeof fields === "object") {
    for (const field of reviewFields) {
      const level = (fields as Record<string, { level?: unknown } | undefined>)[field]?.level;
      if (typeof level === "string") levels[field] = level;
    }
  }
  return { levels, guard: typeof evidence.guard === "string" ? evidence.guard : null };
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
