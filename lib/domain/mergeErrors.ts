/** The errors of merging contacts, undoing a merge and reading a merge history. */
import { ContactSyncError } from "./errors.js";

/**
 * A review decision or an unmerge refused as asked (unknown id, an item already decided,
 * nothing to undo, or a state that changed since the merge). Nothing was written; the message
 * names ids only.
 */
export class MergeRefusedError extends ContactSyncError {
  readonly retryable = false;
  readonly code = "merge_refused";
}

/** A history row whose documents are not what a merge writes (edited by hand?). */
export class MergeHistoryUnreadableError extends ContactSyncError {
  readonly retryable = false;
  readonly code = "merge_history_unreadable";

  constructor(
    readonly mergeId: string,
    readonly paths: string[],
  ) {
    super(`merge ${mergeId} has an unreadable history (at ${paths.join(", ") || "the root"})`);
  }
}
