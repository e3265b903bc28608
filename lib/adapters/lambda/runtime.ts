/**
 * Composition root of the sync worker: the stores it uses on the configured driver, opened on
 * first use and kept for the container's life (its EventBridge publisher: `publisherRuntime.ts`).
 */

import type { OutboxStore } from "../../app/ports.js";
import { systemClock } from "../../app/ports.js";
import type { PipelineDependencies } from "../../app/processSyncMessage.js";
import { cachedPropertyStore } from "../../app/propertyCache.js";
import type { Config } from "../../config.js";
import { openConfiguredDatabase, syncConcurrency } from "../db/client.js";
import { DrizzleContactStore } from "../db/contactStore.js";
import { DrizzleOutboxStore } from "../db/outboxRepository.js";
import { DrizzlePropertyStore } from "../db/propertyRepository.js";
import { onFirstUse } from "./onFirstUse.js";

export type WorkerPipeline = PipelineDependencies & { outbox: OutboxStore };

/** The pipeline's dependencies, opened once (see `onFirstUse`). */
export function lazyPipeline(settings: Config): () => Promise<WorkerPipeline> {
  return onFirstUse(async () => {
    const database = await openConfiguredDatabase(settings, {
      maxConnections: syncConcurrency(settings.dbDriver),
    });
    // The three stores the pipeline uses, not `createStores`: the bundle carries no console,
    // review, report, rules, push or reconciliation repository (-27 KB).
    const { db } = database;
    return {
      store: new DrizzleContactStore(db),
      properties: cachedPropertyStore(new DrizzlePropertyStore(db), { clock: systemClock }),
      outbox: new DrizzleOutboxStore(db),
      clock: systemClock,
    };
  });
}
