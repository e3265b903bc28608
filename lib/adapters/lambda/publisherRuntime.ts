/**
 * The outbound event publisher of the functions that publish the outbox (the sync worker, the
 * reconcile fan-out's sweep), apart from `runtime.ts` so that the fan-out's bundle carries no
 * sync pipeline.
 */
import type { EventPublisher } from "../../app/ports.js";
import { createEventBridgeClient, EventBridgePublisher } from "../events/eventBridgePublisher.js";
import { onFirstUse } from "./onFirstUse.js";

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
