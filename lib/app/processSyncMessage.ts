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
import type { Clock, ContactStore, PropertyContext, PropertyStore, WaveOptions } from "./ports.js";
import { prepareSync, type SyncResult, syncPerson } from "./syncPerson.js";
import { syncInWaves, type WaveOutcome, type WaveRow } from "./syncWaves.js";

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

/**
 * The upserted people of a queue batch, each validated once and synced together per property
 * (`syncInWaves`, as a file import's chunk: their snapshots read in one statement with each
 * delivery's inbox check, then the people that cannot see each other's writes decided together
 * and written in one statement, each delivery's inbox entry claimed with its write): an
 * outcome per message, in order (two copies of one delivery each get theirs: the first syncs,
 * the second is a duplicate). The other messages (chatbot events, deactivations, a person that
 * does not fit, a property that cannot be resolved, a property whose waves failed as a whole)
 * are left out (undefined) and processed on their own. A person's failure is kept as its
 * outcome; `processSyncMessage` applies the failure policy to it. `options` go to each wave's
 * write (`WaveOptions`: the sync worker has its events back to publish them). Never throws.
 */
export async function syncBatch(
  deps: PipelineDependencies,
  messages: readonly SyncMessage[],
  options: WaveOptions = {},
): Promise<(WaveOutcome | undefined)[]> {
  const byProperty = new Map<string, { property: PropertyContext; rows: BatchRow[] }>();
  for (const [index, message] of messages.entries()) {
    if (message.kind !== "resman" || message.envelope.type !== "person.upserted") continue;
    try {
      const property = await deps.properties.ensureResmanProperty({
        resmanPropertyId: message.envelope.property_id,
        resmanAccountId: message.envelope.account_id,
      });
      const person = message.envelope.person;
      const prepared = prepareSync(property, person, deps.clock);
      const group = byProperty.get(property.id) ?? { property, rows: [] };
      const event = { source: "resman", id: message.event_id };
      group.rows.push({ person, prepared, event, index });
      byProperty.set(property.id, group);
    } catch {
      // Its own processing says why.
    }
  }
  const outcomes: (WaveOutcome | undefined)[] = messages.map(() => undefined);
  for (const { property, rows } of byProperty.values()) {
    try {
      await syncInWaves(
        deps,
        property,
        rows,
        (row, outcome) => {
          outcomes[row.index] = outcome;
        },
        options,
      );
    } catch {
      // Those of its people not yet settled are processed on their own.
    }
  }
  return outcomes;
}

/** A batch's person as `syncInWaves` takes it, with its delivery's event and its place. */
interface BatchRow extends WaveRow {
  event: { source: string; id: string };
  index: number;
}

/**
 * Processes one sync-queue message (or only the outcome of its person, when its batch synced
 * it with the others: `syncBatch`). Throws only when the message should be retried.
 */
export async function processSyncMessage(
  deps: PipelineDependencies,
  message: SyncMessage,
  delivery: Delivery,
  synced?: WaveOutcome | undefined,
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
    const result =
      synced === undefined
        ? await syncPerson(deps, {
            property,
            person,
            event: { source: "resman", id: message.event_id },
            dryRun: delivery.dryRun,
          })
        : resultOf(synced);
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

/** A batch's outcome for one person: its result, or its failure thrown again. */
function resultOf(outcome: WaveOutcome): SyncResult {
  if ("error" in outcome) throw outcome.error;
  return outcome.result;
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
