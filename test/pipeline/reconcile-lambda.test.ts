/**
 * The scheduled reconciliation on Lambda, on real Postgres (node-postgres) with SQS and SSM
 * mocked: the schedule's fan-out (one reconcile message per enabled property), the reconcile
 * worker (one property per message, its people as sync messages with SendMessageBatch, the run
 * row and the cursors), and the deployed entry modules configured only through the environment,
 * with the ResMan credentials from SSM and a ResMan that refuses them: the credentials reach
 * ResMan and nothing else (no log line, no error, no run row).
 * (Over 400 lines as one thing: the scheduled reconciliation's two functions and their entry
 * modules, on one database and mocked AWS.)
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { ScheduledEvent, SQSBatchResponse } from "aws-lambda";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../lib/adapters/db/client.js";
import { DrizzleOutboxStore } from "../../lib/adapters/db/outboxRepository.js";
import { DrizzleReconcileStore } from "../../lib/adapters/db/reconcileRepository.js";
import { contactSync, outboxEvent, reconcileRun } from "../../lib/adapters/db/schema.js";
import { createStores } from "../../lib/adapters/db/stores.js";
import { createReconcileSchedule } from "../../lib/adapters/lambda/reconcileSchedule.js";
import { createReconcileWorker } from "../../lib/adapters/lambda/reconcileWorker.js";
import { queueSink } from "../../lib/adapters/queue/queueSink.js";
import { ssmResmanCredentials } from "../../lib/adapters/resman/credentials.js";
import { GuestCardOutcomeUnknownError, ResmanAuthError } from "../../lib/adapters/resman/errors.js";
import { enrichContact } from "../../lib/app/enrichContact.js";
import { QueueUnavailableError } from "../../lib/app/errors.js";
import type { GuestCardPort } from "../../lib/app/ports/guestCards.js";
import type { RegisteredProperty } from "../../lib/app/ports/reconcileStore.js";
import type { ResmanPeople, ResmanSource } from "../../lib/app/ports/resmanSource.js";
import type { EventPublisher } from "../../lib/app/ports.js";
import { syncMessageSchema } from "../../lib/domain/events.js";
import type { ResmanPerson } from "../../lib/domain/person.js";
import { reconcileMessageSchema } from "../../lib/domain/reconcileMessage.js";
import { FAKE_API_KEY, FAKE_PARTNER_ID } from "../fixtures/resmanCredentials.js";
import { isMetricsLine, logLinesOf } from "../support/captureLogs.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";
import {
  fixedClock,
  lambdaContext,
  PEOPLE,
  record,
  resetPipelineTables,
  sqsEvent,
} from "./support.js";

const SYNC_QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync-test-sync";
const RECONCILE_QUEUE_URL =
  "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync-test-reconcile";
const PARTNER_ID_PARAMETER = "/contact-sync/test/resman-partner-id";
const API_KEY_PARAMETER = "/contact-sync/test/resman-api-key";
const NOW = "2026-11-25T12:00:00.000Z";
/** Retries without waiting. */
const FAST = { retries: 3, minTimeout: 1, maxTimeout: 2 };
const SETTINGS = { backfillSince: new Date("2026-01-01T00:00:00Z"), rosterHours: 24 };

let database: TestDatabase;
let db: Database;
let store: DrizzleReconcileStore;
let sqs: AwsClientStub<SQSClient>;

beforeAll(async () => {
  database = await openTestDatabase("pg");
  db = database.handle.db;
  store = new DrizzleReconcileStore(db);
});
afterAll(() => database.cleanup());

beforeEach(async () => {
  await resetPipelineTables(db);
  sqs = mockClient(SQSClient);
});
afterEach(() => {
  sqs.restore();
});

// --- helpers -------------------------------------------------------------------------------

type Entries = NonNullable<SendMessageBatchCommandInput["Entries"]>;

/** SQS accepting every entry except those `refuse` picks (reported `Failed`, retryable). */
function sqsAnswer(refuse: (entry: Entries[number]) => boolean = () => false) {
  return (input: SendMessageBatchCommandInput) => {
    const entries = input.Entries ?? [];
    return {
      Successful: entries
        .filter((entry) => !refuse(entry))
        .map((entry) => ({ Id: entry.Id, MessageId: randomUUID(), MD5OfMessageBody: "x" })),
      Failed: entries
        .filter(refuse)
        .map((entry) => ({ Id: entry.Id, SenderFault: false, Code: "InternalError" })),
    };
  };
}

