/**
 * What the sync worker does with one queue message, whatever its kind, and what happens when
 * it fails. The failure policy (design §6 invariant 4):
 *
 *   error                         this receive              last receive (count ≥ max)
 *   ───────────────────────────   ───────────────────────   ───────────────────────────────
 *   invalid data (permanent)      link → failed, ack        link → failed, ack
 *   retryable (lock race, outage) record fails, SQS retries link → failed, record fails → DLQ
 *   unexpected (a bug)            record fails, SQS retries link → failed, record fails → DLQ
 *
 * A permanent error is acknowledged because no retry can change the outcome; the link's
 * `failed` status and `last_error` tell operators. Anything else keeps the message: after the
 * last receive SQS moves it, payload intact, to the dead-letter queue, from which `contact-sync
 * redrive` brings it back once the cause is fixed (the inbox makes the replay harmless).
 */
import { ContactSyncError, isRetryable } from "../domain/errors.js";
import { deactivatedStatus, type SyncMessage } from "../domain/events.js";
import type { Matcher } from "../domain/matching.js";
import { type EnrichmentResult, enrichContact } from "./enrichContact.js";
import type {
  Clock,
  ContactStore,
  Guarded,
  PropertyContext,
  PropertyStore,
  SyncSnapshot,
} from "./ports.js";
import {
  type PreparedSync,
  prepareSync,
  type SyncResult,
  snapshotRequestOf,
  syncPerson,
} from "./syncPerson.js";

export interface PipelineDependencies {
  store: ContactStore;
  properties: PropertyStore;
  clock: Clock;
  newId?: () => string;
  matcher?: Matcher;
}

export interface Delivery {
  /** How many times SQS has handed out this message, this time included. */
  receiveCount: number;
  /** The queue's `maxReceiveCount`: the receive after which SQS dead-letters the message. */
  maxReceiveCount: number;
  /** Decide and write nothing, not even a failed link (`reconcile --dry-run`; ResMan people only). */
  dryRun?: boolean | undefined;
}

export type ProcessedMessage =
  | { kind: "person"; propertyId: string; personId: string; result: SyncResult }
  | { kind: "chatbot"; result: EnrichmentResult }
  /** Refused for good (invalid data); acknowledged. */
  | { kind: "rejected"; code: string; propertyId: string | null; personId: string | null };

/** A queue batch's person, validated once and read ahead with the others (`readBatchAhead`). */
export interface ReadAhead {
  prepared: PreparedSync;
  snapshot: Guarded<SyncSnapshot>;
}

/**
 * The upserted people of a queue batch, each validated once, and their snapshots read in one
 * statement per property (the inbox checked for each delivery), keyed by event id. The other
 * messages (chatbot events, deactivations, a person that does not fit, a property that cannot
 * be resolved) are left out and read for themselves, and so is everything when the batched
 * read fails: reading ahead never changes a decision — a person whose snapshot an earlier
 * write of the batch made stale loses its guarded write and reads again.
 */
export async function readBatchAhead(
  deps: PipelineDependencies,
  messages: readonly SyncMessage[],
): Promise<Map<string, ReadAhead>> {
  const byProperty = new Map<string, { items: { eventId: string; prepared: PreparedSync }[] }>();
  for (const message of messages) {
    if (message.kind !== "resman" || message.envelope.type !== "person.upserted") continue;
    try {
      const property = await deps.properties.ensureResmanProperty({
        resmanPropertyId: message.envelope.property_id,
        resmanAccountId: message.envelope.account_id,
      });
      const prepared = prepareSync(property, message.envelope.person, deps.clock);
      const group = byProperty.get(property.id) ?? { items: [] };
      group.items.push({ eventId: message.event_id, prepared });
      byProperty.set(property.id, group);
    } catch {
      // Its own processing says why.
    }
  }
  // One statement per property: split into smaller concurrent reads, a batch of 10 ran no
  // faster on Postgres (measured with chunks of 10, 5 and 3, within the machine's noise).
  const ahead = new Map<string, ReadAhead>();
  for (const [propertyId, { items }] of byProperty) {
    try {
      const snapshots = await deps.store.readSnapshots(
        propertyId,
        items.map((item) =>
          snapshotRequestOf(item.prepared, { source: "resman", id: item.eventId }),
        ),
      );
      items.forEach((item, i) => {
        const snapshot = snapshots[i];
        if (snapshot !== undefined) ahead.set(item.eventId, { prepared: item.prepared, snapshot });
      });
    } catch {
      // Each person reads for itself.
    }
  }
  return ahead;
}

/**
 * Processes one sync-queue message (with its person read ahead, when its batch was).
 * Throws only when the message should be retried.
 */
export async function processSyncMessage(
  deps: PipelineDependencies,
  message: SyncMessage,
  delivery: Delivery,
  ahead?: ReadAhead | undefined,
): Promise<ProcessedMessage> {
  if (message.kind === "chatbot") {
    try {
      return { kind: "chatbot", result: await enrichContact(deps, message.event) };
    } catch (error) {
      if (isPermanent(error)) {
        return { kind: "rejected", code: error.code, propertyId: null, personId: null };
      }
      throw error;
    }
  }

  const { envelope } = message;
  // A database outage here fails the record before anything could be marked: SQS retries it.
  const property: PropertyContext = await deps.properties.ensureResmanProperty({
    resmanPropertyId: envelope.property_id,
    resmanAccountId: envelope.account_id,
  });
  const person =
    envelope.type === "person.deactivated"
      ? { ...envelope.person, status: deactivatedStatus(envelope.person.status) }
      : envelope.person;
  const personId = person.person_id;
  try {
    const result = await syncPerson(deps, {
      property,
      person,
      event: { source: "resman", id: message.event_id },
      dryRun: delivery.dryRun,
      ...(ahead === undefined ? {} : { prepared: ahead.prepared, prefetched: ahead.snapshot }),
    });
    return { kind: "person", propertyId: property.id, personId, result };
  } catch (error) {
    if (delivery.dryRun === true) throw error;
    if (isPermanent(error)) {
      await deps.store.markFailed(property.id, personId, failureOf(error));
      return { kind: "rejected", code: error.code, propertyId: property.id, personId };
    }
    if (delivery.receiveCount >= delivery.maxReceiveCount) {
      // Last receive: say so on the link before SQS dead-letters the message. If the database
      // is what failed, this fails too; the message still reaches the DLQ with its payload.
      await deps.store.markFailed(property.id, personId, failureOf(error)).catch(() => undefined);
    }
    throw error;
  }
}

/** An error no retry can fix: our own typed error that says it is not retryable. */
function isPermanent(error: unknown): error is ContactSyncError {
  return error instanceof ContactSyncError && !isRetryable(error);
}

/** A safe description of an error for `last_error`: its code and our own message only. */
function failureOf(error: unknown): { code: string; message: string } {
  if (error instanceof ContactSyncError) return { code: error.code, message: error.message };
  return { code: "unexpected_error", message: error instanceof Error ? error.name : "unknown" };
}
