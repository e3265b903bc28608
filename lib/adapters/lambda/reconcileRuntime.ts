/**
 * Composition root of the reconciliation's Lambda functions (the schedule and the reconcile
 * worker): the reconciliation's and the guest-card push's stores on the configured driver,
 * opened on first use. Apart from
 * `runtime.ts` so that these bundles carry the reconciliation's repository only, not the sync
 * pipeline's.
 */
import type { OutboxStore } from "../../app/ports/outbox.js";
import type { PushStore } from "../../app/ports/pushStore.js";
import type { ReconcileStore } from "../../app/ports/reconcileStore.js";
import type { Config } from "../../config.js";
import { openConfiguredDatabase } from "../db/client.js";
import { DrizzleOutboxStore } from "../db/outboxRepository.js";
import { DrizzlePushStore } from "../db/pushRepository.js";
import { DrizzleReconcileStore } from "../db/reconcileRepository.js";
import { type HealthGaugeReader, healthGaugesOf } from "../observability/healthGauges.js";
import { onFirstUse } from "./onFirstUse.js";

/**
 * Connections per container: a run's statements are sequential, so two leave room for the
 * claim's release next to a statement still in flight.
 */
const RECONCILE_CONNECTIONS = 2;

/**
 * The reconciliation's store (registry, claims, cursors, runs) and the guest-card push's, over
 * one database opened once.
 */
export function lazyReconcileStores(
  settings: Config,
): () => Promise<{ reconcile: ReconcileStore; push: PushStore }> {
  return onFirstUse(async () => {
    const { db } = await openReconcileDatabase(settings);
    return { reconcile: new DrizzleReconcileStore(db), push: new DrizzlePushStore(db) };
  });
}

/**
 * The schedule's: the reconciliation's store, the health gauges and the outbox it sweeps, over
 * one database opened once (its bundle carries no push repository).
 */
export function lazyScheduleStores(
  settings: Config,
): () => Promise<{ registry: ReconcileStore; gauges: HealthGaugeReader; outbox: OutboxStore }> {
  return onFirstUse(async () => {
    const { db } = await openReconcileDatabase(settings);
    return {
      registry: new DrizzleReconcileStore(db),
      gauges: healthGaugesOf(db),
      outbox: new DrizzleOutboxStore(db),
    };
  });
}

function openReconcileDatabase(settings: Config) {
  return openConfiguredDatabase(settings, { maxConnections: RECONCILE_CONNECTIONS });
}
