/**
 * The names of the identity keys every write locks (bumps) before it may apply: one version row
 * per name in the database (the adapter hashes the names). Two writes that share a name exclude
 * each other; see `lib/app/writeProtocol.ts` for how the sync path, enrichment, review decisions
 * and unmerge use them.
 */
import { searchKeys } from "./blocking.js";

/** A ResMan person's key: held by every write of its link. */
export const personLockKey = (personId: string): string => `person:${personId}`;

/** A chatbot conversation's key: held by every enrichment of it. */
export const conversationLockKey = (conversationId: string): string =>
  `conversation:${conversationId}`;

/** A blocking key's identity key (as searched: `searchKeys`). */
export const blockLockKey = (block: string): string => `block:${block}`;

/** The keys of blocking keys (as searched: `searchKeys`). */
export const blockLockKeys = (blocks: readonly string[]): string[] => blocks.map(blockLockKey);

/**
 * Identity keys of a person: the PersonID and every blocking key. Two syncs that could find each
 * other's new contact share a blocking key (that is how candidates are found), so they can never
 * both write on the same reading.
 */
export function identityLockKeys(personId: string, blocks: readonly string[]): string[] {
  return [personLockKey(personId), ...blockLockKeys(blocks)];
}

/**
 * The keys an optimistic write guards: the identity keys, without the blocking keys that were
 * too common to find candidates by when the person was read (`commonKeys`). Such a key found
 * nobody, so a concurrent write through it cannot be a contact this one missed; guarding it
 * would only make every sync sharing a common surname or first name wait on, and lose races
 * to, every other (the hot-key case). Counts only grow between merges, and merges and unmerges
 * bump every key they touch (`contact-sync reindex`, the one other writer that takes keys away,
 * bumps the keys it takes), so a key that was common at this read stays common for any write
 * ordered before this one.
 */
export function guardedLockKeys(
  locks: readonly string[],
  commonKeys: readonly string[] | undefined,
): string[] {
  return locksByCommon(locks, commonKeys, false);
}

/**
 * The identity keys a write leaves out of its guard for being too common (`guardedLockKeys`):
 * a wave's write checks they are unchanged (`WaveGuard.unchanged`).
 */
export function commonLockKeys(
  locks: readonly string[],
  commonKeys: readonly string[] | undefined,
): string[] {
  return locksByCommon(locks, commonKeys, true);
}

/** The `locks` that are (`common`) or are not the identity keys of `commonKeys`. */
function locksByCommon(
  locks: readonly string[],
  commonKeys: readonly string[] | undefined,
  common: boolean,
): string[] {
  const keys = new Set(blockLockKeys(commonKeys ?? []));
  return locks.filter((key) => keys.has(key) === common);
}

/**
 * The identity keys an approval or unmerge locks (bumps): every blocking key of the contacts
 * involved, before and after, and the PersonID of every link it moves. A concurrent sync that
 * read any of these contacts by a key, or the person's link, then fails its guarded write (or
 * waits, in the locking transaction) and reads again. Sorted, without repeats.
 */
export function mergeLockKeys(
  contacts: readonly { blockKeys: readonly string[] }[],
  personIds: readonly (string | null)[],
): string[] {
  const keys = new Set<string>();
  for (const contact of contacts) {
    for (const key of blockLockKeys(searchKeys(contact.blockKeys))) keys.add(key);
  }
  for (const personId of personIds) if (personId !== null) keys.add(personLockKey(personId));
  return [...keys].sort();
}
