/**
 * Lambda: chatbot events. The handler is in `lib/adapters/lambda/chatbotEvents.ts`; this file is the cold
 * start: configuration and one SQS client.
 */
import { createChatbotEventsHandler } from "../lib/adapters/lambda/chatbotEvents.js";
import { createSqsClient, SqsSyncQueue } from "../lib/adapters/queue/sqsSyncQueue.js";
import { config, requireConfig } from "../lib/config.js";

// Cold start: a missing queue URL fails here, naming the variable; one SQS client.
const settings = requireConfig(config(), "syncQueueUrl");

/** The Lambda entry point. */
export const handler = createChatbotEventsHandler({
  queue: new SqsSyncQueue(createSqsClient(), settings.syncQueueUrl),
});
