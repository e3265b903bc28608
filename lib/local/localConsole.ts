/**
 * The operator console over the local database: the console's app (`lib/console/app.ts`) with
 * this process's stores, the local queue's dead letters as the DLQ depth and the local
 * schedule's period (one minute) for the stale flag. Forms are signed with a secret made at
 * start (a restart asks open pages to reload before their next action).
 */
import { randomBytes } from "node:crypto";
import type { DatabaseHandle } from "../adapters/db/client.js";
import { storesOn } from "../adapters/db/stores.js";
import { LocalSyncQueue } from "../adapters/queue/localQueue.js";
import { systemClock } from "../app/ports/clock.js";
import type { ResmanSource } from "../app/ports/resmanSource.js";
import { resyncLink } from "../app/resyncLink.js";
import { syncInProcess } from "../app/syncInProcess.js";
import { DEFAULT_PROPERTIES_CLAIM } from "../console/access.js";
import { createConsoleApp, type RetryLink } from "../console/app.js";
import { type ConsoleHandler, consoleHandler } from "../console/handler.js";

/** The local schedule's period in minutes (`start` reconciles every 60 s). */
export const LOCAL_RECONCILE_PERIOD_MINUTES = 1;

export function createLocalConsole(
  handle: DatabaseHandle,
  options: { maxReceiveCount: number; retryLink?: RetryLink | undefined },
): ConsoleHandler {
  const stores = storesOn(handle);
  const queue = new LocalSyncQueue(handle.db, { maxReceiveCount: options.maxReceiveCount });
  const app = createConsoleApp({
    stores,
    deadLetters: { depth: () => queue.deadLetterDepth() },
    reconcilePeriodMinutes: LOCAL_RECONCILE_PERIOD_MINUTES,
    clock: systemClock,
    retryLink: options.retryLink,
    claimName: DEFAULT_PROPERTIES_CLAIM,
    csrfSecret: randomBytes(32).toString("base64url"),
  });
  return consoleHandler(app);
}

/** The console's Retry over `source` (the stand-in locally): a failed link's person read again. */
export function localRetry(handle: DatabaseHandle, source: ResmanSource): RetryLink {
  const stores = storesOn(handle);
  const deps = {
    source,
    registry: stores.reconcile,
    links: stores.console,
    sink: syncInProcess({
      store: stores.contacts,
      properties: stores.properties,
      clock: systemClock,
    }),
    clock: systemClock,
  };
  return (propertyId, linkId) => resyncLink(deps, propertyId, linkId);
}
