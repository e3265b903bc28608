/**
 * Lambda: POST /webhooks/resman. The handler is in `lib/adapters/lambda/resmanWebhook.ts`; this file is the cold
 * start: configuration and one SQS client.
 */
import { createWebhookHandler } from "../lib/adapters/lambda/resmanWebhook.js";
import { createSqsClient, SqsSyncQueue } from "../lib/adapters/queue/sqsSyncQueue.js";
import { createWebhookVerifier } from "../lib/adapters/webhook/verifySignature.js";
import { config, requireConfig } from "../lib/config.js";

// Cold start: a missing secret or queue URL fails here, naming the variable; one SQS client.
const settings = requireConfig(config(), "webhookSecrets", "syncQueueUrl");

/** The Lambda entry point. */
export const handler = createWebhookHandler({
  verify: createWebhookVerifier(settings.webhookSecrets),
  queue: new SqsSyncQueue(createSqsClient(), settings.syncQueueUrl),
});
