import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createWebhookHandler } from "../../lib/adapters/lambda/resmanWebhook.js";
import { SqsSyncQueue } from "../../lib/adapters/queue/sqsSyncQueue.js";
import { createWebhookVerifier } from "../../lib/adapters/webhook/verifySignature.js";
import { MAX_WEBHOOK_BODY_BYTES, type VerifyWebhook } from "../../lib/app/acceptWebhook.js";
import type { SyncQueue } from "../../lib/app/ports.js";
import {
  FOREIGN_WEBHOOK_SECRET,
  NEXT_WEBHOOK_SECRET,
  WEBHOOK_SECRET,
  webhookEnvelope,
  webhookPersonal,
} from "../fixtures/webhook.js";
import { logOnlyLinesOf } from "../support/captureLogs.js";
import {
  fixedClock,
  httpEvent,
  lambdaContext,
  RecordingQueue,
  signedHeaders,
} from "../support/webhook.js";

const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync-sync";
const ID = "msg_2f8Yk1c9Qm";
const BODY = JSON.stringify(webhookEnvelope);
const personalValues = Object.values(webhookPersonal);

const sqs = mockClient(SQSClient);

function handlerWith(queue: SyncQueue, verify?: VerifyWebhook) {
  return createWebhookHandler({
    verify: verify ?? createWebhookVerifier([WEBHOOK_SECRET], fixedClock),
    queue,
  });
}

/** Posts a body signed with our secret (or as told), through the handler. */
function post(
  handler: ReturnType<typeof handlerWith>,
  body: string,
  options: { secret?: string; id?: string; contentType?: string; base64?: boolean } = {},
) {
  const headers = signedHeaders({
    secret: options.secret ?? WEBHOOK_SECRET,
    id: options.id ?? ID,
    body,
    ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
  });
  const event = options.base64
    ? httpEvent({ headers, body: Buffer.from(body).toString("base64"), isBase64Encoded: true })
    : httpEvent({ headers, body });
  return handler(event, lambdaContext);
}

function expectNoPersonalValues(text: string): void {
  for (const value of personalValues) expect(text).not.toContain(value);
}

beforeEach(() => {
  sqs.reset();
});

afterAll(() => {
  sqs.restore();
});

