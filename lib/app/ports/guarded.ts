/**
 * The optimistic half of the write protocol (`lib/app/writeProtocol.ts`), as the stores see it:
 * a read outside any transaction that returns what it read with the versions it read
 * (`Guarded`), and a write that applies only if those versions still hold (`WriteGuard`,
 * `GuardedResult`). One shape for every store that writes contacts: the sync path's and
 * enrichment's.
 */

/** A delivery's id, as claimed in the inbox. */
export interface EventRef {
  source: string;
  id: string;
}

/** What a read adds to `Snapshot` so that a write decided on it can be guarded. */
export type Guarded<Snapshot> = Snapshot & {
  /** The delivery's event id is already in the inbox. */
  seen: boolean;
  /** Version of each identity key (by lock key name) as read; a missing key was never written. */
  keyVersions: ReadonlyMap<string, number>;
  /** Version of each contact read, by id. */
  contactVersions: ReadonlyMap<string, number>;
};

/** The reading a guarded write was decided on. */
export interface WriteGuard {
  /** Identity key names (as for `claimAndLock`) and the versions read. */
  keys: readonly string[];
  keyVersions: ReadonlyMap<string, number>;
  /** Version read of the existing contact written to (null when the write creates it). */
  contactVersion: number | null;
  event?: EventRef | undefined;
}

/** What a guarded write did: applied (with what it wrote), or nothing. */
export type GuardedResult<Applied> =
  | ({ status: "applied" } & Applied)
  /** Something the decision read changed meanwhile: nothing was written; read and decide again. */
  | { status: "conflict" }
  /** The event was processed meanwhile: nothing was written. */
  | { status: "duplicate" };

/** The locking half: a transaction that claims the event and holds the identity keys. */
export interface KeyLockingTransaction {
  /**
   * Records the event id in the inbox (when given) and bumps the identity keys' version rows
   * (sorted by the adapter), in one statement: the rows stay locked until commit, so concurrent
   * writes that share a key (a PersonID, a conversation, or a blocking key such as an email, a
   * phone, a name, a birth date or a dwelling) run one after another, and any guarded write that
   * read them before fails its check. Resolves false when the event was processed before (its
   * effect is already committed).
   */
  claimAndLock(
    propertyId: string,
    keys: readonly string[],
    event?: EventRef | undefined,
  ): Promise<boolean>;
}
