/**
 * The database schema, in Drizzle.
 *
 * Over 400 lines as one thing: every table, index and the view in one place — the seed's, the
 * sync path's, the reconciliation's, the guest-card push's and the local queue's — as drizzle-kit
 * reads them to generate migrations (a test fails when the two differ).
 *
 * Seed fidelity (the original brief's schema, design §4): every seed table, column name,
 * CHECK value set, `ON DELETE CASCADE` foreign key and index name is kept. Seed defects fixed:
 * - each CHECK is declared once, under the seed's constraint name (the seed declared them inline
 *   and again with ALTER TABLE);
 * - ids default to `gen_random_uuid()` (core since PG 13) instead of `uuid_generate_v4()`;
 * - `property` and `"user"` are defined here, so the component runs standalone;
 * - the monitoring view groups by the contact's property (see `contactSyncSuccessRate`).
 *
 * Foreign keys carry the names Postgres would have given the seed's inline REFERENCES clauses
 * (`<table>_<column>_fkey`) so tools written against the seed find them.
 */
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  date,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  pgView,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import type {
  ContactKind,
  FieldSources,
  FieldVersions,
  RecordVariant,
} from "../../domain/contact.js";
import type { OutboundEventType } from "../../domain/events.js";
import type { PersonStatus, PhoneType } from "../../domain/person.js";
import type { ReconcileRunStatus, ResmanApi, ResmanResource } from "../../domain/reconcileRun.js";
import type { MergeStrategy } from "../../domain/survivorship.js";
import type { LinkEvidence, LinkStatus } from "../../domain/syncDecision.js";

/**
 * `superseded`: closed by the approval of another item (`merge_id`), because one of its two
 * contacts was merged away and the survivor already had an item with the same other contact.
 */
/**
 * A guest-card push: `sending` (being sent now), `sent`, `unknown` (the answer never came: search
 * ResMan before sending again), `failed` (ResMan refused it; the reason is in `last_error`).
 */
export type GuestCardPushStatus = "sending" | "sent" | "unknown" | "failed";

export type ReviewStatus = "open" | "approved" | "rejected" | "superseded";

/** A contact's secondary emails and phones, as stored. */
export interface StoredSecondary {
  emails: string[];
  phones: { raw: string; e164: string }[];
  /** How each record wrote the person (`RecordVariant`): names, birth date, address, contact points. */
  variants?: RecordVariant[];
}

/** Columns every table carries; timestamps are always `timestamptz`. */
const createdAt = () => timestamp("created_at", { withTimezone: true }).defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).defaultNow();

