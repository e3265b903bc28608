/**
 * The `ContactStore` port on Postgres (any driver): the optimistic protocol (one snapshot read,
 * one guarded write) and the locking transaction it falls back to (identity keys bumped, then
 * the contacts read under row locks and written). Store and transaction extend the enrichment
 * ones (`enrichmentStore.ts`), as the ports do. The SQL lives with its concept: lookups and
 * snapshot reads in `candidateReads.ts`, write CTEs in `syncWrites.ts`, the guard in
 * `guardedWrite.ts`, key versions and `claimAndLock` in `keyVersions.ts`, a wave's write (a file
 * import's chunk, a queue batch) in `waveWrites.ts`.
 */
import { and, eq, sql } from "drizzle-orm";
import type {
  Announcement,
  CandidateLookup,
  ContactStore,
  Guarded,
  GuardedResult,
  LinkFailure,
  SnapshotReader,
  SnapshotRequest,
  SyncApplied,
  SyncSnapshot,
  SyncTransaction,
  SyncWrite,
  WaveApplied,
  WaveOptions,
  WaveWrite,
  WriteGuard,
} from "../../app/ports.js";
import type { LinkState } from "../../domain/syncDecision.js";
import { byIds, candidateIds, keyStatistics, otherLinkStatuses } from "./candidateReads.js";
import type { Database } from "./client.js";
import { CommonKeysByProperty } from "./commonKeys.js";
import { contactFromRow, linkFromRow } from "./contactRows.js";
import { DrizzleEnrichmentStore, DrizzleEnrichmentTransaction } from "./enrichmentStore.js";
import { toStoreError } from "./errors.js";
import { guardGo, guardParts, runGuarded } from "./guardedWrite.js";
import { contactSync, user } from "./schema.js";
import { snapshotReaderOn } from "./snapshotReader.js";
import { readSnapshotSet } from "./snapshotReads.js";
import { executeRows } from "./sqlRows.js";
import { decisionWrites } from "./syncWrites.js";
import { writeWave } from "./waveWrites.js";

/** The locking transaction of the sync path (`ContactStore.transaction`). */
class DrizzleSyncTransaction extends DrizzleEnrichmentTransaction implements SyncTransaction {
  async loadSnapshot(
    propertyId: string,
    personId: string,
    lookup: CandidateLookup,
  ): Promise<SyncSnapshot> {
    // The contacts to read: the one the person is linked to, and every live contact sharing a
    // key. One indexed lookup per key, combined with UNION: a single OR across the link join
    // and the keys cannot use the indexes and would scan the whole property on every sync.
    const contactIds = candidateIds(propertyId, personId, lookup);
    const rows = await this.tx
      .select({
        contact: user,
        link: contactSync,
        otherStatuses: otherLinkStatuses(sql`${user.id}`, personId),
      })
      .from(user)
      .leftJoin(
        contactSync,
        and(
          eq(contactSync.userId, user.id),
          eq(contactSync.propertyId, propertyId),
          eq(contactSync.personId, personId),
        ),
      )
      .where(byIds(contactIds))
      // Row locks in id order: two syncs updating overlapping contacts queue instead of
      // deadlocking, and each sees the other's committed values (READ COMMITTED re-reads a
      // locked row's newest version).
      .orderBy(user.id)
      .for("update", { of: user });
    let link: SyncSnapshot["link"] = null;
    for (const row of rows) if (row.link !== null) link = linkFromRow(row.link);
    return {
      link,
      contacts: rows.map((row) => contactFromRow(row.contact, row.otherStatuses ?? [])),
      ...(await keyStatistics(this.tx, propertyId, lookup)),
    };
  }

  /**
   * Writes a decision in one statement: the contact insert or update, the link upsert and the
   * rest of `decisionWrites` (review item, placeholder removal, history row, outbox row), as
   * data-modifying CTEs. One round trip instead of three; foreign keys are checked at the end of
   * the statement, when the new contact exists.
   */
  async apply(
    propertyId: string,
    write: SyncWrite,
    announce: Announcement | null,
  ): Promise<{ contactId: string; linkId: string }> {
    const parts = decisionWrites(this.tx, propertyId, write, announce, sql`true`);
    const [saved] = await executeRows<{ id: string }>(
      this.tx,
      sql`with ${sql.join(parts, sql`, `)} select id from link`,
    );
    if (saved === undefined) throw new Error("link upsert returned no row");
    return { contactId: write.contact.id, linkId: saved.id };
  }
}

