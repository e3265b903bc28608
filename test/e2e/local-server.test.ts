/**
 * The local stack's HTTP server (`lib/local/server.ts`) on a free port over an in-memory sync
 * queue: webhook deliveries through the real webhook function (what it enqueues is compared
 * with what the function enqueues when called directly), PutEvents bodies through the real
 * chatbot function, the 4xx answers (field paths, never a submitted value), and the
 * `send-webhook` and `send-event` commands run in process against it.
 * (Over 400 lines as one thing: the one local server's routes, on one queue.)
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createWebhookHandler } from "../../lib/adapters/lambda/resmanWebhook.js";
import { createWebhookVerifier } from "../../lib/adapters/webhook/verifySignature.js";
import { MAX_WEBHOOK_BODY_BYTES } from "../../lib/app/acceptWebhook.js";
import {
  LOCAL_WEBHOOK_SECRET,
  type LocalServer,
  startLocalServer,
} from "../../lib/local/server.js";
import {
  chatbotDetails,
  chatbotPersonal,
  FOREIGN_WEBHOOK_SECRET,
  PERSON_ID,
  RESMAN_PROPERTY_ID,
  WEBHOOK_SECRET,
  webhookEnvelope,
  webhookPersonal,
} from "../fixtures/webhook.js";
import { httpEvent, lambdaContext, RecordingQueue, sign } from "../support/webhook.js";
import {
  type CliRun,
  expectNoPersonalData,
  expectOneLineError,
  linesOf,
  runInProcess,
} from "./harness.js";

const personal = [...Object.values(webhookPersonal), ...Object.values(chatbotPersonal)];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const queue = new RecordingQueue();
let server: LocalServer;
let folder: string;
/** A URL on which nothing listens (a port just freed). */
let deadUrl: string;

beforeAll(async () => {
  server = await startLocalServer({ port: 0, queue, webhookSecrets: [WEBHOOK_SECRET] });
  folder = await mkdtemp(join(tmpdir(), "contact-sync-local-server-"));
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  deadUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await server.close();
  await rm(folder, { recursive: true, force: true });
});
beforeEach(() => {
  queue.sent.splice(0);
});

/** Signed headers for `body`, timestamped now (the server's verifier reads the system clock). */
function signed(body: string, secret = WEBHOOK_SECRET): Record<string, string> {
  const id = `msg_${randomUUID().replaceAll("-", "")}`;
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": sign(secret, id, timestamp, body),
  };
}

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

/** A PutEvents body with one entry per detail. */
function putEvents(...entries: { type: string; detail: unknown }[]): string {
  return JSON.stringify({
    Entries: entries.map(({ type, detail }) => ({
      Source: "domiq.chatbot",
      DetailType: type,
      Detail: JSON.stringify(detail),
    })),
  });
}

async function writeJson(name: string, value: unknown): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

function expectNothingPersonal(run: CliRun): void {
  expectNoPersonalData(run.stdout + run.stderr, personal);
}

describe("POST /webhooks/resman", () => {
  it("accepts a signed delivery with 202 and enqueues what the webhook function enqueues", async () => {
    const body = JSON.stringify(webhookEnvelope);
    const headers = signed(body);
    const response = await post("/webhooks/resman", body, headers);
    expect(response.status).toBe(202);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ id: headers["webhook-id"] });

    const direct = new RecordingQueue();
    const handler = createWebhookHandler({
      verify: createWebhookVerifier([WEBHOOK_SECRET]),
      queue: direct,
    });
    await handler(httpEvent({ headers, body }), lambdaContext);
    expect(direct.sent).toHaveLength(1);
    expect(queue.sent).toEqual(direct.sent);
  });

  it("refuses a delivery signed with another secret (401)", async () => {
    const body = JSON.stringify(webhookEnvelope);
    const response = await post("/webhooks/resman", body, signed(body, FOREIGN_WEBHOOK_SECRET));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "invalid_signature" });
    expect(queue.sent).toEqual([]);
  });

  it("refuses an envelope that breaks the contract with 422 and field paths, echoing nothing", async () => {
    const body = JSON.stringify({
      ...webhookEnvelope,
      account_id: "acct-bogus-77",
      person: { ...webhookEnvelope.person, person_id: "person-bogus-42" },
    });
    const response = await post("/webhooks/resman", body, signed(body));
    const text = await response.text();
    expect(response.status).toBe(422);
    const answer = JSON.parse(text) as { error: string; issues: { path: string }[] };
    expect(answer.error).toBe("invalid_body");
    expect(answer.issues.map((issue) => issue.path).sort()).toEqual([
      "account_id",
      "person.person_id",
    ]);
    expect(text).not.toMatch(/bogus/);
    expectNoPersonalData(text, personal);
    expect(queue.sent).toEqual([]);
  });

  it("refuses a body over the webhook's limit with 413 before the function runs", async () => {
    const body = `{"pad":"${"x".repeat(MAX_WEBHOOK_BODY_BYTES)}"}`;
    const response = await post("/webhooks/resman", body, signed(body));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "payload_too_large" });
    expect(queue.sent).toEqual([]);
  });

  it("passes a body that is not text base64-encoded, which the function refuses as 415", async () => {
    const body = JSON.stringify(webhookEnvelope);
    const headers = { ...signed(body), "content-type": "application/octet-stream" };
    const response = await post("/webhooks/resman", body, headers);
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ error: "unsupported_media_type" });
  });
});

