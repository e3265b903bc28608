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
import type { Clock, ContactStore, PropertyContext, PropertyStore } from "./ports.js";
import { type SyncResult, syncPerson } from "./syncPerson.js";

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

/** Processes one sync-queue message. Throws only when the message should be retried. */
export async function processSyncMessage(
  deps: PipelineDependencies,
  message: SyncMessage,
  delivery: Delivery,
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
