/**
 * Where a reconciliation hands the people it read: to the sync path in this process (the CLI,
 * the local stack) or to the sync queue (Lambda), as the same sync-queue messages either way.
 */
import type { SyncMessage } from "../../domain/events.js";

/** What became of a batch of messages. */
export interface SinkTally {
  created: number;
  updated: number;
  merged: number;
  unchanged: number;
  /** Synced, with the contact waiting for review. */
  review: number;
  /** Refused for good by the sync path (invalid data); the link says why. */
  failed: number;
  /** Accepted by the sync queue (synced later by the worker). */
  enqueued: number;
  /**
   * Neither synced nor enqueued (a database or queue outage, a lost race that kept losing): the
   * window they came from must be read again, so its cursor does not move.
   */
  incomplete: number;
  /** Why, by error code (`store_unavailable`, an SQS entry code…); never a value. */
  incompleteCodes: Record<string, number>;
}

export interface DeliverOptions {
  /**
   * Decide and write nothing (`reconcile --dry-run`): the tally says what a sync would do now.
   * A sink that cannot decide without writing (the queue) hands nothing on and counts the
   * messages `incomplete`.
   */
  dryRun?: boolean | undefined;
}

export interface PersonSink {
  /** Syncs or enqueues every message; never throws for one message's failure (it is counted). */
  deliver(messages: readonly SyncMessage[], options?: DeliverOptions): Promise<SinkTally>;
}

export function emptyTally(): SinkTally {
  return {
    created: 0,
    updated: 0,
    merged: 0,
    unchanged: 0,
    review: 0,
    failed: 0,
    enqueued: 0,
    incomplete: 0,
    incompleteCodes: {},
  };
}
