/**
 * The merge history: the one owner of its stored documents. Every merge (an approved review,
 * `mergePlan.ts`; a person linked to an existing contact by the sync path) records three JSON
 * documents, and an unmerge (`unmergePlan.ts`) reads them back:
 *
 * - `before`: each field the merge changed, with its value, source and version before;
 * - `applied`: the fields changed, A's secondary values and kind before, the review item, the
 *   placeholder links removed (with their timestamps) and the review items re-pointed;
 * - `incoming`: what the merge brought in (values, sources, secondary values, B's links) and
 *   the enrichment log rows of B moved to A.
 *
 * Document keys are snake_case (`secondary_before`, `person_id`), as stored: this module
 * encodes them (`contactMergeDocuments`, `syncMergeDocuments`, `storedPlaceholders`) and decodes
 * them (`parseMergeHistory`), validating rows written by any version or edited by hand.
 */

import {
  type Contact,
  type ContactField,
  type ContactKind,
  type ContactValues,
  contactKinds,
  emptySecondary,
  type SecondaryValues,
} from "./contact.js";
import { MergeHistoryUnreadableError } from "./mergeErrors.js";
import type { MergeLink, MergeParty, MovedReview } from "./mergeParties.js";
import { personStatuses, phoneTypes } from "./person.js";
import { contactFields, type FieldBefore, type MergeOutcome } from "./survivorship.js";
import type { LinkEvidence, MergeRecord } from "./syncDecision.js";
import * as z from "./zod.js";
import { zodIssuePaths } from "./zodIssues.js";

