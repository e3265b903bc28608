/**
 * The CloudWatch metrics every function writes: the real handlers (the webhook, the chatbot
 * events function, the sync worker, the reconciliation's fan-out and worker) invoked as Lambda
 * invokes them, their stdout captured and its EMF lines read back — namespace, dimensions, metric
 * names, units and values — on real Postgres and PGlite for the functions that touch the
 * database (SQS and EventBridge mocked). No EMF line may carry a personal value of the fixtures.
 * (Over 400 lines as one thing: every function's metrics, read back the same way from its EMF
 * lines.)
 */
import { randomUUID } from "node:crypto";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { ScheduledEvent, SQSBatchResponse } from "aws-lambda";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../lib/adapters/db/client.js";
import { DrizzleReconcileStore } from "../../lib/adapters/db/reconcileRepository.js";
import { createChatbotEventsHandler } from "../../lib/adapters/lambda/chatbotEvents.js";
import { createReconcileSchedule } from "../../lib/adapters/lambda/reconcileSchedule.js";
import { createReconcileWorker } from "../../lib/adapters/lambda/reconcileWorker.js";
import { createWebhookHandler } from "../../lib/adapters/lambda/resmanWebhook.js";
import { healthGaugesOf } from "../../lib/adapters/observability/healthGauges.js";
import {
  METRIC,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  RECONCILE_RUN_METRICS,
  SYNC_OUTCOME_METRICS,
} from "../../lib/adapters/observability/metrics.js";
import { queueSink } from "../../lib/adapters/queue/queueSink.js";
import { ResmanAuthError } from "../../lib/adapters/resman/errors.js";
import { createWebhookVerifier } from "../../lib/adapters/webhook/verifySignature.js";
import type { RegisteredProperty } from "../../lib/app/ports/reconcileStore.js";
import type { ResmanSource } from "../../lib/app/ports/resmanSource.js";
import type { SyncQueue } from "../../lib/app/ports.js";
import type { DriverName } from "../../lib/config.js";
import type { ResmanPerson } from "../../lib/domain/person.js";
import { DEFAULT_MATCHING_CRITERIA } from "../../lib/domain/rules.js";
import { forbiddenValues, spellings } from "../fixtures/pii.js";
import {
  chatbotDetails,
  FOREIGN_WEBHOOK_SECRET,
  WEBHOOK_SECRET,
  webhookEnvelope,
} from "../fixtures/webhook.js";
import { isMetricsLine, logLinesOf } from "../support/captureLogs.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";
import {
  eventBridgeEvent,
  httpEvent,
  RecordingQueue,
  signedHeaders,
  UnavailableQueue,
  fixedClock as webhookClock,
  lambdaContext as webhookContext,
} from "../support/webhook.js";
import {
  envelope,
  fixedClock,
  lambdaContext,
  PEOPLE,
  RESMAN_PROPERTY,
  record,
  resetPipelineTables,
  resmanMessage,
  sqsEvent,
  workerOn,
} from "./support.js";

// --- EMF lines -----------------------------------------------------------------------------

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

const PERSONAL = forbiddenValues().flatMap((value) =>
  spellings(value).map((spelling) => ({ kind: value.kind, spelling })),
);

/** The personal values of the fixtures found in `line` (emails compared ignoring case). */
function personalValuesIn(line: string): string[] {
  const lower = line.toLowerCase();
  return PERSONAL.filter(({ kind, spelling }) =>
    kind === "email" ? lower.includes(spelling.toLowerCase()) : line.includes(spelling),
  ).map(({ kind, spelling }) => `${kind}: ${spelling}`);
}

/** Runs `run` (an invocation), returning its result and the EMF documents it wrote to stdout. */
async function invocation<T>(run: () => Promise<T>): Promise<{ result: T; emf: EmfDocument[] }> {
  const { result, lines } = await logLinesOf(run);
  const emfLines = lines.filter(isMetricsLine);
  for (const line of emfLines) expect(personalValuesIn(line), line).toEqual([]);
  return { result, emf: emfLines.map((line) => JSON.parse(line) as EmfDocument) };
}

/** The invocation's one EMF document (one per invocation: `logMetrics` publishes once). */
function one(emf: EmfDocument[]): EmfDocument {
  expect(emf).toHaveLength(1);
  return emf[0] as EmfDocument;
}

