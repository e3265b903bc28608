/**
 * Read models for operators: the link listing and the per-property sync health.
 */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { LinkRow, PropertyStats, ReportStore } from "../../app/ports.js";
import type { Database } from "./client.js";
import { toStoreError } from "./errors.js";
import { contactSync, contactSyncSuccessRate, property, user } from "./schema.js";

/** Links are read in pages so a property with a million links streams in bounded memory. */
const PAGE = 5_000;

export class DrizzleReportStore implements ReportStore {
  constructor(private readonly db: Database) {}

  async *links(propertyId: string): AsyncIterable<LinkRow> {
    let after: string | null = null;
    for (;;) {
      let page: (LinkRow & { id: string })[];
      try {
        page = await this.db
          .select({
            id: contactSync.id,
            resmanContactId: contactSync.resmanContactId,
            userId: contactSync.userId,
            syncStatus: sql<LinkRow["syncStatus"]>`${contactSync.syncStatus}`,
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
      sql<number>`count(${contactSync.id}) filter (where ${contactSync.syncStatus} = ${status})::int`;
    try {
      const linkCounts = this.db
        .select({
          propertyId: user.propertyId,
          contacts:
            sql<number>`count(distinct ${user.id}) filter (where ${user.mergedIntoId} is null)::int`.as(
              "contacts",
            ),
          links: sql<number>`count(${contactSync.id})::int`.as("links"),
          success: count("success").as("success"),
          merged: count("merged").as("merged"),
          pending: count("pending").as("pending"),
          failed: count("failed").as("failed"),
        })
        .from(user)
        .leftJoin(contactSync, eq(contactSync.userId, user.id))
        .groupBy(user.propertyId)
        .as("link_counts");
      const rows = await this.db
        .select({
          propertyId: property.id,
          name: property.name,
          resmanPropertyId: property.resmanPropertyId,
          contacts: linkCounts.contacts,
          links: linkCounts.links,
          success: linkCounts.success,
          merged: linkCounts.merged,
          pending: linkCounts.pending,
          failed: linkCounts.failed,
          syncSuccessRate: contactSyncSuccessRate.syncSuccessRate,
          mergedContacts: contactSyncSuccessRate.mergedContacts,
        })
        .from(property)
        .innerJoin(contactSyncSuccessRate, eq(contactSyncSuccessRate.propertyId, property.id))
        .leftJoin(linkCounts, eq(linkCounts.propertyId, property.id))
        .orderBy(property.name, property.id);
      return rows.map((row) => ({
        ...row,
        contacts: row.contacts ?? 0,
        links: row.links ?? 0,
        success: row.success ?? 0,
        merged: row.merged ?? 0,
        pending: row.pending ?? 0,
        failed: row.failed ?? 0,
        syncSuccessRate: row.syncSuccessRate === null ? null : Number(row.syncSuccessRate),
        mergedContacts: Number(row.mergedContacts),
      }));
    } catch (error) {
      throw toStoreError(error, "read stats");
    }
  }
}