/** A property (apartment community). In production this may be DomIQ's own table. */
export const property = pgTable(
  "property",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    resmanAccountId: integer("resman_account_id"),
    resmanPropertyId: uuid("resman_property_id"),
    timezone: text("timezone"),
    /** ISO 3166 region used to read phone numbers written without a country code. */
    countryCode: varchar("country_code", { length: 2 }).notNull().default("US"),
    /** The leasing office's own number: never a match key for a resident (design §1). */
    officePhone: text("office_phone"),
    /** Which ResMan API the reconciliation reads this property through. */
    resmanApi: varchar("resman_api", { length: 2 }).$type<ResmanApi>().notNull().default("v2"),
    /**
     * Registered for the scheduled reconciliation (`property add`, `property enable`). A property
     * an import or a webhook created is not, until an operator registers it.
     */
    reconcileEnabled: boolean("reconcile_enabled").notNull().default(false),
    /**
     * The reconciliation run holding the property (one run per property at a time) and until
     * when: the run renews its claim as it goes, so a crashed run's claim soon expires.
     */
    reconcileClaimedBy: uuid("reconcile_claimed_by"),
    reconcileClaimedUntil: timestamp("reconcile_claimed_until", { withTimezone: true }),
    /**
     * Chatbot leads become ResMan guest cards (`contact-sync push`), with this ProspectSource ID
     * and this employee as the agent. Off by default.
     */
    pushGuestCards: boolean("push_guest_cards").notNull().default(false),
    pushSourceId: varchar("push_source_id", { length: 100 }),
    pushAgentId: varchar("push_agent_id", { length: 100 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check("chk_property_resman_api", sql`${t.resmanApi} IN ('v2', 'v1')`),
    unique("property_resman_account_property_key").on(t.resmanAccountId, t.resmanPropertyId),
    // A ResMan property GUID names one property whatever the account (an import may not know
    // the account yet). Properties without a ResMan id (DomIQ-only) are not constrained.
    uniqueIndex("uq_property_resman_property").on(t.resmanPropertyId),
  ],
);

/** One typed phone of a contact: the value as received and its E.164 form. */
export interface StoredPhone {
  type: PhoneType;
  raw: string;
  e164: string;
}

/**
 * The golden contact: one per real person per property. `"user"` because the seed's foreign keys
 * name it so (in DomIQ the contact is a user record). Its pages keep a fifth free for rewrites
 * (`fillfactor = 80`): a storage parameter drizzle-kit cannot express, set by the hand-written
 * migration 0011 (README design notes, "Room for updates").
 */
export const user = pgTable(
  "user",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    propertyId: uuid("property_id").notNull(),
    firstName: text("first_name"),
    middleName: text("middle_name"),
    lastName: text("last_name"),
    email: text("email"),
    phones: jsonb("phones").$type<StoredPhone[]>().notNull().default([]),
    dateOfBirth: date("date_of_birth", { mode: "string" }),
    addressLine1: text("address_line1"),
    addressLine2: text("address_line2"),
    city: text("city"),
    state: text("state"),
    postalCode: text("postal_code"),
    kind: varchar("kind", { length: 20 }).$type<ContactKind>().notNull().default("lead"),
    isDependent: boolean("is_dependent"),
    /** Normalised exact match keys (null when the value is missing, invalid or a placeholder). */
    emailKey: text("email_key"),
    phoneKeys: text("phone_keys").array().notNull().default(sql`'{}'::text[]`),
    nameDobKey: text("name_dob_key"),
    /**
     * Blocking keys (`lib/domain/blocking.ts`): candidate contacts of a person are fetched by
     * these, so a person is compared only with plausible matches, never with the property.
     */
    blockKeys: text("block_keys").array().notNull().default(sql`'{}'::text[]`),
    /**
     * Emails and phones the contact held before, or that lost to its current ones: kept, and
     * still used to find the contact (`{ emails: string[], phones: StoredPhone[] }`).
     */
    secondary: jsonb("secondary")
      .$type<StoredSecondary>()
      .notNull()
      .default({ emails: [], phones: [] }),
    /** Set when this contact was merged away into another; such contacts are never matched. */
    mergedIntoId: uuid("merged_into_id"),
    /** Which source last wrote each field (`resman`, `domiq`; `manual` = locked by staff). */
    fieldSources: jsonb("field_sources").$type<FieldSources>().notNull().default({}),
    /**
     * The ResMan record version each ResMan-sourced field came from (`FieldVersion`: PersonID,
     * `last_modified`, digest): the newest version wins across the person's records.
     */
    fieldVersions: jsonb("field_versions").$type<FieldVersions>().notNull().default({}),
    /**
     * Bumped by every write of the row. The sync path's guarded write applies only if the
     * contact still has the version it read (optimistic concurrency); anything else that
     * updates contacts must bump it too.
     */
    version: integer("version").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check(
      "chk_user_kind",
      sql`${t.kind} IN ('prospect', 'applicant', 'resident', 'former', 'lead')`,
    ),
    foreignKey({
      name: "user_property_id_fkey",
      columns: [t.propertyId],
      foreignColumns: [property.id],
    }).onDelete("cascade"),
    // Target of the composite keys below: lets the database itself refuse a link or a merge that
    // would cross properties (design §6 invariant 6).
    unique("user_id_property_key").on(t.id, t.propertyId),
    foreignKey({
      name: "user_merged_into_fkey",
      columns: [t.mergedIntoId, t.propertyId],
      foreignColumns: [t.id, t.propertyId],
    }),
    // Key first, property second, and no index led by property_id alone. Foreign-key checks
    // (`id = $1 AND property_id = $2`) run on plans Postgres caches per session; planned while
    // the table is empty, a property-led index looked as good as the unique (id, property_id)
    // one and every later check then walked the whole property (imports slowing to a crawl
    // wherever statistics lag: PGlite, or a server without autovacuum).
    //
    // The exact keys (email, phones, name + birth date) are looked up only among contacts
    // without blocking keys (written before they existed, or outside contact-sync: every other
    // contact is found by its blocking keys), so their indexes hold those alone (migrations
    // 0015–0016): a value many contacts share — a call centre's phone, a property's leasing
    // email entered as the person's — is no longer read in all of them on each lookup, and a
    // contact's write adds no entry to them.
    index("idx_user_email_key_unblocked")
      .on(t.emailKey, t.propertyId)
      .where(sql`cardinality(${t.blockKeys}) = 0`),
    index("idx_user_name_dob_key_unblocked")
      .on(t.nameDobKey, t.propertyId)
      .where(sql`cardinality(${t.blockKeys}) = 0`),
    // fastupdate off: without it new entries wait in a pending list that every lookup scans
    // linearly until a vacuum merges it, and PGlite has no autovacuum.
    index("idx_user_phone_keys_unblocked")
      .using("gin", t.phoneKeys)
      .with({ fastupdate: false })
      .where(sql`cardinality(${t.blockKeys}) = 0`),
    // The blocking keys by property (`block_keys_in_property`, migration 0012): a lookup reads
    // the contacts of its own property only, however many properties share the key.
    index("idx_user_block_keys_in_property")
      .using("gin", sql`block_keys_in_property(${t.propertyId}, ${t.blockKeys})`)
      .with({ fastupdate: false }),
  ],
);

