/**
 * Read models for operators: the link listing and the per-property sync health.
 */
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import type { LinkListing, PropertyStats, ReportStore } from "../../app/ports.js";
import type { Database } from "./client.js";
import { toStoreError } from "./errors.js";
import { contactSync, contactSyncSuccessRate, outboxEvent, property, user } from "./schema.js";

/** Links are read in pages so a property with a million links streams in bounded memory. */
const PAGE = 5_000;

export class DrizzleReportStore implements ReportStore {
  constructor(private readonly db: Database) {}

  async *links(propertyId: string): AsyncIterable<LinkListing> {
    let after: string | null = null;
    for (;;) {
      let page: (LinkListing & { id: string })[];
      try {
        page = await this.db
          .select({
            id: contactSync.id,
            personId: contactSync.personId,
            userId: contactSync.userId,
            syncStatus: sql<LinkListing["syncStatus"]>`${contactSync.syncStatus}`,
            matchScore: contactSync.matchScore,
          })
          .from(contactSync)
          .where(
            and(
              eq(contactSync.propertyId, propertyId),
              after === null ? undefined : gt(contactSync.id, after),
            ),
          )
          .orderBy(asc(contactSync.id))
          .limit(PAGE);
      } catch (error) {
        throw toStoreError(error, "list links");
      }
      for (const { id: _id, ...row } of page) yield row;
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined) return;
      after = last.id;
    }
  }

  async stats(): Promise<PropertyStats[]> {
    const count = (status: string) =>
      sql<number>`count(*) filter (where ${contactSync.syncStatus} = ${status})::int`;
    try {
      const contactCounts = this.db
        .select({
          propertyId: user.propertyId,
          contacts: sql<number>`count(*) filter (where ${user.mergedIntoId} is null)::int`.as(
            "contacts",
          ),
        })
        .from(user)
        .groupBy(user.propertyId)
        .as("contact_counts");
      // Links by their own property: a person that never got a contact (failed) counts too.
      const linkCounts = this.db
        .select({
          propertyId: contactSync.propertyId,
          links: sql<number>`count(*)::int`.as("links"),
          success: count("success").as("success"),
          merged: count("merged").as("merged"),
          pending: count("pending").as("pending"),
          failed: count("failed").as("failed"),
        })
        .from(contactSync)
        .groupBy(contactSync.propertyId)
        .as("link_counts");
      const outboxCounts = this.db
        .select({
          propertyId: outboxEvent.propertyId,
          eventsWaiting: sql<number>`count(*)::int`.as("events_waiting"),
          oldestWaiting: sql<Date | null>`min(${outboxEvent.createdAt})`.as("oldest_waiting"),
        })
        .from(outboxEvent)
        .where(isNull(outboxEvent.publishedAt))
        .groupBy(outboxEvent.propertyId)
        .as("outbox_counts");
      const rows = await this.db
        .select({
          propertyId: property.id,
          name: property.name,
          resmanPropertyId: property.resmanPropertyId,
          contacts: contactCounts.contacts,
          links: linkCounts.links,
          success: linkCounts.success,
          merged: linkCounts.merged,
          pending: linkCounts.pending,
          failed: linkCounts.failed,
          eventsWaiting: outboxCounts.eventsWaiting,
          oldestWaiting: outboxCounts.oldestWaiting,
          syncSuccessRate: contactSyncSuccessRate.syncSuccessRate,
          mergedContacts: contactSyncSuccessRate.mergedContacts,
        })
        .from(property)
        .innerJoin(contactSyncSuccessRate, eq(contactSyncSuccessRate.propertyId, property.id))
        .leftJoin(contactCounts, eq(contactCounts.propertyId, property.id))
        .leftJoin(linkCounts, eq(linkCounts.propertyId, property.id))
        .leftJoin(outboxCounts, eq(outboxCounts.propertyId, property.id))
        .orderBy(property.name, property.id);
      return rows.map((row) => ({
        ...row,
        contacts: row.contacts ?? 0,
        links: row.links ?? 0,
        success: row.success ?? 0,
        merged: row.merged ?? 0,
        pending: row.pending ?? 0,
        failed: row.failed ?? 0,
        eventsWaiting: row.eventsWaiting ?? 0,
        oldestWaiting: row.oldestWaiting === null ? null : new Date(row.oldestWaiting),
        syncSuccessRate: row.syncSuccessRate === null ? null : Number(row.syncSuccessRate),
        mergedContacts: Number(row.mergedContacts),
      }));
    } catch (error) {
      throw toStoreError(error, "read stats");
    }
  }
}
