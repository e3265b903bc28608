/** The transactional outbox: events written with the change they announce, drained after commit. */
import type { OutboundEvent, OutboundEventType } from "../../domain/events.js";

/** The event a write announces on the bus (written to the outbox in the same statement). */
export interface Announcement {
  /** The outbox row id, which becomes the outbound event's `event_id`. */
  id: string;
  type: OutboundEventType;
}

/** The transactional outbox, drained after commit. */
export interface OutboxStore {
  /**
   * Takes up to `limit` unpublished events for `leaseMs` (another drain skips them meanwhile;
   * if this drain dies they become available again when the lease ends).
   */
  claim(limit: number, leaseMs: number): Promise<OutboundEvent[]>;
  /** Stamps events as published. */
  markPublished(eventIds: readonly string[]): Promise<void>;
}
