import { ListQueuesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSqsClient, SqsSyncQueue } from "../../lib/adapters/queue/sqsSyncQueue.js";
import { QueueUnavailableError } from "../../lib/app/errors.js";
import type { SyncMessage } from "../../lib/domain/events.js";
import { webhookEnvelope, webhookPersonal } from "../fixtures/webhook.js";

const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync-sync";
const message: SyncMessage = {
  kind: "resman",
  event_id: "msg_2f8Yk1c9Qm",
  envelope: webhookEnvelope,
};

function queue(): SqsSyncQueue {
  return new SqsSyncQueue(new SQSClient({ region: "us-east-1" }), QUEUE_URL);
}

describe("SqsSyncQueue", () => {
  let sqs: AwsClientStub<SQSClient>;

  beforeEach(() => {
    sqs = mockClient(SQSClient);
  });

  afterEach(() => {
    sqs.restore();
  });

  it("sends the message as its JSON body and resolves with SQS's message id", async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: "5fea7756-0ea4-451a-a703-a558b933e274" });
    await expect(queue().send(message)).resolves.toBe("5fea7756-0ea4-451a-a703-a558b933e274");
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: QUEUE_URL,
      MessageBody: JSON.stringify(message),
    });
  });

  it("turns any SDK or network failure into QueueUnavailableError, keeping the cause", async () => {
    const cause = new Error(`ThrottlingException for ${webhookPersonal.email}`);
    sqs.on(SendMessageCommand).rejects(cause);
    const error = await queue()
      .send(message)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QueueUnavailableError);
    const typed = error as QueueUnavailableError;
    expect(typed).toMatchObject({ retryable: true, code: "queue_unavailable" });
    expect(typed.cause).toBe(cause);
    // The SDK's text (which may quote the request) stays out of our message.
    expect(typed.message).not.toContain(webhookPersonal.email);
    expect(typed.message).not.toContain("Throttling");
  });

  it("treats an answer without a message id as the queue not accepting it", async () => {
    sqs.on(SendMessageCommand).resolves({});
    await expect(queue().send(message)).rejects.toBeInstanceOf(QueueUnavailableError);
  });
});

describe("createSqsClient", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("takes the SDK's standard configuration, so AWS_ENDPOINT_URL_SQS points it at a local queue", async () => {
    vi.stubEnv("AWS_REGION", "eu-west-1");
    vi.stubEnv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:4566");
    // Fake keys: identity is resolved before the request is built.
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    const client = createSqsClient();
    const seen: { hostname: string; port?: number | undefined }[] = [];
    // Stop at the build step: the request has its endpoint, nothing is signed or sent.
    client.middlewareStack.add(
      () => async (args) => {
        seen.push(args.request as { hostname: string; port?: number });
        throw new Error("stopped before sending");
      },
      { step: "build" },
    );
    const stopped = /stopped before sending/;
    await expect(client.send(new ListQueuesCommand({}))).rejects.toThrow(stopped);
    // SendMessage goes to the QueueUrl's host (the SDK's useQueueUrlAsEndpoint); a local
    // queue's URL names the local endpoint, so the two agree.
    const localQueue = "http://127.0.0.1:4566/000000000000/contact-sync-sync";
    await expect(
      client.send(new SendMessageCommand({ QueueUrl: localQueue, MessageBody: "{}" })),
    ).rejects.toThrow(stopped);
    expect(seen.map(({ hostname, port }) => `${hostname}:${port}`)).toEqual([
      "127.0.0.1:4566",
      "127.0.0.1:4566",
    ]);
    expect(await client.config.region()).toBe("eu-west-1");
  });
});
