/**
 * Merging two contacts: the plan of an approved review item, a pure function over the two
 * contacts, their links and the review items naming them. The plan's history documents
 * (`mergeHistory.ts`) are what an unmerge (`unmergePlan.ts`) reads back: each field, link,
 * placeholder and variant a merge moves must be put back from what the history recorded.
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
 */
import {
  type Contact,
  type ContactField,
  type ContactKind,
  type ContactValues,
  copyValues,
  emptyValues,
  type FieldSource,
} from "./contact.js";
import { mergeLockKeys } from "./lockKeys.js";
import { contactMergeDocuments, type MergeHistoryDocuments } from "./mergeHistory.js";
import {
  type LinkMove,
  type MergeParty,
  type MovedReview,
  type ReviewPair,
  type ReviewSide,
  statusesOf,
} from "./mergeParties.js";
import { kindOfStatuses } from "./normalize.js";
import {
  contactFields,
  fieldValue,
  type MergeOutcome,
  type MergeStrategy,
  mergeValues,
  setFieldValue,
  unchangedOutcome,
  variantOf,
} from "./survivorship.js";
import { type ContactWrite, contactWrite, type LinkEvidence } from "./syncDecision.js";

/** What an approval merges, and why. */
export interface ContactMergeInput {
  /**
   * A: the contact that survives — the candidate, unless the reviewer chose to keep the
   * record's contact (then the reviewed record's link is A's own, and only its status changes).
   */
  survivor: MergeParty;
  /** B: the contact merged away (the record's contact, or the candidate when swapped). */
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

export interface ContactMergePlan {
  /** A after the merge. */
  survivor: ContactWrite;
  /** B, merged away. */
  absorbedId: string;
  /** B's links, now A's. */
  links: LinkMove[];
  /** The reviewed record's link when it is A's own (the reviewer kept the record's contact). */
  reviewedLink: LinkMove | null;
  /** Placeholder links removed: A now has a ResMan person (or already has a placeholder). */
  removedPlaceholders: { id: string; contactId: string }[];
  /** Open review items of B re-pointed to A (and which of their contacts named B). */
  movedReviews: MovedReview[];
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
  let result = unchangedOutcome({
    values: copyValues(survivor.values),
    sources: { ...survivor.sources },
    versions: { ...survivor.versions },
  });
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
  const movedReviews: MovedReview[] = [];
  const supersededReviews: string[] = [];
  for (const other of [...input.otherReviews].sort((x, y) => (x.id < y.id ? -1 : 1))) {
    if (other.id === review.id || other.status !== "open") continue;
    const side: ReviewSide | null =
      other.userId === b.contact.id
        ? "userId"
        : other.candidateId === b.contact.id
          ? "candidateId"
          : null;
    if (side === null) continue;
    const counterpart = side === "userId" ? other.candidateId : other.userId;
    if (counterpart === a.contact.id || pairedWithA.has(counterpart)) {
      supersededReviews.push(other.id);
    } else {
      movedReviews.push({ id: other.id, side });
      pairedWithA.add(counterpart);
    }
  }

  // The reviewer kept the record's contact: its reviewed link stays, no longer waiting.
  const ownReviewed = a.links.find((link) => link.id === review.linkId && link.personId !== null);
  const reviewedMove: LinkMove | null =
    ownReviewed === undefined
      ? null
      : {
          id: ownReviewed.id,
          contactId: a.contact.id,
          status:
            ownReviewed.status === "failed"
              ? "failed"
              : merged.conflicts.length > 0
                ? "pending"
                : "merged",
          evidence: matchedEvidence(ownReviewed.evidence, merged, review.evidence),
          matchScore: review.score,
          sourceHash: ownReviewed.sourceHash,
        };
  const reviewedLink =
    b.links.find((link) => link.id === review.linkId && link.personId !== null) ?? ownReviewed;
  return {
    survivor,
    absorbedId: b.contact.id,
    links,
    reviewedLink: reviewedMove,
    removedPlaceholders,
    movedReviews,
    supersededReviews,
    linkId: reviewedLink?.id ?? null,
    personId: reviewedLink?.personId ?? null,
    changed: merged.changed,
    conflicts: merged.conflicts,
    locked: merged.locked,
    history: contactMergeDocuments({
      merged,
      survivor: a.contact,
      absorbed: b,
      reviewId: review.id,
      decidedBy: review.decidedBy,
      removedPlaceholders,
      movedReviews,
      reviewedLinkBefore: ownReviewed ?? null,
    }),
    lockKeys: mergeLockKeys(
      [a.contact, b.contact, survivor],
      [...b.links, ...(ownReviewed === undefined ? [] : [ownReviewed])].map((l) => l.personId),
    ),
  };
}
