/**
 * The sync worker's handler (the Lambda in `functions/sync-worker.ts` configures it). Sync
 * worker: SQS batches (size 10) from the sync queue, partial batch responses. The batch's
 * upserted ResMan people are validated once and synced together (`syncBatch`: one read, one
 * write statement per wave of people that cannot see each other's writes); then each record
 * runs `processSyncMessage` — with its person's outcome from the batch, or on its own for the
 * other messages; a record that throws is reported in `batchItemFailures` and only it returns
 * to the queue. After the batch, the events its waves wrote are published to EventBridge from
 * memory, and the outbox is drained when something else may be waiting (`publishOutbox`).
 * Each record's outcome is counted (`SYNC_OUTCOME_METRICS`, `Enrichments`), and written once
 * per batch with zeros included, so the failure rate always has its denominator.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { drainOutbox, OUTBOX_LEASE_MS, publishClaimed } from "../../app/drainOutbox.js";
import type { EventPublisher, OutboxStore } from "../../app/ports.js";
import {
  type PipelineDependencies,
  type ProcessedMessage,
  processSyncMessage,
  syncBatch,
} from "../../app/processSyncMessage.js";
import type { WaveOutcome } from "../../app/syncWaves.js";
import { type SyncMessage, syncMessageSchema } from "../../domain/events.js";
import { zodIssuePaths } from "../../domain/zodIssues.js";
import { logger, safeError } from "../observability/logger.js";
import {
  invocationMetrics,
  METRIC,
  SYNC_OUTCOME_METRICS,
  type SyncRecordOutcome,
} from "../observability/metrics.js";
import { lambdaHandler } from "./lambdaHandler.js";

export interface SyncWorkerDependencies {
  /** The stores, opened on first use (the first invocation connects, not the import). */
  pipeline: () => Promise<PipelineDependencies & { outbox: OutboxStore }>;
  publisher: EventPublisher;
  maxReceiveCount: number;
}

/**
 * When every record of a batch was written by its waves, whose events it publishes itself, the
 * worker still drains the outbox at most this often (per container): the rows other writers
 * left (an import, a review decision, a publish that failed) go out without waiting for the
 * schedule's sweep.
 */
export const DRAIN_INTERVAL_MS = 10_000;

/** A malformed message can never succeed, but it is kept: it goes to the DLQ intact. */
class MalformedMessageError extends Error {
  override name = "MalformedMessageError";
}

function parseBody(record: SQSRecord) {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new MalformedMessageError("message body is not JSON");
  }
  const parsed = syncMessageSchema.safeParse(body);
  if (!parsed.success) {
    const paths = zodIssuePaths(parsed.error).join(", ");
    throw new MalformedMessageError(`message does not match the sync message contract: ${paths}`);
  }
  return parsed.data;
}

/** A batch's records that parsed, and what the batch's waves made of them, by message id. */
interface BatchSynced {
  messages: ReadonlyMap<string, SyncMessage>;
  synced: ReadonlyMap<string, WaveOutcome>;
}

/** What a batch's records came to: an outcome each, or an enrichment (`lead`: a new lead). */
type RecordOutcome = SyncRecordOutcome | "enriched" | "lead";

/** The outcome a processed message counts under (see `SYNC_OUTCOME_METRICS`). */
function outcomeOf(message: SyncMessage, processed: ProcessedMessage): RecordOutcome {
  if (processed.kind === "rejected") return "failed";
  if (processed.kind === "chatbot") {
    const { outcome } = processed.result;
    if (outcome === "duplicate_event") return "unchanged";
    return outcome === "created_lead" ? "lead" : "enriched";
  }
  const { outcome, status } = processed.result;
  if (outcome === "unchanged" || outcome === "duplicate_event") return "unchanged";
  if (message.kind === "resman" && message.envelope.type === "person.deactivated") {
    return "deactivated";
  }
  return status === "pending" ? "review" : outcome;
}

/** Writes a batch's counts: every outcome (zeros too), the enrichments and the total. */
function countBatch(outcomes: readonly RecordOutcome[]): void {
  const count = (wanted: RecordOutcome) => outcomes.filter((o) => o === wanted).length;
  invocationMetrics.count(METRIC.syncMessages, outcomes.length);
  for (const [outcome, name] of Object.entries(SYNC_OUTCOME_METRICS)) {
    invocationMetrics.count(name, count(outcome as SyncRecordOutcome));
  }
  invocationMetrics.count(METRIC.enrichments, count("enriched") + count("lead"));
  invocationMetrics.count(METRIC.leadsCreated, count("lead"));
}

/**
 * The worker for the given dependencies (tests inject theirs; `functions/sync-worker.ts` uses
 * the config), built like every function (`lambdaHandler`).
 */
