/**
 * The operator console's reads (`ConsoleStore`): a contact with its links, enrichments and
 * merges; a review item of any status; syncs per hour by outcome; failed links; outbound events.
 *
 * Syncs per hour come from what each sync leaves behind: its outbound event (`contact.synced`
 * by the link's status → synced or merged, `contact.review_required` → review, `contact.merged`
 * → merged) and, for a failed sync (which announces nothing), the failed link's last attempt.
 * The outbox keeps published rows until `contact-sync prune` removes them, so the chart covers
 * what retention keeps.
 */
import { and, desc, eq, or, sql } from "drizzle-orm";
import type {
  ConsoleProperty,
  ConsoleStore,
  ContactDetail,
  HourlyOutcome,
  LinkView,
  OutboundEventView,
  ReviewView,
  SyncOutcome,
} from "../../app/ports/consoleStore.js";
import type { Database } from "./client.js";
import { contactFromRow } from "./contactRows.js";
import { toStoreError } from "./errors.js";
import {
  contactEnrichmentLog,
  contactMergeHistory,
  contactReview,
  contactSync,
  outboxEvent,
  property,
  user,
} from "./schema.js";
import { executeRows } from "./sqlRows.js";

const linkColumns = {
  id: contactSync.id,
  contactId: contactSync.userId,
  personId: contactSync.personId,
  syncStatus: sql<LinkView["syncStatus"]>`coalesce(${contactSync.syncStatus}, 'pending')`,
  resmanStatus: contactSync.resmanStatus,
  lastSyncAt: contactSync.lastSyncAt,
  attempts: contactSync.attempts,
  lastError: contactSync.lastError,
  matchScore: contactSync.matchScore,
};

export class DrizzleConsoleStore implements ConsoleStore {
  constructor(private readonly db: Database) {}

