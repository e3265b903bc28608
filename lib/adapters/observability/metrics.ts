/**
 * CloudWatch metrics of the functions: Powertools Metrics, written to stdout in the Embedded
 * Metric Format (EMF), which CloudWatch Logs turns into metrics; no API call, no IAM grant.
 * `lambdaHandler` publishes what an invocation recorded once, when it ends (`logMetrics`), so a
 * handler only says what happened through `invocationMetrics` — the domain and the use cases
 * never see Powertools: they return results and counts, and the Lambda adapters count them.
 *
 * Names and dimensions (README "Metrics and alarms on AWS"):
 * - every metric has the dimension `service` = `contact-sync`, in the namespace `ContactSync`
 *   (`POWERTOOLS_METRICS_NAMESPACE` overrides it; serverless.yml sets it for every function);
 * - an outcome is a metric of its own (`SyncMerged`, `ReconcileRunPartial`), so one EMF line
 *   carries a whole batch; zeros are written too, so a rate always has its denominator;
 * - two labels are dimensions, each only on metrics whose invocation has exactly one value of
 *   it: `reason` (the error code a webhook delivery or a chatbot event was refused with) and
 *   `property` (the contact-sync id of the one property a reconcile worker invocation ran).
 *   Such metrics are written twice: under `service` alone (totals, what the alarms read) and
 *   under `service` + the label (the breakdown).
 * Values are counts, codes and ids: never a name, email, phone or anything from a payload.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logger } from "./logger.js";

/** The namespace of every metric unless `POWERTOOLS_METRICS_NAMESPACE` names another. */
export const METRICS_NAMESPACE = "ContactSync";
/** The value of the `service` dimension (the logger's service name too). */
export const METRICS_SERVICE = "contact-sync";

/** The dimension names. */
export const DIMENSION = { service: "service", reason: "reason", property: "property" } as const;

/**
 * The sync worker's outcome per sync-queue record, each its own metric; together they count
 * every record (`SyncMessages`). ResMan people: `created`, `updated`, `merged` (the sync path's
 * outcomes), `review` (the link waits for a person: a review item or a merge-strategy
 * conflict), `unchanged` (a replay, a stale version, a repeated event; also a repeated chatbot
 * event), `deactivated` (a `person.deactivated` that changed its link). Chatbot events applied
 * count under `Enrichments` instead. Any record: `failed` (refused for good — its link says
 * `failed` — or failed on its last receive, so SQS dead-letters it), `retried` (failed, back to
 * the queue for another receive).
 */
export const SYNC_OUTCOME_METRICS = {
  created: "SyncCreated",
  updated: "SyncUpdated",
  merged: "SyncMerged",
  review: "SyncReview",
  unchanged: "SyncUnchanged",
  deactivated: "SyncDeactivated",
  failed: "SyncFailed",
  retried: "SyncRetried",
} as const;
export type SyncRecordOutcome = keyof typeof SYNC_OUTCOME_METRICS;

/**
 * The reconcile worker's runs by status (`reconcile_run.status`), and `skipped`: another run
 * held the property, or the message named a property that is not registered, disabled or
 * registered under another ResMan GUID.
 */
export const RECONCILE_RUN_METRICS = {
  ok: "ReconcileRunOk",
  partial: "ReconcileRunPartial",
  failed: "ReconcileRunFailed",
  auth_failed: "ReconcileRunAuthFailed",
  skipped: "ReconcileRunSkipped",
} as const;
export type ReconcileRunMetricStatus = keyof typeof RECONCILE_RUN_METRICS;

/** Every other metric, by the function that writes it. */
export const METRIC = {
  // sync worker
  /** Sync-queue records the invocation handled: the sum of the outcomes and `Enrichments`. */
  syncMessages: "SyncMessages",
  /** Chatbot events applied to a contact (an existing one enriched, or a new lead). */
  enrichments: "Enrichments",
  /** Of `Enrichments`, the ones that created a lead. */
  leadsCreated: "LeadsCreated",
  /** Outbound events the drain after the batch published, and the ones EventBridge refused. */
  outboxPublished: "OutboxPublished",
  outboxPublishFailed: "OutboxPublishFailed",
  // webhook
  webhookAccepted: "WebhookAccepted",
  /** A delivery answered with an error; `reason`: the error code of the answer. */
  webhookRejected: "WebhookRejected",
  // chatbot events
  chatbotEventsAccepted: "ChatbotEventsAccepted",
  /** An event not enqueued; `reason`: `invalid_input` (dropped) or why it failed (retried). */
  chatbotEventsRejected: "ChatbotEventsRejected",
  // reconcile fan-out (one query per scheduled invocation)
  /** Reconcile messages the schedule sent (one per enabled property). */
  reconcileScheduled: "ReconcileScheduled",
  /** Minutes since the oldest last good reconciliation among enabled properties. */
  reconcileAgeMinutes: "ReconcileAgeMinutes",
  /** Outbound events not yet published. */
  outboxWaiting: "OutboxWaiting",
  /** Open review items. */
  reviewBacklog: "ReviewBacklog",
  // reconcile worker
  /** A reconcile message that failed and returns to its queue (then its DLQ). */
  reconcileRetried: "ReconcileRetried",
} as const;

export type MetricName =
  | (typeof METRIC)[keyof typeof METRIC]
  | (typeof SYNC_OUTCOME_METRICS)[SyncRecordOutcome]
  | (typeof RECONCILE_RUN_METRICS)[ReconcileRunMetricStatus];

/** A label that breaks an invocation's metrics down (see the file comment). */
export type BreakdownDimension = typeof DIMENSION.reason | typeof DIMENSION.property;

/** What a handler records about its invocation (published by `lambdaHandler` when it ends). */
export interface InvocationMetrics {
  /** Adds `value` (default 1) to a count. */
  count(name: MetricName, value?: number): void;
  /** Records a value in minutes. */
  minutes(name: MetricName, value: number): void;
  /**
   * Also writes this invocation's metrics under `dimension` = `value`, next to the totals. Once
   * per invocation, and only for a bounded set of values (an error code, a registered property).
   */
  breakDown(dimension: BreakdownDimension, value: string): void;
}

/**
 * The Powertools instance `lambdaHandler` publishes. The namespace variable is Powertools' own
 * (as `POWERTOOLS_LOG_LEVEL` is the logger's): read here only to give it our default. Its
 * warnings go through the logger, as JSON.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
  serviceName: METRICS_SERVICE,
  logger,
});

/** `InvocationMetrics` over `metrics`. */
export const invocationMetrics: InvocationMetrics = {
  count(name, value = 1) {
    metrics.addMetric(name, MetricUnit.Count, value);
  },
  minutes(name, value) {
    // CloudWatch has no minute unit: the name says it.
    metrics.addMetric(name, MetricUnit.NoUnit, value);
  },
  breakDown(dimension, value) {
    // Two dimension sets: `service` alone (the totals) and `service` + the label.
    metrics.addDimensions({});
    metrics.addDimensions({ [dimension]: value });
  },
};
