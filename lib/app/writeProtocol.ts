/**
 * The one write protocol of every use case that writes contacts: the sync path
 * (`syncPerson.ts`), chatbot enrichment (`enrichContact.ts`), review decisions (`review.ts`) and
 * unmerge (`unmerge.ts`). Why is a write safe? Because of what follows, and nothing else.
 *
 * **Identity keys.** Every identity a write could find or change a contact by has a name
 * (`lib/domain/lockKeys.ts`: `person:<PersonID>`, `block:<blocking key>`,
 * `conversation:<id>`) and a version row in the database. Two writes that could see each
 * other's contact share a name: that is how candidates are found. A blocking key too common to
 * find candidates by when the person was read finds nobody, so the optimistic guard leaves it
 * out (`guardedLockKeys`): a burst of people with one common name does not serialise. A wave's
 * write (`syncWaves.ts`), whose reading may come from a reader's memory, still checks that
 * such keys are at the version read, without bumping them (`WaveGuard.unchanged`): a merge or
 * unmerge bumps every key it touches, so a key that shrank back within the limit is seen.
 *
 * **Optimistic rounds** (sync, enrichment): two statements, no transaction (design §8 allows two
 * round trips per queue job). The read returns what it read with the versions it read
 * (`Guarded`: inbox, key versions, contact versions); the use case decides; the guarded write
 * applies only if every key it read, and the contact it updates, is still at the version read
 * (`guardOf`), bumping them — else it writes nothing and the round reads again (`LOST_RACE`):
 *
 *   sync A (person P, email e)               sync B (person Q, email e)
 *   ──────────────────────────────────────   ──────────────────────────────────────
 *   read: link(P), contacts(e) → none;       read: link(Q), contacts(e) → none;
 *         key versions P:–, e:3                    key versions Q:–, e:3
 *   decide: create C, link P→C               decide: create D, link Q→D
 *   guarded write: e 3→4, insert P, then     guarded write: e 3→4 … waits on A's row
 *     contact C, link, inbox, outbox ✓
 *                                   ────▶    A committed: e is 4, not 3 → nothing written
 *                                            read again: contacts(e) → C
 *                                            decide: merge; guarded write e 4→5 ✓
 *
 * Every writer takes the key rows in key id order (the guarded statement locks them so before
 * it bumps them; waves and the locking transaction bump them so), so two writers sharing keys
 * wait on each other instead of deadlocking.
 *
 * So two writes sharing a key can never both apply on the same reading, and neither misses the
 * other's new contact. The event id goes into the inbox in the same statement: a redelivery
 * writes nothing (`duplicate`).
 *
 * **Locking fallback.** After three lost rounds (backing off a little after each), one locking
 * transaction takes over (`guardedWrite`): claim the event and bump the key rows first
 * (`claimAndLock`, holding them until commit), then read, decide and write — the same rows, so
 * the two protocols exclude each other, and progress is guaranteed under contention.
 *
 * **Review decisions and unmerge** run the locking transaction only (`inRetriedTransaction`),
 * locking in the order of the sync path's: the review item or history row, then the identity
 * keys (sorted), then the contacts (by id) and their links, bumping the contacts' versions. The
 * keys come from a plan on an unlocked read, the write from the plan on the locked read; keys
 * that changed in between are bumped too before anything is written (`planUnderLocks`):
 *
 *   approve (item R: B into A)                  sync of B's person P (optimistic)
 *   ─────────────────────────────────────────   ─────────────────────────────────────────
 *   lock R; bump keys person:P, block:… of      read: link(P) → B, B at version 3,
 *     A and B (held until commit)                     key versions person:P 7, …
 *   lock A, B; decide; write A, B (version      decide: update B
 *     +1), links, history, R, outbox            guarded write: waits on person:P …
 *   commit                            ────▶     … person:P is 8, B is 4: nothing written
 *                                               read again: link(P) → A; update A ✓
 *
 * A sync in its locking transaction waits on the same key rows instead. Either way nothing is
 * lost and no second contact appears. (A rejection bumps the one key it can change: its
 * record's person.)
 *
 * **Retries.** The whole of each protocol is retried (`retried`: p-retry, 4 attempts, 5–100 ms)
 * when the error says a retry can help (`isRetryable`: a lost connection, a deadlock, a
 * serialization failure or a unique-key race, see `lib/adapters/db/errors.ts`): each read and
 * each guarded write is one atomic statement, and a transaction rolls back, so a retry starts
 * from nothing written.
 */
import pRetry from "p-retry";
import { isRetryable } from "../domain/errors.js";
import type { EventRef, Guarded, GuardedResult, WriteGuard } from "./ports.js";

/** What an optimistic round returns when something it read changed before its write. */
export const LOST_RACE = Symbol("lost race");

/** Optimistic rounds before the locking transaction takes over. */
const OPTIMISTIC_ROUNDS = 3;

/** Attempts of a whole protocol on retryable errors. */
const ATTEMPTS = 4;

/** Runs `work` again (the whole of it) when the error says a retry can help. */
export function retried<T>(work: () => Promise<T>): Promise<T> {
  return pRetry(work, {
    retries: ATTEMPTS - 1,
    minTimeout: 5,
    maxTimeout: 100,
    shouldRetry: ({ error }) => isRetryable(error),
  });
}

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

/** The guard of a write decided on `read`: the keys and the contact written, as read. */
export function guardOf(
  keys: readonly string[],
  read: Guarded<object>,
  contact: { id: string; isNew: boolean },
  event: EventRef | undefined,
): WriteGuard {
  return {
    keys,
    keyVersions: read.keyVersions,
    contactVersion: versionRead(contact, read.contactVersions),
    event,
  };
}

/** A guarded write's result as a round's: `applied`'s, `duplicate`, or a lost race. */
export function settle<Applied, R>(
  written: GuardedResult<Applied>,
  duplicate: R,
  applied: (written: Applied) => R,
): R | typeof LOST_RACE {
  if (written.status === "duplicate") return duplicate;
  if (written.status === "applied") return applied(written);
  // Lost a race on a shared key or contact: look again.
  return LOST_RACE;
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
  return retried(async () => {
    for (let n = 0; n < OPTIMISTIC_ROUNDS; n += 1) {
      const result = await round();
      if (result !== LOST_RACE) return result;
      await sleep(Math.random() * 5 * (n + 1));
    }
    return locking();
  });
}

/** Runs `work` in one transaction of `store`, again when the database says a retry can help. */
export function inRetriedTransaction<Tx, T>(
  store: { transaction<R>(work: (tx: Tx) => Promise<R>): Promise<R> },
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return retried(() => store.transaction(work));
}

/**
 * A plan made under its identity keys (review decisions, unmerge): planned on an unlocked read
 * for its keys, which are bumped (held until commit); planned again on the locked read; keys that
 * plan adds (values changed in between) bumped too. Resolves with the locked read's plan.
 */
export async function planUnderLocks<Plan extends { lockKeys: readonly string[] }>(
  tx: { lockKeys(propertyId: string, keys: readonly string[]): Promise<void> },
  propertyId: string,
  plan: (locked: boolean) => Promise<Plan>,
): Promise<Plan> {
  const draft = await plan(false);
  await tx.lockKeys(propertyId, draft.lockKeys);
  const locked = await plan(true);
  const extra = locked.lockKeys.filter((key) => !draft.lockKeys.includes(key));
  if (extra.length > 0) await tx.lockKeys(propertyId, extra);
  return locked;
}