/**
 * The `ContactStore` port on a Drizzle database. `readParts`: statements a snapshot reader's
 * large read may be split into, sent at once (`snapshotReadParts` of the driver; 1: never).
 * Its snapshot readers share the keys they counted as too common (`commonKeys.ts`).
 */
export class DrizzleContactStore extends DrizzleEnrichmentStore implements ContactStore {
  private readonly common = new CommonKeysByProperty();

  constructor(
    db: Database,
    private readonly readParts = 1,
  ) {
    super(db);
  }

  async findLink(propertyId: string, personId: string): Promise<LinkState | null> {
    try {
      const [row] = await this.db
        .select()
        .from(contactSync)
        .where(and(eq(contactSync.propertyId, propertyId), eq(contactSync.personId, personId)));
      return row === undefined ? null : linkFromRow(row);
    } catch (error) {
      throw toStoreError(error, "find link");
    }
  }

  async readSnapshot(
    propertyId: string,
    personId: string,
    lookup: CandidateLookup,
    lockKeys: readonly string[],
    event: { source: string; id: string } | undefined,
    digest: string,
  ): Promise<Guarded<SyncSnapshot>> {
    const [snapshot] = await readSnapshotSet(
      this.db,
      propertyId,
      [{ personId, lookup, lockKeys, digest }],
      event,
    );
    if (snapshot === undefined) throw toStoreError(new Error("no row"), "read snapshot");
    return snapshot;
  }

  async readSnapshots(
    propertyId: string,
    requests: readonly SnapshotRequest[],
  ): Promise<Guarded<SyncSnapshot>[]> {
    if (requests.length === 0) return [];
    return readSnapshotSet(this.db, propertyId, requests, undefined);
  }

  snapshotReader(propertyId: string): SnapshotReader {
    return snapshotReaderOn(this.db, propertyId, this.readParts, this.common.of(propertyId));
  }

  async writeGuarded(
    propertyId: string,
    write: SyncWrite,
    announce: Announcement | null,
    guard: WriteGuard,
  ): Promise<GuardedResult<SyncApplied>> {
    const result = await runGuarded(
      this.db,
      [
        ...guardParts(propertyId, write.contact.id, guard),
        ...decisionWrites(this.db, propertyId, write, announce, guardGo),
      ],
      "guarded write",
    );
    if (result.status !== "applied") return result;
    if (result.id === null) throw new Error("guarded write applied but returned no link");
    return { status: "applied", contactId: write.contact.id, linkId: result.id };
  }

  async markFailed(propertyId: string, personId: string, failure: LinkFailure): Promise<void> {
    const now = new Date();
    const lastError = `${failure.code}: ${failure.message}`.slice(0, 1000);
    try {
      await this.db
        .insert(contactSync)
        .values({
          propertyId,
          personId: personId,
          syncStatus: "failed",
          attempts: 1,
          lastError,
          lastSyncAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [contactSync.propertyId, contactSync.personId],
          set: {
            syncStatus: "failed",
            attempts: sql`${contactSync.attempts} + 1`,
            lastError,
            lastSyncAt: now,
            updatedAt: now,
          },
        });
    } catch (error) {
      throw toStoreError(error, "mark link failed");
    }
  }

  async writeWave(
    propertyId: string,
    writes: readonly WaveWrite[],
    options?: WaveOptions,
  ): Promise<GuardedResult<WaveApplied>[]> {
    try {
      return await writeWave(this.db, propertyId, writes, options);
    } catch (error) {
      throw toStoreError(error, "sync wave");
    }
  }

  override async transaction<T>(work: (tx: SyncTransaction) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction((tx) => work(new DrizzleSyncTransaction(tx)));
    } catch (error) {
      throw toStoreError(error, "sync transaction");
    }
  }
}
