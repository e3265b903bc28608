/**
 * Unmerge (`contact-sync unmerge <user id> [--merge <history id>]`): undoes one merge recorded
 * in `contact_merge_history` — by default the most recent one into the contact not yet undone,
 * or, given a contact that was merged away, the merge that absorbed it.
 *
 * - A merge of two contacts (an approved review): the survivor's fields the merge changed go
 *   back where nothing changed them since; the merged-away contact is live again, unchanged; its
 *   links, enrichments and placeholder go back; its review item is `open` again, exactly as
 *   before the approval (reject it to keep the two apart for good); items the approval moved or
 *   superseded are restored.
 * - A person linked to an existing contact by the sync path: the person gets a contact of its
 *   own from the values it brought in, its link moves there (`success`, `linkedBy: created`),
 *   and the survivor's fields go back likewise.
 *
 * The history row is stamped `reverted_at` (never deleted), and `contact.unmerged` goes to the
 * outbox, in the same transaction. Concurrency: the locking transaction of `writeProtocol.ts`,
 * as for an approval.
 */
import { MergeRefusedError } from "../domain/mergeErrors.js";
import { parseMergeHistory } from "../domain/mergeHistory.js";
import type { MergeParty } from "../domain/mergeParties.js";
import { DEFAULT_MERGE_STRATEGY } from "../domain/survivorship.js";
import { planUnmerge } from "../domain/unmergePlan.js";
import { newId as timeOrderedId } from "./newId.js";
import type { MergeTarget } from "./ports.js";
import type { ReviewDependencies } from "./review.js";
import { inRetriedTransaction, planUnderLocks } from "./writeProtocol.js";

export interface UnmergeResult {
  mergeId: string;
  /** The contact that had received the merge. */
  contactId: string;
  /** The contact split off again: the merged-away contact, or the person's new contact. */
  splitContactId: string;
  kind: "contact" | "person";
  /** Fields set back to their value before the merge. */
  fieldsRestored: number;
  /** Fields whose value the merge had not changed: only their ResMan version went back. */
  versionsRestored: number;
  /** Fields the merge changed that were changed again since: they keep the later value. */
  fieldsKept: number;
  linksMoved: number;
  /** Links the merge moved that have left the contact since (moved or deleted): left alone. */
  linksMissing: number;
  /** The review item reopened (a merge of two contacts). */
  reviewId: string | null;
}

/** Undoes a merge of `userId` (see the module header). */
export async function unmerge(
  deps: ReviewDependencies,
  input: { userId: string; mergeId?: string | undefined },
): Promise<UnmergeResult> {
  const newId = deps.newId ?? timeOrderedId;
  return inRetriedTransaction(deps.reviews, async (tx) => {
    const { userId, mergeId } = input;
    const state = await tx.contactState(userId);
    if (state === null) throw new MergeRefusedError(`no contact ${userId}`);
    const target: MergeTarget =
      mergeId !== undefined
        ? { mergeId }
        : state.mergedIntoId !== null
          ? { absorbed: userId }
          : { into: userId };
    const row = await tx.lockMerge(target);
    if (row === null) {
      throw new MergeRefusedError(
        mergeId === undefined ? `contact ${userId} has no merge to undo` : `no merge ${mergeId}`,
      );
    }
    if (row.userId !== userId && row.mergedUserId !== userId) {
      throw new MergeRefusedError(`merge ${row.id} is not a merge of contact ${userId}`);
    }
    if (row.revertedAt !== null) throw new MergeRefusedError(`merge ${row.id} was already undone`);
    const merge = parseMergeHistory(row);
    const ids =
      merge.absorbedId === null ? [merge.survivorId] : [merge.survivorId, merge.absorbedId];
    const splitId = newId();
    const planOf = (parties: readonly MergeParty[]) => {
      const survivor = parties.find((p) => p.contact.id === merge.survivorId);
      if (survivor === undefined) throw new MergeRefusedError(`no contact ${merge.survivorId}`);
      if (survivor.mergedIntoId !== null) {
        throw new MergeRefusedError(
          `contact ${merge.survivorId} was merged into ${survivor.mergedIntoId} since: undo that merge first`,
        );
      }
      return planUnmerge({
        merge,
        survivor,
        absorbed: parties.find((p) => p.contact.id === merge.absorbedId) ?? null,
        newContactId: splitId,
        // A person's own contact starts empty: every value it brought in is taken whatever the
        // strategy.
        strategy: DEFAULT_MERGE_STRATEGY,
      });
    };
    const plan = await planUnderLocks(tx, merge.propertyId, async (locked) =>
      planOf(await tx.loadParties(merge.propertyId, ids, locked)),
    );
    await tx.applyUnmerge(merge, plan, deps.clock.now(), {
      id: newId(),
      type: "contact.unmerged",
    });
    return {
      mergeId: merge.id,
      contactId: merge.survivorId,
      splitContactId: plan.split.kind === "contact" ? plan.split.contactId : plan.split.contact.id,
      kind: plan.split.kind,
      fieldsRestored: plan.restored.length,
      versionsRestored: plan.restamped.length,
      fieldsKept: plan.kept.length,
      linksMoved: plan.links.length,
      linksMissing: plan.missingLinks.length,
      reviewId: merge.reviewId,
    };
  });
}
