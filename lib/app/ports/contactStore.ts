/**
 * What the sync path (`lib/app/syncPerson.ts`) reads and writes: a person's link and candidate
 * contacts, and the decision written back. The same store serves enrichment
 * (`enrichmentStore.ts`): both write contacts under the same identity keys.
 */
import type { Contact } from "../../domain/contact.js";
import type { OutboundEvent } from "../../domain/events.js";
import type { LinkState, SyncDecision } from "../../domain/syncDecision.js";
import type { CandidateLookup } from "./candidateLookup.js";
import type { EnrichmentStore, EnrichmentTransaction } from "./enrichmentStore.js";
import type { EventRef, Guarded, GuardedResult, WriteGuard } from "./guarded.js";
import type { Announcement } from "./outbox.js";

export interface SyncSnapshot {
  link: LinkState | null;
  /**
   * The linked contact (if any) and every live contact sharing a blocking key with the person
   * (or, for a contact without blocking keys, an exact match key: `CandidateLookup`).
   */
  contacts: Contact[];
  /**
   * The person's blocking keys too common to find candidates by (`MAX_BLOCK_SIZE`): an email or
   * phone among them is a shared value, whoever the candidates are.
   */
  commonKeys?: readonly string[];
  /** How many live contacts hold each of the person's counted keys (up to MAX_BLOCK_SIZE + 1). */
  keyCounts?: Readonly<Record<string, number>>;
}

export type SyncWrite = Exclude<SyncDecision, { action: "unchanged" }>;

/** What a sync write wrote: the contact and the person's link. */
export interface SyncApplied {
  contactId: string;
  linkId: string;
}

/** One transaction of the sync path. Everything done through it commits or rolls back together. */
export interface SyncTransaction extends EnrichmentTransaction {
  /** Reads the person's link and the candidate contacts, locking the contacts' rows. */
  loadSnapshot(
    propertyId: string,
    personId: string,
    lookup: CandidateLookup,
  ): Promise<SyncSnapshot>;
  /** Writes a decision and its outbound event. */
  apply(propertyId: string, write: SyncWrite, announce: Announcement | null): Promise<SyncApplied>;
}

/** Why a link gave up: an error code and a message naming ids and fields only. */
export interface LinkFailure {
  code: string;
  message: string;
}

/** One person's snapshot read, as `ContactStore.readSnapshots` takes it. */
export interface SnapshotRequest {
  personId: string;
  lookup: CandidateLookup;
  lockKeys: readonly string[];
  /** Digest of the person as received: a link holding it is a replay (no candidates read). */
  digest: string;
  /** The delivery's id, when it has one: the read then checks the inbox for it (`seen`). */
  event?: EventRef | undefined;
}

/**
 * Snapshot reads and wave writes of one run (`ContactStore.snapshotReader`: an import chunk's, a
 * queue batch's) that remember what they read and wrote: a person read again after the run's
 * own waves may come from memory — its last reading with what the waves wrote since — where a
 * statement would only say what the reader knows; a contact read again unchanged is not sent
 * again. What a writer outside the run changed meanwhile is caught by the write's guard (the
 * row's write is stale: it is read again from the database), except a link or a key size another
 * writer changed without changing a contact's version or an identity key, seen from the
 * reader's next run on. `forget`: its caller wrote something else (the one-person path).
 */
export interface SnapshotReader {
  read(requests: readonly SnapshotRequest[]): Promise<Guarded<SyncSnapshot>[]>;
  /**
   * `ContactStore.writeWave`, remembering what it wrote. Until its statement returns, the reader
   * takes each of the wave's writes as applied (`readAhead`).
   */
  writeWave(
    writes: readonly WaveWrite[],
    options?: WaveOptions,
  ): Promise<GuardedResult<WaveApplied>[]>;
  /**
   * While a wave's statement is in flight: the persons as they will read once it is written,
   * those the reader can read from memory (the others, and every person while no wave is in
   * flight, undefined: read them after the wave). Use them only if `aheadHeld` says so once the
   * wave has returned.
   */
  readAhead(requests: readonly SnapshotRequest[]): (Guarded<SyncSnapshot> | undefined)[];
  /**
   * Whether the last readings ahead stand: their wave returned, applied every write as taken,
   * and nothing was forgotten since.
   */
  aheadHeld(): boolean;
  forget(): void;
}

/**
 * One write of a wave (`ContactStore.writeWave`): a decision and its announcement, and the
 * reading it was decided on (`guard`: the identity keys its write guards and their versions,
 * the keys it took as too common to search by, the contact's version, the queue delivery whose
 * inbox entry it claims — none for a file's row).
 */
