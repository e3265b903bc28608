/**
 * Merging two contacts (an approved review item) and undoing any merge (unmerge), as pure
 * functions over contacts, their links and the merge history's documents. One entry point over
 * the modules that do it, which are one round trip — each field, link, placeholder and variant
 * a merge moves must be put back by the unmerge from what the history recorded:
 *
 * - `mergeParties.ts`: the contacts, links and review items a merge works on;
 * - `mergePlan.ts`: the plan of an approval (B merged into A) and its survivorship rules;
 * - `mergeHistory.ts`: the history documents, encoded and decoded (their only owner);
 * - `unmergePlan.ts`: the plan of an unmerge, from the history read back;
 * - `mergeErrors.ts`: refusals and unreadable histories;
 * - `lockKeys.ts`: the identity keys both lock (`mergeLockKeys`).
 */
export { mergeLockKeys } from "./lockKeys.js";
export { MergeHistoryUnreadableError, MergeRefusedError } from "./mergeErrors.js";
export {
  type MergeHistory,
  type MergeHistoryDocuments,
  type MergeHistoryRow,
  parseMergeHistory,
} from "./mergeHistory.js";
export type {
  LinkMove,
  MergeLink,
  MergeParty,
  MovedReview,
  PlaceholderLink,
  ReviewPair,
  ReviewSide,
} from "./mergeParties.js";
export {
  type ContactMergeInput,
  type ContactMergePlan,
  mergeContacts,
  mergeContactValues,
} from "./mergePlan.js";
export {
  planUnmerge,
  type RestoredSurvivor,
  restoredSecondary,
  restoreSurvivor,
  type UnmergeInput,
  type UnmergePlan,
} from "./unmergePlan.js";
