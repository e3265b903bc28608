/**
 * Lambda: the sync worker (SQS batches from the sync queue, partial batch responses). The
 * handler is in `lib/adapters/lambda/syncWorker.ts`; this file is the cold start: configuration;
 * the database and the EventBridge client are opened on first use.
 */
import { eventBridgePublisher } from "../lib/adapters/lambda/publisherRuntime.js";
import { lazyPipeline } from "../lib/adapters/lambda/runtime.js";
import { createSyncWorker } from "../lib/adapters/lambda/syncWorker.js";
import { config, requireConfig } from "../lib/config.js";

// Cold start: configuration once per container; the database and EventBridge on first use.
const settings = requireConfig(config(), "databaseUrl", "eventBusName");

/** The Lambda entry point. */
export const handler = createSyncWorker({
  pipeline: lazyPipeline(settings),
  publisher: eventBridgePublisher(settings),
  maxReceiveCount: settings.maxReceiveCount,
});