describe("POST /events", () => {
  const captured = chatbotDetails["Contact Captured"];

  it("runs a valid Contact Captured through the chatbot function onto the queue", async () => {
    const response = await post(
      "/events",
      putEvents({ type: "Contact Captured", detail: captured }),
    );
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { FailedEntryCount: number; Entries: unknown[] };
    expect(answer).toEqual({
      FailedEntryCount: 0,
      Entries: [{ EventId: expect.stringMatching(UUID) }],
    });
    expect(queue.sent).toEqual([
      {
        kind: "chatbot",
        event: { detail_type: "Contact Captured", detail: expect.objectContaining(captured) },
      },
    ]);
  });

  it("fails an invalid entry with an error code and field paths only; the others go through", async () => {
    const invalid = { ...captured, occurred_at: "sometime-bogus", property_id: "prop-bogus" };
    const body = putEvents(
      { type: "Contact Captured", detail: invalid },
      { type: "Contact Captured", detail: captured },
    );
    const response = await post("/events", body);
    const text = await response.text();
    expect(response.status).toBe(200);
    const answer = JSON.parse(text) as {
      FailedEntryCount: number;
      Entries: { ErrorCode?: string; ErrorMessage?: string; EventId?: string }[];
    };
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries[0]).toEqual({
      ErrorCode: "InvalidEvent",
      ErrorMessage: expect.stringMatching(
        /detail\.property_id.*detail\.occurred_at|detail\.occurred_at.*detail\.property_id/,
      ),
    });
    expect(answer.Entries[1]).toEqual({ EventId: expect.stringMatching(UUID) });
    expect(text).not.toMatch(/bogus/);
    expectNoPersonalData(text, personal);
    expect(queue.sent).toHaveLength(1);
  });

  it("accepts one entry given alone and reports a detail that is not JSON", async () => {
    const response = await post(
      "/events",
      JSON.stringify({ Source: "domiq.chatbot", DetailType: "Contact Captured", Detail: "{oops" }),
    );
    expect(await response.json()).toEqual({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "MalformedDetail", ErrorMessage: "Detail: must be a JSON object" }],
    });
  });

  it("answers 400 for a body that is not JSON or has no entries", async () => {
    for (const body of ["not json", "{}", '{"Entries":[]}']) {
      const response = await post("/events", body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_body" });
    }
    expect(queue.sent).toEqual([]);
  });
});

