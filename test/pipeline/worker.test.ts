/**
 * The sync worker on real Postgres (node-postgres): idempotency, order, partial batch failures,
 * poison messages, a database outage mid-batch, deactivation, redrive, and the outbox.
 * (Over 400 lines as one thing: the sync worker's behaviours on one database and one mocked
 * queue.)
 */
import { randomUUID } from "node:crypto";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import "aws-sdk-client-mock-vitest/extend";
import { eq, isNull } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../lib/adapters/db/client.js";
import { openDatabase } from "../../lib/adapters/db/client.js";
import { contactSync, outboxEvent, processedEvent, user } from "../../lib/adapters/db/schema.js";
import { DRAIN_INTERVAL_MS } from "../../lib/adapters/lambda/syncWorker.js";
import { drainOutbox } from "../../lib/app/drainOutbox.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";
import {
  contactOf,
  counts,
  envelope,
  linkOf,
  PEOPLE,
  record,
  resetPipelineTables,
  resmanMessage,
  sqsEvent,
  workerOn,
} from "./support.js";

let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await openTestDatabase("pg");
  db = database.handle.db;
});
afterAll(() => database.cleanup());

beforeEach(() => resetPipelineTables(db));

describe("sync worker: idempotency", () => {
  it("the same delivery 5× in sequence has the effect of one", async () => {
    const worker = workerOn(db);
    const message = resmanMessage(envelope());
    for (let i = 0; i < 5; i += 1) {
      expect(await worker.run(sqsEvent(record(message)))).toEqual({ batchItemFailures: [] });
    }
    expect(await counts(db)).toMatchObject({ contacts: 1, links: 1, inbox: 1, outbox: 1 });
  });

  it("the same delivery 5× in parallel has the effect of one", async () => {
    const worker = workerOn(db);
    const message = resmanMessage(envelope());
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => worker.run(sqsEvent(record(message)))),
    );
    for (const response of responses) expect(response).toEqual({ batchItemFailures: [] });
    expect(await counts(db)).toMatchObject({ contacts: 1, links: 1, inbox: 1, outbox: 1 });
  });

  it("five copies of a delivery inside one batch have the effect of one", async () => {
    const worker = workerOn(db);
    const message = resmanMessage(envelope());
    const batch = sqsEvent(...Array.from({ length: 5 }, () => record(message)));
    expect(await worker.run(batch)).toEqual({ batchItemFailures: [] });
    expect(await counts(db)).toMatchObject({ contacts: 1, links: 1, inbox: 1, outbox: 1 });
  });

  it("a batch's people are synced together: one read, again only for those an earlier one wrote for", async () => {
    const worker = workerOn(db);
    const reads = { one: 0, batched: [] as number[], waves: 0 };
    const store = worker.pipeline.store;
    const readSnapshot = store.readSnapshot.bind(store);
    const snapshotReader = store.snapshotReader.bind(store);
    store.readSnapshot = async (...args) => {
      reads.one += 1;
      return readSnapshot(...args);
    };
    store.snapshotReader = (propertyId) => {
      const reader = snapshotReader(propertyId);
      return {
        read: async (requests) => {
          reads.batched.push(requests.length);
          return reader.read(requests);
        },
        writeWave: (writes, options) => {
          reads.waves += 1;
          return reader.writeWave(writes, options);
        },
        forget: () => reader.forget(),
        readAhead: (requests) => reader.readAhead(requests),
        aheadHeld: () => reader.aheadHeld(),
      };
    };
    // Seven different people, one of them twice under two PersonIDs (the same email and phone:
    // the second must merge into the first though both were read before either was written),
    // one delivery twice, and a malformed record.
    const names = [
      ["Marisol", "Quintanilla"],
      ["Tobias", "Whitfield"],
      ["Ines", "Okafor"],
      ["Darnell", "Lindqvist"],
      ["Priya", "Castellano"],
      ["Gunnar", "Beaumont"],
      ["Yuki", "Abernathy"],
    ];
    const people = names.map(([first, last], i) =>
      resmanMessage(
        envelope({
          person: {
            first_name: first,
            last_name: last,
            email: `person.${i}@mailbox.dev`,
            phones: [{ type: "mobile", number: `(512) 555-01${String(20 + i)}` }],
          },
        }),
      ),
    );
    const twin = resmanMessage(
      envelope({
        person: {
          first_name: "Marisol",
          last_name: "Quintanilla",
          email: "person.0@mailbox.dev",
          phones: [{ type: "mobile", number: "(512) 555-0120" }],
        },
      }),
    );
    const batch = sqsEvent(
      ...people.map((message) => record(message)),
      record(twin),
      record(people[1] as (typeof people)[number]),
      record("not json", { messageId: "bad" }),
    );
    expect(await worker.run(batch)).toEqual({ batchItemFailures: [{ itemIdentifier: "bad" }] });
    // Every well-formed person was read in one statement (the repeated delivery too) and the
    // seven written in one transaction; the twin (person 0's email and phone) and the repeated
    // delivery waited for the first wave. The twin was then read from memory (its delivery not
    // in the inbox when read, and the wave wrote no entry of it) and merged into person 0's new
    // contact; the repeat's person was written by the wave, so it alone was read again and found
    // its event processed. No one read alone.
    expect(reads.batched).toEqual([9, 1]);
    expect(reads.waves).toBe(2);
    expect(reads.one).toBe(0);
    expect(await counts(db)).toMatchObject({ contacts: 7, links: 8, inbox: 8 });
    const twinLink = await linkOf(db, twin.kind === "resman" ? twin.envelope.person.person_id : "");
    const firstLink = await linkOf(
      db,
      people[0]?.kind === "resman" ? people[0].envelope.person.person_id : "",
    );
    expect(twinLink?.userId).toBe(firstLink?.userId);
  });

  it("a redriven message that had been processed creates no duplicate", async () => {
    const worker = workerOn(db);
    const message = resmanMessage(envelope());
    await worker.run(sqsEvent(record(message)));
    const before = await counts(db);
    // Back from the DLQ: a new SQS message id, the same body and event id.
    expect(await worker.run(sqsEvent(record(message, { receiveCount: 1 })))).toEqual({
      batchItemFailures: [],
    });
    expect(await counts(db)).toEqual(before);
  });
});

