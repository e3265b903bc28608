/**
 * The reconcile worker's handler (the Lambda in `functions/reconcile-worker.ts` configures it):
 * SQS records from the reconcile queue, one property each (batch size 1), partial batch
 * responses. A record names a registered property; the worker reconciles it with
 * `reconcileProperty`, handing the people to the sync queue (the queue sink), and logs the run's
 * id, status and counts.
 *
 * What becomes of the record: a run that finished, whatever its status (`ok`, `partial`,
 * `failed`, `auth_failed`), is acknowledged: its run row records it, its cursors did not move
 * past what was not enqueued, and the next schedule tries again. So is a record about a property
 * that is gone or disabled, or one another run holds. Only a thrown error (the database or SSM
 * unreachable, a malformed body) fails the record, so SQS delivers it again and, after
 * `maxReceiveCount`, moves it to the reconcile DLQ.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { PersonSink } from "../../app/ports/personSink.js";
import type { ReconcileStore, RegisteredProperty } from "../../app/ports/reconcileStore.js";
import type { ResmanSource } from "../../app/ports/resmanSource.js";
import type { Clock } from "../../app/ports.js";
import {
  type ReconcileOutcome,
  type ReconcileSettings,
  reconcileProperty,
} from "../../app/reconcileProperty.js";
import { InvalidInputError } from "../../domain/errors.js";
import { type ReconcileMessage, reconcileMessageSchema } from "../../domain/reconcileMessage.js";
import { zodIssues } from "../../domain/zodIssues.js";
import { logger, safeError } from "../observability/logger.js";
import { lambdaHandler } from "./lambdaHandler.js";

export interface ReconcileWorkerDependencies {
  /** The reconciliation's store, opened on first use. */
  store: () => Promise<ReconcileStore>;
  /** The ResMan source, built on first use (its credentials come from SSM on Lambda). */
  source: () => Promise<ResmanSource>;
  /** Told when ResMan refused the credentials, so the next run reads them again. */
  credentialsRefused?: () => void;
  /** Where the people go: the sync queue on Lambda. */
  sink: PersonSink;
  clock: Clock;
  /** Backfill date, roster period and how long an unrenewed claim lasts. */
  settings: ReconcileSettings;
}

/**
 * The record's message. A body that breaks the contract throws `InvalidInputError` (its message
 * names field paths only, so it is logged): no retry fixes it, and after `maxReceiveCount` it
 * waits in the DLQ, intact, for someone to look.
 */
function messageOf(record: SQSRecord): ReconcileMessage {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    throw new InvalidInputError("reconcile message body is not JSON");
  }
  const parsed = reconcileMessageSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = zodIssues(parsed.error);
  throw new InvalidInputError(
    `reconcile message does not match its contract: ${issues.map((i) => i.path).join(", ")}`,
    issues,
  );
}

/** Why a message's property is not reconciled, or undefined when it is. */
function skipReason(
  property: RegisteredProperty | undefined,
  message: ReconcileMessage,
): string | undefined {
  if (property === undefined) return "not_registered";
  if (property.resmanPropertyId !== message.resman_property_id) return "resman_id_changed";
  if (!property.enabled) return "disabled";
  return undefined;
}

function logOutcome(messageId: string, outcome: ReconcileOutcome): void {
  if (outcome.kind !== "run") {
    // `error` is only returned by `reconcileProperties`; `skipped`: another run holds it.
    logger.info("reconcile run skipped", {
      messageId,
      propertyId: outcome.propertyId,
      resmanPropertyId: outcome.resmanPropertyId,
      reason: outcome.kind === "skipped" ? "claimed_by_another_run" : outcome.code,
    });
    return;
  }
  const { run } = outcome;
  const fields = {
    messageId,
    runId: run.id,
    propertyId: run.propertyId,
    resmanPropertyId: run.resmanPropertyId,
    status: run.status,
    full: run.full,
    counts: {
      fetched: run.fetched,
      enqueued: run.enqueued,
      unchanged: run.unchanged,
      deactivated: run.deactivated,
      failed: run.failed,
      unreadable: run.unreadable,
    },
    // Error codes by resource, never a message from ResMan.
    errors: run.errors ?? undefined,
    durationMs:
      run.finishedAt === null ? undefined : run.finishedAt.getTime() - run.startedAt.getTime(),
  };
  if (run.status === "ok") logger.info("reconcile run finished", fields);
  else logger.warn("reconcile run finished", fields);
}

/**
 * The worker for the given dependencies (tests inject theirs; `functions/reconcile-worker.ts`
 * uses the config), built like every function (`lambdaHandler`).
 */
export function createReconcileWorker(deps: ReconcileWorkerDependencies) {
  const reconcileRecord = async (record: SQSRecord) => {
    try {
      const message = messageOf(record);
      const store = await deps.store();
      const registered = await store.registered();
      const property = registered.find((candidate) => candidate.id === message.property_id);
      const skipped = skipReason(property, message);
      if (property === undefined || skipped !== undefined) {
        logger.info("reconcile message skipped", {
          messageId: record.messageId,
          propertyId: message.property_id,
          resmanPropertyId: message.resman_property_id,
          reason: skipped,
        });
        return;
      }
      const source = await deps.source();
      const outcome = await reconcileProperty(
        {
          source,
          store,
          sink: deps.sink,
          clock: deps.clock,
          // The run renews its claim as it goes: one killed by the timeout frees its property
          // once the claim lapses (`RECONCILE_CLAIM_SECONDS`).
          settings: deps.settings,
        },
        property,
        { full: message.full },
      );
      if (outcome.kind === "run" && outcome.run.status === "auth_failed") {
        deps.credentialsRefused?.();
      }
      logOutcome(record.messageId, outcome);
    } catch (error) {
      logger.warn("reconcile message failed", {
        messageId: record.messageId,
        receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
        error: safeError(error),
      });
      throw error;
    }
  };

  return lambdaHandler(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(
      event,
      (record: SQSRecord) => reconcileRecord(record),
      processor,
      // A failed record is reported, not thrown: SQS redelivers only it.
      { context, throwOnFullBatchFailure: false },
    );
  });
}