/** Seed table: one row per link contact ↔ ResMan person (`resman_contact_id` = PersonID). */
export const contactSync = pgTable(
  "contact_sync",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id"),
    personId: varchar("resman_contact_id", { length: 100 }),
    syncStatus: varchar("sync_status", { length: 50 }).$type<LinkStatus>().default("pending"),
    lastSyncAt: timestamp("last_sync_at", { withTimezone: true }).defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    propertyId: uuid("property_id").notNull(),
    /** ResMan's own status of the person (prospect, lost, applicant, resident, former). */
    resmanStatus: varchar("resman_status", { length: 20 }),
    attempts: integer("attempts").notNull().default(0),
    /** Error class and field names only; never a personal value. */
    lastError: text("last_error"),
    /** Newest source `last_modified` applied: an older update never overwrites a newer one. */
    sourceUpdatedAt: timestamp("source_updated_at", { withTimezone: true }),
    /** Digest of the person as last applied: a replay of the same content changes nothing. */
    sourceHash: varchar("source_hash", { length: 64 }),
    matchScore: doublePrecision("match_score"),
    matchEvidence: jsonb("match_evidence").$type<LinkEvidence>(),
  },
  (t) => [
    check(
      "chk_contact_sync_status",
      sql`${t.syncStatus} IN ('pending', 'success', 'failed', 'merged')`,
    ),
    foreignKey({
      name: "contact_sync_user_id_fkey",
      columns: [t.userId],
      foreignColumns: [user.id],
    }).onDelete("cascade"),
    foreignKey({
      name: "contact_sync_property_id_fkey",
      columns: [t.propertyId],
      foreignColumns: [property.id],
    }).onDelete("cascade"),
    foreignKey({
      name: "contact_sync_user_property_fkey",
      columns: [t.userId, t.propertyId],
      foreignColumns: [user.id, user.propertyId],
    }).onDelete("cascade"),
    index("idx_contact_sync_status").on(t.syncStatus, t.lastSyncAt),
    // One link per ResMan person per property. Chatbot-only links (NULL id) are not constrained.
    uniqueIndex("uq_contact_sync_property_resman_contact").on(t.propertyId, t.personId),
    index("idx_contact_sync_user").on(t.userId),
  ],
);

/** Seed table: per-property matching rules (validated by zod in the domain). */
export const contactMatchingRules = pgTable(
  "contact_matching_rules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    propertyId: uuid("property_id"),
    matchingCriteria: jsonb("matching_criteria").$type<Record<string, unknown>>().notNull(),
    mergeStrategy: varchar("merge_strategy", { length: 50 }).$type<MergeStrategy>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check(
      "chk_merge_strategy",
      sql`${t.mergeStrategy} IN ('resman_wins', 'domiq_wins', 'manual_review')`,
    ),
    foreignKey({
      name: "contact_matching_rules_property_id_fkey",
      columns: [t.propertyId],
      foreignColumns: [property.id],
    }).onDelete("cascade"),
    index("idx_contact_matching_rules_property").on(t.propertyId),
    // One rule set per property, so "which row applies" has one answer.
    uniqueIndex("uq_contact_matching_rules_property").on(t.propertyId),
  ],
);

