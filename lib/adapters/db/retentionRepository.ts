/** Retention of the pipeline's bookkeeping tables (the outbox and the inbox). */
import { and, isNotNull, lt, sql } from "drizzle-orm";
import type { Database } from "./client.js";
import { toStoreError } from "./errors.js";
import { outboxEvent, processedEvent } from "./schema.js";

export interface PruneResult {
  outboxRows: number;
  inboxRows: number;
}

/**
 * Deletes outbox rows published before `outboxBefore` (unpublished rows are never deleted) and
 * inbox rows processed before `inboxBefore`.
 */
export async function pruneBookkeeping(
  db: Database,
  cutoffs: { outboxBefore: Date; inboxBefore: Date },
): Promise<PruneResult> {
  try {
    const outbox = await db
      .delete(outboxEvent)
      .where(
        and(isNotNull(outboxEvent.publishedAt), lt(outboxEvent.publishedAt, cutoffs.outboxBefore)),
      )
      .returning({ id: outboxEvent.id });
    const inbox = await db
      .delete(processedEvent)
      .where(lt(processedEvent.processedAt, cutoffs.inboxBefore))
      .returning({ id: sql`1` });
    return { outboxRows: outbox.length, inboxRows: inbox.length };
  } catch (error) {
    throw toStoreError(error, "prune");
  }
}
