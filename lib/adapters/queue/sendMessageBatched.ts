/**
 * Many messages to one SQS queue: `SendMessageBatch` in requests SQS accepts (at most 10
 * entries, bodies together at most 256 KB), the entries SQS reports as `Failed` (or whose whole
 * request failed) sent again with backoff, and the messages still not accepted reported by
 * position with their last error code. Used by the reconciliation's queue sink (people → the
 * sync queue) and by the reconcile schedule (properties → the reconcile queue). Only positions
 * and error codes leave this module, never a body.
 *
 * Delivery is at least once: a request that timed out after SQS took it is sent again, so the
 * consumers deduplicate (the sync worker's inbox by event id, a reconciliation by its claim).
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchResult,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type BatchRetryOptions, resendWhilePending } from "../batchRetry.js";

/** SendMessageBatch takes at most 10 entries. */
export const MAX_BATCH_ENTRIES = 10;

/**
 * The bodies of one request together, and so each body, at most 256 KiB: SQS's long-standing
 * limit, which every queue accepts whatever its `MaximumMessageSize`.
 */
export const MAX_BATCH_BYTES = 256 * 1024;

/** Reported for a body that alone exceeds `MAX_BATCH_BYTES`: it is never sent. */
export const BODY_TOO_LARGE = "BodyTooLarge";

export type { BatchRetryOptions };

/** A message SQS did not accept after every attempt. */
export interface UnsentMessage {
  /** Its position in the input. */
  index: number;
  /** SQS's entry `Code`, the thrown SDK error's name, or `BodyTooLarge`. */
  errorCode: string;
}

/** SDK error names SQS uses for "slow down", which the SDK classes as client faults. */
const SLOW_DOWN = new Set(["RequestThrottled", "ThrottlingException", "KmsThrottled"]);

/** What a thrown `send` means for every entry of its request: its code, and whether to retry. */
function requestFailure(error: unknown): { code: string; again: boolean } {
  const sdk = (error ?? {}) as { name?: unknown; code?: unknown; $fault?: unknown };
  const name = typeof sdk.name === "string" ? sdk.name : "UnknownError";
  // Without `$fault` SQS never answered (a network error or a timeout): Node's code says more.
  if (sdk.$fault === undefined) {
    return { code: typeof sdk.code === "string" ? sdk.code : name, again: true };
  }
  return { code: name, again: sdk.$fault === "server" || SLOW_DOWN.has(name) };
}

/** Splits positions into requests within SQS's limits, keeping the input order. */
function requestsOf(positions: readonly number[], sizes: readonly number[]): number[][] {
  const requests: number[][] = [];
  let open: number[] = [];
  let openBytes = 0;
  for (const position of positions) {
    const size = sizes[position] ?? 0;
    const full = open.length === MAX_BATCH_ENTRIES || openBytes + size > MAX_BATCH_BYTES;
    if (open.length > 0 && full) {
      requests.push(open);
      open = [];
      openBytes = 0;
    }
    open.push(position);
    openBytes += size;
  }
  return open.length > 0 ? [...requests, open] : requests;
}

/**
 * Sends `bodies` to `queueUrl` (see the module header). Never throws because of SQS: resolves
 * with the messages that were still not accepted, in input order.
 */
export async function sendMessageBatched(
  client: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
  retry: BatchRetryOptions = {},
): Promise<{ unsent: UnsentMessage[] }> {
  const sizes = bodies.map((body) => Buffer.byteLength(body, "utf8"));
  /** Given up on: position → last code. */
  const givenUp = new Map<number, string>();
  /** Waiting for another attempt: position → the code of the last one. */
  let waiting = new Map<number, string>();
  sizes.forEach((size, position) => {
    if (size > MAX_BATCH_BYTES) givenUp.set(position, BODY_TOO_LARGE);
    else waiting.set(position, "NotSent");
  });

  /** One request; sorts its entries into accepted, to retry (`again`) and given up. */
  const sendRequest = async (positions: number[], again: Map<number, string>) => {
    let result: SendMessageBatchResult;
    try {
      result = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          // Entry ids only need to be unique within the request: the input position is.
          Entries: positions.map((position) => ({
            Id: String(position),
            MessageBody: bodies[position],
          })),
        }),
      );
    } catch (error) {
      const { code, again: retryable } = requestFailure(error);
      for (const position of positions) (retryable ? again : givenUp).set(position, code);
      return;
    }
    const accepted = new Set((result.Successful ?? []).map((entry) => entry.Id));
    const failed = new Map((result.Failed ?? []).map((entry) => [entry.Id, entry]));
    for (const position of positions) {
      const id = String(position);
      if (accepted.has(id)) continue;
      const entry = failed.get(id);
      // A sender fault (a malformed entry) fails the same way every time; anything else, a
      // missing result included, may pass on another attempt.
      if (entry?.SenderFault === true) givenUp.set(position, entry.Code ?? "SenderFault");
      else again.set(position, entry?.Code ?? "MissingResult");
    }
  };

  const attempt = async () => {
    const again = new Map<number, string>();
    // One request at a time: parallel requests would only deepen a throttling being retried.
    for (const request of requestsOf([...waiting.keys()], sizes)) {
      await sendRequest(request, again);
    }
    waiting = again;
    return waiting.size;
  };

  if (waiting.size > 0 && (await resendWhilePending(attempt, retry))) {
    for (const [position, code] of waiting) givenUp.set(position, code);
  }
  const unsent = [...givenUp].map(([index, errorCode]) => ({ index, errorCode }));
  return { unsent: unsent.sort((a, b) => a.index - b.index) };
}
