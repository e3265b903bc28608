/**
 * The running part of `npm start`: the local HTTP server (`server.ts`) sending to the persisted
 * local queue, and the real sync worker handler consuming that queue in batches, every second,
 * with SQS semantics (visibility, receive counts, `MAX_RECEIVE_COUNT`, the local DLQ). Queued
 * work survives a stop: it waits in the database for the next start. Outbound events stay in
 * the outbox, published to nowhere (there is no event bus locally): they are kept, marked sent,
 * and the console's health page lists them (`start --once` does the same once, at its end). The server also serves the operator console
 * (`localConsole.ts`) under `/console`.
 */
import { randomUUID } from "node:crypto";
import type { DatabaseHandle } from "../adapters/db/client.js";
import { storesOn } from "../adapters/db/stores.js";
import { createSyncWorker } from "../adapters/lambda/syncWorker.js";
import { LocalSyncQueue } from "../adapters/queue/localQueue.js";
import {
  type DrainSummary,
  drainOnce,
  drainUntilEmpty,
} from "../adapters/queue/localQueueConsumer.js";
import { drainOutbox } from "../app/drainOutbox.js";
import { systemClock } from "../app/ports/clock.js";
import type { Output } from "../cli/output.js";
import type { RetryLink } from "../console/app.js";
import { createLocalConsole } from "./localConsole.js";
import { localContext, startLocalServer } from "./server.js";

/** How often the worker looks at the queue when it is idle. */
const POLL_MS = 1_000;
/** A failed message is tried again after this long (SQS would wait for its visibility). */
const RETRY_DELAY_SECONDS = 5;

/** The local event bus: nobody listens; an event is published once it is handed over. */
const localBus = { publish: async () => ({ failed: [] }) };

/** The real sync worker over this database, publishing outbound events to nowhere. */
function localWorker(handle: DatabaseHandle, maxReceiveCount: number) {
  const stores = storesOn(handle);
  const pipeline = {
    store: stores.contacts,
    properties: stores.properties,
    outbox: stores.outbox,
    clock: systemClock,
  };
  const worker = createSyncWorker({
    pipeline: async () => pipeline,
    publisher: localBus,
    maxReceiveCount,
  });
  return (event: Parameters<typeof worker>[0]) =>
    worker(event, localContext("contact-sync-sync-worker", randomUUID()));
}

/**
 * Publishes every outbound event waiting in the outbox to the local bus (`start --once`, after
 * the queue): what the serving worker does every second. Returns how many were handed over.
 */
export async function publishLocalOutbox(handle: DatabaseHandle): Promise<number> {
  const { outbox } = storesOn(handle);
  let total = 0;
  for (;;) {
    const { published } = await drainOutbox({ outbox, publisher: localBus });
    total += published;
    if (published === 0) return total;
  }
}

/** Drains the local queue once (`start --once`): every message processed or dead-lettered. */
export function drainLocalQueue(
  handle: DatabaseHandle,
  maxReceiveCount: number,
): Promise<DrainSummary> {
  const queue = new LocalSyncQueue(handle.db, { maxReceiveCount });
  const worker = localWorker(handle, maxReceiveCount);
  return drainUntilEmpty(queue, (event) => worker(event), {
    retryDelaySeconds: 0,
    maxWaitSeconds: 5,
  });
}

export interface LocalService {
  url: string;
  /** Stops accepting requests, lets the batch in flight finish, stops the worker. */
  close(): Promise<void>;
}

export async function startLocalService(
  handle: DatabaseHandle,
  options: {
    port: number;
    webhookSecrets: readonly string[];
    maxReceiveCount: number;
    out: Output;
    /** Seconds before a failed message is tried again (default 5). */
    retryDelaySeconds?: number;
    /** The console's re-sync of a failed link (through the ResMan stand-in locally). */
    retryLink?: RetryLink | undefined;
  },
): Promise<LocalService> {
  const queue = new LocalSyncQueue(handle.db, { maxReceiveCount: options.maxReceiveCount });
  const worker = localWorker(handle, options.maxReceiveCount);
  const { outbox } = storesOn(handle);
  const server = await startLocalServer({
    port: options.port,
    queue,
    webhookSecrets: options.webhookSecrets,
    console: createLocalConsole(handle, {
      maxReceiveCount: options.maxReceiveCount,
      retryLink: options.retryLink,
    }),
  });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = () => {
    inFlight = (async () => {
      try {
        const counts = await drainOnce(queue, (event) => worker(event), {
          retryDelaySeconds: options.retryDelaySeconds ?? RETRY_DELAY_SECONDS,
        });
        if (counts.received > 0 || counts.deadLettered > 0) {
          options.out.write(
            `worker: ${counts.succeeded} processed, ${counts.failed} failed, ${counts.deadLettered} dead-lettered\n`,
          );
        }
        // Events written outside the worker (imports, the schedule's in-process syncs, console
        // decisions) are published here too; on AWS the sync worker's drain after each batch
        // takes them.
        await drainOutbox({ outbox, publisher: localBus }, { maxBatches: 5 });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        options.out.write(`worker: the queue could not be read (${String(code ?? "error")})\n`);
      }
      if (!stopped) timer = setTimeout(tick, POLL_MS);
    })();
  };
  tick();
  return {
    url: server.url,
    close: async () => {
      stopped = true;
      clearTimeout(timer);
      await server.close();
      await inFlight;
    },
  };
}