/** Seed table: one row per enrichment of a contact. */
export const contactEnrichmentLog = pgTable(
  "contact_enrichment_log",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    contactId: uuid("contact_id"),
    enrichmentType: varchar("enrichment_type", { length: 50 }).$type<
      "conversation_data" | "preferences" | "interaction_history"
    >(),
    enrichedData: jsonb("enriched_data"),
    source: varchar("source", { length: 50 }).$type<"chatbot" | "resman" | "manual">(),
    createdAt: createdAt(),
    /** The chatbot conversation the enrichment came from: later events of it find the contact. */
    conversationId: varchar("conversation_id", { length: 200 }),
    /** The event that wrote this row (the inbox guarantees one row per event). */
    eventId: varchar("event_id", { length: 200 }),
    propertyId: uuid("property_id"),
  },
  (t) => [
    check(
      "chk_enrichment_type",
      sql`${t.enrichmentType} IN ('conversation_data', 'preferences', 'interaction_history')`,
    ),
    // The seed declared this one inline only, so it keeps Postgres' generated name.
    check(
      "contact_enrichment_log_source_check",
      sql`${t.source} IN ('chatbot', 'resman', 'manual')`,
    ),
    foreignKey({
      name: "contact_enrichment_log_contact_id_fkey",
      columns: [t.contactId],
      foreignColumns: [user.id],
    }).onDelete("cascade"),
    index("idx_contact_enrichment_log_contact").on(t.contactId, t.enrichmentType),
    index("idx_contact_enrichment_log_conversation").on(t.conversationId, t.propertyId),
  ],
);

/**
 * Inbox of processed event ids. A delivery's effect and its inbox row commit in one transaction,
 * so a redelivered event id is recognised and changes nothing (design §6 invariant 1).
 */
