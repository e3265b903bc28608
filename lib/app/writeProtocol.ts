/**
 * The write protocol every use case that matches and writes contacts runs (the sync path,
 * chatbot enrichment): optimistic rounds of read → decide → guarded write, then, under
 * sustained contention, one locking transaction over the same identity-key rows. The whole is
 * retried when the database says a retry can help (a lost connection, a deadlock): each read
 * and each guarded write is atomic, and the transaction rolls back.
 */
import pRetry from "p-retry";
import { isRetryable } from "../domain/errors.js";

/** What an optimistic round returns when something it read changed before its write. */
export const LOST_RACE = Symbol("lost race");

/** Optimistic rounds before the locking transaction takes over. */
const OPTIMISTIC_ROUNDS = 3;

/** Attempts of the whole protocol on retryable errors. */
const ATTEMPTS = 4;

/**
 * The version of the contact a decision writes, as read (null for a new contact). A contact
 * the read did not return gets -1, which no row has: the guarded write then reports a lost race.
 */
export function versionRead(
  contact: { id: string; isNew: boolean },
  versions: ReadonlyMap<string, number>,
): number | null {
  return contact.isNew ? null : (versions.get(contact.id) ?? -1);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `round` until it returns a result (at most three times, backing off a little after each
 * lost race), else `locking`; retries both on retryable errors.
 */
export function guardedWrite<T>(
  round: () => Promise<T | typeof LOST_RACE>,
  locking: () => Promise<T>,
): Promise<T> {
  const attempt = async () => {
    for (let n = 0; n < OPTIMISTIC_ROUNDS; n += 1) {
      const result = await round();
      if (result !== LOST_RACE) return result;
      await sleep(Math.random() * 5 * (n + 1));
    }
    return locking();
  };
  return pRetry(attempt, {
    retries: ATTEMPTS - 1,
    minTimeout: 5,
    maxTimeout: 100,
    shouldRetry: ({ error }) => isRetryable(error),
  });
}
