/**
 * What the operator console reads (`lib/app/consoleViews.ts`): a contact with everything that
 * explains it, a review item of any status, syncs per hour by outcome, failed links and the
 * outbound events. Reads only: every decision the console takes goes through the use cases
 * (review, unmerge, rules), which write through their own stores.
 */
import type { Contact } from "../../domain/contact.js";
import type { OutboundEventType } from "../../domain/events.js";
import type { LinkStatus } from "../../domain/syncDecision.js";
import type { ReviewItem } from "./reviewStore.js";

export interface ConsoleProperty {
  id: string;
  name: string;
  resmanPropertyId: string | null;
}

/** A link as the console shows it. */
export interface LinkView {
  id: string;
  contactId: string | null;
  /** ResMan PersonID; null for a chatbot lead's placeholder. */
  personId: string | null;
  syncStatus: LinkStatus;
  resmanStatus: string | null;
  lastSyncAt: Date | null;
  attempts: number;
  /** An error class and field names only. */
  lastError: string | null;
  matchScore: number | null;
}

export interface EnrichmentView {
  id: string;
  type: string | null;
  source: string | null;
  conversationId: string | null;
  data: unknown;
  createdAt: Date;
}

export interface MergeView {
  id: string;
  /** The contact that received the merge. */
  survivorId: string;
  /** The contact merged away (null: a ResMan person linked to an existing contact). */
  absorbedId: string | null;
  personId: string | null;
  matchScore: number | null;
  createdAt: Date;
  revertedAt: Date | null;
}

export interface ContactDetail {
  propertyId: string;
  mergedIntoId: string | null;
  contact: Contact;
  links: LinkView[];
  enrichments: EnrichmentView[];
  /** Merges into this contact and the one that absorbed it, newest first. */
  merges: MergeView[];
  updatedAt: Date | null;
}

export type ReviewStatus = "open" | "approved" | "rejected" | "superseded";

/** A review item of any status. */
export interface ReviewView extends ReviewItem {
  status: ReviewStatus;
  decidedAt: Date | null;
  mergeId: string | null;
}

/** Outcomes the health charts count (from the outbound events each sync writes). */
export const syncOutcomes = ["synced", "merged", "review", "failed"] as const;
export type SyncOutcome = (typeof syncOutcomes)[number];

export interface HourlyOutcome {
  hour: Date;
  outcome: SyncOutcome;
  count: number;
}

export interface OutboundEventView {
  id: string;
  type: OutboundEventType;
  contactId: string;
  personId: string | null;
  status: LinkStatus;
  createdAt: Date;
  publishedAt: Date | null;
}

export interface ConsoleStore {
  /** Every property, by name. */
  properties(): Promise<ConsoleProperty[]>;
  contact(id: string): Promise<ContactDetail | null>;
  review(id: string): Promise<ReviewView | null>;
  /** A link with its property; null when there is none. */
  link(id: string): Promise<(LinkView & { propertyId: string }) | null>;
  /** Syncs of the property per hour and outcome since `since`, oldest first (empty hours absent). */
  hourlyOutcomes(propertyId: string, since: Date): Promise<HourlyOutcome[]>;
  /** The property's failed links, most recent first. */
  failedLinks(propertyId: string, limit: number): Promise<LinkView[]>;
  /** The property's newest outbound events. */
  outboundEvents(propertyId: string, limit: number): Promise<OutboundEventView[]>;
}

/** How many messages wait in the dead-letter queue (null: not known here). */
export interface DeadLetterDepth {
  depth(): Promise<number | null>;
}