export function createSyncWorker(deps: SyncWorkerDependencies) {
  /** Processes one record and adds its outcome to `outcomes` (this invocation's). */
  const processRecord = async (
    record: SQSRecord,
    outcomes: RecordOutcome[],
    { messages, synced }: BatchSynced,
  ) => {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
    const lastReceive = receiveCount >= deps.maxReceiveCount;
    try {
      // Parsed once, for the batch; one that did not parse is parsed again to say why.
      const message = messages.get(record.messageId) ?? parseBody(record);
      const pipeline = await deps.pipeline();
      const processed = await processSyncMessage(
        pipeline,
        message,
        { receiveCount, maxReceiveCount: deps.maxReceiveCount },
        message.kind === "resman" ? synced.get(record.messageId) : undefined,
      );
      outcomes.push(outcomeOf(message, processed));
      logger.info("sync message processed", {
        messageId: record.messageId,
        kind: processed.kind,
        ...(processed.kind === "rejected"
          ? { code: processed.code, personId: processed.personId }
          : processed.kind === "person"
            ? { outcome: processed.result.outcome, personId: processed.personId }
            : { outcome: processed.result.outcome, contactId: processed.result.contactId }),
      });
    } catch (error) {
      // On its last receive SQS dead-letters it: failed for good, as a refused one is.
      outcomes.push(lastReceive ? "failed" : "retried");
      logger.warn("sync message failed", {
        messageId: record.messageId,
        receiveCount,
        lastReceive,
        error: safeError(error),
      });
      throw error;
    }
  };

  /**
   * The batch's upserted people synced together (`syncBatch`); a record left out (malformed,
   * another kind of message, or the batch failed as a whole) is processed on its own.
   */
  const syncTogether = async (records: readonly SQSRecord[]): Promise<BatchSynced> => {
    const parsed = records.flatMap((record) => {
      try {
        return [{ record, message: parseBody(record) }];
      } catch {
        return [];
      }
    });
    const synced = new Map<string, WaveOutcome>();
    try {
      // The waves write the batch's outbox rows claimed and hand their events back.
      const outcomes = await syncBatch(
        await deps.pipeline(),
        parsed.map((p) => p.message),
        { outboxClaimMs: OUTBOX_LEASE_MS },
      );
      parsed.forEach(({ record }, i) => {
        const outcome = outcomes[i];
        if (outcome !== undefined) synced.set(record.messageId, outcome);
      });
    } catch {
      // The stores could not be opened: each record is processed (and fails) on its own.
    }
    return { messages: new Map(parsed.map((p) => [p.record.messageId, p.message])), synced };
  };

  /** When this container last drained the outbox. */
  let drainedAt = Number.NEGATIVE_INFINITY;

  /**
   * After the batch: the events its waves wrote, published from memory (their rows are claimed
   * for this invocation; no drain has to claim them), then a drain when a record went another
   * way (on its own, or a wave's row that fell back to the one-person path: its outbox row is
   * not claimed) or when this container has not drained for `DRAIN_INTERVAL_MS` (by the
   * pipeline's clock). A failure
   * leaves the events in the outbox: the next drain, or the schedule's sweep, publishes them.
   */
  const publishOutbox = async (
    records: readonly SQSRecord[],
    synced: ReadonlyMap<string, WaveOutcome>,
  ) => {
    const events = [...synced.values()].flatMap((outcome) =>
      "result" in outcome && outcome.event !== undefined ? [outcome.event] : [],
    );
    const alone = records.some((record) => {
      const outcome = synced.get(record.messageId);
      return outcome === undefined || outcome.alone === true || !("result" in outcome);
    });
    let published = 0;
    let failed = 0;
    try {
      const { outbox, clock } = await deps.pipeline();
      const now = clock.now().getTime();
      const drain = alone || now - drainedAt >= DRAIN_INTERVAL_MS;
      const own = await publishClaimed({ outbox, publisher: deps.publisher }, events);
      published += own.published;
      failed += own.failed;
      if (drain) {
        drainedAt = now;
        const drained = await drainOutbox({ outbox, publisher: deps.publisher });
        published += drained.published;
        failed += drained.failed;
        if (drained.published + drained.failed > 0) logger.info("outbox drained", { ...drained });
      }
    } catch (error) {
      // The events stay in the outbox; a later drain publishes them.
      logger.warn("outbox not published", { error: safeError(error) });
    }
    invocationMetrics.count(METRIC.outboxPublished, published);
    invocationMetrics.count(METRIC.outboxPublishFailed, failed);
  };

  return lambdaHandler(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    // One processor per invocation: it holds the batch's state.
    const processor = new BatchProcessor(EventType.SQS);
    const outcomes: RecordOutcome[] = [];
    const batch = await syncTogether(event.Records);
    const response = await processPartialResponse(
      event,
      (record: SQSRecord) => processRecord(record, outcomes, batch),
      processor,
      // Every record failing is still a partial response: SQS retries each on its own.
      { context, throwOnFullBatchFailure: false },
    );
    countBatch(outcomes);
    await publishOutbox(event.Records, batch.synced);
    return response;
  });
}
