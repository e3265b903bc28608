/**
 * Lambda: the sync worker (SQS batches from the sync queue, partial batch responses). The logic
 * is in `lib/adapters/lambda/syncWorker.ts`; this file is the cold start: configuration, AWS
 * clients, the database opened on first use.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { eventBridgePublisher, lazyPipeline } from "../lib/adapters/lambda/runtime.js";
import { createSyncWorker } from "../lib/adapters/lambda/syncWorker.js";
import { logger } from "../lib/adapters/observability/logger.js";
import { config, requireConfig } from "../lib/config.js";

// Cold start: configuration and AWS clients once per container; the database on first use.
const settings = requireConfig(config(), "databaseUrl", "eventBusName");

export const handler = middy(
  createSyncWorker({
    pipeline: lazyPipeline(settings),
    publisher: eventBridgePublisher(settings),
    maxReceiveCount: settings.maxReceiveCount,
  }),
).use(injectLambdaContext(logger));
