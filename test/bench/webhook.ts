/**
 * Webhook acknowledgement benchmark (`npx tsx test/bench/webhook.ts`): the real function —
 * middy, signature check, JSON and zod validation, the real `SqsSyncQueue` and SQS client — with
 * only the network replaced by an in-process HTTP handler that answers like SQS. So the SDK's
 * serialisation, SigV4 signing, response parsing and MD5 check are all in the figure.
 * (aws-sdk-client-mock would stub `client.send` itself and skip all of that.)
 *
 * Prints p50/p99 of one invocation next to the budget, as a line and as JSON; asserts nothing.
 *
 *   BENCH_DELIVERIES=5000   timed deliveries (default 5000), after 10% as many for warm-up
 */
import { createHash, createHmac } from "node:crypto";
import { performance } from "node:perf_hooks";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createWebhookHandler } from "../../lib/adapters/lambda/resmanWebhook.js";
import { SqsSyncQueue } from "../../lib/adapters/queue/sqsSyncQueue.js";
import { createWebhookVerifier } from "../../lib/adapters/webhook/verifySignature.js";
import { WEBHOOK_SECRET, webhookEnvelope } from "../fixtures/webhook.js";
import { httpEvent, lambdaContext } from "../support/webhook.js";

const BUDGET_P99_MS = 20;
const deliveries = Number(process.env.BENCH_DELIVERIES ?? 5000);
const warmUp = Math.max(100, Math.round(deliveries / 10));
const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/contact-sync-sync";

const decoder = new TextDecoder();

/** Answers every SendMessage like SQS does (JSON protocol), MD5 of the body included. */
const sqsOverLoopback = {
  async handle(request: { body?: unknown }) {
    const text =
      request.body instanceof Uint8Array ? decoder.decode(request.body) : String(request.body);
    const { MessageBody } = JSON.parse(text) as { MessageBody: string };
    const answer = {
      MessageId: "8f9c5d6e-0000-4000-8000-000000000000",
      MD5OfMessageBody: createHash("md5").update(MessageBody).digest("hex"),
    };
    return {
      response: {
        statusCode: 200,
        reason: "OK",
        headers: { "content-type": "application/x-amz-json-1.0" },
        body: Buffer.from(JSON.stringify(answer)),
      },
    };
  },
};

const client = new SQSClient({
  region: "us-east-1",
  credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "bench-secret" },
  requestHandler: sqsOverLoopback,
});
const handler = createWebhookHandler({
  verify: createWebhookVerifier([WEBHOOK_SECRET]),
  queue: new SqsSyncQueue(client, QUEUE_URL),
});

const body = JSON.stringify(webhookEnvelope);
const key = Buffer.from(WEBHOOK_SECRET.slice("whsec_".length), "base64");

/** Signed now, so the verifier's real clock accepts it. */
function signedEvent(index: number) {
  const id = `msg_bench_${index}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return httpEvent({
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": `v1,${mac}`,
    },
    body,
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

// The function logs one line per request; in Lambda stdout is a pipe, here a terminal. Count
// the lines (their JSON is still built) but do not print them.
const write = process.stdout.write.bind(process.stdout);
let logLines = 0;
process.stdout.write = (() => {
  logLines += 1;
  return true;
}) as typeof process.stdout.write;

const events = Array.from({ length: warmUp + deliveries }, (_, i) => signedEvent(i));
const timings: number[] = [];
let rejected = 0;
try {
  for (const [index, event] of events.entries()) {
    const started = performance.now();
    const response = await handler(event, lambdaContext);
    const elapsed = performance.now() - started;
    if (response.statusCode !== 202) rejected += 1;
    if (index >= warmUp) timings.push(elapsed);
  }
} finally {
  process.stdout.write = write;
}

const sorted = [...timings].sort((a, b) => a - b);
const p50 = percentile(sorted, 50);
const p99 = percentile(sorted, 99);
const mean = timings.reduce((sum, t) => sum + t, 0) / timings.length;
const round = (ms: number) => Math.round(ms * 1000) / 1000;

console.log(
  `webhook ack (verify + validate + enqueue) p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, ` +
    `budget p99 ≤ ${BUDGET_P99_MS} ms (${deliveries} deliveries, ${warmUp} warm-up, ` +
    `${rejected} not 202, ${logLines} log lines)`,
);
console.log(
  JSON.stringify({
    bench: "webhook-ack",
    deliveries,
    warm_up: warmUp,
    p50_ms: round(p50),
    p99_ms: round(p99),
    mean_ms: round(mean),
    max_ms: round(sorted.at(-1) ?? NaN),
    budget_p99_ms: BUDGET_P99_MS,
    within_budget: p99 <= BUDGET_P99_MS,
    not_202: rejected,
    body_bytes: Buffer.byteLength(body),
    node: process.version,
  }),
);
