/** What the review queue (`lib/app/review.ts`) and unmerge (`lib/app/unmerge.ts`) read and write. */

import type { MergeHistory, MergeHistoryRow } from "../../domain/mergeHistory.js";
import type { LinkMove, MergeParty, ReviewPair } from "../../domain/mergeParties.js";
import type { ContactMergePlan } from "../../domain/mergePlan.js";
import type { MergeStrategy } from "../../domain/survivorship.js";
import type { UnmergePlan } from "../../domain/unmergePlan.js";
import type { Announcement } from "./outbox.js";

/** An open review item as listed: ids, score and evidence (levels only, never values). */
export interface ReviewItem {
  id: string;
  propertyId: string;
  resmanPropertyId: string | null;
  /** The contact created for the record under review. */
  userId: string;
  /** The existing contact it may be. */
  candidateId: string;
  linkId: string | null;
  /** The ResMan PersonID of the record under review (null for a chatbot lead). */
  personId: string | null;
  score: number;
  evidence: Record<string, unknown>;
  createdAt: Date;
}

/** A review item as a decision reads it, with the strategy its property merges by. */
export interface ReviewRecord extends ReviewPair {
  propertyId: string;
  linkId: string | null;
  score: number;
  evidence: Record<string, unknown>;
  mergeId: string | null;
  strategy: MergeStrategy;
}

/** Which merge an unmerge undoes. */
export type MergeTarget =
  | { mergeId: string }
  /** The most recent merge into this contact not yet undone. */
  | { into: string }
  /** The merge (not yet undone) that absorbed this contact. */
  | { absorbed: string };

/** Who decided, and when. */
export interface Decision {
  decidedBy: string | null;
  decidedAt: Date;
}

/**
 * One transaction of a review decision or an unmerge. Lock order, as the sync path's locking
 * transaction: review item or history row, identity keys (sorted), contacts (by id), links.
 */
export interface MergeTransaction {
  /** The review item, row locked; null when there is none. */
  lockReview(id: string): Promise<ReviewRecord | null>;
  /** Every review item of the property naming any of the contacts, rows locked. */
  reviewsOf(propertyId: string, contactIds: readonly string[]): Promise<ReviewPair[]>;
  /** Bumps the identity keys' version rows (sorted), which holds them until commit. */
  lockKeys(propertyId: string, keys: readonly string[]): Promise<void>;
  /** The contacts of the property with these ids, with their links; rows locked if `lock`. */
  loadParties(
    propertyId: string,
    contactIds: readonly string[],
    lock: boolean,
  ): Promise<MergeParty[]>;
  /** A contact's property and whether it was merged away; null when there is none. */
  contactState(id: string): Promise<{ propertyId: string; mergedIntoId: string | null } | null>;
  /** The merge history row an unmerge targets, row locked; null when there is none. */
  lockMerge(target: MergeTarget): Promise<MergeHistoryRow | null>;
  /**
   * Writes an approval: A's values, B merged away, B's links and enrichments moved, placeholders
   * removed, the history row, the review items, the outbox row. Resolves with the history id.
   */
  applyContactMerge(
    review: ReviewRecord,
    plan: ContactMergePlan,
    decision: Decision,
    announce: Announcement,
  ): Promise<{ mergeId: string }>;
  /** Writes a rejection: the item, the record's link (when it changes), the outbox row. */
  applyRejection(
    review: ReviewRecord,
    link: LinkMove | null,
    decision: Decision,
    announce: Announcement | null,
  ): Promise<void>;
  /** Writes an unmerge: contacts, links, placeholders, enrichments, review items, history, outbox. */
  applyUnmerge(
    merge: MergeHistory,
    plan: UnmergePlan,
    at: Date,
    announce: Announcement,
  ): Promise<void>;
}

/** A page of open review items: in creation order (then id), after a cursor item. */
export interface ReviewQuery {
  /** One property (its contact-sync id), or all. */
  propertyId?: string | undefined;
  /** Items on the page. */
  limit: number;
  /** The page starts after this item (a review id), in the chosen order. */
  after?: string | undefined;
  order: "oldest" | "newest";
}

export interface ReviewPage {
  /** Open items of the property (or of all properties), wherever the page starts. */
  total: number;
  items: ReviewItem[];
  /** The cursor of the next page (the page's last item) when more items follow, else null. */
  nextAfter: string | null;
}

export interface ReviewStore {
  /**
   * A page of open review items of one property or of all. Null when `after` names no review
   * item (of that property); a decided item still marks its place.
   */
  listOpen(query: ReviewQuery): Promise<ReviewPage | null>;
  /** Open review items by property, for the properties named (absent: none open). */
  openCounts(propertyIds: readonly string[]): Promise<Map<string, number>>;
  transaction<T>(work: (tx: MergeTransaction) => Promise<T>): Promise<T>;
}
