/**
 * The sync path's transaction on Postgres (any driver): identity locks, the inbox, the snapshot
 * read and the writes of a decision.
 */
import { createHash } from "node:crypto";
import { and, arrayOverlaps, eq, type SQL, sql } from "drizzle-orm";
import type { ContactStore, SyncSnapshot, SyncTransaction, SyncWrite } from "../../app/ports.js";
import type { MatchKeys } from "../../domain/contact.js";
import type { PersonStatus } from "../../domain/person.js";
import type { LinkState } from "../../domain/syncDecision.js";
import type { Database } from "./client.js";
import { contactColumns, contactFromRow, linkFromRow } from "./contactRows.js";
import { toStoreError } from "./errors.js";
import { contactMergeHistory, contactSync, processedEvent, user } from "./schema.js";

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * A 64-bit advisory lock id for a property-scoped key. SHA-256 makes collisions between
 * different keys negligible (a collision would only serialise two unrelated syncs).
 */
export function lockId(propertyId: string, key: string): bigint {
  const digest = createHash("sha256").update(`${propertyId}|${key}`).digest();
  return digest.readBigInt64BE(0);
}

class DrizzleSyncTransaction implements SyncTransaction {
  constructor(private readonly tx: Tx) {}

  async lockKeys(propertyId: string, keys: readonly string[]): Promise<void> {
    // Sorted, and taken in one statement left to right: two syncs never wait on each other in
    // opposite orders, so identity locks cannot deadlock.
    const ids = [...new Set(keys.map((key) => lockId(propertyId, key)))].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    if (ids.length === 0) return;
    const calls = ids.map((id) => sql`pg_advisory_xact_lock(${id.toString()}::bigint)`);
    await this.tx.execute(sql`SELECT ${sql.join(calls, sql`, `)}`);
  }

  async claimEvent(source: string, eventId: string, propertyId: string): Promise<boolean> {
    const claimed = await this.tx
      .insert(processedEvent)
      .values({ source, eventId, propertyId })
      .onConflictDoNothing()
      .returning({ eventId: processedEvent.eventId });
    return claimed.length === 1;
  }

