/**
 * DomIQ chatbot events from EventBridge (`source: domiq.chatbot`). An adapter only: event →
 * `acceptChatbotEvent` (validate, enqueue for the worker, which runs the enrichment) → log.
 * An event that breaks the contract is logged and dropped: a retry would bring it back unchanged,
 * and no retry can fix it. A queue failure throws. EventBridge invokes Lambda asynchronously, so
 * a thrown error is retried by Lambda (twice) and then sent to the function's on-failure
 * destination, the chatbot events DLQ (serverless.yml); the rule's own retry policy and DLQ
 * cover events EventBridge could not deliver to the function at all.
 */
import type { EventBridgeEvent } from "aws-lambda";
import {
  type AcceptChatbotEventDependencies,
  acceptChatbotEvent,
} from "../../app/acceptChatbotEvent.js";
import { QueueUnavailableError } from "../../app/errors.js";
import { InvalidInputError } from "../../domain/errors.js";
import { logger, safeError } from "../observability/logger.js";
import { DIMENSION, invocationMetrics, METRIC } from "../observability/metrics.js";
import { lambdaHandler } from "./lambdaHandler.js";

/** Any EventBridge event: which ones are chatbot events is the use case's decision. */
export type ChatbotEventBridgeEvent = EventBridgeEvent<string, unknown>;

/** Why an event was not enqueued, as a metric's `reason`: one of a closed set of codes. */
function rejectionReason(error: unknown): string {
  if (error instanceof InvalidInputError || error instanceof QueueUnavailableError) {
    return error.code;
  }
  return "unexpected_error";
}

async function handleEvent(
  deps: AcceptChatbotEventDependencies,
  event: ChatbotEventBridgeEvent,
): Promise<void> {
  try {
    const accepted = await acceptChatbotEvent(deps, {
      source: event.source,
      detailType: event["detail-type"],
      detail: event.detail,
    });
    logger.info("chatbot event enqueued", {
      eventbridge_id: event.id,
      event_id: accepted.eventId,
      detail_type: accepted.detailType,
    });
    invocationMetrics.count(METRIC.chatbotEventsAccepted);
  } catch (error) {
    invocationMetrics.breakDown(DIMENSION.reason, rejectionReason(error));
    invocationMetrics.count(METRIC.chatbotEventsRejected);
    if (error instanceof InvalidInputError) {
      // Dropped, not thrown: see the file comment. Paths only, the detail holds personal data.
      logger.warn("chatbot event rejected", {
        eventbridge_id: event.id,
        error: { name: error.name, code: error.code },
        issue_paths: error.issues.map((issue) => issue.path),
      });
      return;
    }
    logger.error("chatbot event not enqueued", {
      eventbridge_id: event.id,
      error: safeError(error),
    });
    throw error;
  }
}

/** The chatbot events function over the given queue (tests pass fakes). */
export function createChatbotEventsHandler(deps: AcceptChatbotEventDependencies) {
  return lambdaHandler((event: ChatbotEventBridgeEvent) => handleEvent(deps, event));
}
