/**
 * Lambda: the reconcile worker (the reconcile queue, one property per message): reconciles the
 * property with ResMan, sends its people to the sync queue, and pushes its waiting chatbot leads
 * as guest cards when the property has the push on. The handler is in
 * `lib/adapters/lambda/reconcileWorker.ts`; this file is the cold start: configuration, one SQS
 * client, the database and the ResMan credentials (SSM) on first use.
 */

import { lazyReconcileStores } from "../lib/adapters/lambda/reconcileRuntime.js";
import { createReconcileWorker } from "../lib/adapters/lambda/reconcileWorker.js";
import { lazyGuestCards, lazyResmanSource } from "../lib/adapters/lambda/resmanRuntime.js";
import { queueSink } from "../lib/adapters/queue/queueSink.js";
import { createSqsClient } from "../lib/adapters/queue/sqsSyncQueue.js";
import { ssmResmanCredentials } from "../lib/adapters/resman/credentials.js";
import { systemClock } from "../lib/app/ports/clock.js";
import { config, requireConfig } from "../lib/config.js";

// Cold start: a missing variable fails here, naming it; nothing is read from SSM yet.
const settings = requireConfig(
  config(),
  "databaseUrl",
  "syncQueueUrl",
  "resmanPartnerIdParameter",
  "resmanApiKeyParameter",
);
const credentials = ssmResmanCredentials({
  partnerIdParameter: settings.resmanPartnerIdParameter,
  apiKeyParameter: settings.resmanApiKeyParameter,
});

const stores = lazyReconcileStores(settings);

/** The Lambda entry point. */
export const handler = createReconcileWorker({
  store: async () => (await stores()).reconcile,
  source: lazyResmanSource(settings.resman, credentials),
  push: {
    store: async () => (await stores()).push,
    guestCards: lazyGuestCards(settings.resman, credentials),
  },
  credentialsRefused: () => credentials.refresh(),
  sink: queueSink(createSqsClient(), settings.syncQueueUrl),
  clock: systemClock,
  settings: settings.reconcile,
});
