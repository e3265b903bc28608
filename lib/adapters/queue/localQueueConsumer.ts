/**
 * The consumer of a local queue: what Lambda's SQS event source does for the sync worker, run in
 * process. One round receives a batch, hands it to an SQS-batch handler (the real
 * `createSyncWorker` handler), deletes the records it did not report in `batchItemFailures` and
 * returns the reported ones to the queue after a short backoff. A handler that throws fails the
 * whole batch, as on Lambda. Dead-lettering happens in the queue's receive (`localQueue.ts`).
 *
 * The handler's response names failed records only; a failure may carry a `code` string beside
 * its `itemIdentifier` (a local extension), else the queue keeps `record_failed`. A thrown error
 * is kept by its code (`ContactSyncError`, driver SQLSTATE) or as `handler_failed`.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleepFor } from "node:timers/promises";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { logger, safeError } from "../observability/logger.js";
import { type LocalSyncQueue, SYNC_QUEUE } from "./localQueue.js";

/** A Lambda SQS handler with partial batch responses (`createSyncWorker`'s shape). */
export type SqsBatchHandler = (
  event: SQSEvent,
  context: Context,
) => Promise<SQSBatchResponse | undefined>;

export interface DrainOptions {
  /** The queue to drain. Default `sync`. */
  queue?: string;
  /** Batch size, 1–10. Default 10. */
  max?: number;
  /** Visibility timeout of a received batch (seconds). Default 30, the worker's timeout. */
  visibilitySeconds?: number;
  /** When a failed record is visible again (seconds). Default: `visibilitySeconds`. */
  retryDelaySeconds?: number;
}

export interface DrainCounts {
  received: number;
  succeeded: number;
  failed: number;
  deadLettered: number;
}

export interface DrainUntilEmptyOptions extends DrainOptions {
  /** At most this many rounds. Default 100. */
  maxRounds?: number;
  /** At most this long, in total, waiting for failed messages to become visible. Default 60 s. */
  maxWaitSeconds?: number;
  /** How to wait (tests move a clock instead). */
  sleep?: (ms: number) => Promise<unknown>;
}

export interface DrainSummary extends DrainCounts {
  rounds: number;
  /** Messages still in the queue when the drain stopped (0 when it emptied it). */
  remaining: number;
}

const DEFAULT_VISIBILITY_SECONDS = 30;
const RECORD_FAILED = "record_failed";
const HANDLER_FAILED = "handler_failed";

const emptyCounts = (): DrainCounts => ({ received: 0, succeeded: 0, failed: 0, deadLettered: 0 });

/** A Lambda context for one local invocation; its remaining time is the batch's visibility. */
function localContext(queue: string, visibilitySeconds: number): Context {
  const deadline = Date.now() + visibilitySeconds * 1000;
  const functionName = `contact-sync-local-${queue}-consumer`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/local/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The code to keep for a thrown error: ours, a driver's, or a generic one. Never a message. */
function errorCodeOf(error: unknown): string {
  const { code } = safeError(error);
  return code !== undefined && /^[\w.-]{1,80}$/.test(code) ? code : HANDLER_FAILED;
}

function failureCodeOf(failure: object): string {
  const code = (failure as { code?: unknown }).code;
  return typeof code === "string" && /^[\w.-]{1,80}$/.test(code) ? code : RECORD_FAILED;
}

/** One round: receive a batch, run the handler, acknowledge successes, back off failures. */
export async function drainOnce(
  store: LocalSyncQueue,
  handler: SqsBatchHandler,
  options: DrainOptions = {},
): Promise<DrainCounts> {
  const queue = options.queue ?? SYNC_QUEUE;
  const visibilitySeconds = options.visibilitySeconds ?? DEFAULT_VISIBILITY_SECONDS;
  const retryDelaySeconds = options.retryDelaySeconds ?? visibilitySeconds;
  const { records, deadLettered } = await store.receive(queue, {
    max: options.max,
    visibilitySeconds,
  });
  const counts = { ...emptyCounts(), received: records.length, deadLettered };
  if (deadLettered > 0) logger.warn("local queue messages dead-lettered", { queue, deadLettered });
  if (records.length === 0) return counts;

  const ids = records.map((r) => r.messageId);
  let response: SQSBatchResponse | undefined;
  try {
    response = await handler({ Records: records }, localContext(queue, visibilitySeconds));
  } catch (error) {
    logger.warn("local queue handler failed", {
      queue,
      records: ids.length,
      error: safeError(error),
    });
    await store.fail(ids, errorCodeOf(error), retryDelaySeconds);
    return { ...counts, failed: ids.length };
  }

  // Failures grouped by code; an identifier that is not in the batch is ignored, as on Lambda.
  const received = new Set(ids);
  const failedByCode = new Map<string, string[]>();
  for (const failure of response?.batchItemFailures ?? []) {
    if (!received.delete(failure.itemIdentifier)) continue;
    const code = failureCodeOf(failure);
    failedByCode.set(code, [...(failedByCode.get(code) ?? []), failure.itemIdentifier]);
  }
  await store.delete([...received]);
  for (const [code, failedIds] of failedByCode) {
    await store.fail(failedIds, code, retryDelaySeconds);
  }
  return { ...counts, succeeded: received.size, failed: ids.length - received.size };
}

/**
 * Rounds of `drainOnce` until the queue is empty (`--once` runs). When only invisible messages
 * remain (failed ones backing off, or another consumer's), it waits until the next is visible,
 * within `maxWaitSeconds` in total; it stops after `maxRounds` whatever is left.
 */
export async function drainUntilEmpty(
  store: LocalSyncQueue,
  handler: SqsBatchHandler,
  options: DrainUntilEmptyOptions = {},
): Promise<DrainSummary> {
  const queue = options.queue ?? SYNC_QUEUE;
  const maxRounds = options.maxRounds ?? 100;
  const sleep = options.sleep ?? sleepFor;
  let waitBudgetMs = (options.maxWaitSeconds ?? 60) * 1000;
  const totals = emptyCounts();
  let rounds = 0;
  while (rounds < maxRounds) {
    rounds += 1;
    const counts = await drainOnce(store, handler, options);
    for (const key of Object.keys(totals) as (keyof DrainCounts)[]) totals[key] += counts[key];
    if (counts.received + counts.deadLettered > 0) continue;
    const waitMs = await store.msUntilVisible(queue);
    if (waitMs === null || waitMs > waitBudgetMs) break;
    waitBudgetMs -= waitMs;
    await sleep(waitMs);
  }
  return { ...totals, rounds, remaining: await store.depth(queue) };
}
