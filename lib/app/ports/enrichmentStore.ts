/** What chatbot enrichment (`lib/app/enrichContact.ts`) reads and writes. */
import type { Contact } from "../../domain/contact.js";
import type { ContactWrite, ReviewWrite } from "../../domain/syncDecision.js";
import type { CandidateLookup } from "./candidateLookup.js";
import type {
  EventRef,
  Guarded,
  GuardedResult,
  KeyLockingTransaction,
  WriteGuard,
} from "./guarded.js";
import type { Announcement } from "./outbox.js";

/** A chatbot enrichment to write: the contact (new lead or updated) and the log row. */
export interface EnrichmentWrite {
  contact: ContactWrite;
  /** A new lead gets a `pending` link without a ResMan person. */
  createPendingLink: boolean;
  /** A review item for the new lead and its review-band candidate. */
  review: ReviewWrite | null;
  log: {
    enrichmentType: "conversation_data" | "preferences" | "interaction_history";
    data: Record<string, unknown>;
    conversationId: string;
    eventId: string;
  };
  announce: Announcement | null;
}

/** The contacts an enrichment is decided on. */
export interface EnrichmentCandidates {
  candidates: Contact[];
  conversationContact: Contact | null;
  /** As `SyncSnapshot.commonKeys`. */
  commonKeys?: readonly string[];
}

/** What an enrichment wrote: the contact, and the new lead's pending link (if any). */
export interface EnrichmentApplied {
  contactId: string;
  linkId: string | null;
}

/** Enrichment's side of the locking transaction (`ContactStore.transaction`). */
export interface EnrichmentTransaction extends KeyLockingTransaction {
  /**
   * The live contacts sharing a blocking key (or, without blocking keys, an exact match key)
   * with the event's contact block, and the live contact an earlier event of the conversation
   * enriched (if any), rows locked.
   */
  loadEnrichmentCandidates(
    propertyId: string,
    lookup: CandidateLookup,
    conversationId: string,
  ): Promise<EnrichmentCandidates>;
  /**
   * Writes an enrichment: contact insert/update, pending link, review item, log row, outbound
   * event.
   */
  applyEnrichment(propertyId: string, write: EnrichmentWrite): Promise<EnrichmentApplied>;
}

export interface EnrichmentStore {
  /**
   * One statement, no transaction: the inbox check, the identity keys' versions, the contacts
   * sharing a key with the event's contact block (as `loadEnrichmentCandidates`) and the
   * conversation's contact.
   */
  readEnrichment(
    propertyId: string,
    lookup: CandidateLookup,
    conversationId: string,
    lockKeys: readonly string[],
    event: EventRef,
  ): Promise<Guarded<EnrichmentCandidates>>;
  /** One statement: applies an enrichment only if nothing it was decided on has changed. */
  writeEnrichmentGuarded(
    propertyId: string,
    write: EnrichmentWrite,
    guard: WriteGuard,
  ): Promise<GuardedResult<EnrichmentApplied>>;
  transaction<T>(work: (tx: EnrichmentTransaction) => Promise<T>): Promise<T>;
}