function batches(queueUrl: string): Entries[] {
  return sqs
    .commandCalls(SendMessageBatchCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.QueueUrl === queueUrl)
    .map((input) => input.Entries ?? []);
}

function bodies(queueUrl: string): unknown[] {
  return batches(queueUrl)
    .flat()
    .map((entry) => JSON.parse(entry.MessageBody ?? "null"));
}

async function register(enabled: boolean, api: "v2" | "v1" = "v2"): Promise<RegisteredProperty> {
  const { property } = await store.register({
    resmanPropertyId: randomUUID(),
    resmanAccountId: 4321,
    api,
    enabled,
  });
  return property;
}

const scheduledEvent = (): ScheduledEvent => ({
  version: "0",
  id: randomUUID(),
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: NOW,
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/contact-sync-test-reconcile"],
  detail: {},
});

/** Fictional people (the pipeline fixtures' names and contacts), GUID person ids. */
function people(count: number): ResmanPerson[] {
  const who = [PEOPLE.marisol, PEOPLE.tobias, PEOPLE.ines];
  return Array.from({ length: count }, (_, i) => {
    const one = who[i % who.length] ?? PEOPLE.marisol;
    return {
      person_id: randomUUID(),
      status: "prospect",
      first_name: one.first_name,
      last_name: one.last_name,
      email: one.email,
      phones: [{ type: "mobile", number: one.phone }],
      last_modified: "2026-11-25T11:00:00Z",
    };
  });
}

const read = (list: ResmanPerson[]): ResmanPeople => ({ people: list, unreadable: 0, reasons: {} });

/** A `ResmanSource` (the use case's port) answering from lists: prospects, no leases, a roster. */
function fakeSource(
  prospects: ResmanPerson[],
  options: { roster?: ResmanPerson[]; fail?: Error } = {},
): ResmanSource {
  return {
    incrementalResources: (api) => (api === "v2" ? ["prospects", "leases"] : ["prospects"]),
    changedPeople: async (_property, resource) => {
      if (options.fail !== undefined) throw options.fail;
      return read(resource === "prospects" ? prospects : []);
    },
    roster: async () => read(options.roster ?? []),
  };
}

function workerWith(source: ResmanSource, extra: { credentialsRefused?: () => void } = {}) {
  const worker = createReconcileWorker({
    store: async () => store,
    source: async () => source,
    sink: queueSink(new SQSClient({ region: "us-east-1" }), SYNC_QUEUE_URL, FAST),
    clock: fixedClock(NOW),
    settings: SETTINGS,
    ...extra,
  });
  return (body: unknown, messageId: string = randomUUID()) =>
    worker(
      sqsEvent(record(typeof body === "string" ? body : JSON.stringify(body), { messageId })),
      lambdaContext,
    ) as Promise<SQSBatchResponse>;
}

const messageFor = (property: RegisteredProperty, full = false) => ({
  property_id: property.id,
  resman_property_id: property.resmanPropertyId,
  full,
});

