/**
 * The enrichment path on Postgres (a chatbot event enriching a contact): its candidates (the
 * sync path's lookups plus the contact the conversation went to), its writes (the contact, a new
 * lead's placeholder link, the log row, the review item and the outbox row), and the
 * `EnrichmentStore` and `EnrichmentTransaction` ports on them, which the sync path's store and
 * transaction extend (`contactStore.ts`).
 */
import { and, isNull, type SQL, sql } from "drizzle-orm";
import type {
  CandidateLookup,
  EnrichmentApplied,
  EnrichmentCandidates,
  EnrichmentStore,
  EnrichmentTransaction,
  EnrichmentWrite,
  Guarded,
  GuardedResult,
  WriteGuard,
} from "../../app/ports.js";
import type { Contact } from "../../domain/contact.js";
import {
  byIds,
  commonBlocks,
  type GuardedReadRow,
  guardedReadOf,
  inboxHas,
  keyLookups,
  keyStatistics,
  otherLinkStatuses,
  type SnapshotJson,
} from "./candidateReads.js";
import type { Database } from "./client.js";
import { contactFromRow } from "./contactRows.js";
import { toStoreError } from "./errors.js";
import { guardGo, guardParts, runGuarded } from "./guardedWrite.js";
import { DrizzleKeyLockingTransaction, keyIdsOf, keyVersionsOf } from "./keyVersions.js";
import { contactEnrichmentLog, contactSync, outboxEvent, user } from "./schema.js";
import { executeRows, insertWhere } from "./sqlRows.js";
import { contactWrites, reviewWrite, type Writer } from "./syncWrites.js";

/**
 * The CTEs of an enrichment, each applied only when `condition` holds: the contact, a new
 * lead's placeholder link (named `link`), the log row and the outbox row.
 */
function enrichmentWrites(
  db: Writer,
  propertyId: string,
  write: EnrichmentWrite,
  condition: SQL,
): SQL[] {
  const { contact, log, announce } = write;
  const now = new Date();
  const parts = contactWrites(db, propertyId, contact, now, condition);
  if (write.createPendingLink) {
    // A chatbot-only contact: a link without a ResMan person, pending until one is linked.
    const insert = insertWhere(
      contactSync,
      {
        propertyId,
        userId: contact.id,
        personId: null,
        syncStatus: "pending",
        lastSyncAt: now,
        updatedAt: now,
      },
      condition,
      sql`returning id`,
    );
    parts.push(sql`link as (${insert})`);
  } else {
    parts.push(sql`link as (select null::uuid as id where false)`);
  }
  const entry = insertWhere(
    contactEnrichmentLog,
    {
      contactId: contact.id,
      enrichmentType: log.enrichmentType,
      enrichedData: log.data,
      source: "chatbot",
      conversationId: log.conversationId,
      eventId: log.eventId,
      propertyId,
    },
    condition,
  );
  parts.push(sql`entry as (${entry})`);
  if (write.review !== null) {
    parts.push(reviewWrite(propertyId, contact.id, write.review, sql`link.id`));
  }
  if (announce !== null) {
    parts.push(sql`outbox as (
      insert into ${outboxEvent} (id, event_type, property_id, contact_id, link_id, status)
      select ${announce.id}, ${announce.type}, ${propertyId}, ${contact.id}, link.id, 'pending'
      from link)`);
  }
  return parts;
}

/**
 * The contact an enrichment's conversation went to last (or the contact it was merged into),
 * as a scalar subquery.
 */
function conversationContactId(propertyId: string, conversationId: string): SQL {
  return sql`(
    select coalesce(earlier.merged_into_id, earlier.id) from ${user} as earlier
    where earlier.id = (
      select log.contact_id from ${contactEnrichmentLog} as log
      where log.conversation_id = ${conversationId} and log.property_id = ${propertyId}
      order by log.created_at desc limit 1))`;
}

/** Ids of the contacts an enrichment reads: the conversation's, and the candidates. */
function enrichmentCandidateIds(
  propertyId: string,
  lookup: CandidateLookup,
  conversationId: string,
): SQL {
  const contactIds: SQL[] = [
    sql`select ${conversationContactId(propertyId, conversationId)}`,
    ...keyLookups(propertyId, lookup),
  ];
  return sql.join(contactIds, sql` union `);
}

