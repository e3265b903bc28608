/**
 * The sync path's transaction on Postgres (any driver): identity locks, the inbox, the snapshot
 * read and the writes of a decision.
 */
import { createHash } from "node:crypto";
import { and, arrayOverlaps, eq, type SQL, sql } from "drizzle-orm";
import type {
  Announcement,
  ContactStore,
  EnrichmentWrite,
  LinkFailure,
  SyncSnapshot,
  SyncTransaction,
  SyncWrite,
} from "../../app/ports.js";
import type { Contact, MatchKeys } from "../../domain/contact.js";
import type { PersonStatus } from "../../domain/person.js";
import type { ContactWrite, LinkState } from "../../domain/syncDecision.js";
import type { Database } from "./client.js";
import { contactColumns, contactFromRow, linkFromRow } from "./contactRows.js";
import { toStoreError } from "./errors.js";
import {
  contactEnrichmentLog,
  contactMergeHistory,
  contactSync,
  outboxEvent,
  processedEvent,
  user,
} from "./schema.js";

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

  async claimAndLock(
    propertyId: string,
    keys: readonly string[],
    event?: { source: string; id: string } | undefined,
  ): Promise<boolean> {
    // Sorted, and taken in one statement left to right: two syncs never wait on each other in
    // opposite orders, so identity locks cannot deadlock. The inbox insert rides in the same
    // statement (one round trip); on a duplicate the locks are taken anyway, harmlessly.
    const ids = [...new Set(keys.map((key) => lockId(propertyId, key)))].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const locks = ids.map((id) => sql`pg_advisory_xact_lock(${id.toString()}::bigint)`);
    const claim =
      event === undefined
        ? null
        : this.tx
            .insert(processedEvent)
            .values({ source: event.source, eventId: event.id, propertyId })
            .onConflictDoNothing()
            .returning({ eventId: processedEvent.eventId });
    if (claim === null && locks.length === 0) return true;
    const selected = [
      claim === null ? sql`1 as claimed` : sql`(select count(*) from claimed)::int as claimed`,
      ...locks,
    ];
    const query =
      claim === null
        ? sql`select ${sql.join(selected, sql`, `)}`
        : sql`with claimed as (${claim.getSQL()}) select ${sql.join(selected, sql`, `)}`;
    const result = (await this.tx.execute(query)) as unknown as { rows: { claimed: number }[] };
    return Number(result.rows[0]?.claimed) === 1;
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
    announce: Announcement | null,
  ): Promise<{ contactId: string; linkId: string }> {
    const { contact, link } = write;
    const now = new Date();
    const parts: SQL[] = this.contactWrite(propertyId, contact, now);
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
    if (!contact.isNew) {
      // A chatbot-only contact waits on a placeholder link (no ResMan person, `pending`) until
      // a ResMan person is linked: that is now, so the placeholder goes.
      parts.push(sql`placeholder as (
        delete from ${contactSync} where ${contactSync.userId} = ${contact.id}
          and ${contactSync.propertyId} = ${propertyId} and ${contactSync.resmanContactId} is null)`);
    }
    if (announce !== null) {
      parts.push(sql`outbox as (
        insert into ${outboxEvent} (id, event_type, property_id, contact_id, link_id,
          resman_person_id, status, match_score)
        select ${announce.id}, ${announce.type}, ${propertyId}, ${contact.id}, link.id,
          ${link.personId}, ${link.status}, ${link.matchScore}::float8
        from link)`);
    }
    const result = (await this.tx.execute(
      sql`with ${sql.join(parts, sql`, `)} select id from link`,
    )) as unknown as { rows: { id: string }[] };
    const saved = result.rows[0];
    if (saved === undefined) throw new Error("link upsert returned no row");
    return { contactId: contact.id, linkId: saved.id };
  }

  /** The CTE writing a contact (insert or update), or nothing when it did not change. */
  private contactWrite(propertyId: string, contact: ContactWrite, now: Date): SQL[] {
    if (contact.isNew) {
      const insert = this.tx
        .insert(user)
        .values({ id: contact.id, propertyId, ...contactColumns(contact) });
      return [sql`contact as (${insert.getSQL()})`];
    }
    if (contact.changed) {
      const update = this.tx
        .update(user)
        .set({ ...contactColumns(contact), updatedAt: now })
        .where(and(eq(user.id, contact.id), eq(user.propertyId, propertyId)));
      return [sql`contact as (${update.getSQL()})`];
    }
    return [];
  }

  async loadEnrichmentCandidates(
    propertyId: string,
    keys: MatchKeys,
    conversationId: string,
  ): Promise<{ candidates: Contact[]; conversationContact: Contact | null }> {
    const live = sql`${user.propertyId} = ${propertyId} and ${user.mergedIntoId} is null`;
    // The contact the conversation's latest enrichment went to, or the one it was merged into.
    const conversation = sql`(
      select coalesce(earlier.merged_into_id, earlier.id) from ${user} as earlier
      where earlier.id = (
        select log.contact_id from ${contactEnrichmentLog} as log
        where log.conversation_id = ${conversationId} and log.property_id = ${propertyId}
        order by log.created_at desc limit 1))`;
    const contactIds: SQL[] = [sql`select ${conversation}`];
    if (keys.email !== null) {
      contactIds.push(
        sql`select ${user.id} from ${user} where ${live} and ${eq(user.emailKey, keys.email)}`,
      );
    }
    if (keys.phones.length > 0) {
      contactIds.push(
        sql`select ${user.id} from ${user}
            where ${arrayOverlaps(user.phoneKeys, keys.phones)} and ${user.mergedIntoId} is null`,
      );
    }
    const rows = await this.tx
      .select({
        contact: user,
        isConversation: sql<boolean>`${user.id} = ${conversation}`,
        statuses: sql<PersonStatus[] | null>`(
          select array_agg(other.resman_status) from ${contactSync} as other
          where other.user_id = ${user.id} and other.resman_status is not null)`,
      })
      .from(user)
      .where(and(live, sql`${user.id} in (${sql.join(contactIds, sql` union `)})`))
      .orderBy(user.id)
      .for("update", { of: user });
    const contacts = rows.map((row) => ({
      contact: contactFromRow(row.contact, row.statuses ?? []),
      isConversation: row.isConversation === true,
    }));
    const shares = (c: Contact) =>
      (keys.email !== null && c.keys.email === keys.email) ||
      c.keys.phones.some((phone) => keys.phones.includes(phone));
    return {
      candidates: contacts.filter(({ contact }) => shares(contact)).map(({ contact }) => contact),
      conversationContact: contacts.find((c) => c.isConversation)?.contact ?? null,
    };
  }

  async applyEnrichment(
    propertyId: string,
    write: EnrichmentWrite,
  ): Promise<{ contactId: string; linkId: string | null }> {
    const { contact, log, announce } = write;
    const now = new Date();
    const parts: SQL[] = this.contactWrite(propertyId, contact, now);
    if (write.createPendingLink) {
      // A chatbot-only contact: a link without a ResMan person, pending until one is linked.
      const insert = this.tx
        .insert(contactSync)
        .values({
          propertyId,
          userId: contact.id,
          resmanContactId: null,
          syncStatus: "pending",
          lastSyncAt: now,
          updatedAt: now,
        })
        .returning({ id: contactSync.id });
      parts.push(sql`link as (${insert.getSQL()})`);
    } else {
      parts.push(sql`link as (select null::uuid as id)`);
    }
    const entry = this.tx.insert(contactEnrichmentLog).values({
      contactId: contact.id,
      enrichmentType: log.enrichmentType,
      enrichedData: log.data,
      source: "chatbot",
      conversationId: log.conversationId,
      eventId: log.eventId,
      propertyId,
    });
    parts.push(sql`entry as (${entry.getSQL()})`);
    if (announce !== null) {
      parts.push(sql`outbox as (
        insert into ${outboxEvent} (id, event_type, property_id, contact_id, link_id, status)
        select ${announce.id}, ${announce.type}, ${propertyId}, ${contact.id}, link.id, 'pending'
        from link)`);
    }
    const result = (await this.tx.execute(
      sql`with ${sql.join(parts, sql`, `)} select id from link`,
    )) as unknown as { rows: { id: string | null }[] };
    return { contactId: contact.id, linkId: result.rows[0]?.id ?? null };
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

  async markFailed(propertyId: string, personId: string, failure: LinkFailure): Promise<void> {
    const now = new Date();
    const lastError = `${failure.code}: ${failure.message}`.slice(0, 1000);
    try {
      await this.db
        .insert(contactSync)
        .values({
          propertyId,
          resmanContactId: personId,
          syncStatus: "failed",
          attempts: 1,
          lastError,
          lastSyncAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [contactSync.propertyId, contactSync.resmanContactId],
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

  async transaction<T>(work: (tx: SyncTransaction) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction((tx) => work(new DrizzleSyncTransaction(tx)));
    } catch (error) {
      throw toStoreError(error, "sync transaction");
    }
  }
}
