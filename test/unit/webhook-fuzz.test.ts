/**
 * Fuzzing the HTTP edge: whatever the body or headers, the webhook answers a 4xx (or 202 for a
 * valid delivery), never a 5xx, never throws, and enqueues only what it acknowledged with 202.
 * The queue is a fake that records calls: a 5xx here could only be a bug, not an outage.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createWebhookHandler } from "../../lib/adapters/lambda/resmanWebhook.js";
import { createWebhookVerifier } from "../../lib/adapters/webhook/verifySignature.js";
import { WEBHOOK_SECRET, webhookEnvelope, webhookPersonal } from "../fixtures/webhook.js";
import { muteTerminal } from "../support/captureLogs.js";
import {
  fixedClock,
  httpEvent,
  lambdaContext,
  RecordingQueue,
  signedHeaders,
} from "../support/webhook.js";
import { envelopeAsAccepted } from "../support/webhookContract.js";

const RUNS = 1_000;
const ID = "msg_fuzz_0001";
const BODY = JSON.stringify(webhookEnvelope);
const signatureHeaders = ["webhook-id", "webhook-timestamp", "webhook-signature"] as const;

/**
 * Values on either side of the contract's bounds (design §5), which random values rarely hit:
 * set at a random path, each is valid for some fields and invalid for others.
 */
const EDGE_VALUES: readonly unknown[] = [
  null,
  true,
  [],
  {},
  0,
  -1,
  1.5,
  2_147_483_647,
  2_147_483_648,
  "",
  ...[20, 21, 40, 41, 200, 201, 320, 321].map((length) => "x".repeat(length)),
  "6808DC5B-F94C-4F3A-93AD-236CF491CDAB",
  "6808dc5bf94c4f3a93ad236cf491cdab",
  "2026-03-02T10:15:00.125+02:00",
  "2026-03-02T10:15Z",
  "2026-03-02 10:15:00Z",
  "2024-02-29T10:15:00Z",
  "2026-02-29T10:15:00Z",
  "person.deactivated",
  "former",
  "fax",
  "pager",
];

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(() => {
  // Thousands of requests, one log line each: still captured and scanned, not echoed.
  muteTerminal();
  process.on("unhandledRejection", onUnhandled);
});

afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

/** A handler over a recording queue; every call goes through the real verifier and use case. */
function fixture() {
  const queue = new RecordingQueue();
  const send = vi.spyOn(queue, "send");
  const handler = createWebhookHandler({
    verify: createWebhookVerifier([WEBHOOK_SECRET], fixedClock),
    queue,
  });
  return { handler, queue, send };
}

type Fixture = ReturnType<typeof fixture>;

/** Posts `body` correctly signed; returns the status after checking the invariants of every answer. */
async function postSigned({ handler, send }: Fixture, body: string): Promise<number> {
  send.mockClear();
  const headers = signedHeaders({ secret: WEBHOOK_SECRET, id: ID, body });
  const response = await handler(httpEvent({ headers, body }), lambdaContext);
  expectWellFormed(response, send);
  return response.statusCode;
}

function expectWellFormed(
  response: { statusCode: number; body: string },
  send: Fixture["send"],
): void {
  expect(response.statusCode).toBeLessThan(500);
  expect(() => JSON.parse(response.body)).not.toThrow();
  // Enqueued exactly when acknowledged.
  expect(send).toHaveBeenCalledTimes(response.statusCode === 202 ? 1 : 0);
  for (const value of Object.values(webhookPersonal)) expect(response.body).not.toContain(value);
}

describe("webhook fuzzing: correctly signed bodies", () => {
  it("answers 400 or 422 to any signed string, never enqueuing it", async () => {
    const target = fixture();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: "binary", maxLength: 400 }),
          fc.string({ unit: "grapheme", maxLength: 200 }),
        ),
        async (body) => {
          expect([400, 422]).toContain(await postSigned(target, body));
        },
      ),
      { numRuns: RUNS },
    );
    expect(target.queue.sent).toEqual([]);
  });

  it("answers 422 to any signed JSON value that is not an envelope", async () => {
    const target = fixture();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        expect(await postSigned(target, JSON.stringify(value) ?? "null")).toBe(422);
      }),
      { numRuns: RUNS },
    );
  });

  it("answers 202 to a mutated envelope exactly when the contract accepts it, else 422", async () => {
    const target = fixture();
    const paths = leafPaths(webhookEnvelope);
    const mutation = fc.record({
      path: fc.constantFrom(...paths),
      change: fc.oneof(
        fc.constant<Change>({ kind: "delete" }),
        fc.jsonValue().map((value): Change => ({ kind: "set", value })),
        fc.string({ maxLength: 250 }).map((value): Change => ({ kind: "set", value })),
        fc.constantFrom(...EDGE_VALUES).map((value): Change => ({ kind: "set", value })),
        fc
          .tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.jsonValue())
          .map(([key, value]): Change => ({ kind: "add", key, value })),
      ),
    });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const envelope = structuredClone(webhookEnvelope) as unknown as Json;
        for (const { path, change } of mutations) mutate(envelope, path, change);
        const body = JSON.stringify(envelope);
        // The oracle is the contract written out by hand (design §5), not the handler's schema.
        const expected = envelopeAsAccepted(JSON.parse(body));
        const status = await postSigned(target, body);
        expect(status).toBe(expected === null ? 422 : 202);
        if (expected !== null) {
          accepted += 1;
          expect(target.queue.sent.at(-1)).toEqual({
            kind: "resman",
            event_id: ID,
            envelope: expected,
          });
        }
      }),
      { numRuns: RUNS },
    );
    // Both outcomes were exercised, or the property proved little.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(RUNS);
  });
});

