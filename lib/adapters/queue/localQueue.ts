/**
 * The local queues (`npm start` without AWS): the sync queue and its dead-letter queue with SQS
 * semantics, kept in the database (`local_queue_message`), so messages survive a restart and the
 * real sync worker handler consumes them as SQS records.
 *
 * - A receive claims up to N visible messages in one statement (`FOR UPDATE SKIP LOCKED`: two
 *   receivers never get the same message; PGlite has one connection, the same SQL serialises),
 *   counts the receive and hides each message for its visibility timeout.
 * - A message that is not deleted becomes visible again when its visibility ends (`fail` ends
 *   it sooner and keeps the error code).
 * - Redrive policy, as on SQS: a queue `q` dead-letters into `q-dlq`. A message already received
 *   `maxReceiveCount` times is moved there, body intact, at the receive that would exceed it,
 *   instead of being delivered. A `-dlq` queue has no redrive policy.
 * - `redrive` moves a dead-letter queue's messages back to their queue with a fresh count.
 *
 * Times come from the injected clock (tests move it); ordering is by visibility, not FIFO (SQS
 * standard queues promise no order either). Errors are `StoreError`s, except that `send` throws
 * `QueueUnavailableError`, like the SQS adapter, so callers handle one type.
 */
import { createHash } from "node:crypto";
import type { SQSRecord } from "aws-lambda";
import { count, eq, inArray, min, sql } from "drizzle-orm";
import { QueueUnavailableError } from "../../app/errors.js";
import type { Clock, SyncQueue } from "../../app/ports.js";
import { systemClock } from "../../app/ports.js";
import type { SyncMessage } from "../../domain/events.js";
import type { Database } from "../db/client.js";
import { toStoreError } from "../db/errors.js";
import { localQueueMessage } from "../db/schema.js";
import { executeRows } from "../db/sqlRows.js";

/** The queue `send` writes to, and the one the sync worker drains. */
export const SYNC_QUEUE = "sync";
/** Suffix of a queue's dead-letter queue (`sync` → `sync-dlq`). */
const DLQ_SUFFIX = "-dlq";
/** SQS's largest batch. */
const MAX_BATCH = 10;
/** The error code kept when a message's visibility ended without a delete or a reported failure. */
export const VISIBILITY_TIMEOUT_CODE = "visibility_timeout";

/** The dead-letter queue of `queue`, or `null` for a dead-letter queue (no redrive policy). */
export function deadLetterQueueOf(queue: string): string | null {
  return queue.endsWith(DLQ_SUFFIX) ? null : `${queue}${DLQ_SUFFIX}`;
}

export interface LocalQueueOptions {
  /** The redrive policy's `maxReceiveCount` (config `MAX_RECEIVE_COUNT`). */
  maxReceiveCount: number;
  clock?: Clock;
}

export interface ReceiveOptions {
  /** At most this many messages (1–10, as on SQS). Default 10. */
  max?: number | undefined;
  /** How long the received messages stay hidden (seconds; fractions allowed locally). */
  visibilitySeconds: number;
}

export interface ReceiveResult {
  /** The claimed messages, as Lambda's SQS event source delivers them. */
  records: SQSRecord[];
  /** Messages this receive moved to the dead-letter queue instead of delivering them. */
  deadLettered: number;
}

interface ClaimedRow {
  kind: "claimed" | "dead";
  id: string;
  body: string | null;
  receive_count: number | null;
  sent_ms: number | null;
  first_ms: number | null;
}

/** A local stand-in for an SQS ARN, for records' `eventSourceARN`. */
const arnOf = (queue: string) => `arn:aws:sqs:local:000000000000:${queue}`;

