/**
 * The write statements of the sync path, as data-modifying CTEs each applied only when a
 * condition holds: the contact (insert or update), the link upsert, the merge history, a chatbot
 * lead's placeholder removal, the review item and the outbox row. The optimistic protocol runs
 * them under its guard (`guardedWrite.ts`, condition `go`), the locking transaction as they are
 * (condition `true`), so both write exactly the same rows.
 */
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Announcement, SyncWrite } from "../../app/ports.js";
import { syncMergeDocuments } from "../../domain/mergeHistory.js";
import type { ContactWrite, ReviewWrite } from "../../domain/syncDecision.js";
import type { Database } from "./client.js";
import { contactColumns } from "./contactRows.js";
import { contactMergeHistory, contactReview, contactSync, outboxEvent, user } from "./schema.js";
import { insertWhere, jsonbParam } from "./sqlRows.js";

/** What builds the CTEs: a database or a transaction. */
export type Writer = Pick<Database, "insert" | "update">;

/**
 * The CTE writing a contact (insert or update) when `condition` holds, or nothing when the
 * contact did not change. Every update bumps the contact's version.
 */
export function contactWrites(
  db: Writer,
  propertyId: string,
  contact: ContactWrite,
  now: Date,
  condition: SQL,
): SQL[] {
  if (contact.isNew) {
    const values = { id: contact.id, propertyId, ...contactColumns(contact) };
    return [sql`contact as (${insertWhere(user, values, condition)})`];
  }
  if (contact.changed) {
    const update = db
      .update(user)
      .set({ ...contactColumns(contact), updatedAt: now, version: sql`${user.version} + 1` })
      .where(and(eq(user.id, contact.id), eq(user.propertyId, propertyId), condition));
    return [sql`contact as (${update.getSQL()})`];
  }
  return [];
}

/** Columns a link upsert sets (all of them also on conflict). */
export const linkSetColumns = [
  "user_id",
  "sync_status",
  "resman_status",
  "source_updated_at",
  "source_hash",
  "match_score",
  "match_evidence",
  "attempts",
  "last_error",
  "last_sync_at",
  "updated_at",
] as const;

/** The link row a decision writes (a new link's, or every column of an existing one). */
export function linkValues(propertyId: string, write: SyncWrite, now: Date) {
  const { contact, link } = write;
  return {
    propertyId,
    personId: link.personId,
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
  } satisfies Partial<typeof contactSync.$inferInsert>;
}

/**
 * The CTEs of a decision, each applied only when `condition` holds: the contact, the link
 * upsert (named `link`, returning its id), the review item of a review-band create, the removal
 * of a chatbot lead's placeholder link, the merge history, and the outbox row announcing it.
 */
export function decisionWrites(
  db: Writer,
  propertyId: string,
  write: SyncWrite,
  announce: Announcement | null,
  condition: SQL,
): SQL[] {
  const { contact, link } = write;
  const now = new Date();
  const parts = contactWrites(db, propertyId, contact, now, condition);
  // An upsert even for a "new" link: a row left without a contact (user_id NULL, which the
  // seed allows, e.g. a person marked failed) is re-pointed instead of duplicated.
  const upsert = insertWhere(
    contactSync,
    linkValues(propertyId, write, now),
    condition,
    sql`on conflict (property_id, resman_contact_id) do update set ${sql.join(
      linkSetColumns.map((name) => sql`${sql.identifier(name)} = excluded.${sql.identifier(name)}`),
      sql`, `,
    )} returning id`,
  );
  parts.push(sql`link as (${upsert})`);
  if (write.action === "create" && write.review !== null) {
    parts.push(reviewWrite(propertyId, contact.id, write.review, sql`(select id from link)`));
  }
  if (!contact.isNew) {
    // A chatbot-only contact waits on a placeholder link (no ResMan person, `pending`) until
    // a ResMan person is linked: that is now, so the placeholder goes (recorded in the merge
    // history, so an unmerge can put it back as it was).
    parts.push(sql`placeholder as (
      delete from ${contactSync} where ${contactSync.userId} = ${contact.id}
        and ${contactSync.propertyId} = ${propertyId} and ${contactSync.personId} is null
        and ${condition}
      returning id, user_id, created_at, last_sync_at)`);
  }
  if (write.action === "merge") {
    // The documents are mergeHistory.ts's; only the removed placeholders are read here, in SQL.
    const documents = syncMergeDocuments(write.merge);
    parts.push(sql`history as (
      insert into ${contactMergeHistory} (property_id, user_id, link_id, resman_contact_id,
        before, applied, match_score, match_evidence, incoming)
      select ${propertyId}, ${contact.id}, link.id, ${link.personId}, ${jsonbParam(documents.before)},
        ${jsonbParam(documents.applied)} || jsonb_build_object('placeholders_removed', (
          select coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'contact_id', p.user_id,
            'created_at', p.created_at, 'last_sync_at', p.last_sync_at)), '[]'::jsonb)
          from placeholder as p)),
        ${write.merge.score}::float8, ${jsonbParam(write.merge.evidence)},
        ${jsonbParam(documents.incoming)}
      from link)`);
  }
  if (announce !== null) {
    parts.push(sql`outbox as (
      insert into ${outboxEvent} (id, event_type, property_id, contact_id, link_id,
        resman_person_id, status, match_score)
      select ${announce.id}, ${announce.type}, ${propertyId}, ${contact.id}, link.id,
        ${link.personId}, ${link.status}, ${link.matchScore}::float8
      from link)`);
  }
  return parts;
}

/**
 * The CTE inserting a review item for a new contact and its review-band candidate (after the
 * contact and link CTEs, whose rows it references). A pair already reviewed either way round is
 * left as it is: a rejected pair is never proposed again.
 */
export function reviewWrite(
  propertyId: string,
  contactId: string,
  review: ReviewWrite,
  linkId: SQL,
): SQL {
  return sql`review as (
    insert into ${contactReview} (property_id, user_id, candidate_id, link_id, score, evidence)
    select ${propertyId}, ${contactId}, ${review.candidateId}, ${linkId}, ${review.score}::float8,
      ${JSON.stringify(review.evidence)}::jsonb
    from link
    on conflict do nothing)`;
}
