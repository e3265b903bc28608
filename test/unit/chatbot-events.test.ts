import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createChatbotEventsHandler } from "../../lib/adapters/lambda/chatbotEvents.js";
import { SqsSyncQueue } from "../../lib/adapters/queue/sqsSyncQueue.js";
import { QueueUnavailableError } from "../../lib/app/errors.js";
import { type ChatbotDetailType, chatbotDetailTypes } from "../../lib/domain/events.js";
import { chatbotDetails, chatbotPersonal } from "../fixtures/webhook.js";
import { logOnlyLinesOf } from "../support/captureLogs.js";
import {
  eventBridgeEvent,
  lambdaContext,
  RecordingQueue,
  UnavailableQueue,
} from "../support/webhook.js";

const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync-sync";
const sqs = mockClient(SQSClient);

beforeEach(() => {
  sqs.reset();
});

afterAll(() => {
  sqs.restore();
});

describe("chatbot events", () => {
  it("knows the four detail-types of the contract", () => {
    expect([...chatbotDetailTypes].sort()).toEqual(Object.keys(chatbotDetails).sort());
  });

  it.each(chatbotDetailTypes)("enqueues a valid %s event for the worker", async (detailType) => {
    const queue = new RecordingQueue();
    const handler = createChatbotEventsHandler({ queue });
    const detail = chatbotDetails[detailType];
    await expect(
      handler(eventBridgeEvent(detailType, detail), lambdaContext),
    ).resolves.toBeUndefined();
    expect(queue.sent).toEqual([{ kind: "chatbot", event: { detail_type: detailType, detail } }]);
  });

  it("enqueues the detail without unknown fields, with an empty contact block when absent", async () => {
    const queue = new RecordingQueue();
    const { contact: _contact, ...withoutContact } = chatbotDetails["Contact Captured"];
    await createChatbotEventsHandler({ queue })(
      eventBridgeEvent("Contact Captured", { ...withoutContact, sentiment: "positive" }),
      lambdaContext,
    );
    expect(queue.sent).toEqual([
      {
        kind: "chatbot",
        event: { detail_type: "Contact Captured", detail: { ...withoutContact, contact: {} } },
      },
    ]);
  });

  const captured = chatbotDetails["Contact Captured"];
  const invalid: [string, ReturnType<typeof eventBridgeEvent>, string][] = [
    ["another source", eventBridgeEvent("Contact Captured", captured, "domiq.billing"), "source"],
    ["an unknown detail-type", eventBridgeEvent("Contact Deleted", captured), "detail-type"],
    [
      "a detail without event_id",
      eventBridgeEvent("Contact Captured", { ...captured, event_id: undefined }),
      "detail.event_id",
    ],
    [
      "a detail of another detail-type",
      eventBridgeEvent("Interaction Logged", captured),
      "detail.interaction",
    ],
    [
      "a contact email that is not text",
      eventBridgeEvent("Contact Captured", { ...captured, contact: { email: 42 } }),
      "detail.contact.email",
    ],
    ["no detail at all", eventBridgeEvent("Contact Captured", null), "detail"],
  ];

  it.each(invalid)(
    "drops %s without enqueuing or throwing (a retry cannot fix it)",
    async (_name, event, path) => {
      const queue = new RecordingQueue();
      const handler = createChatbotEventsHandler({ queue });
      const { lines } = await logOnlyLinesOf(() =>
        expect(handler(event, lambdaContext)).resolves.toBeUndefined(),
      );
      expect(queue.sent).toEqual([]);
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0] ?? "{}");
      expect(line).toMatchObject({
        level: "WARN",
        eventbridge_id: event.id,
        error: { code: "invalid_input" },
      });
      expect(line.issue_paths).toContain(path);
      for (const value of Object.values(chatbotPersonal)) expect(lines[0]).not.toContain(value);
    },
  );

  it("throws when the queue is down, so EventBridge retries the event", async () => {
    const queue = new UnavailableQueue();
    const handler = createChatbotEventsHandler({ queue });
    const event = eventBridgeEvent("Preferences Updated", chatbotDetails["Preferences Updated"]);
    await expect(handler(event, lambdaContext)).rejects.toBeInstanceOf(QueueUnavailableError);
    expect(queue.calls).toBe(1);
  });

  it("throws QueueUnavailableError when SQS refuses the message", async () => {
    sqs.on(SendMessageCommand).rejects(new Error("AccessDenied"));
    const queue = new SqsSyncQueue(new SQSClient({ region: "us-east-1" }), QUEUE_URL);
    const handler = createChatbotEventsHandler({ queue });
    const event = eventBridgeEvent("Interaction Logged", chatbotDetails["Interaction Logged"]);
    const { lines } = await logOnlyLinesOf(() =>
      expect(handler(event, lambdaContext)).rejects.toBeInstanceOf(QueueUnavailableError),
    );
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      level: "ERROR",
      error: { code: "queue_unavailable" },
    });
  });

  it("logs the ids of an enqueued event, never its contact", async () => {
    const { lines } = await logOnlyLinesOf(() =>
      createChatbotEventsHandler({ queue: new RecordingQueue() })(
        eventBridgeEvent("Conversation Completed", chatbotDetails["Conversation Completed"]),
        lambdaContext,
      ),
    );
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      level: "INFO",
      event_id: "evt-completed-1",
      detail_type: "Conversation Completed" satisfies ChatbotDetailType,
    });
    for (const value of Object.values(chatbotPersonal)) expect(lines[0]).not.toContain(value);
  });
});

describe("the deployed chatbot events handler", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.doUnmock("../../lib/adapters/db/client.js");
    vi.resetModules();
  });

  it("builds its SQS queue at cold start, without a database, and enqueues", async () => {
    vi.stubEnv("SYNC_QUEUE_URL", QUEUE_URL);
    vi.stubEnv("AWS_REGION", "us-east-1");
    vi.resetModules();
    vi.doMock("../../lib/adapters/db/client.js", () => {
      throw new Error("the chatbot events function must not load the database client");
    });
    sqs.on(SendMessageCommand).resolves({ MessageId: "b71e-sqs" });
    const { handler } = await import("../../functions/chatbot-events.js");
    const detail = chatbotDetails["Contact Captured"];
    await handler(eventBridgeEvent("Contact Captured", detail), lambdaContext);
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: QUEUE_URL });
    const body = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody;
    expect(JSON.parse(body ?? "null")).toEqual({
      kind: "chatbot",
      event: { detail_type: "Contact Captured", detail },
    });
  });
});
