/**
 * The sync worker's handler (the Lambda in `functions/sync-worker.ts` configures it). Sync
 * worker: SQS batches (size 10) from the sync queue, partial batch responses. Each record
 * runs `processSyncMessage`; a record that throws is reported in `batchItemFailures` and only it
 * returns to the queue. After the batch, the outbox is drained to EventBridge.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { drainOutbox } from "../../app/drainOutbox.js";
import type { EventPublisher, OutboxStore } from "../../app/ports.js";
import { type PipelineDependencies, processSyncMessage } from "../../app/processSyncMessage.js";
import { syncMessageSchema } from "../../domain/events.js";
import { zodIssuePaths } from "../../domain/zodIssues.js";
import { logger, safeError } from "../observability/logger.js";
import { lambdaHandler } from "./lambdaHandler.js";

export interface SyncWorkerDependencies {
  /** The stores, opened on first use (the first invocation connects, not the import). */
  pipeline: () => Promise<PipelineDependencies & { outbox: OutboxStore }>;
  publisher: EventPublisher;
  maxReceiveCount: number;
}

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

/**
 * The worker for the given dependencies (tests inject theirs; `functions/sync-worker.ts` uses
 * the config), built like every function (`lambdaHandler`).
 */
export function createSyncWorker(deps: SyncWorkerDependencies) {
  const processRecord = async (record: SQSRecord) => {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
    try {
      const message = parseBody(record);
      const pipeline = await deps.pipeline();
      const processed = await processSyncMessage(pipeline, message, {
        receiveCount,
        maxReceiveCount: deps.maxReceiveCount,
      });
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
      logger.warn("sync message failed", {
        messageId: record.messageId,
        receiveCount,
        lastReceive: receiveCount >= deps.maxReceiveCount,
        error: safeError(error),
      });
      throw error;
    }
  };

  return lambdaHandler(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    // One processor per invocation: it holds the batch's state.
    const processor = new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(event, processRecord, processor, {
      context,
      // Every record failing is still a partial response: SQS retries each on its own.
      throwOnFullBatchFailure: false,
    });
    try {
      const { outbox } = await deps.pipeline();
      const drained = await drainOutbox({ outbox, publisher: deps.publisher });
      if (drained.published + drained.failed > 0) logger.info("outbox drained", { ...drained });
    } catch (error) {
      // The events stay in the outbox; the next invocation publishes them.
      logger.warn("outbox drain failed", { error: safeError(error) });
    }
    return response;
  });
}