/**
 * Asserts the document's namespace, `service` dimension, dimension sets, its metrics' names
 * (exactly `values`' keys) and units, and each value.
 */
function expectMetrics(
  doc: EmfDocument,
  expected: {
    dimensions: string[][];
    values: Record<string, number>;
    units?: Record<string, string>;
    labels?: Record<string, string>;
  },
): void {
  const [directive, ...others] = doc._aws.CloudWatchMetrics;
  expect(others).toEqual([]);
  expect(directive?.Namespace).toBe(METRICS_NAMESPACE);
  expect(directive?.Dimensions).toEqual(expected.dimensions);
  expect(doc.service).toBe(METRICS_SERVICE);
  const names = directive?.Metrics.map((metric) => metric.Name) ?? [];
  expect([...names].sort()).toEqual(Object.keys(expected.values).sort());
  for (const metric of directive?.Metrics ?? []) {
    expect(metric.Unit, metric.Name).toBe(expected.units?.[metric.Name] ?? "Count");
  }
  for (const [name, value] of Object.entries(expected.values)) {
    expect(doc[name], name).toBe(value);
  }
  // Only the dimensions named, and with these values.
  const dimensionNames = new Set(expected.dimensions.flat());
  expect([...dimensionNames].sort()).toEqual(
    ["service", ...Object.keys(expected.labels ?? {})].sort(),
  );
  for (const [name, value] of Object.entries(expected.labels ?? {})) expect(doc[name]).toBe(value);
}

/** Every sync outcome at 0, then the given ones. */
function syncCounts(counts: Partial<Record<keyof typeof SYNC_OUTCOME_METRICS, number>>) {
  return Object.fromEntries(
    Object.entries(SYNC_OUTCOME_METRICS).map(([outcome, name]) => [
      name,
      counts[outcome as keyof typeof SYNC_OUTCOME_METRICS] ?? 0,
    ]),
  );
}

// --- the webhook and chatbot functions (no database) ---------------------------------------

describe("the webhook function's metrics", () => {
  const body = JSON.stringify(webhookEnvelope);
  const handler = (queue: SyncQueue = new RecordingQueue()) =>
    createWebhookHandler({ verify: createWebhookVerifier([WEBHOOK_SECRET], webhookClock), queue });

  it("counts an accepted delivery under service alone", async () => {
    const { result, emf } = await invocation(() =>
      handler()(
        httpEvent({ headers: signedHeaders({ secret: WEBHOOK_SECRET, body }), body }),
        webhookContext,
      ),
    );
    expect(result.statusCode).toBe(202);
    expectMetrics(one(emf), {
      dimensions: [["service"]],
      values: { [METRIC.webhookAccepted]: 1 },
    });
  });

  it("counts a delivery with a bad signature as rejected, by reason invalid_signature", async () => {
    const headers = signedHeaders({ secret: FOREIGN_WEBHOOK_SECRET, body });
    const { result, emf } = await invocation(() =>
      handler()(httpEvent({ headers, body }), webhookContext),
    );
    expect(result.statusCode).toBe(401);
    expectMetrics(one(emf), {
      dimensions: [["service"], ["service", "reason"]],
      values: { [METRIC.webhookRejected]: 1 },
      labels: { reason: "invalid_signature" },
    });
  });

  it.each([
    ["a body that breaks the contract", "invalid_body", 422, new RecordingQueue()],
    ["a queue that is down", "queue_unavailable", 503, new UnavailableQueue()],
  ])(
    "gives %s its error code as the reason, never a value from the body",
    async (_, reason, status, queue) => {
      // Signed, so the body is read: personal values next to a missing field.
      const broken = JSON.stringify({
        ...webhookEnvelope,
        ...(reason === "invalid_body" ? { type: "person.renamed" } : {}),
      });
      const headers = signedHeaders({ secret: WEBHOOK_SECRET, body: broken });
      const { result, emf } = await invocation(() =>
        handler(queue)(httpEvent({ headers, body: broken }), webhookContext),
      );
      expect(result.statusCode).toBe(status);
      expectMetrics(one(emf), {
        dimensions: [["service"], ["service", "reason"]],
        values: { [METRIC.webhookRejected]: 1 },
        labels: { reason },
      });
    },
  );
});

