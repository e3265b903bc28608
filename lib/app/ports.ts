/**
 * Ports of the use cases: everything impure they need, as interfaces. Adapters under
 * `lib/adapters/` implement them; tests of the use cases may use fakes, tests of SQL use the
 * real adapters on PGlite and Postgres.
 */
import type { Contact, MatchKeys } from "../domain/contact.js";
import type {
  ContactMergePlan,
  LinkMove,
  MergeHistory,
  MergeHistoryRow,
  MergeParty,
  ReviewPair,
  UnmergePlan,
} from "../domain/contactMerge.js";
import type { OutboundEvent, OutboundEventType, SyncMessage } from "../domain/events.js";
import type { MatchingCriteria } from "../domain/rules.js";
import type { MergeStrategy } from "../domain/survivorship.js";
import type {
  ContactWrite,
  LinkState,
  LinkStatus,
  ReviewWrite,
  SyncDecision,
} from "../domain/syncDecision.js";

/** What the sync path needs to know about a property. */
export interface PropertyContext {
  id: string;
  name: string;
  resmanPropertyId: string | null;
  resmanAccountId: number | null;
  countryCode: string;
  officePhone: string | null;
  mergeStrategy: MergeStrategy;
  /** The property's stored criteria when valid, else the built-in defaults. */
  matchingCriteria: MatchingCriteria;
}

/**
 * How candidate contacts are found: by blocking keys (`lib/domain/blocking.ts`), and by the
 * exact keys for contacts written before blocking keys existed.
 */
export interface CandidateLookup {
  keys: MatchKeys;
  blocks: readonly string[];
  /**
   * Keys whose holders are only counted (`countedKeys`: the person's dwelling, street and postal
   * code), so that an agreement on what many contacts share weighs little.
   */
  counted?: readonly string[];
}

export interface SyncSnapshot {
  link: LinkState | null;
  /** The linked contact (if any) and every live contact sharing a match key with the person. */
  contacts: Contact[];
  /**
   * The person's blocking keys too common to find candidates by (`MAX_BLOCK_SIZE`): an email or
   * phone among them is a shared value, whoever the candidates are.
   */
  commonKeys?: readonly string[];
  /** How many live contacts hold each of the person's counted keys (up to MAX_BLOCK_SIZE + 1). */
  keyCounts?: Readonly<Record<string, number>>;
}

export type SyncWrite = Exclude<SyncDecision, { action: "unchanged" }>;

/** The event a write announces on the bus (written to the outbox in the same statement). */
export interface Announcement {
  /** The outbox row id, which becomes the outbound event's `event_id`. */
  id: string;
  type: OutboundEventType;
}

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

/** One transaction of the sync path. Everything done through it commits or rolls back together. */
export interface SyncTransaction {
  /**
   * Records the event id in the inbox (when given) and bumps the identity keys' version rows
   * (sorted by the adapter), in one statement: the rows stay locked until commit, so concurrent
   * syncs of the same person, email, phone or name+birth date run one after another, and any
   * guarded write that read them before fails its check. Resolves false when the event was
   * processed before (its effect is already committed).
   */
  claimAndLock(
    propertyId: string,
    keys: readonly string[],
    event?: { source: string; id: string } | undefined,
  ): Promise<boolean>;
  /** Reads the person's link and the candidate contacts, locking the contacts' rows. */
  loadSnapshot(
    propertyId: string,
    personId: string,
    lookup: CandidateLookup,
  ): Promise<SyncSnapshot>;
  /** Writes a decision and its outbound event. */
  apply(
    propertyId: string,
    write: SyncWrite,
    announce: Announcement | null,
  ): Promise<{ contactId: string; linkId: string }>;
  /**
   * The live contacts sharing an email or phone key, and the live contact an earlier event of
   * the conversation enriched (if any), rows locked.
   */
  loadEnrichmentCandidates(
    propertyId: string,
    lookup: CandidateLookup,
    conversationId: string,
  ): Promise<EnrichmentCandidates>;
  /** Writes an enrichment: contact insert/update, pending link, log row, outbound event. */
  applyEnrichment(
    propertyId: string,
    write: EnrichmentWrite,
  ): Promise<{ contactId: string; linkId: string | null }>;
}

/** Why a link gave up: an error code and a message naming ids and fields only. */
export interface LinkFailure {
  code: string;
  message: string;
}

/** One person's snapshot read, as `ContactStore.readSnapshots` takes it. */
export interface SnapshotRequest {
  personId: string;
  lookup: CandidateLookup;
  lockKeys: readonly string[];
  /** Digest of the person as received: a link holding it is a replay (no candidates read). */
  digest: string;
}

/** A snapshot read outside any transaction, with what a guarded write needs to check it. */
export interface GuardedSnapshot extends SyncSnapshot {
  /** The delivery's event id is already in the inbox. */
  seen: boolean;
  /** Version of each identity key (by lock key name) as read; a missing key was never written. */
  keyVersions: ReadonlyMap<string, number>;
  /** Version of each contact read, by id. */
  contactVersions: ReadonlyMap<string, number>;
}

/** The reading a guarded write was decided on. */
export interface SyncGuard {
  /** Identity key names (as for `claimAndLock`) and the versions read. */
  keys: readonly string[];
  keyVersions: ReadonlyMap<string, number>;
  /** Version read of the existing contact written to (null when the write creates it). */
  contactVersion: number | null;
  event?: { source: string; id: string } | undefined;
}

export type GuardedWriteResult =
  | { status: "applied"; contactId: string; linkId: string }
  /** Something the decision read changed meanwhile: nothing was written; read and decide again. */
  | { status: "conflict" }
  /** The event was processed meanwhile: nothing was written. */
  | { status: "duplicate" };