describe("sync worker: order", () => {
  it("v2 then v1 of a person converges to v2", async () => {
    const worker = workerOn(db);
    const personId = randomUUID();
    const v1 = envelope({
      person: {
        person_id: personId,
        last_name: "Quintanilla",
        last_modified: "2026-11-01T00:00:00Z",
      },
    });
    const v2 = envelope({
      person: {
        person_id: personId,
        last_name: "Quintanilla-Reyes",
        last_modified: "2026-11-02T00:00:00Z",
      },
    });
    await worker.run(sqsEvent(record(resmanMessage(v2))));
    await worker.run(sqsEvent(record(resmanMessage(v1))));
    const link = await linkOf(db, personId);
    expect(link?.sourceUpdatedAt?.toISOString()).toBe("2026-11-02T00:00:00.000Z");
    const contact = await contactOf(db, link?.userId ?? "");
    expect(contact?.lastName).toBe("Quintanilla-Reyes");
  });
});

describe("sync worker: failures", () => {
  it("batch [ok, fail, ok] reports exactly the failed message id", async () => {
    const worker = workerOn(db);
    const ok1 = record(resmanMessage(envelope()));
    const broken = record("{ not json");
    const ok2 = record(
      resmanMessage(
        envelope({ person: { ...PEOPLE.tobias, phones: [], email: PEOPLE.tobias.email } }),
      ),
    );
    const response = await worker.run(sqsEvent(ok1, broken, ok2));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: broken.messageId }] });
    expect(await counts(db)).toMatchObject({ contacts: 2, links: 2, inbox: 2 });
  });

  it("a person that can never sync marks its link failed and is acknowledged", async () => {
    const worker = workerOn(db);
    const personId = randomUUID();
    // No name, email or phone, and no existing link: nothing could ever identify this contact.
    const blank = envelope({
      person: {
        person_id: personId,
        first_name: undefined,
        last_name: undefined,
        email: undefined,
        phones: [],
      },
    });
    const response = await worker.run(sqsEvent(record(resmanMessage(blank))));
    expect(response).toEqual({ batchItemFailures: [] });
    const link = await linkOf(db, personId);
    expect(link).toMatchObject({ syncStatus: "failed", userId: null, attempts: 1 });
    expect(link?.lastError).toMatch(/^invalid_input: /);
    expect(await counts(db)).toMatchObject({ contacts: 0, inbox: 0 });
    // Operators see it: the link counts as failed and against the success rate.
    const [stats] = await worker.stores.reports.stats();
    expect(stats).toMatchObject({ links: 1, failed: 1, syncSuccessRate: 0 });
  });

  it("a poison message is marked failed on its last receive only, and still fails", async () => {
    const worker = workerOn(db, { maxReceiveCount: 5 });
    // An unexpected error (a bug) in the store: retryable until the last receive.
    const failing = workerOn(db, { maxReceiveCount: 5 });
    const boom = new Error("simulated bug");
    failing.pipeline.store.readSnapshot = async () => {
      throw boom;
    };
    // The batch's read fails too (each record then reads for itself, and fails).
    failing.pipeline.store.snapshotReader = () => ({
      read: async () => {
        throw boom;
      },
      writeWave: async () => {
        throw boom;
      },
      forget: () => {},
      readAhead: (requests) => requests.map(() => undefined),
      aheadHeld: () => false,
    });
    const personId = randomUUID();
    const message = resmanMessage(envelope({ person: { person_id: personId } }));

    const early = record(message, { receiveCount: 4 });
    expect(await failing.run(sqsEvent(early))).toEqual({
      batchItemFailures: [{ itemIdentifier: early.messageId }],
    });
    expect(await linkOf(db, personId)).toBeUndefined();

    const last = record(message, { receiveCount: 5 });
    expect(await failing.run(sqsEvent(last))).toEqual({
      batchItemFailures: [{ itemIdentifier: last.messageId }],
    });
    const failed = await linkOf(db, personId);
    expect(failed).toMatchObject({ syncStatus: "failed", attempts: 1 });
    expect(failed?.lastError).toBe("unexpected_error: Error");

    // Fixed and redriven from the DLQ: the same message now syncs, and the link recovers.
    expect(await worker.run(sqsEvent(record(message)))).toEqual({ batchItemFailures: [] });
    const recovered = await linkOf(db, personId);
    expect(recovered).toMatchObject({ syncStatus: "success", attempts: 0, lastError: null });
    expect(recovered?.userId).not.toBeNull();
    expect(await counts(db)).toMatchObject({ contacts: 1, links: 1, inbox: 1 });
  });

  it("a database outage mid-batch (backends terminated) loses nothing", async () => {
    // A pool of its own, so terminating its backends does not disturb the other tests' pool.
    const handle = await openDatabase({ driver: "pg", url: database.url, maxConnections: 4 });
    // The administrator works from another database: Postgres refuses to disallow connections
    // to the database a session is connected to.
    const adminUrl = new URL(String(database.url));
    const name = adminUrl.pathname.slice(1);
    adminUrl.pathname = "/postgres";
    const admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    let outage: Promise<void> | undefined;
    try {
      const worker = workerOn(handle.db);
      const messages = Array.from({ length: 10 }, (_, i) =>
        resmanMessage(
          envelope({
            person: {
              first_name: `Person${i}`,
              email: `person${i}@mailbox.dev`,
              phones: [{ type: "mobile", number: `(512) 555-01${String(i).padStart(2, "0")}` }],
            },
          }),
        ),
      );
      // When the batch's read starts: refuse new connections, kill every open one, and let the
      // database come back half a second later (longer than the sync path's own retries). The
      // batch's read fails; its people then sync one by one, the first of them while the
      // database is still away.
      const store = worker.pipeline.store;
      const snapshotReader = store.snapshotReader.bind(store);
      store.snapshotReader = (propertyId) => {
        const reader = snapshotReader(propertyId);
        return {
          read: async (requests) => {
            if (outage === undefined) {
              await admin.query(`alter database "${name}" allow_connections false`);
              await admin.query(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1",
                [name],
              );
              outage = new Promise((resolve) => setTimeout(resolve, 500)).then(async () => {
                await admin.query(`alter database "${name}" allow_connections true`);
              });
            }
            return reader.read(requests);
          },
          writeWave: (writes, options) => reader.writeWave(writes, options),
          forget: () => reader.forget(),
          readAhead: (requests) => reader.readAhead(requests),
          aheadHeld: () => reader.aheadHeld(),
        };
      };
      const records = messages.map((m) => record(m));
      const first = await worker.run(sqsEvent(...records));
      await outage;
      // Only the records caught by the outage failed; the others committed whole.
      const failed = first.batchItemFailures.length;
      expect(failed).toBeGreaterThan(0);
      // (A commit whose reply was lost is reported failed too: at least once, never partial.)
      const during = await counts(handle.db);
      expect(during.contacts).toBeGreaterThanOrEqual(10 - failed);
      expect(during.inbox).toBe(during.contacts);
      expect(during.links).toBe(during.contacts);
      // SQS redelivers exactly the failed records.
      const again = new Set(first.batchItemFailures.map((f) => f.itemIdentifier));
      const retry = records
        .filter((r) => again.has(r.messageId))
        .map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: "2" } }));
      expect(await worker.run(sqsEvent(...retry))).toEqual({ batchItemFailures: [] });
      expect(await counts(handle.db)).toMatchObject({ contacts: 10, links: 10, inbox: 10 });
    } finally {
      await outage;
      await admin.query(`alter database "${name}" allow_connections true`);
      await admin.end();
      await handle.close();
    }
  });
});

