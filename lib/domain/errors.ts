/**
 * Base of every error this package throws on purpose. Each module has its own subclasses; each
 * says whether retrying can help and carries a message safe to show (ids and field names only).
 */
export abstract class ContactSyncError extends Error {
  /** Whether the same operation may succeed if tried again (a lock conflict, an outage). */
  abstract readonly retryable: boolean;
  /** Machine-readable code for callers and metrics. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that can never be synced as it is (a client's mistake, not ours). */
export class InvalidInputError extends ContactSyncError {
  readonly retryable = false;
  readonly code = "invalid_input";

  /** @param issues field path → reason, never the offending value */
  constructor(
    message: string,
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** Whether an error says that trying again may help. */
export function isRetryable(error: unknown): boolean {
  return error instanceof ContactSyncError && error.retryable;
}