export const processedEvent = pgTable(
  "processed_event",
  {
    eventId: varchar("event_id", { length: 200 }).notNull(),
    source: varchar("source", { length: 30 }).notNull(),
    propertyId: uuid("property_id").references((): AnyPgColumn => property.id, {
      onDelete: "cascade",
    }),
    processedAt: timestamp("processed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "processed_event_pkey", columns: [t.source, t.eventId] })],
);

/**
 * One version counter per identity key of a property (PersonID, email, phone, name + birth
 * date), keyed by a 64-bit hash of property and key. Every sync that reads contacts by a key and
 * then writes bumps the key's version, on the condition that it is still the version it read:
 * two syncs sharing a key cannot both write on the same reading, so neither can miss the
 * other's new contact (a "phantom" no row lock could catch). The transactional paths lock the
 * same rows by bumping them first.
 */
export const identityKey = pgTable("identity_key", {
  keyId: bigint("key_id", { mode: "bigint" }).primaryKey(),
  version: bigint("version", { mode: "number" }).notNull().default(0),
});

/**
 * Transactional outbox of outbound events (design §5). A row is written in the same statement
 * as the sync effect it announces, so no committed effect goes unannounced; a drain after commit
 * publishes rows to EventBridge and stamps `published_at`. Delivery is at least once: consumers
 * deduplicate on the row id, which is the event's `event_id`.
 */
export const outboxEvent = pgTable(
  "outbox_event",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    eventType: varchar("event_type", { length: 50 }).$type<OutboundEventType>().notNull(),
    propertyId: uuid("property_id").notNull(),
    contactId: uuid("contact_id").notNull(),
    linkId: uuid("link_id"),
    personId: varchar("resman_person_id", { length: 100 }),
    status: varchar("status", { length: 50 }).$type<LinkStatus>().notNull(),
    matchScore: doublePrecision("match_score"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** A drain holds the row until then; if it dies, another drain takes the row after it. */
    claimedUntil: timestamp("claimed_until", { withTimezone: true }),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    attempts: integer("attempts").notNull().default(0),
    /** The other contact of a merge or unmerge of two contacts (`contact.merged`, `contact.unmerged`). */
    mergedContactId: uuid("merged_contact_id"),
  },
  (t) => [
    check(
      "chk_outbox_event_type",
      sql`${t.eventType} IN ('contact.synced', 'contact.merged', 'contact.review_required', 'contact.unmerged')`,
    ),
    // Only unpublished rows are ever scanned by the drain.
    index("idx_outbox_event_unpublished").on(t.createdAt).where(sql`${t.publishedAt} IS NULL`),
    // A property's events by time: the console's health page (its latest events, its syncs per
    // hour) reads one property's, which without it meant every property's outbox (migration 0014).
    index("idx_outbox_event_property_created").on(t.propertyId, t.createdAt),
  ],
);

/**
 * One row per merge: a ResMan person linked to a contact that already existed (the sync path),
 * or one contact merged into another (an approved review item). `before` holds the surviving
 * contact's values that the merge changed, so every merge can be undone (`contact-sync
 * unmerge`, which stamps `reverted_at`; rows are never deleted).
 */
export const contactMergeHistory = pgTable(
  "contact_merge_history",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    propertyId: uuid("property_id").notNull(),
    /** The contact that survived and received the merge. */
    userId: uuid("user_id").notNull(),
    /** The contact merged away, when two contacts were merged (null for a person link). */
    mergedUserId: uuid("merged_user_id"),
    linkId: uuid("link_id"),
    personId: varchar("resman_contact_id", { length: 100 }),
    before: jsonb("before").$type<Record<string, unknown>>().notNull(),
    applied: jsonb("applied").$type<Record<string, unknown>>().notNull(),
    matchScore: doublePrecision("match_score"),
    matchEvidence: jsonb("match_evidence").$type<Record<string, unknown>>(),
    /**
     * What the merge brought in: the incoming person's values (a person link) and, for a merge
     * of two contacts, the merged contact's links with their statuses before — what an unmerge
     * needs to split them again.
     */
    incoming: jsonb("incoming").$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    revertedAt: timestamp("reverted_at", { withTimezone: true }),
  },
  (t) => [
    foreignKey({
      name: "contact_merge_history_user_fkey",
      columns: [t.userId, t.propertyId],
      foreignColumns: [user.id, user.propertyId],
    }).onDelete("cascade"),
    foreignKey({
      name: "contact_merge_history_property_id_fkey",
      columns: [t.propertyId],
      foreignColumns: [property.id],
    }).onDelete("cascade"),
    foreignKey({
      name: "contact_merge_history_link_id_fkey",
      columns: [t.linkId],
      foreignColumns: [contactSync.id],
    }).onDelete("set null"),
    index("idx_contact_merge_history_user").on(t.userId),
  ],
);

/**
 * The review queue: a person (or chatbot lead) scored in the review band against an existing
 * contact got its own contact (`user_id`, link `pending`) and this item proposing the pair.
 * Approving merges `user_id` into `candidate_id`; rejecting keeps them apart for good (the pair
 * is unique, so it is never proposed again).
 */
export const contactReview = pgTable(
  "contact_review",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    propertyId: uuid("property_id").notNull(),
    /** The contact created for the record under review. */
    userId: uuid("user_id").notNull(),
    /** The existing contact it may be. */
    candidateId: uuid("candidate_id").notNull(),
    /** The pending link of the record under review (null for a chatbot lead). */
    linkId: uuid("link_id"),
    score: doublePrecision("score").notNull(),
    /** Per-field levels and weights, total and thresholds; never a personal value. */
    evidence: jsonb("evidence").$type<Record<string, unknown>>().notNull(),
    status: varchar("status", { length: 20 }).$type<ReviewStatus>().notNull().default("open"),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    decidedBy: text("decided_by"),
    /** The merge an approval made (for unmerge). */
    mergeId: uuid("merge_id"),
    createdAt: createdAt(),
  },
  (t) => [
    check(
      "chk_contact_review_status",
      sql`${t.status} IN ('open', 'approved', 'rejected', 'superseded')`,
    ),
    foreignKey({
      name: "contact_review_property_id_fkey",
      columns: [t.propertyId],
      foreignColumns: [property.id],
    }).onDelete("cascade"),
    foreignKey({
      name: "contact_review_user_fkey",
      columns: [t.userId, t.propertyId],
      foreignColumns: [user.id, user.propertyId],
    }).onDelete("cascade"),
    foreignKey({
      name: "contact_review_candidate_fkey",
      columns: [t.candidateId, t.propertyId],
      foreignColumns: [user.id, user.propertyId],
    }).onDelete("cascade"),
    // One item per pair, whichever side came first: a decided pair is never proposed again.
    uniqueIndex("uq_contact_review_pair").on(
      t.propertyId,
      sql`least(${t.userId}, ${t.candidateId})`,
      sql`greatest(${t.userId}, ${t.candidateId})`,
    ),
    index("idx_contact_review_open").on(t.propertyId, t.createdAt).where(sql`${t.status} = 'open'`),
    index("idx_contact_review_candidate").on(t.candidateId),
  ],
);

