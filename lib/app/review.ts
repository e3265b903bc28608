/**
 * The review queue (`contact-sync review list|approve|reject`): a record scored in the review
 * band got its own contact B, its link `pending`, and an item proposing B as the candidate A.
 *
 * - **approve** merges B into A in one transaction (`lib/domain/mergePlan.ts`): A's values by
 *   survivorship, B's links moved to A (`merged`, evidence `matched` with the item's evidence),
 *   B's enrichment log rows moved to A, B marked merged into A, a history row that makes it
 *   reversible (`contact-sync unmerge`), the item `approved`, `contact.merged` in the outbox.
 *   B's other open items move to A (or close as `superseded` when A already has that pair).
 *   The reviewer may keep B instead (`survivor: "record"`, `review approve --keep record`, the
 *   console's choice): the same merge with the roles swapped, A merged into B, the reviewed
 *   record's link left on B as `merged`.
 * - **reject** keeps the two apart for good: the item `rejected` (the pair is unique, so the
 *   sync path never proposes it again), the record's link `success` (`linkedBy: created`).
 *
 * Concurrency: the locking transaction of `writeProtocol.ts` (the item, then the identity keys a
 * sync could find either contact — or a moved link's person — by, then the contacts and their
 * links), retried; that file says why a decision is safe against concurrent syncs.
 */
import { InvalidInputError } from "../domain/errors.js";
import { personLockKey } from "../domain/lockKeys.js";
import { MergeRefusedError } from "../domain/mergeErrors.js";
import type { MergeParty } from "../domain/mergeParties.js";
import { mergeContacts } from "../domain/mergePlan.js";
import { linkAfterRejection, type ReviewLevels, reviewLevels } from "../domain/review.js";
import { newId as timeOrderedId } from "./newId.js";
import type {
  Clock,
  MergeTransaction,
  ReviewItem,
  ReviewPage,
  ReviewQuery,
  ReviewRecord,
  ReviewStore,
} from "./ports.js";
import { inRetriedTransaction, planUnderLocks } from "./writeProtocol.js";

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

/** The open item `id`, locked; refuses an unknown or decided one. */
async function openReview(tx: MergeTransaction, id: string): Promise<ReviewRecord> {
  const review = await tx.lockReview(id);
  if (review === null) throw new MergeRefusedError(`no review ${id}`);
  if (review.status !== "open") {
    throw new MergeRefusedError(`review ${id} is already ${review.status}`);
  }
  return review;
}

/** Which contact of an item survives an approval: the candidate (A, default) or the record's (B). */
export type Survivor = "candidate" | "record";

/** The surviving and absorbed parties of an item, both live. */
function partiesOf(review: ReviewRecord, parties: readonly MergeParty[], keep: Survivor) {
  const find = (id: string) => {
    const party = parties.find((p) => p.contact.id === id);
    if (party === undefined) throw new MergeRefusedError(`contact ${id} no longer exists`);
    if (party.mergedIntoId !== null) {
      throw new MergeRefusedError(`contact ${id} was merged into ${party.mergedIntoId}`);
    }
    return party;
  };
  const candidate = find(review.candidateId);
  const record = find(review.userId);
  return keep === "candidate"
    ? { survivor: candidate, absorbed: record }
    : { survivor: record, absorbed: candidate };
}

export interface ApprovalResult {
  reviewId: string;
  /** The contact that survives (the candidate A unless the record's contact was kept). */
  contactId: string;
  /** The contact merged into it. */
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

/**
 * Approves an open item: merges its contact into the candidate (see the module header), or,
 * with `survivor: "record"`, the candidate into the record's contact (the reviewed record's
 * link then stays where it is, `merged`, and an unmerge puts it back to waiting).
 */
export async function approveReview(
  deps: ReviewDependencies,
  input: { reviewId: string; decidedBy?: string | undefined; survivor?: Survivor | undefined },
): Promise<ApprovalResult> {
  const newId = deps.newId ?? timeOrderedId;
  return inRetriedTransaction(deps.reviews, async (tx) => {
    const review = await openReview(tx, input.reviewId);
    const ids = [review.candidateId, review.userId];
    // The keys come from a plan on an unlocked read (without the other items); the write from
    // the plan on the locked read.
    const plan = await planUnderLocks(tx, review.propertyId, async (locked) => {
      const parties = await tx.loadParties(review.propertyId, ids, locked);
      const others = locked ? await tx.reviewsOf(review.propertyId, ids) : [];
      return mergeContacts({
        ...partiesOf(review, parties, input.survivor ?? "candidate"),
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
    });
    const { mergeId } = await tx.applyContactMerge(
      review,
      plan,
      { decidedBy: input.decidedBy ?? null, decidedAt: deps.clock.now() },
      { id: newId(), type: "contact.merged" },
    );
    return {
      reviewId: review.id,
      contactId: plan.survivor.id,
      mergedContactId: plan.absorbedId,
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
  const newId = deps.newId ?? timeOrderedId;
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
      await tx.lockKeys(review.propertyId, [personLockKey(personId)]);
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