/** The logger's JSON lines among captured output (not the metrics' EMF lines). */
function logged(lines: string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    if (isMetricsLine(line)) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

async function runsOf(propertyId: string) {
  const rows = await db.select().from(reconcileRun);
  return rows.filter((row) => row.propertyId === propertyId);
}

// --- the schedule --------------------------------------------------------------------------

describe("the scheduled fan-out (functions/reconcile.ts)", () => {
  const schedule = () =>
    createReconcileSchedule({
      registry: async () => store,
      sqs: new SQSClient({ region: "us-east-1" }),
      queueUrl: RECONCILE_QUEUE_URL,
      retry: FAST,
    });

  it("sends one message per enabled property, in batches of at most 10, none for disabled ones", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(sqsAnswer());
    const enabled = [];
    for (let i = 0; i < 12; i += 1) enabled.push(await register(true, i % 3 === 0 ? "v1" : "v2"));
    const disabled = [await register(false), await register(false)];

    const result = await schedule()(scheduledEvent(), lambdaContext);

    expect(result).toEqual({ properties: 12, sent: 12 });
    expect(batches(RECONCILE_QUEUE_URL).map((entries) => entries.length)).toEqual([10, 2]);
    const messages = bodies(RECONCILE_QUEUE_URL).map((body) => reconcileMessageSchema.parse(body));
    expect(messages.map((m) => m.property_id).sort()).toEqual(enabled.map((p) => p.id).sort());
    for (const message of messages) {
      const property = enabled.find((p) => p.id === message.property_id);
      expect(message).toEqual({ ...messageFor(property as RegisteredProperty), full: false });
    }
    for (const property of disabled) {
      expect(messages.some((m) => m.property_id === property.id)).toBe(false);
    }
  });

  it("sends nothing when no property is enabled", async () => {
    await register(false);
    expect(await schedule()(scheduledEvent(), lambdaContext)).toEqual({ properties: 0, sent: 0 });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
  });

  it("sends a message SQS reported as failed again", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .callsFakeOnce(sqsAnswer((entry) => entry.Id === "1"))
      .callsFake(sqsAnswer());
    for (let i = 0; i < 3; i += 1) await register(true);
    expect(await schedule()(scheduledEvent(), lambdaContext)).toEqual({ properties: 3, sent: 3 });
    expect(batches(RECONCILE_QUEUE_URL).map((entries) => entries.length)).toEqual([3, 1]);
  });

  it("fails the invocation, naming the property, only after sending the others", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(sqsAnswer((entry) => entry.Id === "11"));
    const properties = [];
    for (let i = 0; i < 12; i += 1) properties.push(await register(true));
    const { result, lines } = await logLinesOf(() =>
      schedule()(scheduledEvent(), lambdaContext).catch((error: unknown) => error),
    );
    expect(result).toBeInstanceOf(QueueUnavailableError);
    // The 11 others were accepted in the first attempt; the refused one was tried 1 + 3 times.
    expect(batches(RECONCILE_QUEUE_URL).map((entries) => entries.length)).toEqual([10, 2, 1, 1, 1]);
    const failure = logged(lines).find((line) => line.level === "ERROR");
    const unsent = failure?.unsent as { propertyId: string; errorCode: string }[];
    expect(unsent).toHaveLength(1);
    expect(properties.map((p) => p.id)).toContain(unsent[0]?.propertyId);
    expect(unsent[0]?.errorCode).toBe("InternalError");
  });
});

describe("the scheduled fan-out's outbox sweep", () => {
  /** An outbox row as a writer left it (`published`/`claimed`: a drain's stamp or lease). */
  const outboxRow = async (state: { published?: boolean; claimed?: boolean } = {}) => {
    const id = randomUUID();
    await db.insert(outboxEvent).values({
      id,
      eventType: "contact.synced",
      propertyId: randomUUID(),
      contactId: randomUUID(),
      personId: "P-1",
      status: "success",
      publishedAt: state.published === true ? new Date() : null,
      claimedUntil: state.claimed === true ? new Date(Date.now() + 60_000) : null,
    });
    return id;
  };
  const sweeping = (publish: EventPublisher["publish"]) =>
    createReconcileSchedule({
      registry: async () => store,
      sqs: new SQSClient({ region: "us-east-1" }),
      queueUrl: RECONCILE_QUEUE_URL,
      retry: FAST,
      sweep: async () => ({ outbox: new DrizzleOutboxStore(db), publisher: { publish } }),
    });

  it("publishes what nobody published yet, leaving rows another drain holds", async () => {
    const waiting = await outboxRow();
    await outboxRow({ published: true });
    const held = await outboxRow({ claimed: true });
    const sent: string[] = [];
    const result = await sweeping(async (events) => {
      sent.push(...events.map((event) => event.detail.event_id));
      return { failed: [] };
    })(scheduledEvent(), lambdaContext);
    expect(result).toEqual({ properties: 0, sent: 0 });
    expect(sent).toEqual([waiting]);
    const rows = await db.select().from(outboxEvent);
    expect(rows.find((row) => row.id === waiting)?.publishedAt).not.toBeNull();
    expect(rows.find((row) => row.id === held)?.publishedAt).toBeNull();
  });

  it("never fails the fan-out when EventBridge is down: the rows wait for the next sweep", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(sqsAnswer());
    await register(true);
    const waiting = await outboxRow();
    const { result, lines } = await logLinesOf(() =>
      sweeping(async () => {
        throw new Error("EventBridge is down");
      })(scheduledEvent(), lambdaContext),
    );
    expect(result).toEqual({ properties: 1, sent: 1 });
    expect(logged(lines).some((line) => line.message === "outbox not swept")).toBe(true);
    const [row] = await db.select().from(outboxEvent).where(eq(outboxEvent.id, waiting));
    expect(row?.publishedAt).toBeNull();
  });
});

