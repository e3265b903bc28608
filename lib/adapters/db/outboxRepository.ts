/** The transactional outbox on Postgres (any driver). */
import { inArray, sql } from "drizzle-orm";
import type { OutboxStore } from "../../app/ports.js";
import type { OutboundEvent } from "../../domain/events.js";
import type { Database } from "./client.js";
import { toStoreError } from "./errors.js";
import { outboxEvent } from "./schema.js";

type OutboxRow = typeof outboxEvent.$inferSelect;

/** The event of an outbox row (as a drain claims it, or as a wave wrote it). */
export function eventOf(
  row: Pick<
    OutboxRow,
    | "id"
    | "eventType"
    | "propertyId"
    | "contactId"
    | "mergedContactId"
    | "linkId"
    | "personId"
    | "status"
    | "matchScore"
    | "createdAt"
  >,
): OutboundEvent {
  return {
    type: row.eventType,
    detail: {
      event_id: row.id,
      property_id: row.propertyId,
      contact_id: row.contactId,
      // Only on merges and unmerges of two contacts: every other event keeps its shape.
      ...(row.mergedContactId === null ? {} : { merged_contact_id: row.mergedContactId }),
      link_id: row.linkId,
      resman_person_id: row.personId,
      status: row.status,
      match_score: row.matchScore,
      occurred_at: row.createdAt.toISOString(),
    },
  };
}

export class DrizzleOutboxStore implements OutboxStore {
  constructor(private readonly db: Database) {}

  async claim(limit: number, leaseMs: number): Promise<OutboundEvent[]> {
    try {
      // SKIP LOCKED: concurrent drains take different rows instead of queueing on each other.
      const rows = await this.db
        .update(outboxEvent)
        .set({
          claimedUntil: sql`now() + ${leaseMs} * interval '1 millisecond'`,
          attempts: sql`${outboxEvent.attempts} + 1`,
        })
        .where(
          sql`${outboxEvent.id} in (
            select id from ${outboxEvent}
            where published_at is null and (claimed_until is null or claimed_until < now())
            order by created_at
            limit ${limit}
            for update skip locked)`,
        )
        .returning();
      return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map(eventOf);
    } catch (error) {
      throw toStoreError(error, "claim outbox");
    }
  }

  async markPublished(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    try {
      await this.db
        .update(outboxEvent)
        .set({ publishedAt: sql`now()`, claimedUntil: null })
        .where(inArray(outboxEvent.id, [...eventIds]));
    } catch (error) {
      throw toStoreError(error, "mark outbox published");
    }
  }
}