function recordOf(queue: string, row: ClaimedRow): SQSRecord {
  const body = row.body ?? "";
  const receiveCount = row.receive_count ?? 1;
  return {
    messageId: row.id,
    // One handle per receive, as on SQS; `delete` takes message ids.
    receiptHandle: `${row.id}#${receiveCount}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Math.floor(Number(row.sent_ms))),
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: String(Math.floor(Number(row.first_ms))),
    },
    messageAttributes: {},
    md5OfBody: createHash("md5").update(body).digest("hex"),
    eventSource: "aws:sqs",
    eventSourceARN: arnOf(queue),
    awsRegion: "local",
  };
}

/** A column or parameter as epoch milliseconds, a float on every driver. */
const epochMs = (column: string) => sql.raw(`(extract(epoch from m.${column}) * 1000)::float8`);

/**
 * The local sync queue: `SyncQueue` for the producers (webhook, chatbot events), and the receive,
 * delete, fail, redrive and depth operations the local consumer and the CLI use.
 */
export class LocalSyncQueue implements SyncQueue {
  private readonly clock: Clock;
  private readonly maxReceiveCount: number;

  constructor(
    private readonly db: Database,
    options: LocalQueueOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.maxReceiveCount = options.maxReceiveCount;
  }

  async send(message: SyncMessage): Promise<string> {
    try {
      return await this.sendBody(SYNC_QUEUE, JSON.stringify(message));
    } catch (error) {
      throw new QueueUnavailableError("the local sync queue did not accept the message", {
        cause: error,
      });
    }
  }

  /** Sends a raw body (any text) to `queue`; resolves with the message id. */
  async sendBody(queue: string, body: string): Promise<string> {
    const now = this.clock.now();
    try {
      const [row] = await this.db
        .insert(localQueueMessage)
        .values({ queue, body, sentAt: now, visibleAt: now })
        .returning({ id: localQueueMessage.id });
      if (row === undefined) throw new Error("insert returned no row");
      return row.id;
    } catch (error) {
      throw toStoreError(error, "send local queue message");
    }
  }

  /**
   * Claims up to `max` visible messages of `queue`, in one statement. With a redrive policy,
   * visible messages already received `maxReceiveCount` times move to the dead-letter queue
   * first (all of them, whatever `max`), keeping their last error code.
   */
  async receive(queue: string, options: ReceiveOptions): Promise<ReceiveResult> {
    const max = Math.min(Math.max(Math.trunc(options.max ?? MAX_BATCH), 1), MAX_BATCH);
    const now = this.clock.now();
    const visibleAt = new Date(now.getTime() + Math.max(options.visibilitySeconds, 0) * 1000);
    const dlq = deadLetterQueueOf(queue);
    const nowParam = sql`${now.toISOString()}::timestamptz`;
    const overLimit =
      dlq === null ? sql`false` : sql`receive_count >= ${this.maxReceiveCount}::integer`;
    const query = sql`
      with due as (
        select id from ${localQueueMessage}
        where queue = ${queue} and visible_at <= ${nowParam} and ${overLimit}
        for update skip locked
      ), dead as (
        update ${localQueueMessage} m
        set queue = ${dlq ?? queue}, source_queue = m.queue, visible_at = ${nowParam},
            dead_lettered_at = ${nowParam},
            last_error = coalesce(m.last_error, ${VISIBILITY_TIMEOUT_CODE})
        from due where m.id = due.id
        returning m.id
      ), picked as (
        select id from ${localQueueMessage}
        where queue = ${queue} and visible_at <= ${nowParam} and not (${overLimit})
        order by visible_at, sent_at
        limit ${max}::integer
        for update skip locked
      ), claimed as (
        update ${localQueueMessage} m
        set receive_count = m.receive_count + 1,
            visible_at = ${visibleAt.toISOString()}::timestamptz,
            first_received_at = coalesce(m.first_received_at, ${nowParam})
        from picked where m.id = picked.id
        returning m.id, m.body, m.receive_count, ${epochMs("sent_at")} as sent_ms,
          ${epochMs("first_received_at")} as first_ms
      )
      select 'claimed' as kind, id, body, receive_count, sent_ms, first_ms from claimed
      union all
      select 'dead', id, null, null, null, null from dead`;
    let rows: ClaimedRow[];
    try {
      rows = await executeRows<ClaimedRow>(this.db, query);
    } catch (error) {
      throw toStoreError(error, "receive local queue messages");
    }
    const claimed = rows
      .filter((row) => row.kind === "claimed")
      .sort((a, b) => Number(a.sent_ms) - Number(b.sent_ms));
    return {
      records: claimed.map((row) => recordOf(queue, row)),
      deadLettered: rows.length - claimed.length,
    };
  }

  /** Acknowledges messages (SQS `DeleteMessage`); resolves with how many were still there. */
  async delete(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    try {
      const rows = await this.db
        .delete(localQueueMessage)
        .where(inArray(localQueueMessage.id, [...ids]))
        .returning({ id: localQueueMessage.id });
      return rows.length;
    } catch (error) {
      throw toStoreError(error, "delete local queue messages");
    }
  }

  /**
   * Records a failed delivery: the messages become visible again after `delaySeconds` (SQS
   * `ChangeMessageVisibility`) and keep `errorCode` as their last error.
   */
  async fail(ids: readonly string[], errorCode: string, delaySeconds: number): Promise<void> {
    if (ids.length === 0) return;
    const visibleAt = new Date(this.clock.now().getTime() + Math.max(delaySeconds, 0) * 1000);
    try {
      await this.db
        .update(localQueueMessage)
        .set({ visibleAt, lastError: errorCode.slice(0, 80) })
        .where(inArray(localQueueMessage.id, [...ids]));
    } catch (error) {
      throw toStoreError(error, "fail local queue messages");
    }
  }

  /**
   * Moves every message of `queue`'s dead-letter queue back to the queue it came from (`queue`
   * when unknown), visible now, with its receive count and error reset. Resolves with how many.
   */
  /** How many messages wait in `queue`'s dead-letter queue (0 for a dead-letter queue itself). */
  async deadLetterDepth(queue: string = SYNC_QUEUE): Promise<number> {
    const dlq = deadLetterQueueOf(queue);
    return dlq === null ? 0 : this.depth(dlq);
  }

  async redrive(queue: string = SYNC_QUEUE): Promise<number> {
    const dlq = deadLetterQueueOf(queue);
    if (dlq === null) return 0;
    try {
      const rows = await this.db
        .update(localQueueMessage)
        .set({
          queue: sql`coalesce(${localQueueMessage.sourceQueue}, ${queue})`,
          sourceQueue: null,
          visibleAt: this.clock.now(),
          receiveCount: 0,
          firstReceivedAt: null,
          lastError: null,
          deadLetteredAt: null,
        })
        .where(eq(localQueueMessage.queue, dlq))
        .returning({ id: localQueueMessage.id });
      return rows.length;
    } catch (error) {
      throw toStoreError(error, "redrive local dead-letter queue");
    }
  }

  /** How many messages `queue` holds, visible or in flight. */
  async depth(queue: string): Promise<number> {
    try {
      const [row] = await this.db
        .select({ n: count() })
        .from(localQueueMessage)
        .where(eq(localQueueMessage.queue, queue));
      return row?.n ?? 0;
    } catch (error) {
      throw toStoreError(error, "count local queue messages");
    }
  }

  /**
   * Milliseconds until the next message of `queue` becomes visible (0 when one is visible now),
   * or `null` when the queue is empty.
   */
  async msUntilVisible(queue: string): Promise<number | null> {
    try {
      const [row] = await this.db
        .select({ next: min(localQueueMessage.visibleAt) })
        .from(localQueueMessage)
        .where(eq(localQueueMessage.queue, queue));
      const next = row?.next;
      if (next === null || next === undefined) return null;
      return Math.max(new Date(next).getTime() - this.clock.now().getTime(), 0);
    } catch (error) {
      throw toStoreError(error, "read local queue visibility");
    }
  }
}
