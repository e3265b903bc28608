/**
 * The reconcile worker's handler (the Lambda in `functions/reconcile-worker.ts` configures it):
 * SQS records from the reconcile queue, one property each (batch size 1), partial batch
 * responses. A record names a registered property; the worker reconciles it with
 * `reconcileProperty`, handing the people to the sync queue (the queue sink), and logs the run's
 * id, status and counts.
 *
 * Then, for a property with the guest-card push on, it pushes the chatbot leads waiting to reach
 * ResMan (`pushGuestCards`): after the reconciliation, so a lead that ResMan already knows is
 * found linked or on the roster first.
 *
 * What becomes of the record: a run that finished, whatever its status (`ok`, `partial`,
 * `failed`, `auth_failed`), is acknowledged: its run row records it, its cursors did not move
 * past what was not enqueued, and the next schedule tries again. So is a record about a property
 * that is gone or disabled, or one another run holds. A push whose outcome is unknown (ResMan's
 * answer never came, or it was unavailable) fails the record after everything else was done, so
 * SQS delivers it again with backoff (the push searches before it creates anything: no second
 * card) and, after `maxReceiveCount`, moves it to the reconcile DLQ, from which a redrive pushes
 * again the same way. A push ResMan refused is not retried: the lead's link says `failed` and
 * why. Any other thrown error (the database or SSM unreachable, a malformed body) fails the
 * record too.
 *
 * Metrics: the run by status (`RECONCILE_RUN_METRICS`), a failed record (`ReconcileRetried`),
 * and — one property per invocation (batch size 1) — each also by `property`.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { GuestCardPort } from "../../app/ports/guestCards.js";
import type { PersonSink } from "../../app/ports/personSink.js";
import type { PushStore } from "../../app/ports/pushStore.js";
import type { ReconcileStore, RegisteredProperty } from "../../app/ports/reconcileStore.js";
import type { ResmanSource } from "../../app/ports/resmanSource.js";
import type { Clock } from "../../app/ports.js";
import { pushGuestCards, readyToPush } from "../../app/pushGuestCards.js";
import {
  type ReconcileOutcome,
  type ReconcileSettings,
  reconcileProperty,
} from "../../app/reconcileProperty.js";
import { ContactSyncError, InvalidInputError } from "../../domain/errors.js";
import { type ReconcileMessage, reconcileMessageSchema } from "../../domain/reconcileMessage.js";
import { zodIssues } from "../../domain/zodIssues.js";
import { logger, safeError } from "../observability/logger.js";
import {
  DIMENSION,
  invocationMetrics,
  METRIC,
  RECONCILE_RUN_METRICS,
  type ReconcileRunMetricStatus,
} from "../observability/metrics.js";
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
  /** The guest-card push (absent: no push from this worker). */
  push?: {
    store: () => Promise<PushStore>;
    guestCards: () => Promise<GuestCardPort>;
  };
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

/** The status a reconcile message counts under: its run's, or `skipped`. */
function runMetricStatus(outcome: ReconcileOutcome): ReconcileRunMetricStatus {
  if (outcome.kind !== "run") return "skipped";
  const { status } = outcome.run;
  // A finished run is never `running`; were it so, it did not succeed.
  return status === "running" ? "failed" : status;
}

/** Some leads' pushes ended without an answer from ResMan: the record is delivered again. */
class PushIncompleteError extends ContactSyncError {
  readonly code = "push_incomplete";
  readonly retryable = true;
}

/** Pushes the property's waiting leads; throws when some pushes must be tried again. */
async function pushWaitingLeads(
  deps: ReconcileWorkerDependencies,
  property: RegisteredProperty,
  source: ResmanSource,
  record: SQSRecord,
): Promise<void> {
  if (deps.push === undefined) return;
  const store = await deps.push.store();
  // The guest-card client (and its credentials) only for a property with the push on.
  if (!readyToPush(await store.pushSettings(property.id))) return;
  const lines = await pushGuestCards(
    { store, guestCards: await deps.push.guestCards(), source, clock: deps.clock },
    property,
  );
  if (lines.length === 0) return;
  // Outcomes counted, ids of the leads not sent: never a person's values.
  const outcomes: Record<string, number> = {};
  for (const line of lines) outcomes[line.outcome] = (outcomes[line.outcome] ?? 0) + 1;
  const unsent = lines.filter((line) => line.outcome === "unknown" || line.outcome === "failed");
  logger.info("guest-card push finished", {
    messageId: record.messageId,
    propertyId: property.id,
    outcomes,
    unsent: unsent.map((line) => ({ linkId: line.linkId, error: line.error })),
  });
  const unknown = lines.filter((line) => line.outcome === "unknown").length;
  if (unknown > 0) {
    throw new PushIncompleteError(`${unknown} guest-card pushes got no answer from ResMan`);
  }
}

/**
 * The worker for the given dependencies (tests inject theirs; `functions/reconcile-worker.ts`
 * uses the config), built like every function (`lambdaHandler`).
 */
export function createReconcileWorker(deps: ReconcileWorkerDependencies) {
  /** `single`: the record is its invocation's only one, so its metrics may name its property. */
  const reconcileRecord = async (record: SQSRecord, single: boolean) => {
    try {
      const message = messageOf(record);
      const store = await deps.store();
      const registered = await store.registered();
      const property = registered.find((candidate) => candidate.id === message.property_id);
      // Only a registered property's id: the registry bounds the dimension's values.
      if (property !== undefined && single) {
        invocationMetrics.breakDown(DIMENSION.property, property.id);
      }
      const skipped = skipReason(property, message);
      if (property === undefined || skipped !== undefined) {
        invocationMetrics.count(RECONCILE_RUN_METRICS.skipped);
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
      invocationMetrics.count(RECONCILE_RUN_METRICS[runMetricStatus(outcome)]);
      // Refused credentials would refuse the push too: it waits for the next run.
      const refused = outcome.kind === "run" && outcome.run.status === "auth_failed";
      if (deps.push !== undefined && !refused) {
        await pushWaitingLeads(deps, property, source, record);
      }
    } catch (error) {
      invocationMetrics.count(METRIC.reconcileRetried);
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
      (record: SQSRecord) => reconcileRecord(record, event.Records.length === 1),
      processor,
      // A failed record is reported, not thrown: SQS redelivers only it.
      { context, throwOnFullBatchFailure: false },
    );
  });
}