describe("the chatbot events function's metrics", () => {
  it("counts an accepted event, and a rejected one by reason", async () => {
    const handler = createChatbotEventsHandler({ queue: new RecordingQueue() });
    const accepted = await invocation(() =>
      handler(
        eventBridgeEvent("Contact Captured", chatbotDetails["Contact Captured"]),
        webhookContext,
      ),
    );
    expectMetrics(one(accepted.emf), {
      dimensions: [["service"]],
      values: { [METRIC.chatbotEventsAccepted]: 1 },
    });

    const { event_id: _dropped, ...withoutId } = chatbotDetails["Contact Captured"];
    const rejected = await invocation(() =>
      handler(eventBridgeEvent("Contact Captured", withoutId), webhookContext),
    );
    expectMetrics(one(rejected.emf), {
      dimensions: [["service"], ["service", "reason"]],
      values: { [METRIC.chatbotEventsRejected]: 1 },
      labels: { reason: "invalid_input" },
    });
  });
});

// --- the functions on the database ---------------------------------------------------------

const NOW = "2026-11-25T12:00:00.000Z";
const minutesAfter = (minutes: number) =>
  new Date(new Date(NOW).getTime() + minutes * 60_000).toISOString();
/** SQS retries without waiting. */
const FAST = { retries: 2, minTimeout: 1, maxTimeout: 2 };

/** SQS accepting every entry of every SendMessageBatch. */
function acceptEverything(sqs: AwsClientStub<SQSClient>): void {
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((entry) => ({
      Id: entry.Id,
      MessageId: randomUUID(),
      MD5OfMessageBody: "x",
    })),
    Failed: [],
  }));
}

/** A ResMan source answering every incremental read with `people` (or failing with `fail`). */
function sourceOf(people: ResmanPerson[], fail?: Error): ResmanSource {
  const read = (list: ResmanPerson[]) => ({ people: list, unreadable: 0, reasons: {} });
  return {
    incrementalResources: () => ["prospects"],
    changedPeople: async () => {
      if (fail !== undefined) throw fail;
      return read(people);
    },
    roster: async () => read([]),
  };
}

const scheduledEvent = (): ScheduledEvent => ({
  version: "0",
  id: randomUUID(),
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: NOW,
  region: "us-east-1",
  resources: [],
  detail: {},
});

/** A ResMan person with its modification time, as the webhook contract has it. */
type DatedPerson = ResmanPerson & { last_modified: string };

/** Marisol, a new ResMan person. */
const marisol = (): DatedPerson => ({
  person_id: randomUUID(),
  status: "prospect",
  first_name: PEOPLE.marisol.first_name,
  last_name: PEOPLE.marisol.last_name,
  email: PEOPLE.marisol.email,
  phones: [{ type: "mobile", number: PEOPLE.marisol.phone }],
  last_modified: "2026-11-20T09:59:00Z",
});

/**
 * Ines on Marisol's phone, with a birth date: the household guard keeps her apart, and on a
 * property with a wide review band she waits for review.
 */
const ines = (): DatedPerson => ({
  person_id: randomUUID(),
  status: "prospect",
  first_name: PEOPLE.ines.first_name,
  last_name: PEOPLE.ines.last_name,
  phones: [{ type: "mobile", number: PEOPLE.marisol.phone }],
  birthdate: PEOPLE.ines.birthdate,
  last_modified: "2026-11-20T09:58:00Z",
});

const DRIVERS: readonly DriverName[] = ["pg", "pglite"];

