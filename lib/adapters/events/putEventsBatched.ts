/**
 * The one way this package sends events to EventBridge: `PutEvents` in requests EventBridge
 * accepts (≤ 10 entries, < 256 KB), failed entries re-sent with backoff, and the entries that
 * still failed reported by position. Used by the outbound publisher and by the chatbot's
 * `publishChatbotEvents`. Nothing here logs or reports an entry's content: only indexes and
 * error codes leave this module.
 */
import type {
  EventBridgeClient,
  PutEventsRequestEntry,
  PutEventsResultEntry,
} from "@aws-sdk/client-eventbridge";
import { type BatchRetryOptions, resendWhilePending } from "../batchRetry.js";

/** PutEvents accepts at most 10 entries per request (EventBridge quota, not adjustable). */
export const MAX_ENTRIES_PER_REQUEST = 10;

/**
 * "The total entry size must be less than 256KB" — per request, and therefore per entry
 * (AWS doc "Calculating Amazon EventBridge PutEvents event entry size",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
 */
export const MAX_REQUEST_BYTES = 256 * 1024;

/** Reported for an entry that alone exceeds the request limit: it is never sent. */
export const ENTRY_TOO_LARGE = "EntryTooLarge";

/**
 * Per-entry error codes that may succeed when sent again, as listed on `PutEventsResultEntry`
 * (`InternalFailure`, `ThrottlingException`); `InternalException` is what the service returns
 * for the former in practice. Every other code (access, malformed detail…) fails the same way
 * on every attempt.
 */
const retryableEntryCodes = new Set([
  "InternalFailure",
  "InternalException",
  "ThrottlingException",
]);

/** Thrown SDK errors that mean "slow down" although the SDK classes them as client faults. */
const throttlingNames = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
]);

/** Backoff of the re-sends (the batch APIs' common options). */
export type PutEventsRetryOptions = BatchRetryOptions;

/** An input entry that was not accepted after every attempt. */
export interface PutEventsFailure {
  /** Position of the entry in the input. */
  index: number;
  /** EventBridge's `ErrorCode`, the thrown SDK error's name, or `EntryTooLarge`. */
  errorCode: string;
  /** Whether sending the entry again later may succeed (throttling, an outage). */
  retryable: boolean;
}

/**
 * An entry's size as EventBridge counts it (same AWS doc as `MAX_REQUEST_BYTES`): 14 bytes for
 * `Time` if set, plus the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each of
 * `Resources`. `EventBusName` and `TraceHeader` are not counted by EventBridge.
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  size += Buffer.byteLength(entry.Source ?? "", "utf8");
  size += Buffer.byteLength(entry.DetailType ?? "", "utf8");
  size += Buffer.byteLength(entry.Detail ?? "", "utf8");
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource, "utf8");
  return size;
}

/**
 * Groups entry indexes into requests of ≤ 10 entries and < 256 KB, in input order. Every index
 * given must fit a request alone (larger entries are filtered out before).
 */
export function chunkEntries(indexes: readonly number[], sizes: readonly number[]): number[][] {
  const requests: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const index of indexes) {
    const size = sizes[index] ?? 0;
    if (
      current.length === MAX_ENTRIES_PER_REQUEST ||
      (current.length > 0 && bytes + size >= MAX_REQUEST_BYTES)
    ) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/**
 * What an error thrown by `client.send` means: its code (AWS's error code, or Node's network
 * code when EventBridge never answered) and whether it may go away on its own.
 */
function classifyRequestError(error: unknown): { errorCode: string; retryable: boolean } {
  const sdk = error as { name?: unknown; code?: unknown; $fault?: unknown; $retryable?: unknown };
  const name = typeof sdk?.name === "string" ? sdk.name : "UnknownError";
  // Service exceptions carry `$fault`; without it the request got no answer (network, timeout).
  if (sdk?.$fault === undefined) {
    return { errorCode: typeof sdk?.code === "string" ? sdk.code : name, retryable: true };
  }
  return {
    errorCode: name,
    retryable: sdk.$fault === "server" || sdk.$retryable !== undefined || throttlingNames.has(name),
  };
}

/**
 * Sends `entries` with `PutEvents`, chunked to EventBridge's limits, and re-sends the entries
 * that failed with a retryable code (or whose whole request threw a retryable error) with
 * exponential backoff. Never throws because of EventBridge: resolves with the entries that were
 * still not accepted, by input index, each with its last error code.
 *
 * Delivery is at least once: an entry whose request timed out after EventBridge accepted it is
 * sent again, so consumers deduplicate on an id inside the detail.
 */
export async function putEventsBatched(
  client: EventBridgeClient,
  entries: readonly PutEventsRequestEntry[],
  retry: PutEventsRetryOptions = {},
): Promise<{ failed: readonly PutEventsFailure[] }> {
  const sizes = entries.map(putEventsEntrySize);
  const failed = new Map<number, PutEventsFailure>();
  let pending: number[] = [];
  for (const [index, size] of sizes.entries()) {
    if (size >= MAX_REQUEST_BYTES) {
      failed.set(index, { index, errorCode: ENTRY_TOO_LARGE, retryable: false });
    } else {
      pending.push(index);
    }
  }
  /** The last retryable error code of each still-pending entry. */
  const lastCode = new Map<number, string>();
  // Loaded here, not imported at the top: no bundle loads the EventBridge SDK at cold start
  // (the client was built by `createEventBridgeClient`, which loaded it already).
  const { PutEventsCommand } = await import("@aws-sdk/client-eventbridge");

  const attempt = async () => {
    const stillPending: number[] = [];
    // One request at a time: parallel requests would only deepen the throttling being retried.
    for (const request of chunkEntries(pending, sizes)) {
      let results: readonly PutEventsResultEntry[];
      try {
        const output = await client.send(
          new PutEventsCommand({ Entries: request.map((index) => entries[index] ?? {}) }),
        );
        // EventBridge counts the failed entries: none failed, nothing to look at.
        if (output.FailedEntryCount === 0) continue;
        results = output.Entries ?? [];
      } catch (error) {
        const { errorCode, retryable } = classifyRequestError(error);
        for (const index of request) {
          if (retryable) {
            stillPending.push(index);
            lastCode.set(index, errorCode);
          } else {
            failed.set(index, { index, errorCode, retryable: false });
          }
        }
        continue;
      }
      // Results are positional: the i-th result is the i-th entry of the request.
      for (const [position, index] of request.entries()) {
        const result = results[position];
        if (result?.EventId !== undefined && result.ErrorCode === undefined) continue;
        // A missing result is treated like an internal failure: sending again is safe.
        const errorCode = result?.ErrorCode ?? "InternalFailure";
        if (retryableEntryCodes.has(errorCode)) {
          stillPending.push(index);
          lastCode.set(index, errorCode);
        } else {
          failed.set(index, { index, errorCode, retryable: false });
        }
      }
    }
    pending = stillPending;
    return pending.length;
  };

  if (pending.length > 0 && (await resendWhilePending(attempt, retry))) {
    for (const index of pending) {
      failed.set(index, {
        index,
        errorCode: lastCode.get(index) ?? "InternalFailure",
        retryable: true,
      });
    }
  }
  return { failed: [...failed.values()].sort((a, b) => a.index - b.index) };
}
