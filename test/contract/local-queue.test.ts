/**
 * The local queue (`local_queue_message`) on real databases (PGlite, Postgres, and the Neon
 * driver): SQS semantics — send, receive, delete; a received message stays hidden for its
 * visibility timeout; concurrent receivers never share a message; failures come back counted;
 * the receive after `maxReceiveCount` moves a message to the dead-letter queue intact, and
 * redrive brings it back. Then the real sync worker handler drains it: a valid message is
 * applied, a poison one ends in the dead-letter queue. Time is a clock the test moves.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../lib/adapters/db/client.js";
import { localQueueMessage } from "../../lib/adapters/db/schema.js";
import { LocalSyncQueue } from "../../lib/adapters/queue/localQueue.js";
import {
  drainOnce,
  drainUntilEmpty,
  type SqsBatchHandler,
} from "../../lib/adapters/queue/localQueueConsumer.js";
import type { DriverName } from "../../lib/config.js";
import { ContactSyncError } from "../../lib/domain/errors.js";
import {
  counts,
  envelope,
  linkOf,
  resetPipelineTables,
  resmanMessage,
  workerOn,
} from "../pipeline/support.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";

const MAX_RECEIVE = 3;

/** A clock the test moves (milliseconds). */
function movingClock(start = "2026-11-25T12:00:00Z") {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    advance: async (ms: number) => {
      now += ms;
    },
  };
}

/** A handler that fails every record. */
const failAll: SqsBatchHandler = async (event) => ({
  batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
});

class DatabaseDown extends ContactSyncError {
  readonly code = "store_unavailable";
  readonly retryable = true;
}

async function rowOf(db: Database, id: string) {
  const [row] = await db.select().from(localQueueMessage).where(eq(localQueueMessage.id, id));
  return row;
}

function describeQueue(driver: DriverName): void {
  describe(`local queue on ${driver}`, () => {
    let database: TestDatabase;
    let db: Database;
    let clock: ReturnType<typeof movingClock>;
    let queue: LocalSyncQueue;

    beforeAll(async () => {
      database = await openTestDatabase(driver, { maxConnections: 4 });
      db = database.handle.db;
    });
    afterAll(() => database.cleanup());

    beforeEach(async () => {
      await db.delete(localQueueMessage);
      clock = movingClock();
      queue = new LocalSyncQueue(db, { maxReceiveCount: MAX_RECEIVE, clock });
    });

    it("sends, receives as an SQS record, and deletes", async () => {
      const message = resmanMessage(envelope());
      const id = await queue.send(message);
      expect(await queue.depth("sync")).toBe(1);

      const { records, deadLettered } = await queue.receive("sync", { visibilitySeconds: 30 });
      expect(deadLettered).toBe(0);
      expect(records).toHaveLength(1);
      const [received] = records;
      expect(received).toMatchObject({
        messageId: id,
        body: JSON.stringify(message),
        eventSource: "aws:sqs",
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: String(clock.now().getTime()),
          ApproximateFirstReceiveTimestamp: String(clock.now().getTime()),
        },
      });
      expect(received?.md5OfBody).toMatch(/^[0-9a-f]{32}$/);

      expect(await queue.delete([id])).toBe(1);
      expect(await queue.depth("sync")).toBe(0);
      expect((await queue.receive("sync", { visibilitySeconds: 30 })).records).toEqual([]);
    });

    it("hides a received message until its visibility times out", async () => {
      const id = await queue.sendBody("sync", '{"kind":"test"}');
      await queue.receive("sync", { visibilitySeconds: 30 });
      expect((await queue.receive("sync", { visibilitySeconds: 30 })).records).toEqual([]);
      await clock.advance(29_000);
      expect((await queue.receive("sync", { visibilitySeconds: 30 })).records).toEqual([]);
      expect(await queue.msUntilVisible("sync")).toBe(1_000);
      await clock.advance(1_000);
      const { records } = await queue.receive("sync", { visibilitySeconds: 30 });
      expect(records.map((r) => [r.messageId, r.attributes.ApproximateReceiveCount])).toEqual([
        [id, "2"],
      ]);
    });

    it("never gives two concurrent receivers the same message", async () => {
      for (let i = 0; i < 40; i += 1) await queue.sendBody("sync", `{"n":${i}}`);
      const batches = await Promise.all(
        Array.from({ length: 5 }, () => queue.receive("sync", { visibilitySeconds: 30 })),
      );
      const ids = batches.flatMap((b) => b.records.map((r) => r.messageId));
      expect(new Set(ids).size).toBe(ids.length);
      // Receivers that met locked rows may come back short, as on SQS; the rest is still there.
      const rest = await queue.receive("sync", { max: 10, visibilitySeconds: 30 });
      expect(ids.length + rest.records.length).toBe(Math.min(40, ids.length + 10));
      for (const r of rest.records) expect(ids).not.toContain(r.messageId);
    });

    it("returns a failed record after the backoff, counted, with its error code", async () => {
      const id = await queue.sendBody("sync", '{"kind":"test"}');
      const first = await drainOnce(queue, failAll, {
        visibilitySeconds: 30,
        retryDelaySeconds: 5,
      });
      expect(first).toEqual({ received: 1, succeeded: 0, failed: 1, deadLettered: 0 });
      expect(await rowOf(db, id)).toMatchObject({ receiveCount: 1, lastError: "record_failed" });
      expect((await queue.receive("sync", { visibilitySeconds: 30 })).records).toEqual([]);
      await clock.advance(5_000);
      const { records } = await queue.receive("sync", { visibilitySeconds: 30 });
      expect(records[0]?.attributes.ApproximateReceiveCount).toBe("2");
    });

    it("acknowledges the successes of a partial batch and keeps a thrown error's code", async () => {
      const ok = await queue.sendBody("sync", '{"n":1}');
      const bad = await queue.sendBody("sync", '{"n":2}');
      const partial = await drainOnce(queue, async () => ({
        batchItemFailures: [{ itemIdentifier: bad }, { itemIdentifier: "not-in-batch" }],
      }));
      expect(partial).toEqual({ received: 2, succeeded: 1, failed: 1, deadLettered: 0 });
      expect(await rowOf(db, ok)).toBeUndefined();

      await clock.advance(30_000);
      const thrown = await drainOnce(queue, async () => {
        throw new DatabaseDown("the database is down");
      });
      expect(thrown).toMatchObject({ received: 1, failed: 1 });
      expect(await rowOf(db, bad)).toMatchObject({
        receiveCount: 2,
        lastError: "store_unavailable",
      });
    });

    it("dead-letters at the receive after maxReceiveCount, intact; redrive brings it back", async () => {
      const body = '{"kind":"resman","poison":true}';
      const id = await queue.sendBody("sync", body);
      for (let i = 1; i <= MAX_RECEIVE; i += 1) {
        expect(await drainOnce(queue, failAll, { retryDelaySeconds: 1 })).toMatchObject({
          received: 1,
          failed: 1,
        });
        await clock.advance(1_000);
      }
      expect(await drainOnce(queue, failAll)).toEqual({
        received: 0,
        succeeded: 0,
        failed: 0,
        deadLettered: 1,
      });
      expect(await queue.depth("sync")).toBe(0);
      expect(await queue.depth("sync-dlq")).toBe(1);
      expect(await rowOf(db, id)).toMatchObject({
        queue: "sync-dlq",
        sourceQueue: "sync",
        body,
        receiveCount: MAX_RECEIVE,
        lastError: "record_failed",
      });
      // A dead-letter queue has no redrive policy: its messages stay whatever their count.
      const peek = await queue.receive("sync-dlq", { visibilitySeconds: 0 });
      expect(peek.records.map((r) => r.body)).toEqual([body]);

      expect(await queue.redrive()).toBe(1);
      expect(await queue.depth("sync-dlq")).toBe(0);
      const { records } = await queue.receive("sync", { visibilitySeconds: 30 });
      expect(
        records.map((r) => [r.messageId, r.body, r.attributes.ApproximateReceiveCount]),
      ).toEqual([[id, body, "1"]]);
      expect(await queue.redrive()).toBe(0);
    });

    it("keeps visibility_timeout as the error of a message never acknowledged nor failed", async () => {
      const id = await queue.sendBody("sync", '{"n":1}');
      for (let i = 0; i < MAX_RECEIVE; i += 1) {
        await queue.receive("sync", { visibilitySeconds: 10 });
        await clock.advance(10_000);
      }
      expect((await queue.receive("sync", { visibilitySeconds: 10 })).deadLettered).toBe(1);
      expect(await rowOf(db, id)).toMatchObject({
        queue: "sync-dlq",
        lastError: "visibility_timeout",
      });
    });

    it("stops draining at maxRounds and within its wait budget", async () => {
      await queue.sendBody("sync", '{"n":1}');
      const short = await drainUntilEmpty(queue, failAll, {
        retryDelaySeconds: 120,
        maxWaitSeconds: 60,
        sleep: clock.advance,
      });
      expect(short).toMatchObject({ rounds: 2, received: 1, failed: 1, remaining: 1 });
      await clock.advance(120_000);
      const bounded = await drainUntilEmpty(queue, failAll, { maxRounds: 1, sleep: clock.advance });
      expect(bounded).toMatchObject({ rounds: 1, received: 1, remaining: 1 });
    });
  });
}

