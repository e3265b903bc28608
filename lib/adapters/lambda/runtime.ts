/**
 * Composition root of the Lambda functions that touch the database: the stores on the
 * configured driver, opened on first use and kept for the container's life, and the AWS
 * clients, built once per cold start from the SDK's standard configuration.
 */

import type { EventPublisher, OutboxStore } from "../../app/ports.js";
import { systemClock } from "../../app/ports.js";
import type { PipelineDependencies } from "../../app/processSyncMessage.js";
import { cachedPropertyStore } from "../../app/propertyCache.js";
import type { Config } from "../../config.js";
import { openConfiguredDatabase, syncConcurrency } from "../db/client.js";
import { createStores } from "../db/stores.js";
import { createEventBridgeClient, EventBridgePublisher } from "../events/eventBridgePublisher.js";
import { onFirstUse } from "./onFirstUse.js";

export type WorkerPipeline = PipelineDependencies & { outbox: OutboxStore };

/** The pipeline's dependencies, opened once (see `onFirstUse`). */
export function lazyPipeline(settings: Config): () => Promise<WorkerPipeline> {
  return onFirstUse(async () => {
    const database = await openConfiguredDatabase(settings, {
      maxConnections: syncConcurrency(settings.dbDriver),
    });
    const stores = createStores(database.db);
    return {
      store: stores.contacts,
      properties: cachedPropertyStore(stores.properties, { clock: systemClock }),
      outbox: stores.outbox,
      clock: systemClock,
    };
  });
}

/** The outbound event publisher on the configured bus. */
export function eventBridgePublisher(settings: { eventBusName: string }): EventPublisher {
  return new EventBridgePublisher(createEventBridgeClient(), settings.eventBusName);
}
