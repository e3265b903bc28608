/**
 * Lambda: the scheduled reconciliation (an EventBridge schedule, every
 * `RECONCILE_PERIOD_MINUTES`): one reconcile-queue message per enabled registered property. The
 * handler is in `lib/adapters/lambda/reconcileSchedule.ts`; this file is the cold start:
 * configuration, one SQS client, the database (the registry, the health gauges and the outbox
 * it sweeps) and the EventBridge client opened on first use.
 */

import { eventBridgePublisher } from "../lib/adapters/lambda/publisherRuntime.js";
import { lazyScheduleStores } from "../lib/adapters/lambda/reconcileRuntime.js";
import { createReconcileSchedule } from "../lib/adapters/lambda/reconcileSchedule.js";
import { createSqsClient } from "../lib/adapters/queue/sqsSyncQueue.js";
import { config, requireConfig } from "../lib/config.js";

// Cold start: a missing database or queue URL fails here, naming the variable.
const settings = requireConfig(config(), "databaseUrl", "reconcileQueueUrl", "eventBusName");
const publisher = eventBridgePublisher(settings);

const stores = lazyScheduleStores(settings);

/** The Lambda entry point. */
export const handler = createReconcileSchedule({
  registry: async () => (await stores()).registry,
  gauges: async () => (await stores()).gauges,
  sweep: async () => ({ outbox: (await stores()).outbox, publisher }),
  sqs: createSqsClient(),
  queueUrl: settings.reconcileQueueUrl,
});