// --- the worker ----------------------------------------------------------------------------

describe("the reconcile worker (functions/reconcile-worker.ts)", () => {
  it("reconciles the property and sends its people as sync messages, 10 per SendMessageBatch", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(sqsAnswer());
    const property = await register(true);
    const prospects = people(13);

    const response = await workerWith(fakeSource(prospects))(messageFor(property));

    expect(response).toEqual({ batchItemFailures: [] });
    const sent = batches(SYNC_QUEUE_URL);
    expect(sent.map((entries) => entries.length)).toEqual([10, 3]);
    const messages = bodies(SYNC_QUEUE_URL).map((body) => syncMessageSchema.parse(body));
    expect(
      messages.map((m) => (m.kind === "resman" ? m.envelope.person.person_id : null)).sort(),
    ).toEqual(prospects.map((p) => p.person_id).sort());
    for (const message of messages) {
      expect(message).toMatchObject({
        kind: "resman",
        envelope: {
          type: "person.upserted",
          property_id: property.resmanPropertyId,
          account_id: 4321,
        },
      });
    }
    const [run] = await runsOf(property.id);
    expect(run).toMatchObject({ status: "ok", fetched: 13, enqueued: 13, errors: null });
    const cursors = await store.cursors(property.id);
    expect(cursors.prospects?.toISOString()).toBe(NOW);
    expect(cursors.leases?.toISOString()).toBe(NOW);
    expect(cursors.roster?.toISOString()).toBe(NOW);
  });

  it("sends an entry SQS reported as failed again; the run is ok", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .callsFakeOnce(sqsAnswer((entry) => entry.Id === "2"))
      .callsFake(sqsAnswer());
    const property = await register(true);

    expect(await workerWith(fakeSource(people(4)))(messageFor(property))).toEqual({
      batchItemFailures: [],
    });

    expect(batches(SYNC_QUEUE_URL).map((entries) => entries.map((e) => e.Id))).toEqual([
      ["0", "1", "2", "3"],
      ["2"],
    ]);
    const [run] = await runsOf(property.id);
    expect(run).toMatchObject({ status: "ok", enqueued: 4 });
    expect((await store.cursors(property.id)).prospects?.toISOString()).toBe(NOW);
  });

  it("keeps the cursor where it was when SQS keeps refusing a person, and acknowledges the run", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(sqsAnswer((entry) => entry.Id === "2"));
    const property = await register(true);

    const { result: response, lines } = await logLinesOf(() =>
      workerWith(fakeSource(people(4)))(messageFor(property)),
    );

    // Recorded in the run row; the next schedule reads the window again.
    expect(response).toEqual({ batchItemFailures: [] });
    const [run] = await runsOf(property.id);
    expect(run).toMatchObject({
      status: "partial",
      enqueued: 3,
      errors: { prospects: "sync_incomplete:InternalError" },
    });
    const cursors = await store.cursors(property.id);
    expect(cursors.prospects).toBeUndefined();
    expect(cursors.leases?.toISOString()).toBe(NOW);
    const finished = logged(lines).find((l) => l.runId === run?.id);
    expect(finished).toMatchObject({ level: "WARN", status: "partial", propertyId: property.id });
    // Ids and counts only.
    expect(lines.join("\n")).not.toContain(PEOPLE.marisol.last_name);
  });

  it("acknowledges a run ResMan refused (auth_failed) and asks for the credentials again", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(sqsAnswer());
    const property = await register(true);
    const refused = new ResmanAuthError(
      {
        api: "v2",
        method: "GET",
        path: "/Prospects",
        accountId: 4321,
        propertyId: property.resmanPropertyId,
      },
      401,
    );
    let refreshed = 0;
    const run = workerWith(fakeSource(people(2), { fail: refused }), {
      credentialsRefused: () => {
        refreshed += 1;
      },
    });

    expect(await run(messageFor(property))).toEqual({ batchItemFailures: [] });

    expect(refreshed).toBe(1);
    expect((await runsOf(property.id))[0]).toMatchObject({ status: "auth_failed" });
    expect(await store.cursors(property.id)).toEqual({});
  });

  it("skips and acknowledges a property that is disabled, unknown, or registered under another GUID", async () => {
    const disabled = await register(false);
    const enabled = await register(true);
    const run = workerWith(fakeSource(people(2)));
    const unknown = { property_id: randomUUID(), resman_property_id: randomUUID(), full: false };
    const moved = { ...messageFor(enabled), resman_property_id: randomUUID() };

    const { lines } = await logLinesOf(async () => {
      for (const message of [messageFor(disabled), unknown, moved]) {
        expect(await run(message)).toEqual({ batchItemFailures: [] });
      }
    });

    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
    expect(await db.select().from(reconcileRun)).toEqual([]);
    const reasons = logged(lines).map((line) => line.reason);
    expect(reasons).toEqual(["disabled", "not_registered", "resman_id_changed"]);
  });

  it("fails the record (SQS retries it) for a malformed body or a database that is down", async () => {
    const property = await register(true);
    const malformed = await workerWith(fakeSource([]))(
      { property_id: "not-a-guid", full: "yes" },
      "m-1",
    );
    expect(malformed).toEqual({ batchItemFailures: [{ itemIdentifier: "m-1" }] });
    const notJson = await workerWith(fakeSource([]))("{", "m-2");
    expect(notJson).toEqual({ batchItemFailures: [{ itemIdentifier: "m-2" }] });

    const down = createReconcileWorker({
      store: async () => {
        throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
          code: "ECONNREFUSED",
        });
      },
      source: async () => fakeSource([]),
      sink: queueSink(new SQSClient({ region: "us-east-1" }), SYNC_QUEUE_URL, FAST),
      clock: fixedClock(NOW),
      settings: SETTINGS,
    });
    const response = await down(
      sqsEvent(record(JSON.stringify(messageFor(property)), { messageId: "m-3" })),
      lambdaContext,
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m-3" }] });
  });

  it("runs a full reconciliation when the message asks for one", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(sqsAnswer());
    const property = await register(true);
    await workerWith(fakeSource(people(1)))(messageFor(property, true));
    expect((await runsOf(property.id))[0]).toMatchObject({ status: "ok", full: true });
  });
});