describe("other routes", () => {
  it("answers GET /health and 404 for anything else", async () => {
    const health = await fetch(`${server.url}/health`);
    expect(await health.json()).toEqual({ status: "ok" });
    for (const [method, path] of [
      ["GET", "/nowhere"],
      ["GET", "/webhooks/resman"],
      ["POST", "/health"],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        ...(method === "POST" ? { body: "{}" } : {}),
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: "not_found" });
    }
  });

  it("listens on 127.0.0.1", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe("contact-sync send-webhook", () => {
  it("signs and posts an envelope file: 202, the delivery id, exit 0", async () => {
    const file = await writeJson("envelope.json", webhookEnvelope);
    const run = await runInProcess(
      ["send-webhook", "--file", file, "--url", server.url, "--secret", WEBHOOK_SECRET],
      {},
    );
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const [line] = linesOf(run.stdout);
    const id = /^202 accepted: delivery (msg_\w+)$/.exec(line ?? "")?.[1];
    expect(id).toBeDefined();
    expect(queue.sent).toEqual([{ kind: "resman", event_id: id, envelope: webhookEnvelope }]);
    expectNothingPersonal(run);
  });

  it("wraps a person file in an envelope from the flags, signed with WEBHOOK_SECRETS", async () => {
    const file = await writeJson("person.json", webhookEnvelope.person);
    const run = await runInProcess(
      [
        "send-webhook",
        "--file",
        file,
        "--url",
        server.url,
        "--type",
        "person.deactivated",
        "--property",
        RESMAN_PROPERTY_ID,
        "--account",
        "4021",
      ],
      { WEBHOOK_SECRETS: WEBHOOK_SECRET },
    );
    expect(run.code).toBe(0);
    expect(queue.sent).toEqual([
      expect.objectContaining({
        kind: "resman",
        envelope: expect.objectContaining({
          type: "person.deactivated",
          account_id: 4021,
          property_id: RESMAN_PROPERTY_ID,
          person: expect.objectContaining({ person_id: PERSON_ID }),
        }),
      }),
    ]);
  });

  it("signs with the local stack's secret by default", async () => {
    const local = await startLocalServer({
      port: 0,
      queue,
      webhookSecrets: [LOCAL_WEBHOOK_SECRET],
    });
    try {
      const file = await writeJson("envelope.json", webhookEnvelope);
      const run = await runInProcess(["send-webhook", "--file", file, "--url", local.url], {});
      expect(run.code).toBe(0);
      expect(queue.sent).toHaveLength(1);
    } finally {
      await local.close();
    }
  });

  it("exits 2 with one line for a missing file, a non-JSON file or a person without flags", async () => {
    const missing = await runInProcess(
      ["send-webhook", "--file", join(folder, "absent.json"), "--url", server.url],
      {},
    );
    expectOneLineError(missing, 2, /cannot read .*absent\.json: no such file/);
    const aFolder = await runInProcess(["send-webhook", "--file", folder, "--url", server.url], {});
    expectOneLineError(aFolder, 2, /cannot read .*: it is a folder, not a file/);
    const notJson = await writeJson("broken.json", "{ not json");
    const broken = await runInProcess(["send-webhook", "--file", notJson, "--url", server.url], {});
    expectOneLineError(broken, 2, /broken\.json is not valid JSON/);
    const person = await writeJson("person.json", webhookEnvelope.person);
    const bare = await runInProcess(["send-webhook", "--file", person, "--url", server.url], {});
    expectOneLineError(bare, 2, /--property and --account are required/);
    for (const run of [missing, broken, bare]) expectNothingPersonal(run);
    expect(queue.sent).toEqual([]);
  });

  it("exits 2 with the paths when the server refuses the envelope", async () => {
    const file = await writeJson("bad.json", { ...webhookEnvelope, occurred_at: "whenever-bogus" });
    const run = await runInProcess(
      ["send-webhook", "--file", file, "--url", server.url, "--secret", WEBHOOK_SECRET],
      {},
    );
    expectOneLineError(run, 2, /refused delivery msg_\w+: 422 invalid_body \(occurred_at\)/);
    expect(run.stderr).not.toMatch(/bogus/);
  });

  it("exits 1 with one line when the server cannot be reached", async () => {
    const file = await writeJson("envelope.json", webhookEnvelope);
    const run = await runInProcess(["send-webhook", "--file", file, "--url", deadUrl], {});
    expectOneLineError(run, 1, new RegExp(`cannot reach ${deadUrl} \\(ECONNREFUSED\\)`));
  });
});

describe("contact-sync send-event", () => {
  const captured = chatbotDetails["Contact Captured"];

  it("posts the detail as a PutEvents entry: the event id, exit 0", async () => {
    const file = await writeJson("detail.json", captured);
    const run = await runInProcess(
      ["send-event", "--type", "Contact Captured", "--file", file, "--url", server.url],
      {},
    );
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/^accepted: event [0-9a-f-]{36} \(Contact Captured\)\n$/);
    expect(queue.sent).toEqual([
      {
        kind: "chatbot",
        event: { detail_type: "Contact Captured", detail: expect.objectContaining(captured) },
      },
    ]);
    expectNothingPersonal(run);
  });

  it("exits 2 with the error code and paths for an invalid detail, 2 for a missing file", async () => {
    const file = await writeJson("bad-detail.json", { ...captured, occurred_at: "nope-bogus" });
    const invalid = await runInProcess(
      ["send-event", "--type", "Contact Captured", "--file", file, "--url", server.url],
      {},
    );
    expectOneLineError(
      invalid,
      2,
      /refused the event: InvalidEvent: invalid fields: detail\.occurred_at$/,
    );
    expect(invalid.stderr).not.toMatch(/bogus/);
    const missing = await runInProcess(
      ["send-event", "--type", "Contact Captured", "--file", join(folder, "absent.json")],
      {},
    );
    expectOneLineError(missing, 2, /cannot read .*absent\.json: no such file/);
    expect(queue.sent).toEqual([]);
  });

  it("refuses a detail-type it does not know before posting, naming the four", async () => {
    const file = await writeJson("detail.json", captured);
    const run = await runInProcess(
      ["send-event", "--type", "contact captured", "--file", file, "--url", server.url],
      {},
    );
    expectOneLineError(
      run,
      2,
      /'contact captured' is invalid\. Allowed choices are Contact Captured, Preferences Updated, Conversation Completed, Interaction Logged/,
    );
    expect(queue.sent).toEqual([]);
  });

  it("exits 1 with one line when the server cannot be reached", async () => {
    const file = await writeJson("detail.json", captured);
    const run = await runInProcess(
      ["send-event", "--type", "Contact Captured", "--file", file, "--url", deadUrl],
      {},
    );
    expectOneLineError(run, 1, new RegExp(`cannot reach ${deadUrl} \\(ECONNREFUSED\\)`));
  });
});
