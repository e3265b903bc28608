import type { LinkStatus } from "../../domain/syncDecision.js";

/** One row of `contact-sync links`: a link, by the brief's column names. */
export interface LinkListing {
  personId: string | null;
  userId: string | null;
  syncStatus: LinkStatus;
  matchScore: number | null;
}

export interface PropertyStats {
  propertyId: string;
  name: string;
  resmanPropertyId: string | null;
  contacts: number;
  links: number;
  success: number;
  merged: number;
  pending: number;
  failed: number;
  /** Outbound events not yet published (EventBridge down, or a drain pending). */
  eventsWaiting: number;
  /** When the oldest of them was written. */
  oldestWaiting: Date | null;
  /** From the `contact_sync_success_rate` view: percent of links synced, null without links. */
  syncSuccessRate: number | null;
  /** From the view: links in status `merged`. */
  mergedContacts: number;
}

export interface ReportStore {
  links(propertyId: string): AsyncIterable<LinkListing>;
  stats(): Promise<PropertyStats[]>;
}
