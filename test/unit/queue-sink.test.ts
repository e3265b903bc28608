/**
 * The reconciliation's queue sink and the SQS batch sender under it, against a mocked SQS:
 * requests within SQS's limits (≤ 10 entries, ≤ 256 KB), entries SQS reports as failed sent
 * again, and what stays refused counted `incomplete`, never thrown and never logged with a body.
 */
import { randomUUID } from "node:crypto";
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { queueSink } from "../../lib/adapters/queue/queueSink.js";
import {
  BODY_TOO_LARGE,
  MAX_BATCH_BYTES,
  sendMessageBatched,
} from "../../lib/adapters/queue/sendMessageBatched.js";
import { type SyncMessage, syncMessageSchema } from "../../lib/domain/events.js";
import { webhookEnvelope, webhookPersonal } from "../fixtures/webhook.js";
import { logLinesOf } from "../support/captureLogs.js";

const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync-sync";
/** Retries without waiting. */
const FAST = { retries: 3, minTimeout: 1, maxTimeout: 2 };

function messages(count: number): SyncMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: "resman" as const,
    event_id: `reconcile:person.upserted:${i}`,
    envelope: {
      ...webhookEnvelope,
      person: { ...webhookEnvelope.person, person_id: randomUUID() },
    },
  }));
}

type Entries = NonNullable<SendMessageBatchCommandInput["Entries"]>;

/** SQS accepting every entry except those `refuse` picks (as `Failed`, not a sender fault). */
function answer(refuse: (entry: Entries[number]) => boolean = () => false, senderFault = false) {
  return (input: SendMessageBatchCommandInput) => {
    const entries = input.Entries ?? [];
    return {
      Successful: entries
        .filter((entry) => !refuse(entry))
        .map((entry) => ({ Id: entry.Id, MessageId: randomUUID(), MD5OfMessageBody: "x" })),
      Failed: entries
        .filter(refuse)
        .map((entry) => ({ Id: entry.Id, SenderFault: senderFault, Code: "InternalError" })),
    };
  };
}

function sentEntries(sqs: AwsClientStub<SQSClient>): Entries[] {
  return sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
}

describe("queueSink", () => {
  let sqs: AwsClientStub<SQSClient>;
  const client = () => new SQSClient({ region: "us-east-1" });

  beforeEach(() => {
    sqs = mockClient(SQSClient);
  });
  afterEach(() => {
    sqs.restore();
  });

  it("sends every message as its JSON body, 10 per SendMessageBatch, and counts them enqueued", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(answer());
    const batch = messages(25);
    const tally = await queueSink(client(), QUEUE_URL, FAST).deliver(batch);
    expect(tally).toMatchObject({ enqueued: 25, incomplete: 0, created: 0, failed: 0 });
    const requests = sentEntries(sqs);
    expect(requests.map((entries) => entries.length)).toEqual([10, 10, 5]);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: QUEUE_URL });
    const bodies = requests.flat().map((entry) => JSON.parse(entry.MessageBody ?? ""));
    expect(bodies).toEqual(batch);
    for (const body of bodies) expect(syncMessageSchema.safeParse(body).success).toBe(true);
  });

  it("sends nothing for no messages", async () => {
    const tally = await queueSink(client(), QUEUE_URL, FAST).deliver([]);
    expect(tally).toMatchObject({ enqueued: 0, incomplete: 0 });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
  });

  it("sends the entries SQS reports as failed again, and only those", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .callsFakeOnce(answer((entry) => entry.Id === "3" || entry.Id === "7"))
      .callsFake(answer());
    const tally = await queueSink(client(), QUEUE_URL, FAST).deliver(messages(10));
    expect(tally).toMatchObject({ enqueued: 10, incomplete: 0 });
    expect(sentEntries(sqs).map((entries) => entries.map((entry) => entry.Id))).toEqual([
      ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
      ["3", "7"],
    ]);
  });

  it("counts what SQS keeps refusing as incomplete, without throwing or logging a body", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(answer((entry) => entry.Id === "11"));
    const { result: tally, lines } = await logLinesOf(() =>
      queueSink(client(), QUEUE_URL, FAST).deliver(messages(12)),
    );
    expect(tally).toMatchObject({ enqueued: 11, incomplete: 1 });
    // The first attempt, then 3 re-sends of the one entry.
    expect(sentEntries(sqs).map((entries) => entries.length)).toEqual([10, 2, 1, 1, 1]);
    const warning = lines.map((line) => JSON.parse(line)).find((l) => l.level === "WARN");
    expect(warning).toMatchObject({ unsent: 1, codes: { InternalError: 1 } });
    expect(lines.join("\n")).not.toContain(webhookPersonal.last_name);
  });

  it("does not send a sender fault again: it would fail the same way", async () => {
    sqs.on(SendMessageBatchCommand).callsFake(answer((entry) => entry.Id === "0", true));
    const tally = await queueSink(client(), QUEUE_URL, FAST).deliver(messages(2));
    expect(tally).toMatchObject({ enqueued: 1, incomplete: 1 });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });

  it("sends a whole request again when it got no answer, not when SQS refused it", async () => {
    const network = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    sqs.on(SendMessageBatchCommand).rejectsOnce(network).callsFake(answer());
    expect(await queueSink(client(), QUEUE_URL, FAST).deliver(messages(3))).toMatchObject({
      enqueued: 3,
      incomplete: 0,
    });

    sqs.reset();
    const denied = Object.assign(new Error("not authorized"), {
      name: "AccessDenied",
      $fault: "client",
    });
    sqs.on(SendMessageBatchCommand).rejects(denied);
    expect(await queueSink(client(), QUEUE_URL, FAST).deliver(messages(3))).toMatchObject({
      enqueued: 0,
      incomplete: 3,
    });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });
});

describe("sendMessageBatched", () => {
  let sqs: AwsClientStub<SQSClient>;

  beforeEach(() => {
    sqs = mockClient(SQSClient);
    sqs.on(SendMessageBatchCommand).callsFake(answer());
  });
  afterEach(() => {
    sqs.restore();
  });

  it("keeps every request's bodies within 256 KB, and never sends a body over it", async () => {
    const body = (kb: number) => "x".repeat(kb * 1024);
    const bodies = [body(100), body(100), body(100), body(300), body(40), body(10)];
    const { unsent } = await sendMessageBatched(
      new SQSClient({ region: "us-east-1" }),
      QUEUE_URL,
      bodies,
      FAST,
    );
    expect(unsent).toEqual([{ index: 3, errorCode: BODY_TOO_LARGE }]);
    const requests = sentEntries(sqs);
    expect(requests.map((entries) => entries.map((entry) => entry.Id))).toEqual([
      ["0", "1"],
      ["2", "4", "5"],
    ]);
    for (const entries of requests) {
      const bytes = entries.reduce((sum, entry) => sum + (entry.MessageBody?.length ?? 0), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
  });
});
