/**
 * Merging two contacts (an approved review item) and undoing any merge (unmerge), as pure
 * functions over contacts, their links and the merge history's documents.
 *
 * Over 500 lines as one thing: the merge plan, the history documents it writes and the unmerge
 * plan that reads them are one round trip — each field, link, placeholder and variant a merge
 * moves must be put back by the unmerge from what the history recorded, so the three are kept
 * side by side.
 *
 * Merge of two contacts: the reviewed contact B (created for the record under review) goes into
 * the candidate A, which survives. B's values come in as the other record would have through
 * the sync path, field by field with the source B recorded for it: what an auto-merge of B's
 * record would have done, so an approval and a direct match end the same. That is:
 * - a blank never overwrites; a field A lacks takes B's value;
 * - between B's and A's ResMan values the newer record version wins (each value keeps its
 *   version; undated ones only fill blanks) and, under `resman_wins`, B's ResMan values replace
 *   A's DomIQ values; B's DomIQ values only fill gaps unless `domiq_wins`;
 *   `manual_review` keeps A's value and names the field as a conflict;
 * - a field staff locked on A (`manual`) never changes; a value staff locked on B wins over
 *   anything but a lock on A, and stays locked;
 * - every email and phone that loses (A's replaced ones, B's that did not win, B's secondary
 *   values) becomes a secondary value of A;
 * - A's kind is the best status of all the records now linked to it (best of both kinds when
 *   neither has a ResMan record).
 *
 * Unmerge: a field the merge changed goes back to its value (and source) before the merge only
 * if A still holds the value the merge wrote; a field changed since keeps the later value, and
 * a field the merge did not touch is not looked at. B's own row was never changed by the merge
 * (only marked merged away), so it comes back as it was; a person linked by the sync path gets
 * a contact of its own again, made from the values it brought in.
 */
import { isDeepStrictEqual } from "node:util";
import * as z from "zod";
import { searchKeys } from "./blocking.js";
import {
  type Contact,
  type ContactField,
  type ContactKind,
  type ContactValues,
  contactKinds,
  emptySecondary,
  emptyValues,
  type FieldSource,
  type FieldSources,
  type FieldVersions,
  type SecondaryValues,
} from "./contact.js";
import { ContactSyncError } from "./errors.js";
import { kindOfStatuses } from "./normalize.js";
import { type PersonStatus, personStatuses, phoneTypes } from "./person.js";
import {
  contactFields,
  type FieldBefore,
  fieldValue,
  type MergeOutcome,
  type MergeStrategy,
  mergeValues,
  setFieldValue,
  variantOf,
  withDisplaced,
} from "./survivorship.js";
import {
  type ContactWrite,
  contactWrite,
  type LinkEvidence,
  type LinkStatus,
} from "./syncDecision.js";

/** A link of a contact as a merge moves it: a ResMan person's, or a lead's placeholder. */
export interface MergeLink {
  id: string;
  /** The ResMan PersonID; null for a chatbot lead's placeholder (pending until linked). */
  personId: string | null;
  status: LinkStatus;
  resmanStatus: PersonStatus | null;
  matchScore: number | null;
  evidence: LinkEvidence | null;
  sourceHash: string | null;
}

/** A contact with what merging it needs: whether it is live, and its links. */
export interface MergeParty {
  contact: Contact;
  mergedIntoId: string | null;
  links: MergeLink[];
}

/** A link's new owner and state. */
export interface LinkMove {
  id: string;
  /** The contact the link moves to. */
  contactId: string;
  status: LinkStatus;
  evidence: LinkEvidence | null;
  matchScore: number | null;
  /** Kept when unchanged; null makes the person's next sync apply it again. */
  sourceHash: string | null;
}

/** A placeholder link (no ResMan person) a merge removed or an unmerge (re)creates. */
export interface PlaceholderLink {
  /** Null: a new one (the database picks the id). */
  id: string | null;
  contactId: string;
}

