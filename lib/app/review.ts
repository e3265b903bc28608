/**
 * The review queue (`contact-sync review list|approve|reject`): a record scored in the review
 * band got its own contact B, its link `pending`, and an item proposing B as the candidate A.
 *
 * - **approve** merges B into A in one transaction (`lib/domain/contactMerge.ts`): A's values by
 *   survivorship, B's links moved to A (`merged`, evidence `matched` with the item's evidence),
 *   B's enrichment log rows moved to A, B marked merged into A, a history row that makes it
 *   reversible (`contact-sync unmerge`), the item `approved`, `contact.merged` in the outbox.
 *   B's other open items move to A (or close as `superseded` when A already has that pair).
 * - **reject** keeps the two apart for good: the item `rejected` (the pair is unique, so the
 *   sync path never proposes it again), the record's link `success` (`linkedBy: created`).
 *
 * Concurrency: the transaction locks the item, then bumps the identity keys a sync could find
 * either contact (or a moved link's person) by, then locks the contacts and their links — the
 * order of the sync path's locking transaction — and bumps the contacts' versions:
 *
 *   approve (item R: B into A)                  sync of B's person P (optimistic)
 *   ─────────────────────────────────────────   ─────────────────────────────────────────
 *   lock R; bump keys person:P, block:… of      read: link(P) → B, B at version 3,
 *     A and B (held until commit)                     key versions person:P 7, …
 *   lock A, B; decide; write A, B (version      decide: update B
 *     +1), links, history, R, outbox            guarded write: waits on person:P …
 *   commit                            ────▶     … person:P is 8, B is 4: nothing written
 *                                               read again: link(P) → A; update A ✓
 *
 * A sync in its locking transaction waits on the same key rows instead. Either way nothing is
 * lost and no second contact appears. Deadlocks and lost connections are retried.
 */
import { randomUUID } from "node:crypto";
import pRetry from "p-retry";
import {
  type MergeParty,
  MergeRefusedError,
  mergeContacts,
  type ReviewPair,
} from "../domain/contactMerge.js";
import { InvalidInputError, isRetryable } from "../domain/errors.js";
import { linkAfterRejection, type ReviewLevels, reviewLevels } from "../domain/review.js";
import type {
  Clock,
  MergeTransaction,
  ReviewItem,
  ReviewPage,
  ReviewQuery,
  ReviewRecord,
  ReviewStore,
} from "./ports.js";

export interface ReviewDependencies {
  reviews: ReviewStore;
  clock: Clock;
  newId?: () => string;
}

/** A listed item: its ids, score and the levels of the comparison. */
export type ListedReview = ReviewItem & ReviewLevels;

/** A page of listed items, the count of all open ones and the next page's cursor. */
export type ListedReviewPage = Omit<ReviewPage, "items"> & { items: ListedReview[] };

/** Items on a page unless told otherwise, and at most. */
export const REVIEW_PAGE_SIZE = 50;
export const MAX_REVIEW_PAGE_SIZE = 1000;

/**
 * A page of open review items of one property (its id) or of all: oldest first unless
 * `order` is `newest`, starting after the item `after` (a keyset cursor: items decided or added
 * meanwhile shift no page). An unknown `after` (or one of another property) and a page size out
 * of range are an `InvalidInputError`.
 */
export async function listReviews(
  deps: Pick<ReviewDependencies, "reviews">,
  query: Partial<ReviewQuery> = {},
): Promise<ListedReviewPage> {
  const limit = query.limit ?? REVIEW_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_REVIEW_PAGE_SIZE) {
    throw new InvalidInputError(`the page size must be 1 to ${MAX_REVIEW_PAGE_SIZE}`);
  }
  const page = await deps.reviews.listOpen({
    propertyId: query.propertyId,
    limit,
    after: query.after,
    order: query.order ?? "oldest",
  });
  if (page === null) {
    const where = query.propertyId === undefined ? "" : ` in property ${query.propertyId}`;
    throw new InvalidInputError(`no review item ${query.after}${where}`);
  }
  return {
    ...page,
    items: page.items.map((item) => ({ ...item, ...reviewLevels(item.evidence) })),
  };
}

/** Attempts of a decision's transaction on retryable errors (deadlock, lost connection). */
const ATTEMPTS = 4;

/** Runs `work` in one transaction, again when the database says a retry can help. */
export function inRetriedTransaction<T>(
  reviews: ReviewStore,
  work: (tx: MergeTransaction) => Promise<T>,
): Promise<T> {
  return pRetry(() => reviews.transaction(work), {
    retries: ATTEMPTS - 1,
    minTimeout: 5,
    maxTimeout: 100,
    shouldRetry: ({ error }) => isRetryable(error),
  });
}

/** The open item `id`, locked; refuses an unknown or decided one. */
async function openReview(tx: MergeTransaction, id: string): Promise<ReviewRecord> {
  const review = await tx.lockReview(id);
  if (review === null) throw new MergeRefusedError(`no review ${id}`);
  if (review.status !== "open") {
    throw new MergeRefusedError(`review ${id} is already ${review.status}`);
  }
  return review;
}