  async loadSnapshot(propertyId: string, personId: string, keys: MatchKeys): Promise<SyncSnapshot> {
    // The contacts to read: the one the person is linked to, and every live contact sharing a
    // key. One indexed lookup per key, combined with UNION: a single OR across the link join
    // and the keys cannot use the indexes and would scan the whole property on every sync.
    const live = sql`${user.propertyId} = ${propertyId} and ${user.mergedIntoId} is null`;
    const contactIds: SQL[] = [
      sql`select ${contactSync.userId} from ${contactSync}
          where ${contactSync.propertyId} = ${propertyId} and ${contactSync.resmanContactId} = ${personId}
            and ${contactSync.userId} is not null`,
    ];
    if (keys.email !== null) {
      contactIds.push(
        sql`select ${user.id} from ${user} where ${live} and ${eq(user.emailKey, keys.email)}`,
      );
    }
    if (keys.phones.length > 0) {
      // No property condition here: the phone is selective on its own, the outer query keeps
      // the property, and a planner without statistics (PGlite has no autovacuum) would
      // otherwise pick the property index and filter the whole property.
      contactIds.push(
        sql`select ${user.id} from ${user}
            where ${arrayOverlaps(user.phoneKeys, keys.phones)} and ${user.mergedIntoId} is null`,
      );
    }
    if (keys.nameDob !== null) {
      contactIds.push(
        sql`select ${user.id} from ${user} where ${live} and ${eq(user.nameDobKey, keys.nameDob)}`,
      );
    }
    const rows = await this.tx
      .select({
        contact: user,
        link: contactSync,
        // The statuses of the contact's other ResMan records decide its kind (best status wins).
        otherStatuses: sql<PersonStatus[] | null>`(
          select array_agg(other.resman_status) from ${contactSync} as other
          where other.user_id = ${user.id} and other.resman_contact_id <> ${personId}
            and other.resman_status is not null)`,
      })
      .from(user)
      .leftJoin(
        contactSync,
        and(
          eq(contactSync.userId, user.id),
          eq(contactSync.propertyId, propertyId),
          eq(contactSync.resmanContactId, personId),
        ),
      )
      .where(
        and(
          eq(user.propertyId, propertyId),
          sql`${user.id} in (${sql.join(contactIds, sql` union `)})`,
        ),
      )
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
    };
  }

  /**
   * Writes a decision in one statement: the contact insert or update, the link upsert and, for a
   * merge, the history row, as data-modifying CTEs. One round trip instead of three; foreign
   * keys are checked at the end of the statement, when the new contact exists.
   */
  async apply(
    propertyId: string,
    write: SyncWrite,
  ): Promise<{ contactId: string; linkId: string }> {
    const { contact, link } = write;
    const now = new Date();
    const parts: SQL[] = [];
    if (contact.isNew) {
      const insert = this.tx
        .insert(user)
        .values({ id: contact.id, propertyId, ...contactColumns(contact) });
      parts.push(sql`contact as (${insert.getSQL()})`);
    } else if (contact.changed) {
      const update = this.tx
        .update(user)
        .set({ ...contactColumns(contact), updatedAt: now })
        .where(and(eq(user.id, contact.id), eq(user.propertyId, propertyId)));
      parts.push(sql`contact as (${update.getSQL()})`);
    }
    const linkValues = {
      userId: contact.id,
      syncStatus: link.status,
      resmanStatus: link.resmanStatus,
      sourceUpdatedAt: link.sourceUpdatedAt,
      sourceHash: link.sourceHash,
      matchScore: link.matchScore,
      matchEvidence: link.evidence,
      attempts: 0,
      lastError: null,
      lastSyncAt: now,
      updatedAt: now,
    };
    // An upsert even for a "new" link: a row left without a contact (user_id NULL, which the
    // seed allows) is re-pointed instead of violating the one-link-per-person rule.
    const upsert = this.tx
      .insert(contactSync)
      .values({ propertyId, resmanContactId: link.personId, ...linkValues })
      .onConflictDoUpdate({
        target: [contactSync.propertyId, contactSync.resmanContactId],
        set: linkValues,
      })
      .returning({ id: contactSync.id });
    parts.push(sql`link as (${upsert.getSQL()})`);
    if (write.action === "merge") {
      const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;
      parts.push(sql`history as (
        insert into ${contactMergeHistory} (property_id, user_id, link_id, resman_contact_id,
          before, applied, match_score, match_evidence)
        select ${propertyId}, ${contact.id}, link.id, ${link.personId}, ${json(write.merge.before)},
          ${json({ fields: write.merge.applied })}, ${write.merge.score}::float8,
          ${json(write.merge.evidence)}
        from link)`);
    }
    const result = (await this.tx.execute(
      sql`with ${sql.join(parts, sql`, `)} select id from link`,
    )) as unknown as { rows: { id: string }[] };
    const saved = result.rows[0];
    if (saved === undefined) throw new Error("link upsert returned no row");
    return { contactId: contact.id, linkId: saved.id };
  }
}

/** The `ContactStore` port on a Drizzle database. */
export class DrizzleContactStore implements ContactStore {
  constructor(private readonly db: Database) {}

  async findLink(propertyId: string, personId: string): Promise<LinkState | null> {
    try {
      const [row] = await this.db
        .select()
        .from(contactSync)
        .where(
          and(eq(contactSync.propertyId, propertyId), eq(contactSync.resmanContactId, personId)),
        );
      return row === undefined ? null : linkFromRow(row);
    } catch (error) {
      throw toStoreError(error, "find link");
    }
  }

  async transaction<T>(work: (tx: SyncTransaction) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction((tx) => work(new DrizzleSyncTransaction(tx)));
    } catch (error) {
      throw toStoreError(error, "sync transaction");
    }
  }
}