describe("POST /webhooks/resman", () => {
  it("answers 202 with the delivery id once the envelope is on the queue", async () => {
    const queue = new RecordingQueue();
    const response = await post(handlerWith(queue), BODY);
    expect(response).toEqual({
      statusCode: 202,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: ID }),
    });
    expect(queue.sent).toEqual([{ kind: "resman", event_id: ID, envelope: webhookEnvelope }]);
  });

  it("enqueues the envelope without the fields the contract does not know", async () => {
    const queue = new RecordingQueue();
    const extended = {
      ...webhookEnvelope,
      relay: "v2",
      person: { ...webhookEnvelope.person, x: 1 },
    };
    const response = await post(handlerWith(queue), JSON.stringify(extended));
    expect(response.statusCode).toBe(202);
    expect(queue.sent).toEqual([{ kind: "resman", event_id: ID, envelope: webhookEnvelope }]);
  });

  it("answers every duplicate delivery, in sequence or at once, with the same 202", async () => {
    const queue = new RecordingQueue();
    const handler = handlerWith(queue);
    const sequential = [];
    for (let i = 0; i < 5; i += 1) sequential.push(await post(handler, BODY));
    const parallel = await Promise.all(Array.from({ length: 5 }, () => post(handler, BODY)));
    for (const response of [...sequential, ...parallel]) {
      expect(response).toEqual({
        statusCode: 202,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id: ID }),
      });
    }
    // Each is enqueued: the worker's inbox drops the repeats by event id.
    expect(queue.sent).toHaveLength(10);
    expect(new Set(queue.sent.map((message) => JSON.stringify(message))).size).toBe(1);
  });

  it("reads a base64-encoded body (binary media types at the gateway)", async () => {
    const queue = new RecordingQueue();
    const response = await post(handlerWith(queue), BODY, { base64: true });
    expect(response.statusCode).toBe(202);
    expect(queue.sent).toEqual([{ kind: "resman", event_id: ID, envelope: webhookEnvelope }]);
  });

  it("treats header names case-insensitively", async () => {
    const queue = new RecordingQueue();
    const headers = Object.fromEntries(
      Object.entries(signedHeaders({ secret: WEBHOOK_SECRET, id: ID, body: BODY })).map(
        ([name, value]) => [name.replace(/(^|-)\w/g, (s) => s.toUpperCase()), value],
      ),
    );
    expect(headers["Webhook-Signature"]).toBeDefined();
    const response = await handlerWith(queue)(httpEvent({ headers, body: BODY }), lambdaContext);
    expect(response.statusCode).toBe(202);
  });

  it("accepts application/json with parameters, in any case", async () => {
    for (const contentType of ["application/json; charset=utf-8", "Application/JSON"]) {
      const response = await post(handlerWith(new RecordingQueue()), BODY, { contentType });
      expect(response.statusCode).toBe(202);
    }
  });

  it("answers 401 to a bad signature and enqueues nothing", async () => {
    const queue = new RecordingQueue();
    const response = await post(handlerWith(queue), BODY, { secret: FOREIGN_WEBHOOK_SECRET });
    expect(response).toEqual({
      statusCode: 401,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ error: "invalid_signature" }),
    });
    expect(queue.sent).toEqual([]);
  });

  it("checks the signature before parsing: a bad signature on a non-JSON body is 401", async () => {
    const queue = new RecordingQueue();
    const headers = signedHeaders({ secret: FOREIGN_WEBHOOK_SECRET, id: ID, body: "not json" });
    const response = await handlerWith(queue)(
      httpEvent({ headers, body: "not json" }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(401);
  });

  it("answers 400 to a signed body that is not JSON, without quoting it", async () => {
    const queue = new RecordingQueue();
    // V8's SyntaxError for this body quotes its first characters.
    const body = `${webhookPersonal.email} ${webhookPersonal.first_name}`;
    const response = await post(handlerWith(queue), body);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: "invalid_body",
      issues: [{ path: "", message: "not valid JSON" }],
    });
    expectNoPersonalValues(response.body);
    expect(queue.sent).toEqual([]);
  });

  it("answers 422 with field paths, never the submitted values", async () => {
    const queue = new RecordingQueue();
    const invalid = {
      ...webhookEnvelope,
      account_id: -4,
      person: {
        ...webhookEnvelope.person,
        person_id: webhookPersonal.email,
        status: webhookPersonal.last_name,
        phones: [{ type: "pager", number: webhookPersonal.phone }],
        birthdate: 19870621,
      },
    };
    const response = await post(handlerWith(queue), JSON.stringify(invalid));
    expect(response.statusCode).toBe(422);
    const body = JSON.parse(response.body) as { error: string; issues: { path: string }[] };
    expect(body.error).toBe("invalid_body");
    expect(body.issues.map((issue) => issue.path).sort()).toEqual([
      "account_id",
      "person.birthdate",
      "person.person_id",
      "person.phones.0.type",
      "person.status",
    ]);
    expectNoPersonalValues(response.body);
    expect(response.body).not.toContain("19870621");
    expect(queue.sent).toEqual([]);
  });

  it("answers 422 to JSON that is not an object", async () => {
    for (const body of ["[]", "null", '"person.upserted"', "42"]) {
      const response = await post(handlerWith(new RecordingQueue()), body);
      expect(response.statusCode).toBe(422);
    }
  });

  it("answers 400 when the signed webhook-id cannot key the inbox", async () => {
    const queue = new RecordingQueue();
    const response = await post(handlerWith(queue), BODY, { id: "x".repeat(201) });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({
      error: "invalid_body",
      issues: [{ path: "webhook-id" }],
    });
    expect(queue.sent).toEqual([]);
  });

  it("answers 413 to a body over 256 KB, counted in bytes", async () => {
    const queue = new RecordingQueue();
    const handler = handlerWith(queue);
    const padded = (bytes: number) => {
      const frame = JSON.stringify({ ...webhookEnvelope, padding: "" });
      return JSON.stringify({ ...webhookEnvelope, padding: " ".repeat(bytes - frame.length) });
    };
    expect(Buffer.byteLength(padded(MAX_WEBHOOK_BODY_BYTES))).toBe(256 * 1024);
    expect((await post(handler, padded(MAX_WEBHOOK_BODY_BYTES))).statusCode).toBe(202);
    const over = await post(handler, padded(MAX_WEBHOOK_BODY_BYTES + 1));
    expect(over).toMatchObject({
      statusCode: 413,
      body: JSON.stringify({ error: "payload_too_large" }),
    });
    // 131,073 two-byte characters: fewer characters than the limit, more bytes.
    const wide = `"${"é".repeat(131_073)}"`;
    expect(wide.length).toBeLessThan(MAX_WEBHOOK_BODY_BYTES);
    expect((await post(handler, wide)).statusCode).toBe(413);
    expect(queue.sent).toHaveLength(1);
  });

  it("answers 415 to a body that is not declared as JSON", async () => {
    const queue = new RecordingQueue();
    const plain = await post(handlerWith(queue), BODY, { contentType: "text/plain" });
    expect(plain).toMatchObject({
      statusCode: 415,
      body: JSON.stringify({ error: "unsupported_media_type" }),
    });
    const { "content-type": _dropped, ...withoutType } = signedHeaders({
      secret: WEBHOOK_SECRET,
      id: ID,
      body: BODY,
    });
    const untyped = await handlerWith(queue)(
      httpEvent({ headers: withoutType, body: BODY }),
      lambdaContext,
    );
    expect(untyped.statusCode).toBe(415);
    expect(queue.sent).toEqual([]);
  });

  it("answers 503 when SQS refuses the message, so the sender retries", async () => {
    sqs.on(SendMessageCommand).rejects(new Error("connect ECONNREFUSED 10.0.0.1:443"));
    const queue = new SqsSyncQueue(new SQSClient({ region: "us-east-1" }), QUEUE_URL);
    const response = await post(handlerWith(queue), BODY);
    expect(response).toEqual({
      statusCode: 503,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ error: "queue_unavailable" }),
    });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
  });

  it("answers a bare 500 to anything unexpected, without its message", async () => {
    const broken: VerifyWebhook = () => {
      throw new TypeError(`cannot read ${webhookPersonal.email}`);
    };
    const { result: response, lines } = await logOnlyLinesOf(() =>
      post(handlerWith(new RecordingQueue(), broken), BODY),
    );
    expect(response).toEqual({
      statusCode: 500,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ error: "internal_error" }),
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      level: "ERROR",
      status: 500,
      error: { name: "TypeError" },
    });
    expectNoPersonalValues(lines.join("\n"));
  });
});