// --- the guest-card push ------------------------------------------------------------------

/** A ResMan for the push, scripted (the port; the client has its tests against the stand-in). */
function fakeGuestCards(options: { dropFirstCreate?: boolean } = {}) {
  const cards: { prospectId: string; personId: string; email: string | null }[] = [];
  let drop = options.dropFirstCreate === true;
  const port: GuestCardPort = {
    searchProspects: async (_property, search) =>
      cards
        .filter((card) => "email" in search && card.email === search.email)
        .map((card) => ({ ...card, type: "prospect", firstName: "Marisol", lastName: null })),
    createGuestCard: async (property, card) => {
      const ids = { prospectId: randomUUID(), personId: randomUUID() };
      cards.push({ ...ids, email: card.customer.email });
      if (drop) {
        drop = false;
        const call = {
          api: "v1" as const,
          method: "POST" as const,
          path: "/MITS/PostLeadManagement4_0",
          accountId: property.resmanAccountId,
          propertyId: property.resmanPropertyId,
        };
        throw new GuestCardOutcomeUnknownError(call, undefined, "timeout after 500 ms");
      }
      return ids;
    },
    addProspectEvent: async () => {},
    prospectSources: async () => [],
    employees: async () => [],
  };
  return { port, cards };
}

describe("the reconcile worker's guest-card push", () => {
  async function leadOn(property: RegisteredProperty): Promise<string> {
    const stores = createStores(db);
    await stores.push.setPushSettings(property.id, {
      enabled: true,
      sourceId: "src-1",
      agentId: "agent-1",
    });
    const lead = await enrichContact(
      { store: stores.contacts, properties: stores.properties, clock: fixedClock(NOW) },
      {
        detail_type: "Contact Captured",
        detail: {
          event_id: randomUUID(),
          property_id: property.id,
          conversation_id: randomUUID(),
          occurred_at: NOW,
          contact: { first_name: "Marisol", email: "marisol.push@leadmail.org" },
        },
      },
    );
    return lead.contactId ?? "";
  }

  function pushingWorker(guestCards: GuestCardPort) {
    const worker = createReconcileWorker({
      store: async () => store,
      source: async () => fakeSource([]),
      sink: queueSink(new SQSClient({ region: "us-east-1" }), SYNC_QUEUE_URL, FAST),
      clock: fixedClock(NOW),
      settings: SETTINGS,
      push: { store: async () => createStores(db).push, guestCards: async () => guestCards },
    });
    return (body: unknown, messageId: string) =>
      worker(
        sqsEvent(record(JSON.stringify(body), { messageId })),
        lambdaContext,
      ) as Promise<SQSBatchResponse>;
  }

  it("pushes the property's waiting leads after reconciling it", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(sqsAnswer());
    const property = await register(true);
    const contactId = await leadOn(property);
    const resman = fakeGuestCards();
    const response = await pushingWorker(resman.port)(messageFor(property), "m-push");
    expect(response).toEqual({ batchItemFailures: [] });
    expect(resman.cards).toHaveLength(1);
    const [link] = await db.select().from(contactSync).where(eq(contactSync.userId, contactId));
    expect(link).toMatchObject({ personId: resman.cards[0]?.personId, syncStatus: "success" });
  });

  it("fails the record when ResMan's answer never came, and the redelivery makes no second card", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(sqsAnswer());
    const property = await register(true);
    const contactId = await leadOn(property);
    const resman = fakeGuestCards({ dropFirstCreate: true });
    const worker = pushingWorker(resman.port);
    // SQS delivers it again (and after maxReceiveCount moves it to the DLQ).
    expect(await worker(messageFor(property), "m-lost")).toEqual({
      batchItemFailures: [{ itemIdentifier: "m-lost" }],
    });
    expect(await worker(messageFor(property), "m-lost")).toEqual({ batchItemFailures: [] });
    expect(resman.cards).toHaveLength(1);
    const [link] = await db.select().from(contactSync).where(eq(contactSync.userId, contactId));
    expect(link?.personId).toBe(resman.cards[0]?.personId);
  });
});