/** A review item as a merge of its contacts sees it. */
export interface ReviewPair {
  id: string;
  userId: string;
  candidateId: string;
  status: "open" | "approved" | "rejected" | "superseded";
}

/** What an approval merges, and why. */
export interface ContactMergeInput {
  /** A: the candidate contact, which survives. */
  survivor: MergeParty;
  /** B: the contact created for the record under review, merged away. */
  absorbed: MergeParty;
  strategy: MergeStrategy;
  review: {
    id: string;
    score: number;
    evidence: Record<string, unknown>;
    /** The link of the record under review. */
    linkId: string | null;
    decidedBy: string | null;
  };
  /** Every other review item of the property involving A or B, any status. */
  otherReviews: readonly ReviewPair[];
}

/** The merge history documents, as stored in `contact_merge_history`. */
export interface MergeHistoryDocuments {
  before: MergeOutcome["before"];
  applied: Record<string, unknown>;
  incoming: Record<string, unknown>;
}

export interface ContactMergePlan {
  /** A after the merge. */
  survivor: ContactWrite;
  /** B's links, now A's. */
  links: LinkMove[];
  /** Placeholder links removed: A now has a ResMan person (or already has a placeholder). */
  removedPlaceholders: { id: string; contactId: string }[];
  /** Open review items of B re-pointed to A (the column that named B). */
  movedReviews: { id: string; column: "user_id" | "candidate_id" }[];
  /** Open review items of B closed: A already has an item with the same other contact. */
  supersededReviews: string[];
  /** The link announced and recorded as the merge's link: the reviewed record's, if moved. */
  linkId: string | null;
  personId: string | null;
  changed: ContactField[];
  conflicts: ContactField[];
  locked: ContactField[];
  history: MergeHistoryDocuments;
  /** Identity keys a concurrent sync could read A or B by (see `mergeLockKeys`). */
  lockKeys: string[];
}

/** The ResMan statuses of a contact's links. */
function statusesOf(links: readonly MergeLink[]): PersonStatus[] {
  return links.flatMap((link) => (link.resmanStatus === null ? [] : [link.resmanStatus]));
}

/** Kinds ranked like ResMan statuses (`kindOfStatuses`); a lead has no ResMan record. */
const kindRank: Record<ContactKind, number> = {
  resident: 5,
  applicant: 4,
  prospect: 3,
  former: 2,
  lead: 0,
};

function bestKind(a: ContactKind, b: ContactKind): ContactKind {
  return kindRank[b] > kindRank[a] ? b : a;
}

/** Only the `fields` of `values`; every other field blank. */
function only(values: ContactValues, fields: readonly ContactField[]): ContactValues {
  const part = emptyValues();
  for (const field of fields)
    setFieldValue(part, field, structuredClone(fieldValue(values, field)));
  return part;
}

/**
 * Merges B's values into A's, one pass per source B recorded: DomIQ's, ResMan's, then staff's
 * (a value staff locked on B is applied like a winning ResMan value and stays locked). B is
 * another record of the person (`record: "other"`): its ResMan values replace A's older ones and
 * lose to newer ones (each keeps its record version; undated ones only fill blanks), a
 * DomIQ/ResMan difference follows the strategy, and A keeps its own DomIQ values. Each
 * field belongs to one pass, so `before` always holds A's value before the merge.
 */
