/**
 * Helpers of the pipeline suites: fictional webhook envelopes and chatbot events, SQS records
 * around sync messages, and the worker wired to a real database with EventBridge mocked.
 */
import { randomUUID } from "node:crypto";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { count, eq } from "drizzle-orm";
import type { Database } from "../../lib/adapters/db/client.js";
import {
  contactEnrichmentLog,
  contactSync,
  outboxEvent,
  processedEvent,
  user,
} from "../../lib/adapters/db/schema.js";
import { createStores } from "../../lib/adapters/db/stores.js";
import { EventBridgePublisher } from "../../lib/adapters/events/eventBridgePublisher.js";
import { createSyncWorker } from "../../lib/adapters/lambda/syncWorker.js";
import type { Clock } from "../../lib/app/ports.js";
import type { ChatbotEvent, SyncMessage, WebhookEnvelope } from "../../lib/domain/events.js";
import { PEOPLE } from "../fixtures/pipeline.js";

export { PEOPLE };

export const RESMAN_PROPERTY = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";

export function envelope(
  overrides: {
    type?: WebhookEnvelope["type"];
    person?: Partial<WebhookEnvelope["person"]>;
    propertyId?: string;
  } = {},
): WebhookEnvelope {
  return {
    type: overrides.type ?? "person.upserted",
    occurred_at: "2026-11-20T10:00:00Z",
    account_id: 4321,
    property_id: overrides.propertyId ?? RESMAN_PROPERTY,
    person: {
      person_id: randomUUID(),
      status: "prospect",
      first_name: PEOPLE.marisol.first_name,
      last_name: PEOPLE.marisol.last_name,
      email: PEOPLE.marisol.email,
      phones: [{ type: "mobile", number: PEOPLE.marisol.phone }],
      last_modified: "2026-11-20T09:59:00Z",
      ...overrides.person,
    },
  };
}

export function resmanMessage(body: WebhookEnvelope, eventId: string = randomUUID()): SyncMessage {
  return { kind: "resman", event_id: eventId, envelope: body };
}

export function chatbotMessage(event: ChatbotEvent): SyncMessage {
  return { kind: "chatbot", event };
}

export function record(
  body: SyncMessage | string,
  options: { messageId?: string; receiveCount?: number } = {},
): SQSRecord {
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: "handle",
    body: typeof body === "string" ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: "1764064800000",
      SenderId: "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: "1764064800000",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:contact-sync-dev-sync",
    awsRegion: "us-east-1",
  };
}

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

export const lambdaContext = {
  functionName: "contact-sync-dev-syncWorker",
  awsRequestId: "req-1",
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

export const fixedClock = (iso = "2026-11-25T12:00:00Z"): Clock => ({ now: () => new Date(iso) });

/** The worker on `db`, with EventBridge mocked (the mock is returned for assertions). */
export function workerOn(db: Database, options: { maxReceiveCount?: number; clock?: Clock } = {}) {
  const stores = createStores(db);
  const eventBridge = mockClient(EventBridgeClient);
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `evt-${i}` })),
  }));
  const pipeline = {
    store: stores.contacts,
    properties: stores.properties,
    outbox: stores.outbox,
    clock: options.clock ?? fixedClock(),
  };
  const worker = createSyncWorker({
    pipeline: async () => pipeline,
    publisher: new EventBridgePublisher(new EventBridgeClient({ region: "us-east-1" }), "bus", {
      retries: 1,
      minTimeout: 1,
      maxTimeout: 2,
    }),
    maxReceiveCount: options.maxReceiveCount ?? 5,
  });
  return {
    stores,
    eventBridge,
    pipeline,
    run: (event: SQSEvent) => worker(event, lambdaContext),
  };
}

/** Empties every table the pipeline writes (properties included). */
export async function resetPipelineTables(db: Database): Promise<void> {
  await db.execute(
    'truncate property, "user", contact_sync, processed_event, identity_key, outbox_event, contact_enrichment_log, contact_merge_history cascade',
  );
}

/** Row counts of the pipeline's tables, optionally for one property. */
export async function counts(db: Database) {
  const [contacts] = await db.select({ n: count() }).from(user);
  const [links] = await db.select({ n: count() }).from(contactSync);
  const [inbox] = await db.select({ n: count() }).from(processedEvent);
  const [outbox] = await db.select({ n: count() }).from(outboxEvent);
  const [enrichments] = await db.select({ n: count() }).from(contactEnrichmentLog);
  return {
    contacts: contacts?.n ?? 0,
    links: links?.n ?? 0,
    inbox: inbox?.n ?? 0,
    outbox: outbox?.n ?? 0,
    enrichments: enrichments?.n ?? 0,
  };
}

export async function linkOf(db: Database, personId: string) {
  const [link] = await db.select().from(contactSync).where(eq(contactSync.personId, personId));
  return link;
}

export async function contactOf(db: Database, id: string) {
  const [contact] = await db.select().from(user).where(eq(user.id, id));
  return contact;
}
