/**
 * The scheduled reconciliation's fan-out (the Lambda in `functions/reconcile.ts` configures it;
 * an EventBridge schedule invokes it every `RECONCILE_PERIOD_MINUTES`): one reconcile-queue
 * message per enabled registered property, sent with `SendMessageBatch`, so each property is
 * reconciled by its own reconcile-worker invocation and a slow or failing one never holds the
 * others back. Messages SQS still refuses after the retries make the invocation fail once the
 * others were sent, naming the properties by id (the function's error alarm notices; the next
 * schedule sends them again). Logs ids and counts only.
 *
 * Once the messages are sent it reads the service's health gauges in one statement (outbox
 * waiting, review backlog, the age of the oldest last good reconciliation) and writes them as
 * metrics with `ReconcileScheduled`: the schedule is the one function that runs every period
 * whatever the traffic, so the stale and backlog alarms always have a datapoint per period.
 *
 * Then it sweeps the outbox (`drainOutbox`): the sync worker publishes its own events from
 * memory and drains only now and then, so rows nobody published yet (a publish that failed, a
 * worker that stopped before publishing, rows an import or a review decision wrote while no
 * batch came) go out at least once per period, whatever the traffic.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, ScheduledEvent } from "aws-lambda";
import { drainOutbox } from "../../app/drainOutbox.js";
import { QueueUnavailableError } from "../../app/errors.js";
import { type Clock, systemClock } from "../../app/ports/clock.js";
import type { ReconcileStore } from "../../app/ports/reconcileStore.js";
import type { EventPublisher, OutboxStore } from "../../app/ports.js";
import { propertiesToReconcile } from "../../app/propertyRegistry.js";
import type { ReconcileMessage } from "../../domain/reconcileMessage.js";
import { type HealthGaugeReader, recordHealthGauges } from "../observability/healthGauges.js";
import { logger, safeError } from "../observability/logger.js";
import { invocationMetrics, METRIC } from "../observability/metrics.js";
import { type BatchRetryOptions, sendMessageBatched } from "../queue/sendMessageBatched.js";
import { lambdaHandler } from "./lambdaHandler.js";

export interface ReconcileScheduleDependencies {
  /** The property registry, opened on first use. */
  registry: () => Promise<ReconcileStore>;
  sqs: SQSClient;
  /** The reconcile queue (`RECONCILE_QUEUE_URL`). */
  queueUrl: string;
  /** Backoff of refused messages (tests shorten it). */
  retry?: BatchRetryOptions;
  /** The health gauges, opened on first use (absent: none are written). */
  gauges?: () => Promise<HealthGaugeReader>;
  /** The time the gauges' ages are measured from (the system clock by default). */
  clock?: Clock;
  /** The outbox to sweep and where to publish it, opened on first use (absent: no sweep). */
  sweep?: () => Promise<{ outbox: OutboxStore; publisher: EventPublisher }>;
}

/** Publishes what is left in the outbox; a failure is logged, never fails the fan-out. */
async function sweepOutbox(deps: ReconcileScheduleDependencies): Promise<void> {
  if (deps.sweep === undefined) return;
  let published = 0;
  let failed = 0;
  try {
    ({ published, failed } = await drainOutbox(await deps.sweep()));
    if (published + failed > 0) logger.info("outbox swept", { published, failed });
  } catch (error) {
    logger.warn("outbox not swept", { error: safeError(error) });
  }
  invocationMetrics.count(METRIC.outboxPublished, published);
  invocationMetrics.count(METRIC.outboxPublishFailed, failed);
}

/** Writes the health gauges; a failed read is logged, never fails the fan-out (already sent). */
async function recordGauges(deps: ReconcileScheduleDependencies): Promise<void> {
  if (deps.gauges === undefined) return;
  try {
    const gauges = await (await deps.gauges()).read((deps.clock ?? systemClock).now());
    recordHealthGauges(invocationMetrics, gauges);
  } catch (error) {
    logger.warn("health gauges not read", { error: safeError(error) });
  }
}

/** What one scheduled invocation sent. */
export interface ScheduledFanOut {
  properties: number;
  sent: number;
}

/** The schedule's function for the given dependencies (tests inject theirs). */
export function createReconcileSchedule(deps: ReconcileScheduleDependencies) {
  return lambdaHandler(
    async (event: ScheduledEvent, _context: Context): Promise<ScheduledFanOut> => {
      const properties = await propertiesToReconcile(await deps.registry(), undefined);
      const bodies = properties.map((property) =>
        JSON.stringify({
          property_id: property.id,
          resman_property_id: property.resmanPropertyId,
          full: false,
        } satisfies ReconcileMessage),
      );
      const { unsent } = await sendMessageBatched(deps.sqs, deps.queueUrl, bodies, deps.retry);
      const sent = properties.length - unsent.length;
      invocationMetrics.count(METRIC.reconcileScheduled, sent);
      await recordGauges(deps);
      await sweepOutbox(deps);
      logger.info("reconciliation scheduled", {
        scheduleEventId: event.id,
        properties: properties.length,
        sent,
        unsent: unsent.length,
      });
      if (unsent.length > 0) {
        logger.error("reconciliation not scheduled for some properties", {
          scheduleEventId: event.id,
          unsent: unsent.map(({ index, errorCode }) => ({
            propertyId: properties[index]?.id,
            resmanPropertyId: properties[index]?.resmanPropertyId,
            errorCode,
          })),
        });
        throw new QueueUnavailableError(
          `the reconcile queue refused ${unsent.length} of ${properties.length} messages`,
        );
      }
      return { properties: properties.length, sent };
    },
  );
}