function describeWorker(driver: DriverName): void {
  describe(`the sync worker draining the local queue on ${driver}`, () => {
    let database: TestDatabase;
    let db: Database;

    beforeAll(async () => {
      database = await openTestDatabase(driver);
      db = database.handle.db;
    });
    afterAll(() => database.cleanup());

    beforeEach(async () => {
      await resetPipelineTables(db);
      await db.delete(localQueueMessage);
    });

    it("applies a valid message and dead-letters a poison one after max receives", async () => {
      const clock = movingClock();
      const queue = new LocalSyncQueue(db, { maxReceiveCount: MAX_RECEIVE, clock });
      const worker = workerOn(db, { maxReceiveCount: MAX_RECEIVE });
      const handler: SqsBatchHandler = (event) => worker.run(event);

      const valid = envelope();
      await queue.send(resmanMessage(valid));
      // Valid JSON that breaks the sync message contract: it can never succeed.
      const poison = JSON.stringify({ kind: "resman", event_id: "not-a-uuid", envelope: {} });
      const poisonId = await queue.sendBody("sync", poison);

      const summary = await drainUntilEmpty(queue, handler, {
        visibilitySeconds: 30,
        retryDelaySeconds: 2,
        sleep: clock.advance,
      });
      expect(summary).toMatchObject({
        received: 1 + MAX_RECEIVE,
        succeeded: 1,
        failed: MAX_RECEIVE,
        deadLettered: 1,
        remaining: 0,
      });
      expect(await counts(db)).toMatchObject({ contacts: 1, links: 1, inbox: 1 });
      expect(await linkOf(db, valid.person.person_id)).toMatchObject({ syncStatus: "success" });
      expect(await rowOf(db, poisonId)).toMatchObject({
        queue: "sync-dlq",
        body: poison,
        receiveCount: MAX_RECEIVE,
        lastError: "record_failed",
      });
    });
  });
}

for (const driver of ["pglite", "pg", "neon"] as const) {
  describeQueue(driver);
  describeWorker(driver);
}