describe("sync worker: database unreachable", () => {
  it("fails every record of the batch, retryably, without crashing", async () => {
    const handle = await openDatabase({
      driver: "pg",
      url: "postgres://postgres@127.0.0.1:1/unreachable",
    });
    try {
      const worker = workerOn(handle.db);
      const records = [record(resmanMessage(envelope())), record(resmanMessage(envelope()))];
      const response = await worker.run(sqsEvent(...records));
      expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
        records.map((r) => r.messageId).sort(),
      );
      expect(worker.eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    } finally {
      await handle.close();
    }
  });
});

describe("sync worker: deactivation", () => {
  it("a deactivated resident becomes former; the contact stays", async () => {
    const worker = workerOn(db);
    const personId = randomUUID();
    await worker.run(
      sqsEvent(
        record(resmanMessage(envelope({ person: { person_id: personId, status: "resident" } }))),
      ),
    );
    const deactivation = envelope({
      type: "person.deactivated",
      person: {
        person_id: personId,
        status: "resident",
        first_name: undefined,
        last_name: undefined,
        email: undefined,
        phones: [],
        last_modified: "2026-11-21T00:00:00Z",
      },
    });
    expect(await worker.run(sqsEvent(record(resmanMessage(deactivation))))).toEqual({
      batchItemFailures: [],
    });
    const link = await linkOf(db, personId);
    expect(link).toMatchObject({ resmanStatus: "former", syncStatus: "success" });
    const contact = await contactOf(db, link?.userId ?? "");
    expect(contact).toMatchObject({ kind: "former", email: PEOPLE.marisol.email });
  });

  it("a deactivated prospect becomes lost", async () => {
    const worker = workerOn(db);
    const personId = randomUUID();
    const body = envelope({ type: "person.deactivated", person: { person_id: personId } });
    await worker.run(sqsEvent(record(resmanMessage(body))));
    expect(await linkOf(db, personId)).toMatchObject({ resmanStatus: "lost" });
  });
});