describe("webhook request logs", () => {
  it("logs one line per request: status, delivery id and code, never a value", async () => {
    const handler = handlerWith(new RecordingQueue());
    const invalid = { ...webhookEnvelope, person: { ...webhookEnvelope.person, person_id: "x" } };
    const { lines } = await logOnlyLinesOf(async () => {
      await post(handler, BODY);
      await post(handler, JSON.stringify(invalid));
      await post(handler, BODY, { secret: FOREIGN_WEBHOOK_SECRET, id: "unverified-id" });
    });
    expect(lines).toHaveLength(3);
    const [accepted, unprocessable, unsigned] = lines.map((line) => JSON.parse(line));
    expect(accepted).toMatchObject({ level: "INFO", status: 202, webhook_id: ID });
    expect(unprocessable).toMatchObject({
      level: "WARN",
      status: 422,
      webhook_id: ID,
      error: { code: "invalid_body" },
    });
    expect(unsigned).toMatchObject({
      level: "WARN",
      status: 401,
      reason: "no_matching_signature",
      error: { code: "invalid_signature" },
    });
    // An id that was not verified is not logged.
    expect(unsigned).not.toHaveProperty("webhook_id");
    expectNoPersonalValues(lines.join("\n"));
    expect(lines.join("\n")).not.toContain(WEBHOOK_SECRET.slice(6));
  });
});

describe("the deployed webhook handler", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.doUnmock("../../lib/adapters/db/client.js");
    vi.doUnmock("pg");
    vi.doUnmock("@electric-sql/pglite");
    vi.doUnmock("@neondatabase/serverless");
    vi.resetModules();
  });

  function forbidDatabase(): void {
    for (const path of [
      "../../lib/adapters/db/client.js",
      "pg",
      "@electric-sql/pglite",
      "@neondatabase/serverless",
    ]) {
      vi.doMock(path, () => {
        throw new Error(`the webhook function must not load ${path}`);
      });
    }
  }

  it("builds its verifier and SQS queue at cold start, without a database, and enqueues", async () => {
    vi.stubEnv("WEBHOOK_SECRETS", `${WEBHOOK_SECRET},${NEXT_WEBHOOK_SECRET}`);
    vi.stubEnv("SYNC_QUEUE_URL", QUEUE_URL);
    vi.stubEnv("AWS_REGION", "us-east-1");
    vi.resetModules();
    forbidDatabase();
    sqs.on(SendMessageCommand).resolves({ MessageId: "0e4c7b1a-sqs" });
    const { handler } = await import("../../functions/resman-webhook.js");

    // The real clock: signed now, with the second (rotated-in) secret.
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = signedHeaders({ secret: NEXT_WEBHOOK_SECRET, id: ID, timestamp, body: BODY });
    const response = await handler(httpEvent({ headers, body: BODY }), lambdaContext);

    expect(response).toEqual({
      statusCode: 202,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: ID }),
    });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: QUEUE_URL });
    const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(JSON.parse(input?.MessageBody ?? "null")).toEqual({
      kind: "resman",
      event_id: ID,
      envelope: webhookEnvelope,
    });
  });

  it("fails at cold start naming a missing variable", async () => {
    vi.stubEnv("WEBHOOK_SECRETS", "");
    vi.stubEnv("SYNC_QUEUE_URL", QUEUE_URL);
    vi.resetModules();
    await expect(import("../../functions/resman-webhook.js")).rejects.toThrow(
      "missing WEBHOOK_SECRETS",
    );
  });
});
