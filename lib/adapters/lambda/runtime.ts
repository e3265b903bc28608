/**
 * Composition root of the sync worker: the stores it uses on the configured driver, opened on
 * first use and kept for the container's life, and the EventBridge publisher, whose client (and
 * the SDK) is built on the first publish.
 */

import type { EventPublisher, OutboxStore } from "../../app/ports.js";
import { systemClock } from "../../app/ports.js";
import type { PipelineDependencies } from "../../app/processSyncMessage.js";
import { cachedPropertyStore } from "../../app/propertyCache.js";
import type { Config } from "../../config.js";
import { openConfiguredDatabase, syncConcurrency } from "../db/client.js";
import { DrizzleContactStore } from "../db/contactStore.js";
import { DrizzleOutboxStore } from "../db/outboxRepository.js";
import { DrizzlePropertyStore } from "../db/propertyRepository.js";
import { createEventBridgeClient, EventBridgePublisher } from "../events/eventBridgePublisher.js";
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

/**
 * The outbound event publisher on the configured bus. Its client is built on the first publish
 * (see `onFirstUse`): a cold start does not load the EventBridge SDK (~55–75 ms), and a batch with
 * nothing to announce never does.
 */
export function eventBridgePublisher(settings: { eventBusName: string }): EventPublisher {
  const publisher = onFirstUse(
    async () => new EventBridgePublisher(await createEventBridgeClient(), settings.eventBusName),
  );
  return { publish: async (events) => (await publisher()).publish(events) };
}