/** What a guarded enrichment write is decided on, read outside any transaction. */
/** The contacts an enrichment is decided on. */
export interface EnrichmentCandidates {
  candidates: Contact[];
  conversationContact: Contact | null;
  /** As `SyncSnapshot.commonKeys`. */
  commonKeys?: readonly string[];
}

export interface GuardedEnrichmentSnapshot extends EnrichmentCandidates {
  seen: boolean;
  keyVersions: ReadonlyMap<string, number>;
  contactVersions: ReadonlyMap<string, number>;
}

export type GuardedEnrichmentResult =
  | { status: "applied"; contactId: string; linkId: string | null }
  | { status: "conflict" }
  | { status: "duplicate" };

export interface ContactStore {
  /**
   * One statement, no transaction: the inbox check, the identity keys' versions, the person's
   * link and the candidate contacts — no candidates when the link already holds the version
   * with this `digest` (a replay).
   */
  readSnapshot(
    propertyId: string,
    personId: string,
    lookup: CandidateLookup,
    lockKeys: readonly string[],
    event: { source: string; id: string } | undefined,
    digest: string,
  ): Promise<GuardedSnapshot>;
  /**
   * The snapshot reads of several persons (a file import's next rows) in one statement, in
   * request order; no inbox check (imports carry no event id).
   */
  readSnapshots(
    propertyId: string,
    requests: readonly SnapshotRequest[],
  ): Promise<GuardedSnapshot[]>;
  /**
   * One statement: applies the decision (contact, link, history, outbox, inbox) only if every
   * identity key and the contact are still at the versions in `guard`, bumping them.
   */
  writeGuarded(
    propertyId: string,
    write: SyncWrite,
    announce: Announcement | null,
    guard: SyncGuard,
  ): Promise<GuardedWriteResult>;
  /**
   * One statement, no transaction: the inbox check, the identity keys' versions, the contacts
   * sharing the event's email/phone and the conversation's contact.
   */
  readEnrichment(
    propertyId: string,
    lookup: CandidateLookup,
    conversationId: string,
    lockKeys: readonly string[],
    event: { source: string; id: string },
  ): Promise<GuardedEnrichmentSnapshot>;
  /** One statement: applies an enrichment only if nothing it was decided on has changed. */
  writeEnrichmentGuarded(
    propertyId: string,
    write: EnrichmentWrite,
    guard: SyncGuard,
  ): Promise<GuardedEnrichmentResult>;
  transaction<T>(work: (tx: SyncTransaction) => Promise<T>): Promise<T>;
  /** The person's link as last committed, read without a transaction or locks. */
  findLink(propertyId: string, personId: string): Promise<LinkState | null>;
  /**
   * Marks the person's link `failed` (creating it without a contact if the person was never
   * linked), counts the attempt and keeps the error. Never touches a contact.
   */
  markFailed(propertyId: string, personId: string, failure: LinkFailure): Promise<void>;
}

/** The transactional outbox, drained after commit. */
export interface OutboxStore {
  /**
   * Takes up to `limit` unpublished events for `leaseMs` (another drain skips them meanwhile;
   * if this drain dies they become available again when the lease ends).
   */
  claim(limit: number, leaseMs: number): Promise<OutboundEvent[]>;
  /** Stamps events as published. */
  markPublished(eventIds: readonly string[]): Promise<void>;
}

export interface ResmanPropertyRef {
  resmanPropertyId: string;
  resmanAccountId?: number | undefined;
  /** Used only when the property is created (default: "ResMan property <GUID>"). */
  name?: string | undefined;
  /** Used only when the property is created. */
  officePhone?: string | undefined;
}

export interface PropertyStore {
  /** The property with this ResMan property id, created (named after the id) when missing. */
  ensureResmanProperty(ref: ResmanPropertyRef): Promise<PropertyContext>;
  /** A property by its own id or its ResMan property id. */
  findProperty(idOrResmanId: string): Promise<PropertyContext | null>;
}

export interface LinkRow {
  resmanContactId: string | null;
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
  links(propertyId: string): AsyncIterable<LinkRow>;
  stats(): Promise<PropertyStats[]>;
}

/** A property's stored rules row, as stored (criteria not yet validated). */
export interface PropertyRules {
  matchingCriteria: Record<string, unknown>;
  mergeStrategy: MergeStrategy | null;
}

export interface RulesStore {
  /** The property's rules row, or null when it has none (defaults apply). */
  getRules(propertyId: string): Promise<PropertyRules | null>;
  /** Creates or updates the row; what is not given stays as it was. */
  setRules(
    propertyId: string,
    change: {
      criteria?: MatchingCriteria | undefined;
      strategy?: MergeStrategy | undefined;
    },
  ): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The sync queue (SQS in production). */
export interface SyncQueue {
  /** Sends one message; resolves with the queue's message id. Throws `QueueUnavailableError`. */
  send(message: SyncMessage): Promise<string>;
}

/** The event bus outbound events go to (EventBridge in production). */
export interface EventPublisher {
  /**
   * Publishes events (batched ≤ 10 per call by the adapter, failed entries retried). Resolves
   * with the events that could not be published after retries; never throws for a failed entry.
   */
  publish(events: readonly OutboundEvent[]): Promise<{
    failed: readonly OutboundEvent[];
  }>;
}

// ---------------------------------------------------------------------------------------------
// The review queue and unmerge (`review.ts`, `unmerge.ts`)

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
  transaction<T>(work: (tx: MergeTransaction) => Promise<T>): Promise<T>;
}
