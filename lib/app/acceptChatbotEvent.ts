/**
 * Accepting a DomIQ chatbot event from EventBridge (design §5): check its source, detail-type
 * and detail against the contract, then put it on the sync queue, where the worker matches the
 * contact and writes the enrichment. Nothing here touches the database.
 */

import { InvalidInputError } from "../domain/errors.js";
import { CHATBOT_SOURCE, type ChatbotDetailType, chatbotEventSchema } from "../domain/events.js";
import { zodIssues } from "../domain/zodIssues.js";
import type { SyncQueue } from "./ports.js";

/** The parts of an EventBridge event the contract is about. */
export interface ChatbotEventDelivery {
  source: unknown;
  detailType: unknown;
  detail: unknown;
}

export interface AcceptChatbotEventDependencies {
  queue: SyncQueue;
}

export interface ChatbotEventAccepted {
  /** The chatbot's `event_id`: the worker's inbox key. */
  eventId: string;
  detailType: ChatbotDetailType;
}

/**
 * Enqueues one chatbot event. Throws `InvalidInputError` (field paths, never values) when the
 * event does not match the contract, `QueueUnavailableError` when the queue is down.
 */
export async function acceptChatbotEvent(
  deps: AcceptChatbotEventDependencies,
  delivery: ChatbotEventDelivery,
): Promise<ChatbotEventAccepted> {
  if (delivery.source !== CHATBOT_SOURCE) {
    throw new InvalidInputError("the event does not come from the DomIQ chatbot", [
      { path: "source", message: `must be ${CHATBOT_SOURCE}` },
    ]);
  }
  const parsed = chatbotEventSchema.safeParse({
    detail_type: delivery.detailType,
    detail: delivery.detail,
  });
  if (!parsed.success) {
    throw new InvalidInputError(
      "the chatbot event does not match its contract",
      zodIssues(parsed.error).map((issue) => ({
        // EventBridge spells the field `detail-type`; say it the way the sender wrote it.
        path: issue.path.replace(/^detail_type/, "detail-type"),
        message: issue.message,
      })),
    );
  }
  const event = parsed.data;
  await deps.queue.send({ kind: "chatbot", event });
  return { eventId: event.detail.event_id, detailType: event.detail_type };
}
