/**
 * Composition root of the reconciliation's Lambda functions (the schedule and the reconcile
 * worker): the reconciliation's store on the configured driver, opened on first use. Apart from
 * `runtime.ts` so that these bundles carry the reconciliation's repository only, not the sync
 * pipeline's.
 */
import type { ReconcileStore } from "../../app/ports/reconcileStore.js";
import type { Config } from "../../config.js";
import { openConfiguredDatabase } from "../db/client.js";
import { DrizzleReconcileStore } from "../db/reconcileRepository.js";
import { onFirstUse } from "./onFirstUse.js";

/**
 * Connections per container: a run's statements are sequential, so two leave room for the
 * claim's release next to a statement still in flight.
 */
const RECONCILE_CONNECTIONS = 2;

/** The reconciliation's store (registry, claims, cursors, runs), opened once. */
export function lazyReconcileStore(settings: Config): () => Promise<ReconcileStore> {
  return onFirstUse(async () => {
    const database = await openConfiguredDatabase(settings, {
      maxConnections: RECONCILE_CONNECTIONS,
    });
    return new DrizzleReconcileStore(database.db);
  });
}
