import type { OutboundEvent } from "../../domain/events.js";

/** The event bus outbound events go to (EventBridge in production). */
export interface EventPublisher {
  /**
   * Publishes events (batched ≤ 10 per call by the adapter, failed entries retried). Resolves
   * with the events that could not be published after retries; never throws for a failed entry.
   */
  publish(events: readonly OutboundEvent[]): Promise<{
    failed: readonly OutboundEvent[];
  }>;
}