/** Splits an enrichment's contacts into candidates and the conversation's contact. */
function enrichmentFound(
  lookup: CandidateLookup,
  contacts: { contact: Contact; isConversation: boolean }[],
): { candidates: Contact[]; conversationContact: Contact | null } {
  const { keys } = lookup;
  const blocks = new Set(lookup.blocks);
  const shares = (c: Contact) =>
    c.blockKeys.some((block) => blocks.has(block)) ||
    (keys.email !== null && c.keys.email === keys.email) ||
    c.keys.phones.some((phone) => keys.phones.includes(phone)) ||
    (keys.nameDob !== null && c.keys.nameDob === keys.nameDob);
  return {
    candidates: contacts.filter(({ contact }) => shares(contact)).map(({ contact }) => contact),
    conversationContact: contacts.find((c) => c.isConversation)?.contact ?? null,
  };
}

/**
 * The enrichment half of the sync path's locking transaction (`EnrichmentTransaction`): its
 * contacts read under row locks in id order, and its writes unconditioned.
 */
export class DrizzleEnrichmentTransaction
  extends DrizzleKeyLockingTransaction
  implements EnrichmentTransaction
{
  async loadEnrichmentCandidates(
    propertyId: string,
    lookup: CandidateLookup,
    conversationId: string,
  ): Promise<EnrichmentCandidates> {
    const conversation = conversationContactId(propertyId, conversationId);
    const rows = await this.tx
      .select({
        contact: user,
        isConversation: sql<boolean>`${user.id} = ${conversation}`,
        statuses: otherLinkStatuses(sql`${user.id}`),
      })
      .from(user)
      .where(
        and(
          byIds(enrichmentCandidateIds(propertyId, lookup, conversationId)),
          isNull(user.mergedIntoId),
        ),
      )
      .orderBy(user.id)
      .for("update", { of: user });
    return {
      ...enrichmentFound(
        lookup,
        rows.map((row) => ({
          contact: contactFromRow(row.contact, row.statuses ?? []),
          isConversation: row.isConversation === true,
        })),
      ),
      commonKeys: (await keyStatistics(this.tx, propertyId, lookup)).commonKeys,
    };
  }

  async applyEnrichment(
    propertyId: string,
    write: EnrichmentWrite,
  ): Promise<{ contactId: string; linkId: string | null }> {
    const parts = enrichmentWrites(this.tx, propertyId, write, sql`true`);
    const [row] = await executeRows<{ id: string | null }>(
      this.tx,
      sql`with ${sql.join(parts, sql`, `)} select (select id from link) as id`,
    );
    return { contactId: write.contact.id, linkId: row?.id ?? null };
  }
}

/**
 * The enrichment half of the contact store (`EnrichmentStore`): the optimistic read and guarded
 * write. Its transaction is the sync path's (`DrizzleContactStore.transaction`).
 */
export abstract class DrizzleEnrichmentStore implements EnrichmentStore {
  constructor(protected readonly db: Database) {}

  async readEnrichment(
    propertyId: string,
    lookup: CandidateLookup,
    conversationId: string,
    lockKeys: readonly string[],
    event: { source: string; id: string },
  ): Promise<Guarded<EnrichmentCandidates>> {
    const query = sql`select ${inboxHas(event)} as seen,
      ${keyVersionsOf(keyIdsOf(propertyId, lockKeys))} as versions,
      (select coalesce(jsonb_agg(jsonb_build_object('contact', to_jsonb(u),
          'conversation', u.id = ${conversationContactId(propertyId, conversationId)},
          'other', ${otherLinkStatuses(sql`u.id`)})), '[]'::jsonb)
        from ${user} as u
        where u.id = any(array(${enrichmentCandidateIds(propertyId, lookup, conversationId)}))
          and u.merged_into_id is null) as rows,
      ${commonBlocks(propertyId, lookup.blocks)} as common`;
    try {
      const [first] = await executeRows<
        GuardedReadRow<SnapshotJson & { conversation: boolean | null }>
      >(this.db, query);
      if (first === undefined) throw new Error("enrichment query returned no row");
      const { candidates, ...read } = guardedReadOf(first, propertyId, lockKeys);
      return {
        ...read,
        ...enrichmentFound(
          lookup,
          candidates.map((c) => ({
            contact: c.contact,
            isConversation: c.json.conversation === true,
          })),
        ),
      };
    } catch (error) {
      throw toStoreError(error, "read enrichment");
    }
  }

  async writeEnrichmentGuarded(
    propertyId: string,
    write: EnrichmentWrite,
    guard: WriteGuard,
  ): Promise<GuardedResult<EnrichmentApplied>> {
    const result = await runGuarded(
      this.db,
      [
        ...guardParts(propertyId, write.contact.id, guard),
        ...enrichmentWrites(this.db, propertyId, write, guardGo),
      ],
      "guarded enrichment write",
    );
    if (result.status !== "applied") return result;
    return { status: "applied", contactId: write.contact.id, linkId: result.id };
  }

  abstract transaction<T>(work: (tx: EnrichmentTransaction) => Promise<T>): Promise<T>;
}
