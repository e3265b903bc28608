/**
 * Publishes the outbox after commit. Rows are leased, published in batches through the
 * `EventPublisher` (which splits into PutEvents calls of ≤ 10 entries and retries failed
 * entries), and stamped once published. An event that still fails keeps its row: its lease
 * runs out and a later drain sends it again, so none is lost (delivery is at least once;
 * consumers deduplicate on `event_id`).
 *
 *   drain A                          drain B
 *   claim rows 1..n (lease 30 s) ─── claim skips 1..n (locked or leased)
 *   PutEvents 1..n
 *   stamp published 1..k (k ≤ n)     … after the lease, rows k+1..n are claimable again
 */
import type { OutboundEvent } from "../domain/events.js";
import type { EventPublisher, OutboxStore } from "./ports.js";

/** How long a drain (or a wave writing its rows claimed) holds outbox rows by default. */
export const OUTBOX_LEASE_MS = 30_000;

export interface DrainResult {
  published: number;
  failed: number;
}

export interface DrainOptions {
  /** Rows per claim. */
  batchSize?: number;
  /** How long claimed rows are held before another drain may take them. */
  leaseMs?: number;
  /** Claims at most this many batches (one invocation must end). */
  maxBatches?: number;
}

/** Publishes pending outbound events until none are left (or `maxBatches` is reached). */
export async function drainOutbox(
  deps: { outbox: OutboxStore; publisher: EventPublisher },
  options: DrainOptions = {},
): Promise<DrainResult> {
  const batchSize = options.batchSize ?? 100;
  const leaseMs = options.leaseMs ?? OUTBOX_LEASE_MS;
  const maxBatches = options.maxBatches ?? 10;
  const result: DrainResult = { published: 0, failed: 0 };
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const events = await deps.outbox.claim(batchSize, leaseMs);
    if (events.length === 0) break;
    const { published, failed } = await publishClaimed(deps, events);
    result.published += published;
    result.failed += failed;
    // Failed rows stay leased: retrying them now would hit the same outage.
    if (failed > 0 || events.length < batchSize) break;
  }
  return result;
}

/**
 * Publishes events whose outbox rows the caller holds already (a wave wrote them claimed:
 * `WaveOptions.outboxClaimMs`) and stamps those published — a drain without the claim. An
 * event that fails keeps its row, claimed until the lease ends; then a drain sends it.
 */
export async function publishClaimed(
  deps: { outbox: OutboxStore; publisher: EventPublisher },
  events: readonly OutboundEvent[],
): Promise<DrainResult> {
  if (events.length === 0) return { published: 0, failed: 0 };
  const { failed } = await deps.publisher.publish(events);
  const failedIds = new Set(failed.map((event) => event.detail.event_id));
  const published = events.map((event) => event.detail.event_id).filter((id) => !failedIds.has(id));
  if (published.length > 0) await deps.outbox.markPublished(published);
  return { published: published.length, failed: failedIds.size };
}
