/**
 * Re-sending what a batch API did not accept (EventBridge `PutEvents`, SQS `SendMessageBatch`):
 * the backoff options both take, and the one loop that runs an attempt again, with exponential
 * backoff and jitter, while some entries are still pending.
 */
import pRetry from "p-retry";

/** Backoff of the re-sends; the defaults add up to a few seconds at most (4 re-sends). */
export interface BatchRetryOptions {
  /** Re-sends after the first attempt (default 4). */
  retries?: number;
  /** Delay before the first re-send in ms (default 100), doubled each time up to `maxTimeout`. */
  minTimeout?: number;
  /** Longest delay between two re-sends in ms (default 2000). */
  maxTimeout?: number;
}

/** Thrown inside p-retry while entries still wait for another attempt. */
class EntriesPending extends Error {
  override name = "EntriesPending";
}

/**
 * Runs `attempt` — which sends what is still pending and resolves with how many entries are
 * still pending after it — until none are, or the re-sends are used up. Resolves with whether
 * entries were still pending at the end. Anything `attempt` throws is a bug, not a failure of
 * the service, and is thrown at once.
 */
export async function resendWhilePending(
  attempt: () => Promise<number>,
  retry: BatchRetryOptions = {},
): Promise<boolean> {
  try {
    await pRetry(
      async () => {
        const pending = await attempt();
        if (pending > 0) throw new EntriesPending(`${pending} entries pending`);
      },
      {
        retries: retry.retries ?? 4,
        minTimeout: retry.minTimeout ?? 100,
        maxTimeout: retry.maxTimeout ?? 2000,
        factor: 2,
        // Jitter, so senders throttled together do not come back together.
        randomize: true,
        shouldRetry: ({ error }) => error instanceof EntriesPending,
      },
    );
    return false;
  } catch (error) {
    if (!(error instanceof EntriesPending)) throw error;
    return true;
  }
}