/** The merge history documents, as stored. */
export interface MergeHistoryDocuments {
  before: MergeOutcome["before"];
  applied: Record<string, unknown>;
  incoming: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** A link as the history keeps it. */
function storedLink(link: MergeLink) {
  return {
    id: link.id,
    person_id: link.personId,
    status: link.status,
    resman_status: link.resmanStatus,
    match_score: link.matchScore,
    evidence: link.evidence,
    source_hash: link.sourceHash,
  };
}

/** What an approval records: B merged into A (`mergeContacts`). */
export interface ContactMergeRecord {
  merged: MergeOutcome;
  /** A before the merge. */
  survivor: Contact;
  absorbed: MergeParty;
  reviewId: string;
  decidedBy: string | null;
  removedPlaceholders: readonly { id: string; contactId: string }[];
  movedReviews: readonly MovedReview[];
  /** The reviewed record's link, when it stays on the survivor (the reviewer kept B). */
  reviewedLinkBefore?: MergeLink | null;
}

/**
 * The documents of an approval. The placeholders removed are named without their timestamps:
 * the adapter replaces them with the removed rows (`storedPlaceholders`), so an unmerge puts
 * each back as it was. The enrichments moved are added by the adapter too.
 */
export function contactMergeDocuments(record: ContactMergeRecord): MergeHistoryDocuments {
  const { merged, survivor: a, absorbed: b } = record;
  return {
    before: merged.before,
    applied: {
      fields: [...merged.changed, ...merged.restamped],
      secondary_before: a.secondary,
      kind_before: a.kind,
      review_id: record.reviewId,
      decided_by: record.decidedBy,
      placeholders_removed: record.removedPlaceholders.map((p) => ({
        id: p.id,
        contact_id: p.contactId,
      })),
      reviews_moved: record.movedReviews.map(storedMovedReview),
      ...(record.reviewedLinkBefore == null
        ? {}
        : { reviewed_link_before: storedLink(record.reviewedLinkBefore) }),
    },
    incoming: {
      values: b.contact.values,
      sources: b.contact.sources,
      secondary: b.contact.secondary,
      kind: b.contact.kind,
      links: b.links.map(storedLink),
    },
  };
}

/**
 * The documents of a person linked to an existing contact by the sync path (`MergeRecord`),
 * placeholders removed aside (the adapter adds them as its write removes them).
 */
export function syncMergeDocuments(record: MergeRecord): MergeHistoryDocuments {
  return {
    before: record.before,
    applied: {
      fields: record.applied,
      secondary_before: record.secondaryBefore,
      kind_before: record.kindBefore,
    },
    incoming: { values: record.incoming, sources: "resman" },
  };
}

/**
 * A re-pointed review item as `applied.reviews_moved` keeps it: the column of `contact_review`
 * that named the absorbed contact (the stored word since merges were first recorded).
 */
function storedMovedReview(moved: MovedReview) {
  return { id: moved.id, column: moved.side === "userId" ? "user_id" : "candidate_id" };
}

/** Placeholder links a write removed, as `applied.placeholders_removed` keeps them. */
export function storedPlaceholders(
  removed: readonly {
    id: string;
    contactId: string | null;
    createdAt: Date | null;
    lastSyncAt: Date | null;
  }[],
) {
  return removed.map((p) => ({
    id: p.id,
    contact_id: p.contactId,
    created_at: p.createdAt?.toISOString() ?? null,
    last_sync_at: p.lastSyncAt?.toISOString() ?? null,
  }));
}

// ---------------------------------------------------------------------------------------------
// Decoding

const phoneSchema = z.object({ raw: z.string(), e164: z.string() });
const secondarySchema = z.object({
  emails: z._default(z.array(z.string()), []),
  phones: z._default(z.array(phoneSchema), []),
});
/** A value that may be null, and is null when absent. */
const orNull = <T extends z.core.SomeType>(schema: T) => z._default(z.nullable(schema), null);
const valuesSchema = z.object({
  firstName: orNull(z.string()),
  middleName: orNull(z.string()),
  lastName: orNull(z.string()),
  email: orNull(z.string()),
  phones: z._default(z.partialRecord(z.enum(phoneTypes), phoneSchema), {}),
  dateOfBirth: orNull(z.string()),
  address: orNull(
    z.object({
      line1: z.nullable(z.string()),
      line2: z.nullable(z.string()),
      city: z.nullable(z.string()),
      state: z.nullable(z.string()),
      postalCode: z.nullable(z.string()),
    }),
  ),
  isDependent: orNull(z.boolean()),
});
const fieldSchema = z.enum(contactFields as [ContactField, ...ContactField[]]);
const sourceSchema = z.enum(["resman", "domiq", "manual"]);
const versionSchema = z.object({
  record: z.string(),
  at: z.nullable(z.string()),
  digest: z.string(),
});
const storedLinkSchema = z.object({
  id: z.string(),
  person_id: z.nullable(z.string()),
  status: z.enum(["pending", "success", "failed", "merged"]),
  resman_status: z.nullable(z.enum(personStatuses)),
  match_score: z.nullable(z.number()),
  evidence: z.nullable(z.record(z.string(), z.unknown())),
  source_hash: z.nullable(z.string()),
});
const historySchema = z.object({
  before: z.partialRecord(
    fieldSchema,
    z.object({
      value: z.unknown(),
      source: z.nullable(sourceSchema),
      // Merges recorded before field versions were kept have none.
      version: orNull(versionSchema),
    }),
  ),
  applied: z.object({
    fields: z.array(fieldSchema),
    secondary_before: z._default(secondarySchema, emptySecondary()),
    kind_before: orNull(z.enum(contactKinds)),
    review_id: orNull(z.string()),
    placeholders_removed: z._default(
      z.array(
        z.object({
          id: z.string(),
          contact_id: z.string(),
          created_at: orNull(z.string()),
          last_sync_at: orNull(z.string()),
        }),
      ),
      [],
    ),
    reviews_moved: z._default(
      z.array(z.object({ id: z.string(), column: z.enum(["user_id", "candidate_id"]) })),
      [],
    ),
    /**
     * The reviewed record's link as it was, when the reviewer kept the record's contact (it
     * stayed on the survivor, and only its status and evidence changed).
     */
    reviewed_link_before: orNull(storedLinkSchema),
  }),
  incoming: z.object({
    values: valuesSchema,
    // A person link records its source as one string ("resman"); a contact its field sources.
    sources: z.union([sourceSchema, z.partialRecord(fieldSchema, sourceSchema)]),
    secondary: z._default(secondarySchema, emptySecondary()),
    links: z._default(z.array(storedLinkSchema), []),
    enrichments: z._default(z.array(z.string()), []),
  }),
});

/** A merge history row as stored, its documents not yet validated. */
export interface MergeHistoryRow {
  id: string;
  propertyId: string;
  userId: string;
  mergedUserId: string | null;
  linkId: string | null;
  personId: string | null;
  before: unknown;
  applied: unknown;
  incoming: unknown;
  revertedAt: Date | null;
}

/** A merge history row, its documents validated. */
export interface MergeHistory {
  id: string;
  propertyId: string;
  /** A: the contact that received the merge (the row's `user_id`). */
  survivorId: string;
  /**
   * B, for a merge of two contacts (the row's `merged_user_id`); null for a person linked by the
   * sync path.
   */
  absorbedId: string | null;
  linkId: string | null;
  personId: string | null;
  before: Partial<Record<ContactField, FieldBefore>>;
  fields: ContactField[];
  secondaryBefore: SecondaryValues;
  kindBefore: ContactKind | null;
  reviewId: string | null;
  /** Placeholder links the merge removed, with their timestamps (null when not recorded). */
  placeholdersRemoved: {
    id: string;
    contactId: string;
    createdAt: Date | null;
    lastSyncAt: Date | null;
  }[];
  reviewsMoved: MovedReview[];
  /** The reviewed record's link before, when it stayed on the survivor (see the schema). */
  reviewedLinkBefore: MergeLink | null;
  /** What the merge brought in: the person's values, or B's values and secondary values. */
  incomingValues: ContactValues;
  incomingSecondary: SecondaryValues;
  /** B's links as they were before the merge (a merge of two contacts). */
  incomingLinks: MergeLink[];
  /** Enrichment log rows of B the merge moved to A. */
  enrichments: string[];
  revertedAt: Date | null;
}

function linkOfStored(link: z.output<typeof storedLinkSchema>): MergeLink {
  return {
    id: link.id,
    personId: link.person_id,
    status: link.status,
    resmanStatus: link.resman_status,
    matchScore: link.match_score,
    evidence: link.evidence as LinkEvidence | null,
    sourceHash: link.source_hash,
  };
}

/** Validates a history row's documents (paths in errors, never values). */
export function parseMergeHistory(row: MergeHistoryRow): MergeHistory {
  const parsed = historySchema.safeParse({
    before: row.before,
    applied: row.applied,
    incoming: row.incoming ?? {},
  });
  if (!parsed.success) throw new MergeHistoryUnreadableError(row.id, zodIssuePaths(parsed.error));
  const { before, applied, incoming } = parsed.data;
  return {
    id: row.id,
    propertyId: row.propertyId,
    survivorId: row.userId,
    absorbedId: row.mergedUserId,
    linkId: row.linkId,
    personId: row.personId,
    before,
    fields: applied.fields,
    secondaryBefore: applied.secondary_before,
    kindBefore: applied.kind_before,
    reviewId: applied.review_id,
    placeholdersRemoved: applied.placeholders_removed.map((p) => ({
      id: p.id,
      contactId: p.contact_id,
      createdAt: p.created_at === null ? null : new Date(p.created_at),
      lastSyncAt: p.last_sync_at === null ? null : new Date(p.last_sync_at),
    })),
    reviewsMoved: applied.reviews_moved.map((moved) => ({
      id: moved.id,
      side: moved.column === "user_id" ? "userId" : "candidateId",
    })),
    incomingValues: incoming.values as ContactValues,
    incomingSecondary: incoming.secondary,
    reviewedLinkBefore:
      applied.reviewed_link_before === null ? null : linkOfStored(applied.reviewed_link_before),
    incomingLinks: incoming.links.map(linkOfStored),
    enrichments: incoming.enrichments,
    revertedAt: row.revertedAt,
  };
}
