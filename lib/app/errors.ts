/**
 * Errors of the ports the use cases call (queue, event bus). Adapters throw them, so use cases
 * and functions map one type per failure whatever the SDK underneath.
 */
import { ContactSyncError } from "../domain/errors.js";

/** The sync queue did not accept a message (network, throttling, permissions): retry later. */
export class QueueUnavailableError extends ContactSyncError {
  readonly retryable = true;
  readonly code = "queue_unavailable";
}
