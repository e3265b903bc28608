/**
 * The whole pipeline on real Postgres: signed webhook → webhook function → SQS (the real SQS
 * adapter over a mocked client, whose sent bodies become the worker's batches) → sync worker →
 * contacts, links, inbox; and chatbot event → chatbot function → SQS → worker → enrichment.
 */
import { randomUUID } from "node:crypto";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createChatbotEventsHandler } from "../../lib/adapters/lambda/chatbotEvents.js";
import { createWebhookHandler } from "../../lib/adapters/lambda/resmanWebhook.js";
import { SqsSyncQueue } from "../../lib/adapters/queue/sqsSyncQueue.js";
import { createWebhookVerifier } from "../../lib/adapters/webhook/verifySignature.js";
import {
  DOMIQ_PROPERTY_ID,
  RESMAN_PROPERTY_ID,
  WEBHOOK_SECRET,
  webhookEnvelope,
} from "../fixtures/webhook.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";
import {
  eventBridgeEvent,
  fixedClock,
  httpEvent,
  lambdaContext,
  signedHeaders,
} from "../support/webhook.js";
import { counts, record, resetPipelineTables, sqsEvent, workerOn } from "./support.js";

const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/sync-e2e";

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase("pg");
});
afterAll(() => database.cleanup());

/** Every body sent to SQS, in order: what the queue would deliver to the worker. */
let sent: string[];
const sqs = mockClient(SQSClient);
beforeEach(async () => {
  sent = [];
  sqs.reset();
  sqs.on(SendMessageCommand).callsFake((input: { MessageBody?: string }) => {
    sent.push(input.MessageBody ?? "");
    return { MessageId: randomUUID() };
  });
  await resetPipelineTables(database.handle.db);
});

const queue = () => new SqsSyncQueue(new SQSClient({ region: "us-east-1" }), QUEUE_URL);

function webhook() {
  return createWebhookHandler({
    verify: createWebhookVerifier([WEBHOOK_SECRET], fixedClock),
    queue: queue(),
  });
}

async function post(handler: ReturnType<typeof webhook>, id: string, body: string) {
  const response = (await handler(
    httpEvent({ headers: signedHeaders({ id, secret: WEBHOOK_SECRET, body }), body }),
    lambdaContext,
  )) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: response.body };
}

describe("webhook → queue → worker", () => {
  it("one delivery posted 5× in sequence and 5× in parallel: same 202s, one effect", async () => {
    const handler = webhook();
    const body = JSON.stringify(webhookEnvelope);
    const id = "msg_e2e_repeat_1";
    const sequential = [];
    for (let i = 0; i < 5; i += 1) sequential.push(await post(handler, id, body));
    const parallel = await Promise.all(Array.from({ length: 5 }, () => post(handler, id, body)));
    for (const response of [...sequential, ...parallel]) {
      expect(response).toEqual({ status: 202, body: JSON.stringify({ id }) });
    }
    // Each acknowledged delivery was enqueued (SQS itself may also duplicate): ten messages.
    expect(sent).toHaveLength(10);

    const worker = workerOn(database.handle.db);
    const first = await worker.run(sqsEvent(...sent.slice(0, 5).map((b) => record(b))));
    const rest = await Promise.all(sent.slice(5).map((b) => worker.run(sqsEvent(record(b)))));
    for (const response of [first, ...rest]) expect(response).toEqual({ batchItemFailures: [] });
    expect(await counts(database.handle.db)).toMatchObject({
      contacts: 1,
      links: 1,
      inbox: 1,
      outbox: 1,
    });
  });

  it("a rejected delivery never reaches the queue", async () => {
    const handler = webhook();
    const body = JSON.stringify({ ...webhookEnvelope, property_id: "not-a-guid" });
    expect((await post(handler, "msg_e2e_bad", body)).status).toBe(422);
    expect(sent).toHaveLength(0);
  });
});

describe("chatbot event → queue → worker", () => {
  it("enriches the contact ResMan created, found by its email", async () => {
    const db = database.handle.db;
    // The ResMan person first (through the whole webhook path), then the chatbot.
    await post(webhook(), "msg_e2e_person", JSON.stringify(webhookEnvelope));
    const worker = workerOn(db);
    await worker.run(sqsEvent(record(sent[0] ?? "")));
    const property = await worker.stores.properties.findProperty(RESMAN_PROPERTY_ID);
    expect(property).not.toBeNull();

    const chatbot = createChatbotEventsHandler({ queue: queue() });
    const detail = {
      event_id: randomUUID(),
      property_id: property?.id ?? DOMIQ_PROPERTY_ID,
      conversation_id: "conv-e2e-1",
      occurred_at: "2026-03-02T11:00:00Z",
      contact: { email: webhookEnvelope.person.email?.toUpperCase() },
      preferences: { bedrooms: 2, pets: false },
    };
    await chatbot(eventBridgeEvent("Preferences Updated", detail), lambdaContext);
    expect(sent).toHaveLength(2);
    expect(await worker.run(sqsEvent(record(sent[1] ?? "")))).toEqual({ batchItemFailures: [] });
    expect(await counts(db)).toMatchObject({ contacts: 1, links: 1, enrichments: 1 });
  });
});