// --- ResMan credentials --------------------------------------------------------------------

describe("ResMan credentials from SSM", () => {
  let ssm: AwsClientStub<SSMClient>;
  beforeEach(() => {
    ssm = mockClient(SSMClient);
  });
  afterEach(() => {
    ssm.restore();
  });

  const credentials = () =>
    ssmResmanCredentials({
      partnerIdParameter: PARTNER_ID_PARAMETER,
      apiKeyParameter: API_KEY_PARAMETER,
      client: new SSMClient({ region: "us-east-1" }),
    });

  it("reads both SecureStrings decrypted once, then from the cache until refreshed", async () => {
    ssm.on(GetParameterCommand, { Name: PARTNER_ID_PARAMETER }).resolves({
      Parameter: { Value: FAKE_PARTNER_ID },
    });
    ssm.on(GetParameterCommand, { Name: API_KEY_PARAMETER }).resolves({
      Parameter: { Value: `${FAKE_API_KEY}\n` },
    });
    const source = credentials();
    expect(await source.get()).toEqual({ partnerId: FAKE_PARTNER_ID, apiKey: FAKE_API_KEY });
    expect(await source.get()).toEqual({ partnerId: FAKE_PARTNER_ID, apiKey: FAKE_API_KEY });
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: API_KEY_PARAMETER,
      WithDecryption: true,
    });
    source.refresh();
    await source.get();
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 4);
  });

  it("fails naming the parameter and AWS's error, never a value", async () => {
    ssm.on(GetParameterCommand, { Name: PARTNER_ID_PARAMETER }).resolves({
      Parameter: { Value: FAKE_PARTNER_ID },
    });
    const denied = Object.assign(new Error(`denied; the key was ${FAKE_API_KEY}`), {
      name: "AccessDeniedException",
      $fault: "client",
    });
    ssm.on(GetParameterCommand, { Name: API_KEY_PARAMETER }).rejects(denied);
    const error = (await credentials()
      .get()
      .then(
        () => new Error("expected a failure"),
        (caught: unknown) => caught,
      )) as Error;
    expect(error).toMatchObject({ code: "credentials_unavailable", retryable: true });
    expect(error.message).toContain(API_KEY_PARAMETER);
    expect(error.message).toContain("AccessDeniedException");
    expect(error.message).not.toContain(FAKE_API_KEY);
    expect(error.message).not.toContain(FAKE_PARTNER_ID);

    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: "  " } });
    await expect(credentials().get()).rejects.toThrow(/is empty/);
  });
});