/** A and B of an item, both live. */
function partiesOf(review: ReviewRecord, parties: readonly MergeParty[]) {
  const find = (id: string) => {
    const party = parties.find((p) => p.contact.id === id);
    if (party === undefined) throw new MergeRefusedError(`contact ${id} no longer exists`);
    if (party.mergedIntoId !== null) {
      throw new MergeRefusedError(`contact ${id} was merged into ${party.mergedIntoId}`);
    }
    return party;
  };
  return { survivor: find(review.candidateId), absorbed: find(review.userId) };
}

export interface ApprovalResult {
  reviewId: string;
  /** A, which survives. */
  contactId: string;
  /** B, merged into A. */
  mergedContactId: string;
  /** The history row (`contact-sync unmerge --merge`). */
  mergeId: string;
  linksMoved: number;
  fieldsChanged: number;
  /** Fields kept against B's value because of `manual_review` (links stay `pending`). */
  conflicts: number;
  reviewsMoved: number;
  reviewsSuperseded: number;
}

/** Approves an open item: merges its contact into the candidate (see the module header). */
export async function approveReview(
  deps: ReviewDependencies,
  input: { reviewId: string; decidedBy?: string | undefined },
): Promise<ApprovalResult> {
  const newId = deps.newId ?? randomUUID;
  return inRetriedTransaction(deps.reviews, async (tx) => {
    const review = await openReview(tx, input.reviewId);
    const ids = [review.candidateId, review.userId];
    const planOf = (parties: readonly MergeParty[], others: readonly ReviewPair[]) =>
      mergeContacts({
        ...partiesOf(review, parties),
        strategy: review.strategy,
        review: {
          id: review.id,
          score: review.score,
          evidence: review.evidence,
          linkId: review.linkId,
          decidedBy: input.decidedBy ?? null,
        },
        otherReviews: others,
      });
    // The keys come from a first, unlocked read; the plan from the locked one. Values that
    // changed in between may add keys: those are bumped too before anything is written.
    const draft = planOf(await tx.loadParties(review.propertyId, ids, false), []);
    await tx.lockKeys(review.propertyId, draft.lockKeys);
    const parties = await tx.loadParties(review.propertyId, ids, true);
    const plan = planOf(parties, await tx.reviewsOf(review.propertyId, ids));
    const extra = plan.lockKeys.filter((key) => !draft.lockKeys.includes(key));
    if (extra.length > 0) await tx.lockKeys(review.propertyId, extra);
    const { mergeId } = await tx.applyContactMerge(
      review,
      plan,
      { decidedBy: input.decidedBy ?? null, decidedAt: deps.clock.now() },
      { id: newId(), type: "contact.merged" },
    );
    return {
      reviewId: review.id,
      contactId: review.candidateId,
      mergedContactId: review.userId,
      mergeId,
      linksMoved: plan.links.length,
      fieldsChanged: plan.changed.length,
      conflicts: plan.conflicts.length,
      reviewsMoved: plan.movedReviews.length,
      reviewsSuperseded: plan.supersededReviews.length,
    };
  });
}

export interface RejectionResult {
  reviewId: string;
  /** The record's contact, which stays. */
  contactId: string;
  candidateId: string;
  /** The record's link and its status now (null when the item had no ResMan link). */
  linkId: string | null;
  linkStatus: string | null;
}

/** Rejects an open item: the two contacts stay apart, and the pair is never proposed again. */
export async function rejectReview(
  deps: ReviewDependencies,
  input: { reviewId: string; decidedBy?: string | undefined },
): Promise<RejectionResult> {
  const newId = deps.newId ?? randomUUID;
  return inRetriedTransaction(deps.reviews, async (tx) => {
    const review = await openReview(tx, input.reviewId);
    const linkOf = (parties: readonly MergeParty[]) =>
      parties[0]?.links.find((l) => l.id === review.linkId) ?? null;
    // The person's key first (a concurrent sync of the person waits, or reads again), then the
    // link as locked.
    const personId = linkOf(
      await tx.loadParties(review.propertyId, [review.userId], false),
    )?.personId;
    if (personId !== undefined && personId !== null) {
      await tx.lockKeys(review.propertyId, [`person:${personId}`]);
    }
    const link = linkOf(await tx.loadParties(review.propertyId, [review.userId], true));
    const move = link === null ? null : linkAfterRejection(link, review.userId);
    await tx.applyRejection(
      review,
      move,
      { decidedBy: input.decidedBy ?? null, decidedAt: deps.clock.now() },
      move === null ? null : { id: newId(), type: "contact.synced" },
    );
    return {
      reviewId: review.id,
      contactId: review.userId,
      candidateId: review.candidateId,
      linkId: move?.id ?? review.linkId,
      linkStatus: move?.status ?? null,
    };
  });
}
