/**
 * The outbound event bus on EventBridge: `contact.synced`, `contact.merged`… published with
 * source `contact-sync` after the sync transaction commits (design §5).
 */
import type { EventBridgeClient, PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { EventPublisher } from "../../app/ports.js";
import { OUTBOUND_SOURCE, type OutboundEvent } from "../../domain/events.js";
import { type PutEventsRetryOptions, putEventsBatched } from "./putEventsBatched.js";

/**
 * An EventBridge client with the SDK's standard configuration (region, credentials, and the
 * endpoint from `AWS_ENDPOINT_URL_EVENTBRIDGE` when set, e.g. a local emulator). Build it once
 * and share it. The SDK is loaded by this call (a dynamic import, never a static one: a bundle's
 * static import of the SDK runs at cold start, and importing it costs ~55–75 ms), so a function
 * loads it when it first publishes.
 */
export async function createEventBridgeClient(): Promise<EventBridgeClient> {
  const { EventBridgeClient } = await import("@aws-sdk/client-eventbridge");
  return new EventBridgeClient({});
}

/** Publishes outbound events to one bus; see `EventPublisher` for the contract. */
export class EventBridgePublisher implements EventPublisher {
  /**
   * @param client shared EventBridge client (see `createEventBridgeClient`)
   * @param eventBusName the bus name or ARN (`EVENT_BUS_NAME`)
   * @param retry backoff of failed entries (tests shorten it)
   */
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
    private readonly retry: PutEventsRetryOptions = {},
  ) {}

  /** Publishes the events; resolves with those EventBridge still refused after retries. */
  async publish(events: readonly OutboundEvent[]): Promise<{ failed: readonly OutboundEvent[] }> {
    if (events.length === 0) return { failed: [] };
    const entries = events.map(
      (event): PutEventsRequestEntry => ({
        EventBusName: this.eventBusName,
        Source: OUTBOUND_SOURCE,
        DetailType: event.type,
        Detail: JSON.stringify(event.detail),
      }),
    );
    const { failed } = await putEventsBatched(this.client, entries, this.retry);
    return {
      failed: failed.flatMap(({ index }) => {
        const event = events[index];
        return event === undefined ? [] : [event];
      }),
    };
  }
}
