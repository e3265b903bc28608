/**
 * The in-process `PersonSink`: the messages go through `processSyncMessage`, exactly as the
 * sync worker would process a batch of them: the upserted people synced together in waves
 * (`syncBatch`), the other messages (deactivations; everything on a dry run, which writes
 * nothing) a few at a time. Used by `contact-sync reconcile` and the local stack, where there
 * is no queue. A message that fails with a retryable error is counted as `incomplete` (its
 * window will be read again); one refused for good is `failed` (its link says why). As in the
 * worker's runtime, property lookups go through `cachedPropertyStore`, here for one delivery.
 */
import pLimit from "p-limit";
import { ContactSyncError, isRetryable } from "../domain/errors.js";
import type { SyncMessage } from "../domain/events.js";
import {
  type DeliverOptions,
  emptyTally,
  type PersonSink,
  type SinkTally,
} from "./ports/personSink.js";
import { type PipelineDependencies, processSyncMessage, syncBatch } from "./processSyncMessage.js";
import { cachedPropertyStore } from "./propertyCache.js";
import type { WaveOutcome } from "./syncWaves.js";

/**
 * Messages the waves do not take (deactivations, a dry run's people) synced at once: enough to
 * overlap round trips, few enough not to contend.
 */
export const IN_PROCESS_CONCURRENCY = 4;

export interface InProcessOptions {
  concurrency?: number;
}

export function syncInProcess(
  deps: PipelineDependencies,
  options: InProcessOptions = {},
): PersonSink {
  const limit = pLimit(options.concurrency ?? IN_PROCESS_CONCURRENCY);
  return {
    async deliver(
      messages: readonly SyncMessage[],
      deliver: DeliverOptions = {},
    ): Promise<SinkTally> {
      const dryRun = deliver.dryRun === true;
      const tally = emptyTally();
      // Each property looked up once a delivery (a thousand people of one property), not once
      // per person: a change to it applies from the next delivery on.
      const pipeline = {
        ...deps,
        properties: cachedPropertyStore(deps.properties, { clock: deps.clock }),
      };
      const one = async (message: SyncMessage, synced: WaveOutcome | undefined) => {
        try {
          // One receive, and it is the last: a retryable failure marks the link failed too, so
          // operators see it even if the next run is far away.
          const processed = await processSyncMessage(
            pipeline,
            message,
            { receiveCount: 1, maxReceiveCount: 1, dryRun },
            synced,
          );
          if (processed.kind === "rejected") tally.failed += 1;
          else if (processed.kind === "person") {
            const { outcome, status } = processed.result;
            if (outcome === "unchanged" || outcome === "duplicate_event") tally.unchanged += 1;
            else if (status === "pending") tally.review += 1;
            else tally[outcome] += 1;
          }
        } catch (error) {
          if (dryRun && !isRetryable(error)) tally.failed += 1;
          else {
            tally.incomplete += 1;
            const code = error instanceof ContactSyncError ? error.code : "unexpected_error";
            tally.incompleteCodes[code] = (tally.incompleteCodes[code] ?? 0) + 1;
          }
        }
      };
      const synced = dryRun ? [] : await syncBatch(pipeline, messages);
      await Promise.all(messages.map((message, i) => limit(() => one(message, synced[i]))));
      return tally;
    },
  };
}