describe.each(DRIVERS)("metrics of the functions on %s", (driver) => {
  let database: TestDatabase;
  let db: Database;
  let worker: ReturnType<typeof workerOn>;
  let propertyId: string;

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    db = database.handle.db;
  });
  afterAll(() => database.cleanup());

  beforeEach(async () => {
    await resetPipelineTables(db);
    worker = workerOn(db, { clock: fixedClock(NOW) });
    const property = await worker.stores.properties.ensureResmanProperty({
      resmanPropertyId: RESMAN_PROPERTY,
      resmanAccountId: 4321,
    });
    propertyId = property.id;
    // A wide review band: a household pair lands in review whatever the weights.
    await worker.stores.rules.setRules(propertyId, {
      criteria: {
        ...DEFAULT_MATCHING_CRITERIA,
        thresholds: { ...DEFAULT_MATCHING_CRITERIA.thresholds, review: -20 },
      },
    });
  });
  afterEach(() => {
    worker.eventBridge.restore();
  });

  /** One sync-worker invocation of these records. */
  const syncBatch = (...records: Parameters<typeof sqsEvent>) =>
    invocation(() => worker.run(sqsEvent(...records)) as Promise<SQSBatchResponse>);

  it("a sync that succeeds: one EMF line per batch, its outcome counted, every other one at 0", async () => {
    const person = marisol();
    const created = await syncBatch(record(resmanMessage(envelope({ person }))));
    expect(created.result).toEqual({ batchItemFailures: [] });
    expectMetrics(one(created.emf), {
      dimensions: [["service"]],
      values: {
        [METRIC.syncMessages]: 1,
        ...syncCounts({ created: 1 }),
        [METRIC.enrichments]: 0,
        [METRIC.leadsCreated]: 0,
        [METRIC.outboxPublished]: 1,
        [METRIC.outboxPublishFailed]: 0,
      },
    });

    // Ines waits for review; Marisol leaves (deactivated); a chatbot event makes a lead.
    const deactivated = envelope({
      type: "person.deactivated",
      person: { ...person, last_modified: "2026-11-21T09:00:00Z" },
    });
    const later = await syncBatch(
      record(resmanMessage(envelope({ person: ines() }))),
      record(resmanMessage(deactivated)),
      record({
        kind: "chatbot",
        event: {
          detail_type: "Contact Captured",
          detail: {
            event_id: randomUUID(),
            property_id: propertyId,
            conversation_id: randomUUID(),
            occurred_at: "2026-11-24T18:00:00Z",
            contact: { first_name: PEOPLE.tobias.first_name, email: PEOPLE.tobias.email },
          },
        },
      }),
    );
    expect(later.result).toEqual({ batchItemFailures: [] });
    expectMetrics(one(later.emf), {
      dimensions: [["service"]],
      values: {
        [METRIC.syncMessages]: 3,
        ...syncCounts({ review: 1, deactivated: 1 }),
        [METRIC.enrichments]: 1,
        [METRIC.leadsCreated]: 1,
        [METRIC.outboxPublished]: 3,
        [METRIC.outboxPublishFailed]: 0,
      },
    });
  });

  it("a sync that fails: refused for good and last receives are failed, others retried", async () => {
    // No name, email or phone: can never sync (its link says failed).
    const nobody = envelope({
      person: { first_name: undefined, last_name: undefined, email: undefined, phones: [] },
    });
    const { result, emf } = await syncBatch(
      record(resmanMessage(nobody)),
      record("not json", { messageId: "m-retried", receiveCount: 1 }),
      record("not json", { messageId: "m-last", receiveCount: 5 }),
    );
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: "m-retried" }, { itemIdentifier: "m-last" }],
    });
    expectMetrics(one(emf), {
      dimensions: [["service"]],
      values: {
        [METRIC.syncMessages]: 3,
        ...syncCounts({ failed: 2, retried: 1 }),
        [METRIC.enrichments]: 0,
        [METRIC.leadsCreated]: 0,
        [METRIC.outboxPublished]: 0,
        [METRIC.outboxPublishFailed]: 0,
      },
    });
  });

  it("counts the outbound events EventBridge refused", async () => {
    worker.eventBridge.on(PutEventsCommand).rejects(new Error("EventBridge is down"));
    const { emf } = await syncBatch(record(resmanMessage(envelope({ person: marisol() }))));
    const doc = one(emf);
    expect(doc[METRIC.outboxPublished]).toBe(0);
    expect(doc[METRIC.outboxPublishFailed]).toBe(1);
    expect(doc[SYNC_OUTCOME_METRICS.created]).toBe(1);
  });

  describe("a reconcile run", () => {
    let sqs: AwsClientStub<SQSClient>;
    let store: DrizzleReconcileStore;
    beforeEach(() => {
      sqs = mockClient(SQSClient);
      acceptEverything(sqs);
      store = new DrizzleReconcileStore(db);
    });
    afterEach(() => {
      sqs.restore();
    });

    const register = async () =>
      (
        await store.register({
          resmanPropertyId: randomUUID(),
          resmanAccountId: 4321,
          api: "v2",
          enabled: true,
        })
      ).property;

    /** One reconcile-worker invocation for `property` at `now`. */
    function reconcile(property: RegisteredProperty, source: ResmanSource, now = NOW) {
      const run = createReconcileWorker({
        store: async () => store,
        source: async () => source,
        sink: queueSink(new SQSClient({ region: "us-east-1" }), "https://sqs/sync", FAST),
        clock: fixedClock(now),
        settings: { backfillSince: new Date("2026-01-01T00:00:00Z"), rosterHours: 24 },
      });
      const body = JSON.stringify({
        property_id: property.id,
        resman_property_id: property.resmanPropertyId,
        full: false,
      });
      return invocation(
        () => run(sqsEvent(record(body)), lambdaContext) as Promise<SQSBatchResponse>,
      );
    }

    it("counts the run by status, also by its property; the schedule writes the health gauges", async () => {
      // An open review item and two outbound events EventBridge refused.
      worker.eventBridge.on(PutEventsCommand).rejects(new Error("EventBridge is down"));
      await syncBatch(record(resmanMessage(envelope({ person: marisol() }))));
      await syncBatch(record(resmanMessage(envelope({ person: ines() }))));

      const good = await register();
      const ok = await reconcile(good, sourceOf([marisol(), ines()]));
      expect(ok.result).toEqual({ batchItemFailures: [] });
      expectMetrics(one(ok.emf), {
        dimensions: [["service"], ["service", "property"]],
        values: { [RECONCILE_RUN_METRICS.ok]: 1 },
        labels: { property: good.id },
      });

      // Two hours earlier, ResMan refused another property's credentials: never a good run.
      const refused = await register();
      const denied = new ResmanAuthError(
        {
          api: "v2",
          method: "GET",
          path: "/Prospects",
          accountId: 4321,
          propertyId: refused.resmanPropertyId,
        },
        401,
      );
      const failed = await reconcile(refused, sourceOf([], denied), minutesAfter(-120));
      expectMetrics(one(failed.emf), {
        dimensions: [["service"], ["service", "property"]],
        values: { [RECONCILE_RUN_METRICS.auth_failed]: 1 },
        labels: { property: refused.id },
      });

      // A message that is not one: back to the queue, no property named.
      const run = createReconcileWorker({
        store: async () => store,
        source: async () => sourceOf([]),
        sink: queueSink(new SQSClient({ region: "us-east-1" }), "https://sqs/sync", FAST),
        clock: fixedClock(NOW),
        settings: { backfillSince: new Date("2026-01-01T00:00:00Z"), rosterHours: 24 },
      });
      const malformed = await invocation(
        () => run(sqsEvent(record("{", { messageId: "m-1" })), lambdaContext) as Promise<unknown>,
      );
      expect(malformed.result).toEqual({ batchItemFailures: [{ itemIdentifier: "m-1" }] });
      expectMetrics(one(malformed.emf), {
        dimensions: [["service"]],
        values: { [METRIC.reconcileRetried]: 1 },
      });

      // 45 minutes after the good run: the oldest last good reconciliation is the refused
      // property's, which never had one: 120 + 45 minutes since its first run.
      const schedule = createReconcileSchedule({
        registry: async () => store,
        gauges: async () => healthGaugesOf(db),
        clock: fixedClock(minutesAfter(45)),
        sqs: new SQSClient({ region: "us-east-1" }),
        queueUrl: "https://sqs/reconcile",
        retry: FAST,
      });
      const scheduled = await invocation(() => schedule(scheduledEvent(), lambdaContext));
      expect(scheduled.result).toEqual({ properties: 2, sent: 2 });
      expectMetrics(one(scheduled.emf), {
        dimensions: [["service"]],
        values: {
          [METRIC.reconcileScheduled]: 2,
          [METRIC.outboxWaiting]: 2,
          [METRIC.reviewBacklog]: 1,
          [METRIC.reconcileAgeMinutes]: 165,
        },
        units: { [METRIC.reconcileAgeMinutes]: "None" },
      });
    });

    it("measures the age from the last good run once every property had one", async () => {
      const property = await register();
      await reconcile(property, sourceOf([]), minutesAfter(-10));
      await reconcile(property, sourceOf([]));
      const gauges = await healthGaugesOf(db).read(new Date(minutesAfter(31)));
      expect(gauges).toEqual({ outboxWaiting: 0, reviewBacklog: 0, reconcileAgeMinutes: 31 });
    });
  });
});
