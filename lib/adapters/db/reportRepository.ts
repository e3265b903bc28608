/**
 * Read models for operators: the link listing and the per-property sync health.
 */
import { and, asc, eq, gt, isNull, type SQL, sql } from "drizzle-orm";
import type { LinkListing, PropertyStats, ReportStore } from "../../app/ports.js";
import type { Database } from "./client.js";
import { toStoreError } from "./errors.js";
import { contactSync, outboxEvent, property, user } from "./schema.js";

/** Links are read in pages so a property with a million links streams in bounded memory. */
const PAGE = 5_000;

/** A link as a page reads it: the listing, and where the next page starts. */
type LinkRow = LinkListing & { id: string; propertyId: string };

export class DrizzleReportStore implements ReportStore {
  /** `pageSize`: links a page (tests make pages small to cross their boundaries). */
  constructor(
    private readonly db: Database,
    private readonly pageSize = PAGE,
  ) {}

  /**
   * The property's links in PersonID order, then those without one (a chatbot-only contact's)
   * in id order. A page continues the unique index on `(property_id, resman_contact_id)` from
   * the pair last read — a row comparison, which a planner takes as a range and reads in the
   * index's order, with or without statistics — and a row of the next property ends it. Paged
   * by link id within the property instead, a planner without statistics (PGlite; a server
   * without autovacuum) took the property's links for a few and read and sorted all that were
   * left for every page (300–430 ms a page of 5,000 at 100,000 links, quadratic in the
   * property); this reads a page in ~20 ms.
   */
  async *links(propertyId: string): AsyncIterable<LinkListing> {
    const page = (where: SQL | undefined, ...order: SQL[]) =>
      this.read(() =>
        this.db
          .select({
            id: contactSync.id,
            propertyId: contactSync.propertyId,
            personId: contactSync.personId,
            userId: contactSync.userId,
            syncStatus: sql<LinkListing["syncStatus"]>`${contactSync.syncStatus}`,
            matchScore: contactSync.matchScore,
          })
          .from(contactSync)
          .where(where)
          .orderBy(...order)
          .limit(this.pageSize),
      );
    const listing = ({ id: _id, propertyId: _property, ...row }: LinkRow): LinkListing => row;
    let afterPerson: string | null = null;
    for (;;) {
      const rows = await page(
        afterPerson === null
          ? sql`(${contactSync.propertyId}, ${contactSync.personId}) >= (${propertyId}::uuid, '')`
          : sql`(${contactSync.propertyId}, ${contactSync.personId}) > (${propertyId}::uuid, ${afterPerson})`,
        asc(contactSync.propertyId),
        asc(contactSync.personId),
      );
      const mine = rows.filter((row) => row.propertyId === propertyId);
      for (const row of mine) yield listing(row);
      afterPerson = mine.at(-1)?.personId ?? null;
      if (mine.length < this.pageSize || afterPerson === null) break;
    }
    let afterId: string | null = null;
    for (;;) {
      const rows = await page(
        and(
          eq(contactSync.propertyId, propertyId),
          isNull(contactSync.personId),
          afterId === null ? undefined : gt(contactSync.id, afterId),
        ),
        asc(contactSync.id),
      );
      for (const row of rows) yield listing(row);
      afterId = rows.at(-1)?.id ?? null;
      if (rows.length < this.pageSize) return;
    }
  }

  /** A page of links, its failure a store error. */
  private async read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw toStoreError(error, "list links");
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
          // The figure of the `contact_sync_success_rate` view, computed as it does (the same
          // float arithmetic) in this one pass over the links: joining the view read every
          // link a second time, half the statement's time (160 of 346 ms at 100,000 links).
          syncSuccessRate: sql<
            number | null
          >`(count(*) filter (where ${contactSync.syncStatus} in ('success', 'merged'))::float / nullif(count(*), 0) * 100)`.as(
            "sync_success_rate",
          ),
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
          syncSuccessRate: linkCounts.syncSuccessRate,
        })
        .from(property)
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
        // The view's `merged_contacts`: links in status `merged`.
        mergedContacts: row.merged ?? 0,
      }));
    } catch (error) {
      throw toStoreError(error, "read stats");
    }
  }
}