/**
 * What the guest-card push sent to ResMan, one row per thing sent (`key`: `card:<link id>` for a
 * lead's guest card, `event:<enrichment id>` for a later conversation on a pushed prospect), so
 * nothing is sent twice: a retry finds its row, and a row whose outcome is unknown (the answer
 * never came) is searched for in ResMan before anything is created again. Ids and codes only.
 */
export const guestCardPush = pgTable(
  "guest_card_push",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    propertyId: uuid("property_id").notNull(),
    contactId: uuid("user_id").notNull(),
    linkId: uuid("link_id"),
    key: varchar("key", { length: 200 }).notNull(),
    status: varchar("status", { length: 20 }).$type<GuestCardPushStatus>().notNull(),
    /** How the lead reached ResMan: a new card, an event on a prospect it matched, or neither. */
    outcome: varchar("outcome", { length: 30 }),
    resmanProspectId: varchar("resman_prospect_id", { length: 100 }),
    resmanPersonId: varchar("resman_person_id", { length: 100 }),
    attempts: integer("attempts").notNull().default(0),
    /** An error code and ResMan's reason (e.g. "Transaction Source could not be found"). */
    lastError: text("last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check(
      "chk_guest_card_push_status",
      sql`${t.status} IN ('sending', 'sent', 'unknown', 'failed')`,
    ),
    unique("uq_guest_card_push_key").on(t.propertyId, t.key),
    foreignKey({
      name: "guest_card_push_property_id_fkey",
      columns: [t.propertyId],
      foreignColumns: [property.id],
    }).onDelete("cascade"),
    foreignKey({
      name: "guest_card_push_user_fkey",
      columns: [t.contactId, t.propertyId],
      foreignColumns: [user.id, user.propertyId],
    }).onDelete("cascade"),
  ],
);

/**
 * How far a property's reconciliation has read each ResMan resource: `read_until` is the end of
 * the last window whose every person was synced (or enqueued); the next window starts there,
 * minus an overlap. For `roster`, the time of the last full roster read.
 */
export const reconcileCursor = pgTable(
  "reconcile_cursor",
  {
    propertyId: uuid("property_id").notNull(),
    resource: varchar("resource", { length: 20 }).$type<ResmanResource>().notNull(),
    readUntil: timestamp("read_until", { withTimezone: true }).notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ name: "reconcile_cursor_pkey", columns: [t.propertyId, t.resource] }),
    check("chk_reconcile_cursor_resource", sql`${t.resource} IN ('prospects', 'leases', 'roster')`),
    foreignKey({
      name: "reconcile_cursor_property_id_fkey",
      columns: [t.propertyId],
      foreignColumns: [property.id],
    }).onDelete("cascade"),
  ],
);

/**
 * The last resident roster read of a property, one row per PersonID (ids, status and a digest,
 * no personal values): the next read syncs who is new or changed and deactivates who is gone.
 */
export const reconcileRoster = pgTable(
  "reconcile_roster",
  {
    propertyId: uuid("property_id").notNull(),
    personId: varchar("resman_contact_id", { length: 100 }).notNull(),
    status: varchar("status", { length: 20 }).$type<PersonStatus>().notNull(),
    /** SHA-256 of the roster record in the person contract (`personDigest`). */
    digest: text("digest").notNull(),
  },
  (t) => [
    primaryKey({ name: "reconcile_roster_pkey", columns: [t.propertyId, t.personId] }),
    foreignKey({
      name: "reconcile_roster_property_id_fkey",
      columns: [t.propertyId],
      foreignColumns: [property.id],
    }).onDelete("cascade"),
  ],
);

