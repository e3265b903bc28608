import type { SyncMessage } from "../../domain/events.js";

/** The sync queue (SQS in production). */
export interface SyncQueue {
  /** Sends one message; resolves with the queue's message id. Throws `QueueUnavailableError`. */
  send(message: SyncMessage): Promise<string>;
}