export function mergeContactValues(
  survivor: Contact,
  absorbed: Contact,
  strategy: MergeStrategy,
): MergeOutcome {
  const sourceOf = (field: ContactField): FieldSource => absorbed.sources[field] ?? "domiq";
  let result: MergeOutcome = {
    values: structuredClone(survivor.values),
    sources: { ...survivor.sources },
    versions: { ...survivor.versions },
    changed: [],
    restamped: [],
    before: {},
    conflicts: [],
    locked: [],
    displaced: emptySecondary(),
  };
  for (const source of ["domiq", "resman", "manual"] as const) {
    const fields = contactFields.filter((field) => sourceOf(field) === source);
    if (fields.length === 0) continue;
    const step = mergeValues({
      current: result.values,
      sources: result.sources,
      versions: result.versions,
      incoming: only(absorbed.values, fields),
      // B's ResMan values keep their versions: the newer of A's and B's wins (rule 4).
      ...(source === "resman" ? { incomingVersions: absorbed.versions } : {}),
      source: source === "manual" ? "resman" : source,
      strategy: source === "manual" ? "resman_wins" : strategy,
      // B is another record of the person: like a duplicate card on the sync path, it fills
      // A's blanks and settles DomIQ/ResMan differences by the strategy, but does not replace
      // A's values of its own source (they become variants/secondary values below).
      record: source === "manual" ? "same" : "other",
    });
    if (source === "manual") for (const field of step.changed) step.sources[field] = "manual";
    result = {
      values: step.values,
      sources: step.sources,
      versions: step.versions,
      changed: [...result.changed, ...step.changed],
      restamped: [...result.restamped, ...step.restamped],
      before: { ...result.before, ...step.before },
      conflicts: [...result.conflicts, ...step.conflicts],
      locked: [...result.locked, ...step.locked],
      displaced: {
        emails: [...result.displaced.emails, ...step.displaced.emails],
        phones: [...result.displaced.phones, ...step.displaced.phones],
      },
    };
  }
  return result;
}

/** A link as the history keeps it (snake_case, like every document key the history adds). */
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

/** The evidence of a moved ResMan link: matched, with this merge's conflicts and locks. */
function matchedEvidence(
  previous: LinkEvidence | null,
  merged: MergeOutcome,
  best: Record<string, unknown> | null,
): LinkEvidence {
  const { conflicts: _c, locked: _l, ...kept } = previous ?? { linkedBy: "matched" as const };
  const evidence: LinkEvidence = { ...kept, linkedBy: "matched" };
  if (best !== null) {
    evidence.method = "scored";
    evidence.best = best as unknown as NonNullable<LinkEvidence["best"]>;
  }
  if (merged.conflicts.length > 0) evidence.conflicts = merged.conflicts;
  if (merged.locked.length > 0) evidence.locked = merged.locked;
  return evidence;
}

/**
 * The identity keys an approval or unmerge locks (bumps): every blocking key of the contacts
 * involved, before and after, and the PersonID of every link it moves. A concurrent sync that
 * read any of these contacts by a key, or the person's link, then fails its guarded write (or
 * waits, in the locking transaction) and reads again.
 */
export function mergeLockKeys(
  contacts: readonly { blockKeys: readonly string[] }[],
  personIds: readonly (string | null)[],
): string[] {
  const keys = new Set<string>();
  for (const contact of contacts) {
    for (const block of searchKeys(contact.blockKeys)) keys.add(`block:${block}`);
  }
  for (const personId of personIds) if (personId !== null) keys.add(`person:${personId}`);
  return [...keys].sort();
}

/**
 * Plans the approval of a review item: B merged into A. Review items: B's other open items are
 * re-pointed to A, or closed as `superseded` when A already has an item with the same contact
 * (one item per pair); decided items keep naming B, as history.
 */