/** One reconciliation run of one property: what it read and did, and the cursors it moved. */
export const reconcileRun = pgTable(
  "reconcile_run",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    propertyId: uuid("property_id").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    status: varchar("status", { length: 20 }).$type<ReconcileRunStatus>().notNull(),
    /** Whether the run re-read everything from the backfill date (`reconcile --full`). */
    full: boolean("full").notNull().default(false),
    /** People the run handed to the sync queue instead of syncing them (Lambda). */
    enqueued: integer("enqueued").notNull().default(0),
    fetched: integer("fetched").notNull().default(0),
    created: integer("created").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    merged: integer("merged").notNull().default(0),
    unchanged: integer("unchanged").notNull().default(0),
    deactivated: integer("deactivated").notNull().default(0),
    review: integer("review").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    /** Records ResMan sent that could not become a person (no PersonID, unknown status…). */
    unreadable: integer("unreadable").notNull().default(0),
    cursorsBefore: jsonb("cursors_before").$type<Record<string, string>>().notNull(),
    cursorsAfter: jsonb("cursors_after").$type<Record<string, string>>(),
    /** Error codes by resource (`{"leases": "resman_unavailable"}`), never a message from ResMan. */
    errors: jsonb("errors").$type<Record<string, string>>(),
  },
  (t) => [
    check(
      "chk_reconcile_run_status",
      sql`${t.status} IN ('running', 'ok', 'partial', 'failed', 'auth_failed')`,
    ),
    foreignKey({
      name: "reconcile_run_property_id_fkey",
      columns: [t.propertyId],
      foreignColumns: [property.id],
    }).onDelete("cascade"),
    index("idx_reconcile_run_property_started").on(t.propertyId, t.startedAt),
  ],
);

/**
 * The local queues (`npm start` without AWS): SQS semantics in a table. One row per message of
 * `queue` (`sync`, its dead-letter queue `sync-dlq`, or any other name); `body` is the message
 * exactly as sent. A message is receivable when `visible_at` has passed; a receive claims it by
 * moving `visible_at` forward (its visibility timeout) and counting the receive. `last_error` is
 * an error code, never a message; `source_queue` is where a dead-lettered message came from.
 */
export const localQueueMessage = pgTable(
  "local_queue_message",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    queue: varchar("queue", { length: 80 }).notNull(),
    body: text("body").notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }).notNull().defaultNow(),
    visibleAt: timestamp("visible_at", { withTimezone: true }).notNull().defaultNow(),
    receiveCount: integer("receive_count").notNull().default(0),
    firstReceivedAt: timestamp("first_received_at", { withTimezone: true }),
    lastError: varchar("last_error", { length: 80 }),
    sourceQueue: varchar("source_queue", { length: 80 }),
    deadLetteredAt: timestamp("dead_lettered_at", { withTimezone: true }),
  },
  (t) => [
    check("chk_local_queue_message_receive_count", sql`${t.receiveCount} >= 0`),
    index("idx_local_queue_message_receive").on(t.queue, t.visibleAt),
  ],
);

/**
 * Seed monitoring view, fixed. The seed joined `property p ON u.id = p.id` and grouped by a
 * column no table had. Links carry their property (`contact_sync.property_id`, which the
 * composite key keeps equal to their contact's), so they are counted by it: a person that
 * failed before any contact existed (`user_id` NULL) counts against the rate too.
 *
 * `sync_success_rate`: the share (0–100) of a property's links that are synced — `success` or
 * `merged`, both of which mean "linked to a live contact" (design §4). The seed counted only
 * `success`, which would report a property full of correctly matched duplicates as unhealthy.
 * NULL for a property without links. `merged_contacts`: links in status `merged`.
 * Every property appears, even one without contacts.
 */
export const contactSyncSuccessRate = pgView("contact_sync_success_rate", {
  propertyId: uuid("property_id").notNull(),
  syncSuccessRate: doublePrecision("sync_success_rate"),
  mergedContacts: integer("merged_contacts").notNull(),
}).as(sql`
  SELECT
    p.id AS property_id,
    COUNT(cs.id) FILTER (WHERE cs.sync_status IN ('success', 'merged'))::float
      / NULLIF(COUNT(cs.id), 0) * 100 AS sync_success_rate,
    COUNT(cs.id) FILTER (WHERE cs.sync_status = 'merged')::integer AS merged_contacts
  FROM property p
  LEFT JOIN contact_sync cs ON cs.property_id = p.id
  GROUP BY p.id`);