describe("sync worker: outbound events", () => {
  it("publishes one event per effect after commit, ids and status only", async () => {
    const worker = workerOn(db);
    const first = envelope();
    // Same email and name, another ResMan record: merged into the same contact.
    const second = envelope({ person: { phones: [] } });
    await worker.run(sqsEvent(record(resmanMessage(first))));
    await worker.run(sqsEvent(record(resmanMessage(second))));
    expect(worker.eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    const entries = worker.eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    expect(entries.map((e) => e.DetailType)).toEqual(["contact.synced", "contact.merged"]);
    for (const entry of entries) {
      expect(entry).toMatchObject({ Source: "contact-sync", EventBusName: "bus" });
      const detail = JSON.parse(entry.Detail ?? "{}");
      expect(Object.keys(detail).sort()).toEqual([
        "contact_id",
        "event_id",
        "link_id",
        "match_score",
        "occurred_at",
        "property_id",
        "resman_person_id",
        "status",
      ]);
      for (const value of Object.values(PEOPLE.marisol)) {
        expect(entry.Detail).not.toContain(value);
      }
    }
    const unpublished = await db.select().from(outboxEvent).where(isNull(outboxEvent.publishedAt));
    expect(unpublished).toHaveLength(0);
  });

  it("publishes a batch's own events from memory, and drains only for records that went their own way or after DRAIN_INTERVAL_MS", async () => {
    let now = Date.parse("2026-11-25T12:00:00Z");
    const worker = workerOn(db, { clock: { now: () => new Date(now) } });
    const outbox = worker.stores.outbox;
    const claim = outbox.claim.bind(outbox);
    let claims = 0;
    outbox.claim = (...args) => {
      claims += 1;
      return claim(...args);
    };
    const entries = () =>
      worker.eventBridge
        .commandCalls(PutEventsCommand)
        .flatMap((call) => call.args[0].input.Entries ?? [])
        .map((entry) => JSON.parse(entry.Detail ?? "{}").event_id as string);
    const people = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) =>
        record(
          resmanMessage(
            envelope({
              person: {
                first_name: `Ysolde${tag}${i}`,
                last_name: `Varga${tag}`,
                email: `ysolde.${tag}.${i}@mailbox.dev`,
                phones: [],
              },
            }),
          ),
        ),
      );
    /** An outbox row another writer (an import, a review decision) left for a drain. */
    const leftover = async () => {
      const [row] = await db.select().from(outboxEvent).limit(1);
      if (row === undefined) throw new Error("no outbox row to copy");
      const id = randomUUID();
      await db.insert(outboxEvent).values({ ...row, id, publishedAt: null, claimedUntil: null });
      return id;
    };
    const published = async (id: string) =>
      (await db.select().from(outboxEvent).where(eq(outboxEvent.id, id)))[0]?.publishedAt !== null;

    // The container's first batch drains (it never has); its own three events go from memory.
    await worker.run(sqsEvent(...people(3, "a")));
    expect(claims).toBe(1);
    expect(entries()).toHaveLength(3);
    const rows = await db.select().from(outboxEvent);
    expect(rows.map((row) => [row.publishedAt !== null, row.attempts])).toEqual(
      rows.map(() => [true, 1]),
    );
    expect(new Set(entries())).toEqual(new Set(rows.map((row) => row.id)));

    // Within the interval, a batch the waves wrote whole does not drain: the leftover waits.
    const first = await leftover();
    await worker.run(sqsEvent(...people(2, "b")));
    expect(claims).toBe(1);
    expect(entries()).toHaveLength(5);
    expect(await published(first)).toBe(false);

    // A record processed on its own (a deactivation) may have left a row only a drain sends.
    const [deactivated] = await db.select().from(contactSync).limit(1);
    const gone = envelope({
      type: "person.deactivated",
      person: { person_id: String(deactivated?.personId) },
    });
    await worker.run(sqsEvent(record(resmanMessage(gone))));
    expect(claims).toBe(2);
    expect(await published(first)).toBe(true);

    // Once the interval has passed, a batch drains again.
    const second = await leftover();
    now += DRAIN_INTERVAL_MS - 1;
    await worker.run(sqsEvent(...people(1, "c")));
    expect(await published(second)).toBe(false);
    now += 1;
    await worker.run(sqsEvent(...people(1, "d")));
    expect(claims).toBe(3);
    expect(await published(second)).toBe(true);
  });

  it("keeps events whose PutEvents failed and publishes them on a later drain", async () => {
    const worker = workerOn(db);
    worker.eventBridge.on(PutEventsCommand).rejects(new Error("EventBridge is down"));
    const response = await worker.run(sqsEvent(record(resmanMessage(envelope()))));
    // The sync itself committed; only the announcement is pending.
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await counts(db)).toMatchObject({ contacts: 1, outbox: 1 });
    const [pending] = await db.select().from(outboxEvent).where(isNull(outboxEvent.publishedAt));
    expect(pending).toBeDefined();

    worker.eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}] });
    // The failed drain holds the row for its lease; once that ends, the next drain sends it.
    await db.update(outboxEvent).set({ claimedUntil: null });
    const drained = await drainOutbox({
      outbox: worker.stores.outbox,
      publisher: {
        publish: async (events) => {
          expect(events.map((e) => e.detail.event_id)).toEqual([pending?.id]);
          return { failed: [] };
        },
      },
    });
    expect(drained).toEqual({ published: 1, failed: 0 });
    const [row] = await db
      .select()
      .from(outboxEvent)
      .where(eq(outboxEvent.id, String(pending?.id)));
    expect(row?.publishedAt).not.toBeNull();
  });
});

describe("sync worker: inbox", () => {
  it("records the delivery's event id with the effect", async () => {
    const worker = workerOn(db);
    const eventId = `msg_${randomUUID()}`;
    await worker.run(sqsEvent(record(resmanMessage(envelope(), eventId))));
    const rows = await db.select().from(processedEvent).where(eq(processedEvent.eventId, eventId));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.source).toBe("resman");
    const contacts = await db.select().from(user);
    expect(contacts).toHaveLength(1);
  });
});