export interface WaveWrite {
  write: SyncWrite;
  announce: Announcement;
  guard: WaveGuard;
}

/** The guard of a wave's write: a guarded write's, and the keys too common to search by. */
export interface WaveGuard extends WriteGuard {
  /**
   * The identity keys of the blocking keys its reading took as too common to search by
   * (`commonLockKeys`): not bumped, but each must still be at the version in `keyVersions`
   * (absent: never bumped). A merge or unmerge bumps every key it touches, and a reindex every
   * key it takes away — the ways a key can shrink back within `MAX_BLOCK_SIZE` — so a reading that took such a key as common from
   * a reader's memory is never written after it shrank.
   */
  unchanged: readonly string[];
}

/** How a wave's writes go (`ContactStore.writeWave`). */
export interface WaveOptions {
  /**
   * The wave's outbox rows are written already claimed for this long and each applied write
   * returns its event (`WaveApplied.event`), for the caller to publish once the statement has
   * returned and to stamp (`OutboxStore.markPublished`) — no drain has to claim them first. If
   * the caller does not, a drain takes them when the claim ends. Without it the rows wait for
   * a drain.
   */
  outboxClaimMs?: number | undefined;
}

/** What a wave wrote for one write: the contact and link, and its event when claimed. */
export interface WaveApplied extends SyncApplied {
  event?: OutboundEvent | undefined;
}

export interface ContactStore extends EnrichmentStore {
  /**
   * One statement, no transaction: the inbox check, the identity keys' versions, the person's
   * link and the candidate contacts — no candidates when the link already holds the version
   * with this `digest` (a replay).
   */
  readSnapshot(
    propertyId: string,
    personId: string,
    lookup: CandidateLookup,
    lockKeys: readonly string[],
    event: EventRef | undefined,
    digest: string,
  ): Promise<Guarded<SyncSnapshot>>;
  /**
   * The snapshot reads of several persons (a file import's next rows, a queue batch's people)
   * in one statement, in request order; each request with an event is checked in the inbox.
   */
  readSnapshots(
    propertyId: string,
    requests: readonly SnapshotRequest[],
  ): Promise<Guarded<SyncSnapshot>[]>;
  /**
   * `readSnapshots` for a run of reads of the same persons (an import chunk's, read again after
   * each wave): the store may remember what it read, so that a contact read again unchanged is
   * not sent again. Drop it when the run ends.
   */
  snapshotReader(propertyId: string): SnapshotReader;
  /**
   * One statement: applies the decision (contact, link, history, review item, a lead's
   * placeholder removal, outbox, inbox) only if every identity key and the contact are still at
   * the versions in `guard`, bumping them.
   */
  writeGuarded(
    propertyId: string,
    write: SyncWrite,
    announce: Announcement | null,
    guard: WriteGuard,
  ): Promise<GuardedResult<SyncApplied>>;
  transaction<T>(work: (tx: SyncTransaction) => Promise<T>): Promise<T>;
  /**
   * One statement, no transaction: the writes of a wave (`lib/app/syncWaves.ts`: a file
   * import's chunk, a queue batch), decided on readings made before it. Every identity key of
   * every write is bumped (inserted at 1 when missing; in key id order, as every writer of those
   * rows takes them), then the contacts the writes update are locked (in id order). A write
   * applies where its reading still holds — each of its keys exactly one version past the one
   * read (a key never written: now 1) and its contact at the version read — else it writes
   * nothing (`conflict`); a write with a delivery also claims its inbox entry, and writes
   * nothing when an earlier delivery holds it (`duplicate`). What applies is written as
   * `SyncTransaction.apply` writes one decision: contact (its version bumped), link, review
   * item, placeholder removal, merge history, outbox row. No two writes may touch the same
   * contact or person. Results in `writes` order.
   */
  writeWave(
    propertyId: string,
    writes: readonly WaveWrite[],
    options?: WaveOptions,
  ): Promise<GuardedResult<WaveApplied>[]>;
  /** The person's link as last committed, read without a transaction or locks. */
  findLink(propertyId: string, personId: string): Promise<LinkState | null>;
  /**
   * Marks the person's link `failed` (creating it without a contact if the person was never
   * linked), counts the attempt and keeps the error. Never touches a contact.
   */
  markFailed(propertyId: string, personId: string, failure: LinkFailure): Promise<void>;
}