describe("webhook fuzzing: headers", () => {
  const headerMutation = fc.oneof(
    fc.record({ kind: fc.constant("drop" as const), header: fc.constantFrom(...signatureHeaders) }),
    fc.record({
      kind: fc.constant("replace" as const),
      header: fc.constantFrom(...signatureHeaders),
      value: fc.string({ maxLength: 120 }),
    }),
    fc.record({
      kind: fc.constant("alter" as const),
      header: fc.constantFrom(...signatureHeaders),
      at: fc.nat(),
      char: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }),
    }),
    fc.record({
      kind: fc.constant("duplicate" as const),
      header: fc.constantFrom(...signatureHeaders),
      other: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
    }),
  );

  it("answers 401 to any change of the signature headers, never enqueuing", async () => {
    const target = fixture();
    await fc.assert(
      fc.asyncProperty(
        fc.array(headerMutation, { minLength: 1, maxLength: 3 }),
        async (mutations) => {
          target.send.mockClear();
          const valid = signedHeaders({ secret: WEBHOOK_SECRET, id: ID, body: BODY });
          const headers: Record<string, string> = { ...valid };
          for (const mutation of mutations) {
            const current = headers[mutation.header];
            if (mutation.kind === "drop") delete headers[mutation.header];
            else if (mutation.kind === "replace") headers[mutation.header] = mutation.value;
            else if (current === undefined) continue;
            else if (mutation.kind === "alter") {
              const at = mutation.at % current.length;
              const char =
                mutation.char === current[at] ? (current[at] === "0" ? "1" : "0") : mutation.char;
              headers[mutation.header] = current.slice(0, at) + char + current.slice(at + 1);
            } else {
              // API Gateway joins a repeated header with commas.
              headers[mutation.header] = `${current},${mutation.other ?? current}`;
            }
          }
          fc.pre(signatureHeaders.some((name) => headers[name] !== valid[name]));
          const response = await target.handler(httpEvent({ headers, body: BODY }), lambdaContext);
          expect(response.statusCode).toBe(401);
          expectWellFormed(response, target.send);
        },
      ),
      { numRuns: RUNS },
    );
    expect(target.queue.sent).toEqual([]);
  });

  it("answers a 4xx to random headers and bodies, never enqueuing", async () => {
    const target = fixture();
    const headerName = fc.oneof(
      fc.constantFrom("content-type", ...signatureHeaders),
      fc.string({ minLength: 1, maxLength: 20 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(headerName, fc.string({ maxLength: 80 }), { maxKeys: 6 }),
        fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
        fc.boolean(),
        async (headers, body, isBase64Encoded) => {
          target.send.mockClear();
          const event = httpEvent({
            headers,
            ...(body === undefined ? {} : { body }),
            isBase64Encoded,
          });
          const response = await target.handler(event, lambdaContext);
          expect([401, 415]).toContain(response.statusCode);
          expectWellFormed(response, target.send);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Change =
  | { kind: "delete" }
  | { kind: "set"; value: unknown }
  | { kind: "add"; key: string; value: unknown };

/** Every path to a value of the envelope, objects and arrays included. */
function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [prefix];
  const entries = Array.isArray(value)
    ? value.map((v, i) => [i, v] as const)
    : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, child]) => leafPaths(child, [...prefix, key]))];
}

/** Applies one change at a path; a path a previous change removed is left alone. */
function mutate(root: Json, path: (string | number)[], change: Change): void {
  let parent: Json = root;
  for (const key of path.slice(0, -1)) {
    if (parent === null || typeof parent !== "object") return;
    parent = (parent as Record<string | number, Json>)[key] ?? null;
  }
  const last = path.at(-1);
  if (parent === null || typeof parent !== "object") return;
  const target = parent as Record<string | number, unknown>;
  if (last === undefined) {
    // The root itself: only additions make sense.
    if (change.kind === "add") target[change.key] = change.value;
    return;
  }
  if (change.kind === "delete") delete target[last];
  else if (change.kind === "set") target[last] = change.value;
  else {
    const child = target[last];
    if (child !== null && typeof child === "object" && !Array.isArray(child)) {
      (child as Record<string, unknown>)[change.key] = change.value;
    }
  }
}