export function mergeContacts(input: ContactMergeInput): ContactMergePlan {
  const { survivor: a, absorbed: b, review } = input;
  const merged = mergeContactValues(a.contact, b.contact, input.strategy);
  const kind = kindOfStatuses(
    [...statusesOf(a.links), ...statusesOf(b.links)],
    bestKind(a.contact.kind, b.contact.kind),
  );
  // B's secondary values are A's now too (still found by them); `contactWrite` adds them with
  // the displaced ones, never duplicating A's current values.
  const survivor = contactWrite(
    a.contact.id,
    a.contact,
    {
      ...merged,
      displaced: {
        emails: [...merged.displaced.emails, ...b.contact.secondary.emails],
        phones: [...merged.displaced.phones, ...b.contact.secondary.phones],
        // How B's records wrote the person stays findable and scorable on A, each record as a
        // whole; B's own values only when B has no record variants (a lead, a contact from
        // before variants were kept): B's values mix its records' values.
        variants: [
          ...(b.contact.secondary.variants ?? []),
          ...((b.contact.secondary.variants ?? []).some((v) => v.version !== undefined)
            ? []
            : [variantOf(b.contact.values)]),
        ],
      },
    },
    kind,
  );

  const aHasPerson = a.links.some((link) => link.personId !== null);
  const bHasPerson = b.links.some((link) => link.personId !== null);
  const aHasPlaceholder = a.links.some((link) => link.personId === null);
  const links: LinkMove[] = [];
  const removedPlaceholders: { id: string; contactId: string }[] = [];
  for (const link of b.links) {
    if (link.personId === null) {
      // A contact keeps a placeholder only while no ResMan person is linked, and needs one.
      if (aHasPerson || bHasPerson || aHasPlaceholder) {
        removedPlaceholders.push({ id: link.id, contactId: b.contact.id });
      } else {
        links.push({
          id: link.id,
          contactId: a.contact.id,
          status: link.status,
          evidence: link.evidence,
          matchScore: link.matchScore,
          sourceHash: link.sourceHash,
        });
      }
      continue;
    }
    const reviewed = link.id === review.linkId;
    links.push({
      id: link.id,
      contactId: a.contact.id,
      status:
        link.status === "failed" ? "failed" : merged.conflicts.length > 0 ? "pending" : "merged",
      evidence: matchedEvidence(link.evidence, merged, reviewed ? review.evidence : null),
      matchScore: reviewed ? review.score : link.matchScore,
      sourceHash: link.sourceHash,
    });
  }
  if (bHasPerson && !aHasPerson) {
    for (const link of a.links) {
      if (link.personId === null)
        removedPlaceholders.push({ id: link.id, contactId: a.contact.id });
    }
  }

  // B's open items: re-pointed to A unless A already has an item with that contact.
  const pairedWithA = new Set<string>();
  for (const other of input.otherReviews) {
    if (other.id === review.id) continue;
    if (other.userId === a.contact.id) pairedWithA.add(other.candidateId);
    if (other.candidateId === a.contact.id) pairedWithA.add(other.userId);
  }
  const movedReviews: ContactMergePlan["movedReviews"] = [];
  const supersededReviews: string[] = [];
  for (const other of [...input.otherReviews].sort((x, y) => (x.id < y.id ? -1 : 1))) {
    if (other.id === review.id || other.status !== "open") continue;
    const column =
      other.userId === b.contact.id
        ? "user_id"
        : other.candidateId === b.contact.id
          ? "candidate_id"
          : null;
    if (column === null) continue;
    const counterpart = column === "user_id" ? other.candidateId : other.userId;
    if (counterpart === a.contact.id || pairedWithA.has(counterpart)) {
      supersededReviews.push(other.id);
    } else {
      movedReviews.push({ id: other.id, column });
      pairedWithA.add(counterpart);
    }
  }

  const reviewedLink = b.links.find((link) => link.id === review.linkId && link.personId !== null);
  return {
    survivor,
    links,
    removedPlaceholders,
    movedReviews,
    supersededReviews,
    linkId: reviewedLink?.id ?? null,
    personId: reviewedLink?.personId ?? null,
    changed: merged.changed,
    conflicts: merged.conflicts,
    locked: merged.locked,
    history: {
      before: merged.before,
      applied: {
        fields: [...merged.changed, ...merged.restamped],
        secondary_before: a.contact.secondary,
        kind_before: a.contact.kind,
        review_id: review.id,
        decided_by: review.decidedBy,
        // The adapter adds each removed row's timestamps, so an unmerge puts it back as it was.
        placeholders_removed: removedPlaceholders.map((p) => ({
          id: p.id,
          contact_id: p.contactId,
        })),
        reviews_moved: movedReviews,
      },
      incoming: {
        values: b.contact.values,
        sources: b.contact.sources,
        secondary: b.contact.secondary,
        kind: b.contact.kind,
        links: b.links.map(storedLink),
      },
    },
    lockKeys: mergeLockKeys(
      [a.contact, b.contact, survivor],
      b.links.map((link) => link.personId),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// The merge history, as read back

const phoneSchema = z.object({ raw: z.string(), e164: z.string() });
const secondarySchema = z.object({
  emails: z.array(z.string()).default([]),
  phones: z.array(phoneSchema).default([]),
});
const valuesSchema = z.object({
  firstName: z.string().nullable().default(null),
  middleName: z.string().nullable().default(null),
  lastName: z.string().nullable().default(null),
  email: z.string().nullable().default(null),
  phones: z.partialRecord(z.enum(phoneTypes), phoneSchema).default({}),
  dateOfBirth: z.string().nullable().default(null),
  address: z
    .object({
      line1: z.string().nullable(),
      line2: z.string().nullable(),
      city: z.string().nullable(),
      state: z.string().nullable(),
      postalCode: z.string().nullable(),
    })
    .nullable()
    .default(null),
  isDependent: z.boolean().nullable().default(null),
});
const fieldSchema = z.enum(contactFields as [ContactField, ...ContactField[]]);
const sourceSchema = z.enum(["resman", "domiq", "manual"]);
const versionSchema = z.object({
  record: z.string(),
  at: z.string().nullable(),
  digest: z.string(),
});
const storedLinkSchema = z.object({
  id: z.string(),
  person_id: z.string().nullable(),
  status: z.enum(["pending", "success", "failed", "merged"]),
  resman_status: z.enum(personStatuses).nullable(),
  match_score: z.number().nullable(),
  evidence: z.record(z.string(), z.unknown()).nullable(),
  source_hash: z.string().nullable(),
});
const historySchema = z.object({
  before: z.partialRecord(
    fieldSchema,
    z.object({
      value: z.unknown(),
      source: sourceSchema.nullable(),
      // Merges recorded before field versions were kept have none.
      version: versionSchema.nullable().default(null),
    }),
  ),
  applied: z.object({
    fields: z.array(fieldSchema),
    secondary_before: secondarySchema.default(emptySecondary()),
    kind_before: z.enum(contactKinds).nullable().default(null),
    review_id: z.string().nullable().default(null),
    placeholders_removed: z
      .array(
        z.object({
          id: z.string(),
          contact_id: z.string(),
          created_at: z.string().nullable().default(null),
          last_sync_at: z.string().nullable().default(null),
        }),
      )
      .default([]),
    reviews_moved: z
      .array(z.object({ id: z.string(), column: z.enum(["user_id", "candidate_id"]) }))
      .default([]),
  }),
  incoming: z.object({
    values: valuesSchema,
    // A person link records its source as one string ("resman"); a contact its field sources.
    sources: z.union([sourceSchema, z.partialRecord(fieldSchema, sourceSchema)]),
    secondary: secondarySchema.default(emptySecondary()),
    links: z.array(storedLinkSchema).default([]),
    enrichments: z.array(z.string()).default([]),
  }),
});

/** A `contact_merge_history` row as stored. */
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
  /** A: the contact that received the merge. */
  userId: string;
  /** B, for a merge of two contacts; null for a person linked by the sync path. */
  mergedUserId: string | null;
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
  reviewsMoved: { id: string; column: "user_id" | "candidate_id" }[];
  /** What the merge brought in: the person's values, or B's values and secondary values. */
  incomingValues: ContactValues;
  incomingSecondary: SecondaryValues;
  /** B's links as they were before the merge (a merge of two contacts). */
  incomingLinks: MergeLink[];
  /** Enrichment log rows of B the merge moved to A. */
  enrichments: string[];
  revertedAt: Date | null;
}

/** A history row whose documents are not what a merge writes (edited by hand?). */
export class MergeHistoryUnreadableError extends ContactSyncError {
  readonly retryable = false;
  readonly code = "merge_history_unreadable";

  constructor(
    readonly mergeId: string,
    readonly paths: string[],
  ) {
    super(`merge ${mergeId} has an unreadable history (at ${paths.join(", ") || "the root"})`);
  }
}

/** Validates a history row's documents (paths in errors, never values). */
export function parseMergeHistory(row: MergeHistoryRow): MergeHistory {
  const parsed = historySchema.safeParse({
    before: row.before,
    applied: row.applied,
    incoming: row.incoming ?? {},
  });
  if (!parsed.success) {
    throw new MergeHistoryUnreadableError(
      row.id,
      parsed.error.issues.map((issue) => issue.path.join(".")),
    );
  }
  const { before, applied, incoming } = parsed.data;
  return {
    id: row.id,
    propertyId: row.propertyId,
    userId: row.userId,
    mergedUserId: row.mergedUserId,
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
    reviewsMoved: applied.reviews_moved,
    incomingValues: incoming.values as ContactValues,
    incomingSecondary: incoming.secondary,
    incomingLinks: incoming.links.map((link) => ({
      id: link.id,
      personId: link.person_id,
      status: link.status,
      resmanStatus: link.resman_status,
      matchScore: link.match_score,
      evidence: link.evidence as LinkEvidence | null,
      sourceHash: link.source_hash,
    })),
    enrichments: incoming.enrichments,
    revertedAt: row.revertedAt,
  };
}

// ---------------------------------------------------------------------------------------------
// Unmerge

const emailKey = (email: string) => email.toLowerCase();

/**
 * A's secondary values after an unmerge: those it had before the merge, then those added since
 * that did not come in with the merge (values B or the person brought go with them), never its
 * current values. Variants: A's, without those of the records that leave (`leaving`: their
 * PersonIDs) and without B's own values.
 */
export function restoredSecondary(
  now: SecondaryValues,
  before: SecondaryValues,
  incoming: { values: ContactValues; secondary: SecondaryValues },
  current: ContactValues,
  leaving: ReadonlySet<string> = new Set(),
): SecondaryValues {
  const hadEmail = new Set(before.emails.map(emailKey));
  const hadPhone = new Set(before.phones.map((p) => p.e164));
  const broughtEmails = new Set(
    [incoming.values.email, ...incoming.secondary.emails].flatMap((e) =>
      e === null ? [] : [emailKey(e)],
    ),
  );
  const broughtPhones = new Set(
    [...Object.values(incoming.values.phones), ...incoming.secondary.phones].map((p) => p.e164),
  );
  const broughtValues = variantOf(incoming.values);
  return withDisplaced(
    emptySecondary(),
    {
      emails: [
        ...before.emails,
        ...now.emails.filter((e) => !hadEmail.has(emailKey(e)) && !broughtEmails.has(emailKey(e))),
      ],
      phones: [
        ...before.phones,
        ...now.phones.filter((p) => !hadPhone.has(p.e164) && !broughtPhones.has(p.e164)),
      ],
      variants: (now.variants ?? []).filter((variant) =>
        variant.version === undefined
          ? !isDeepStrictEqual(variant, broughtValues)
          : !leaving.has(variant.version.record),
      ),
    },
    current,
  );
}

export interface RestoredSurvivor {
  values: ContactValues;
  sources: FieldSources;
  versions: FieldVersions;
  secondary: SecondaryValues;
  /** Fields set back to their value before the merge. */
  restored: ContactField[];
  /** Fields the merge changed that were changed again since: they keep the later value. */
  kept: ContactField[];
}

/**
 * A's values after undoing `merge`: the restore rule of this module's header. `leaving`: the
 * PersonIDs of the records that leave A (their variants go with them).
 */
export function restoreSurvivor(
  current: Contact,
  merge: MergeHistory,
  leaving: ReadonlySet<string> = new Set(),
): RestoredSurvivor {
  const values = structuredClone(current.values);
  const sources: FieldSources = { ...current.sources };
  const versions: FieldVersions = { ...current.versions };
  const restored: ContactField[] = [];
  const kept: ContactField[] = [];
  for (const field of merge.fields) {
    const before = merge.before[field];
    const applied = fieldValue(merge.incomingValues, field);
    // Still what the merge wrote: the same value, from a record that leaves (a later version
    // of A's own records saying the same thing makes it A's again).
    const version = versions[field];
    if (
      before === undefined ||
      !isDeepStrictEqual(fieldValue(values, field), applied) ||
      (version !== undefined && leaving.size > 0 && !leaving.has(version.record))
    ) {
      kept.push(field);
      continue;
    }
    setFieldValue(values, field, structuredClone(before.value ?? null));
    if (before.source === null) delete sources[field];
    else sources[field] = before.source;
    if (before.version === null || before.version === undefined) delete versions[field];
    else versions[field] = before.version;
    restored.push(field);
  }
  const secondary = restoredSecondary(
    current.secondary,
    merge.secondaryBefore,
    { values: merge.incomingValues, secondary: merge.incomingSecondary },
    values,
    leaving,
  );
  return { values, sources, versions, secondary, restored, kept };
}

/** A contact write of given values, sources and secondary values. */
function writeOf(
  id: string,
  existing: Contact | null,
  restored: Pick<RestoredSurvivor, "values" | "sources" | "versions" | "secondary">,
  kind: ContactKind,
): ContactWrite {
  const base = existing === null ? null : { ...existing, secondary: restored.secondary };
  return contactWrite(
    id,
    base,
    {
      values: restored.values,
      sources: restored.sources,
      versions: restored.versions,
      changed: [],
      restamped: [],
      before: {},
      conflicts: [],
      locked: [],
      displaced: emptySecondary(),
    },
    kind,
  );
}

export interface UnmergeInput {
  merge: MergeHistory;
  /** A, now. */
  survivor: MergeParty;
  /** B, now (a merge of two contacts); null for a person link. */
  absorbed: MergeParty | null;
  /** Id of the contact a person link gets (a person link only). */
  newContactId: string;
  strategy: MergeStrategy;
}

export interface UnmergePlan {
  survivor: ContactWrite;
  restored: ContactField[];
  kept: ContactField[];
  /** B again (`merged_into_id` cleared), or the new contact of the person. */
  split: { kind: "contact"; contactId: string } | { kind: "person"; contact: ContactWrite };
  /** Links going back to B, or the person's link to its new contact. */
  links: LinkMove[];
  /** Links of B the merge moved that are no longer A's (moved or deleted since): left alone. */
  missingLinks: string[];
  /** Placeholders to (re)create: for a contact left without any link. */
  placeholders: PlaceholderLink[];
  /** The link announced: the merge's link, when it went back. */
  link: LinkMove | null;
  lockKeys: string[];
}

/**
 * A review decision or an unmerge refused as asked (unknown id, an item already decided,
 * nothing to undo, or a state that changed since the merge). Nothing was written; the message
 * names ids only.
 */
export class MergeRefusedError extends ContactSyncError {
  readonly retryable = false;
  readonly code = "merge_refused";
}

/**
 * Plans the undoing of `merge`. A merge of two contacts: A's fields restored by the rule above,
 * B live again with its links back in their previous status and evidence (a link whose person
 * synced while merged gets no source hash, so that version is applied to B on its next sync),
 * B's enrichments back, placeholders back for a contact left without a ResMan person. A person
 * link: a new contact from the values the person brought in (kind from its ResMan status), the
 * link moved to it as `success` / `created` (without a source hash, so the person's next sync
 * brings it up to date), A's fields restored.
 */
export function planUnmerge(input: UnmergeInput): UnmergePlan {
  const { merge, survivor: a, absorbed: b } = input;
  // The records that leave A: the person's, or B's.
  const leaving = new Set(
    merge.mergedUserId === null
      ? merge.personId === null
        ? []
        : [merge.personId]
      : merge.incomingLinks.flatMap((l) => (l.personId === null ? [] : [l.personId])),
  );
  const back = restoreSurvivor(a.contact, merge, leaving);
  const onA = new Map(a.links.map((link) => [link.id, link]));
  const links: LinkMove[] = [];
  const missingLinks: string[] = [];
  const placeholders: PlaceholderLink[] = [];
  let split: UnmergePlan["split"];
  let link: LinkMove | null = null;

  if (merge.mergedUserId !== null) {
    if (b === null || b.contact.id !== merge.mergedUserId) {
      throw new MergeRefusedError(`contact ${merge.mergedUserId} no longer exists`);
    }
    split = { kind: "contact", contactId: b.contact.id };
    let bHasPerson = b.links.some((l) => l.personId !== null);
    const removed: PlaceholderLink[] = [];
    for (const previous of merge.incomingLinks) {
      const current = onA.get(previous.id);
      if (current === undefined) {
        // A placeholder the merge removed comes back if B has no ResMan person.
        if (previous.personId === null) removed.push({ id: previous.id, contactId: b.contact.id });
        else missingLinks.push(previous.id);
        continue;
      }
      if (previous.personId !== null) bHasPerson = true;
      const move: LinkMove = {
        id: previous.id,
        contactId: b.contact.id,
        status: previous.status,
        evidence: previous.evidence,
        matchScore: previous.matchScore,
        sourceHash: current.sourceHash === previous.sourceHash ? previous.sourceHash : null,
      };
      links.push(move);
      if (previous.id === merge.linkId) link = move;
    }
    if (!bHasPerson && !b.links.some((l) => l.personId === null)) {
      placeholders.push(...removed.slice(0, 1));
    }
  } else {
    const personLink = merge.linkId === null ? undefined : onA.get(merge.linkId);
    if (personLink === undefined) {
      throw new MergeRefusedError(
        `the link of merge ${merge.id} is no longer on contact ${merge.userId}`,
      );
    }
    // Without versions: the link loses its source hash below, so the person's next delivery
    // is applied in full and brings its versions (and its record variant) with it.
    const created = mergeValues({
      current: emptyValues(),
      sources: {},
      incoming: merge.incomingValues,
      source: "resman",
      strategy: input.strategy,
    });
    const contact = contactWrite(
      input.newContactId,
      null,
      created,
      kindOfStatuses(statusesOf([personLink]), "prospect"),
    );
    split = { kind: "person", contact };
    link = {
      id: personLink.id,
      contactId: contact.id,
      status: "success",
      evidence: { linkedBy: "created" },
      matchScore: null,
      sourceHash: null,
    };
    links.push(link);
  }

  const moved = new Set(links.map((l) => l.id));
  const remaining = a.links.filter((l) => !moved.has(l.id));
  const aHasPerson = remaining.some((l) => l.personId !== null);
  if (!aHasPerson && !remaining.some((l) => l.personId === null)) {
    // A placeholder the merge removed comes back as it was (approvals and sync-path merges
    // record it). A contact left without any link whose merge recorded none was still a lead,
    // and gets a new one.
    const removed = merge.placeholdersRemoved.find((p) => p.contactId === a.contact.id);
    if (removed !== undefined) placeholders.push({ id: removed.id, contactId: a.contact.id });
    else if (merge.mergedUserId === null) placeholders.push({ id: null, contactId: a.contact.id });
  }
  // The kind follows the ResMan records left; without any, A is what it was before (a lead,
  // for a person link: a contact without ResMan records is a chatbot lead).
  const statuses = statusesOf(remaining);
  const kind =
    statuses.length > 0
      ? kindOfStatuses(statuses, a.contact.kind)
      : aHasPerson
        ? a.contact.kind
        : (merge.kindBefore ?? "lead");
  const survivor = writeOf(a.contact.id, a.contact, back, kind);
  const contacts: { blockKeys: readonly string[] }[] = [a.contact, survivor];
  if (b !== null) contacts.push(b.contact);
  if (split.kind === "person") contacts.push(split.contact);
  return {
    survivor,
    restored: back.restored,
    kept: back.kept,
    split,
    links,
    missingLinks,
    placeholders,
    link,
    lockKeys: mergeLockKeys(
      contacts,
      links.map((l) => onA.get(l.id)?.personId ?? null),
    ),
  };
}