  private async read<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error, what);
    }
  }

  properties(): Promise<ConsoleProperty[]> {
    return this.read("list properties", () =>
      this.db
        .select({
          id: property.id,
          name: property.name,
          resmanPropertyId: property.resmanPropertyId,
        })
        .from(property)
        .orderBy(property.name, property.id),
    );
  }

  contact(id: string): Promise<ContactDetail | null> {
    return this.read("read contact", async () => {
      const [row] = await this.db.select().from(user).where(eq(user.id, id));
      if (row === undefined) return null;
      const [links, enrichments, merges] = await Promise.all([
        this.db
          .select(linkColumns)
          .from(contactSync)
          .where(eq(contactSync.userId, id))
          .orderBy(contactSync.createdAt, contactSync.id),
        this.db
          .select({
            id: contactEnrichmentLog.id,
            type: contactEnrichmentLog.enrichmentType,
            source: contactEnrichmentLog.source,
            conversationId: contactEnrichmentLog.conversationId,
            data: contactEnrichmentLog.enrichedData,
            createdAt: contactEnrichmentLog.createdAt,
          })
          .from(contactEnrichmentLog)
          .where(eq(contactEnrichmentLog.contactId, id))
          .orderBy(desc(contactEnrichmentLog.createdAt), contactEnrichmentLog.id),
        this.db
          .select({
            id: contactMergeHistory.id,
            survivorId: contactMergeHistory.userId,
            absorbedId: contactMergeHistory.mergedUserId,
            personId: contactMergeHistory.personId,
            matchScore: contactMergeHistory.matchScore,
            createdAt: contactMergeHistory.createdAt,
            revertedAt: contactMergeHistory.revertedAt,
          })
          .from(contactMergeHistory)
          .where(
            and(
              eq(contactMergeHistory.propertyId, row.propertyId),
              or(eq(contactMergeHistory.userId, id), eq(contactMergeHistory.mergedUserId, id)),
            ),
          )
          .orderBy(desc(contactMergeHistory.createdAt), contactMergeHistory.id),
      ]);
      return {
        propertyId: row.propertyId,
        mergedIntoId: row.mergedIntoId,
        contact: contactFromRow(row),
        links,
        enrichments: enrichments.map((e) => ({ ...e, createdAt: e.createdAt ?? new Date(0) })),
        merges: merges.map((m) => ({ ...m, createdAt: m.createdAt ?? new Date(0) })),
        updatedAt: row.updatedAt,
      };
    });
  }

  review(id: string): Promise<ReviewView | null> {
    return this.read("read review item", async () => {
      const [row] = await this.db
        .select({
          id: contactReview.id,
          propertyId: contactReview.propertyId,
          resmanPropertyId: property.resmanPropertyId,
          userId: contactReview.userId,
          candidateId: contactReview.candidateId,
          linkId: contactReview.linkId,
          personId: contactSync.personId,
          score: contactReview.score,
          evidence: contactReview.evidence,
          createdAt: contactReview.createdAt,
          status: contactReview.status,
          decidedAt: contactReview.decidedAt,
          mergeId: contactReview.mergeId,
        })
        .from(contactReview)
        .innerJoin(property, eq(property.id, contactReview.propertyId))
        .leftJoin(contactSync, eq(contactSync.id, contactReview.linkId))
        .where(eq(contactReview.id, id));
      if (row === undefined) return null;
      return { ...row, createdAt: row.createdAt ?? new Date(0) };
    });
  }

  link(id: string): Promise<(LinkView & { propertyId: string }) | null> {
    return this.read("read link", async () => {
      const [row] = await this.db
        .select({ ...linkColumns, propertyId: contactSync.propertyId })
        .from(contactSync)
        .where(eq(contactSync.id, id));
      return row ?? null;
    });
  }

  hourlyOutcomes(propertyId: string, since: Date): Promise<HourlyOutcome[]> {
    return this.read("count syncs per hour", async () => {
      const rows = await executeRows<{ hour: string | Date; outcome: SyncOutcome; n: number }>(
        this.db,
        sql`select date_trunc('hour', at) as hour, outcome, count(*)::int as n from (
              select ${outboxEvent.createdAt} as at,
                case
                  when ${outboxEvent.eventType} = 'contact.review_required' then 'review'
                  when ${outboxEvent.eventType} = 'contact.merged' then 'merged'
                  when ${outboxEvent.status} = 'merged' then 'merged'
                  when ${outboxEvent.status} = 'failed' then 'failed'
                  else 'synced'
                end as outcome
              from ${outboxEvent}
              where ${outboxEvent.propertyId} = ${propertyId}
                and ${outboxEvent.createdAt} >= ${since.toISOString()}::timestamptz
                and ${outboxEvent.eventType} <> 'contact.unmerged'
              union all
              select ${contactSync.lastSyncAt} as at, 'failed' as outcome
              from ${contactSync}
              where ${contactSync.propertyId} = ${propertyId}
                and ${contactSync.syncStatus} = 'failed'
                and ${contactSync.lastSyncAt} >= ${since.toISOString()}::timestamptz
            ) syncs
            group by 1, 2 order by 1, 2`,
      );
      return rows.map((r) => ({ hour: new Date(r.hour), outcome: r.outcome, count: r.n }));
    });
  }

  failedLinks(propertyId: string, limit: number): Promise<LinkView[]> {
    return this.read("list failed links", () =>
      this.db
        .select(linkColumns)
        .from(contactSync)
        .where(and(eq(contactSync.propertyId, propertyId), eq(contactSync.syncStatus, "failed")))
        .orderBy(desc(contactSync.lastSyncAt), contactSync.id)
        .limit(limit),
    );
  }

  outboundEvents(propertyId: string, limit: number): Promise<OutboundEventView[]> {
    return this.read("list outbound events", () =>
      this.db
        .select({
          id: outboxEvent.id,
          type: outboxEvent.eventType,
          contactId: outboxEvent.contactId,
          personId: outboxEvent.personId,
          status: outboxEvent.status,
          createdAt: outboxEvent.createdAt,
          publishedAt: outboxEvent.publishedAt,
        })
        .from(outboxEvent)
        .where(eq(outboxEvent.propertyId, propertyId))
        .orderBy(desc(outboxEvent.createdAt), outboxEvent.id)
        .limit(limit),
    );
  }
}