// --- the deployed entry modules ------------------------------------------------------------

describe("functions/reconcile.ts and functions/reconcile-worker.ts, configured by the environment", () => {
  let ssm: AwsClientStub<SSMClient>;
  let resman: Server;
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    // A ResMan that refuses every request, and says back what it got (a hostile echo).
    resman = createServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(401, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          message: `unauthorized: ${request.headers.authorization ?? ""} ${FAKE_API_KEY}`,
          code: "Unauthorized",
        }),
      );
    });
    await new Promise<void>((resolve) => resman.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(resman.address() as AddressInfo).port}`;
    Object.assign(process.env, {
      DATABASE_URL: database.url,
      DB_DRIVER: "pg",
      AWS_REGION: "us-east-1",
      SYNC_QUEUE_URL,
      RECONCILE_QUEUE_URL,
      EVENT_BUS_NAME: "contact-sync-test",
      RESMAN_PARTNER_ID_PARAMETER: PARTNER_ID_PARAMETER,
      RESMAN_API_KEY_PARAMETER: API_KEY_PARAMETER,
      RESMAN_V2_URL: url,
      RESMAN_V1_URL: url,
    });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => resman.close(() => resolve()));
  });
  beforeEach(() => {
    ssm = mockClient(SSMClient);
    ssm.on(GetParameterCommand, { Name: PARTNER_ID_PARAMETER }).resolves({
      Parameter: { Value: FAKE_PARTNER_ID },
    });
    ssm.on(GetParameterCommand, { Name: API_KEY_PARAMETER }).resolves({
      Parameter: { Value: FAKE_API_KEY },
    });
  });
  afterEach(() => {
    ssm.restore();
  });

  it("schedule → worker: the SSM credentials reach ResMan, and no log, error or run row", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(sqsAnswer());
    const property = await register(true);
    const { handler: schedule } = await import("../../functions/reconcile.js");
    const { handler: worker } = await import("../../functions/reconcile-worker.js");

    const { result, lines } = await logLinesOf(async () => {
      await schedule(scheduledEvent(), lambdaContext);
      const [body] = bodies(RECONCILE_QUEUE_URL);
      const first = await worker(sqsEvent(record(JSON.stringify(body))), lambdaContext);
      // ResMan refused the credentials: the next run reads them from SSM again.
      const second = await worker(sqsEvent(record(JSON.stringify(body))), lambdaContext);
      return [first, second];
    });

    expect(result).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    const basic = Buffer.from(`${FAKE_PARTNER_ID}:${FAKE_API_KEY}`).toString("base64");
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((headers) => headers.authorization === `Basic ${basic}`)).toBe(true);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: PARTNER_ID_PARAMETER,
      WithDecryption: true,
    });
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 4);

    const runs = await runsOf(property.id);
    expect(runs.map((run) => run.status)).toEqual(["auth_failed", "auth_failed"]);
    const everything = JSON.stringify([lines, runs]);
    for (const secret of [FAKE_PARTNER_ID, FAKE_API_KEY, basic]) {
      expect(everything).not.toContain(secret);
    }
    const finished = logged(lines).filter((l) => l.runId !== undefined);
    expect(finished).toHaveLength(2);
    expect(finished[0]).toMatchObject({
      status: "auth_failed",
      errors: { prospects: "auth_failed" },
    });
  });
});
