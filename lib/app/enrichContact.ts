/**
 * Enrichment from the chatbot: the one use case every chatbot event goes through. It finds the
 * contact with the same normalisation and matcher as the ResMan sync path (see
 * `lib/domain/enrichmentDecision.ts`), fills what the contact lacks, and writes one
 * `contact_enrichment_log` row per event. The event id is claimed in the inbox in the same
 * statement (or transaction) as the writes, so a redelivered event writes nothing. Concurrency:
 * the write protocol of `writeProtocol.ts`, on the conversation's key and the blocking keys of
 * the event's contact block (`lib/domain/lockKeys.ts`), like the sync path.
 */
import { blockingKeys, searchKeys } from "../domain/blocking.js";
import { chatbotIdentity, decideEnrichment } from "../domain/enrichmentDecision.js";
import { InvalidInputError } from "../domain/errors.js";
import type { ChatbotEvent } from "../domain/events.js";
import { blockLockKeys, conversationLockKey, guardedLockKeys } from "../domain/lockKeys.js";
import type { Matcher } from "../domain/matching.js";
import { newId as timeOrderedId } from "./newId.js";
import type {
  Clock,
  EnrichmentCandidates,
  EnrichmentStore,
  EnrichmentWrite,
  PropertyStore,
} from "./ports.js";
import { guardedWrite, guardOf, type LOST_RACE, settle } from "./writeProtocol.js";

export interface EnrichmentDependencies {
  store: EnrichmentStore;
  properties: Pick<PropertyStore, "findProperty">;
  clock: Clock;
  newId?: () => string;
  matcher?: Matcher;
}

export interface EnrichmentResult {
  outcome: "enriched" | "created_lead" | "duplicate_event";
  contactId: string | null;
  foundBy: "match" | "conversation" | "created" | null;
}

/** Applies one chatbot event to the property's contacts. */
export async function enrichContact(
  deps: EnrichmentDependencies,
  event: ChatbotEvent,
): Promise<EnrichmentResult> {
  const { detail } = event;
  const property = await deps.properties.findProperty(detail.property_id);
  if (property === null) {
    throw new InvalidInputError("the chatbot event names an unknown property", [
      { path: "detail.property_id", message: "no property with this id" },
    ]);
  }
  const identity = chatbotIdentity(event, {
    countryCode: property.countryCode,
    officePhone: property.officePhone,
    now: deps.clock.now(),
  });
  const newId = deps.newId ?? timeOrderedId;
  const lookup = { keys: identity.keys, blocks: searchKeys(blockingKeys(identity.values)) };
  // The same identity keys as the sync path (blocking keys), plus the conversation.
  const locks = [conversationLockKey(detail.conversation_id), ...blockLockKeys(lookup.blocks)];

  const chatbotEvent = { source: "chatbot", id: detail.event_id };
  const decide = (found: EnrichmentCandidates) =>
    decideEnrichment({
      event,
      identity,
      candidates: found.candidates,
      conversationContact: found.conversationContact,
      commonKeys: found.commonKeys,
      strategy: property.mergeStrategy,
      criteria: property.matchingCriteria,
      newContactId: newId(),
      ...(deps.matcher ? { matcher: deps.matcher } : {}),
    });
  const writeOf = (decision: ReturnType<typeof decide>): EnrichmentWrite => ({
    contact: decision.contact,
    createPendingLink: decision.contact.isNew,
    review: decision.review,
    log: {
      enrichmentType: decision.enrichmentType,
      data: decision.data,
      conversationId: detail.conversation_id,
      eventId: detail.event_id,
    },
    // A new lead is news downstream; enriching a known contact changes no link.
    announce: decision.contact.isNew
      ? {
          id: newId(),
          type: decision.review === null ? "contact.synced" : "contact.review_required",
        }
      : null,
  });
  const resultOf = (decision: ReturnType<typeof decide>, contactId: string): EnrichmentResult => ({
    outcome: decision.contact.isNew ? "created_lead" : "enriched",
    contactId,
    foundBy: decision.foundBy,
  });
  const duplicate: EnrichmentResult = {
    outcome: "duplicate_event",
    contactId: null,
    foundBy: null,
  };

  // Two statements, like the sync path: read without a transaction, decide, one guarded write.
  const round = async (): Promise<EnrichmentResult | typeof LOST_RACE> => {
    const found = await deps.store.readEnrichment(
      property.id,
      lookup,
      detail.conversation_id,
      locks,
      chatbotEvent,
    );
    if (found.seen) return duplicate;
    const decision = decide(found);
    const written = await deps.store.writeEnrichmentGuarded(
      property.id,
      writeOf(decision),
      guardOf(guardedLockKeys(locks, found.commonKeys), found, decision.contact, chatbotEvent),
    );
    return settle(written, duplicate, (applied) => resultOf(decision, applied.contactId));
  };

  // Under sustained contention, the locking transaction (same key rows) guarantees progress.
  const attempt = () =>
    deps.store.transaction(async (tx): Promise<EnrichmentResult> => {
      const first = await tx.claimAndLock(property.id, locks, chatbotEvent);
      if (!first) return duplicate;
      const found = await tx.loadEnrichmentCandidates(property.id, lookup, detail.conversation_id);
      const decision = decide(found);
      const written = await tx.applyEnrichment(property.id, writeOf(decision));
      return resultOf(decision, written.contactId);
    });

  return guardedWrite(round, attempt);
}
