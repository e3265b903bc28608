/**
 * The queue `PersonSink` of the reconcile worker (Lambda): a reconciliation's people go to the
 * sync queue as the same messages a webhook delivery becomes (the JSON of the `SyncMessage`, as
 * `SqsSyncQueue` sends it), with `SendMessageBatch`; the sync worker syncs them later. Accepted
 * messages count as `enqueued`; those SQS still refused after the retries count as `incomplete`
 * (their window is read again next run), never as an error thrown.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import {
  type DeliverOptions,
  emptyTally,
  type PersonSink,
  type SinkTally,
} from "../../app/ports/personSink.js";
import type { SyncMessage } from "../../domain/events.js";
import { logger } from "../observability/logger.js";
import { type BatchRetryOptions, sendMessageBatched } from "./sendMessageBatched.js";

/** A `PersonSink` onto the sync queue at `queueUrl`; `retry` shortens the backoff in tests. */
export function queueSink(
  client: SQSClient,
  queueUrl: string,
  retry: BatchRetryOptions = {},
): PersonSink {
  return {
    async deliver(
      messages: readonly SyncMessage[],
      options: DeliverOptions = {},
    ): Promise<SinkTally> {
      const tally = emptyTally();
      if (messages.length === 0) return tally;
      // The queue cannot decide without writing: a dry run hands nothing on.
      if (options.dryRun === true) {
        tally.incomplete = messages.length;
        tally.incompleteCodes.dry_run = messages.length;
        return tally;
      }
      const bodies = messages.map((message) => JSON.stringify(message));
      const { unsent } = await sendMessageBatched(client, queueUrl, bodies, retry);
      tally.enqueued = messages.length - unsent.length;
      tally.incomplete = unsent.length;
      if (unsent.length > 0) {
        // Codes and counts only: a body is a person.
        const codes: Record<string, number> = {};
        for (const { errorCode } of unsent) codes[errorCode] = (codes[errorCode] ?? 0) + 1;
        tally.incompleteCodes = codes;
        logger.warn("sync queue refused messages", {
          sent: messages.length,
          unsent: unsent.length,
          codes,
        });
      }
      return tally;
    },
  };
}
