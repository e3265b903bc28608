/**
 * The decision at the heart of the sync path, as a pure function: given a normalised ResMan
 * person, its existing link (if any) and the contacts it could belong to, say what to write.
 *
 * Version order (design §6 invariants 1, 3 and 11): a person version is `(last_modified,
 * digest)`. A version equal to the one last applied is a replay and changes nothing. An older
 * one is stale: it never replaces a newer value, and the link keeps the newest version, but its
 * values still fill what no newer version gave (a blank never overwrites, so the newer version
 * arriving second would have kept them too) and are kept as secondary values — so the contact
 * ends the same whatever order the versions arrive in. Two different versions with the same
 * `last_modified` are ordered by digest. A version without `last_modified` (a file import) is
 * applied whenever its content differs.
 *
 * Every ResMan value remembers the record version it came from (`FieldVersion`), and the
 * newest version wins field by field across all the person's records (`survivorship.ts`).
 *
 * Over 400 lines as one thing: the three paths of one decision (update, create, merge) and the
 * writes they return share the version order and survivorship calls, kept side by side.
 */
import { isDeepStrictEqual } from "node:util";
import { blockingKeys } from "./blocking.js";
import type {
  Contact,
  ContactKind,
  ContactValues,
  FieldSources,
  FieldVersion,
  FieldVersions,
  MatchKeys,
  RecordVariant,
  SecondaryValues,
} from "./contact.js";
import { emptySecondary, emptyValues } from "./contact.js";
import { type MatchEvidence, type Matcher, type MatchResult, scoredMatcher } from "./matching.js";
import { kindOfStatuses, matchKeysOf, type NormalisedPerson } from "./normalize.js";
import type { PersonStatus } from "./person.js";
import type { MatchingCriteria } from "./rules.js";
import type { ScoreEvidence } from "./scoring.js";
import {
  type FieldSupport,
  type MergeOutcome,
  type MergeStrategy,
  mergeValues,
  supportAmong,
  variantOf,
  withDisplaced,
  withVariant,
} from "./survivorship.js";

export type LinkStatus = "pending" | "success" | "failed" | "merged";

/** The current link of a person, as stored. */
export interface LinkState {
  id: string;
  contactId: string;
  status: LinkStatus;
  sourceUpdatedAt: Date | null;
  sourceHash: string | null;
  /** ResMan's status of the person in the version last applied. */
  resmanStatus: PersonStatus | null;
  matchScore: number | null;
  evidence: LinkEvidence | null;
}

/** How a link was made: the person created its contact, or matched an existing one. */
export function linkedByOf(link: Pick<LinkState, "status" | "evidence">): LinkEvidence["linkedBy"] {
  return link.evidence?.linkedBy ?? (link.status === "merged" ? "matched" : "created");
}

/**
 * Evidence stored with a link: how it was matched and what survivorship kept. `linkedBy`:
 * `created` (the person's own contact), `matched` (linked to a contact that existed), `review`
 * (the person's own contact while a review item proposes merging it into another).
 */
export interface LinkEvidence extends Partial<MatchEvidence> {
  linkedBy: "created" | "matched" | "review";
  conflicts?: string[];
  locked?: string[];
}

export interface ContactWrite {
  id: string;
  isNew: boolean;
  kind: ContactKind;
  values: ContactValues;
  sources: FieldSources;
  versions: FieldVersions;
  keys: MatchKeys;
  /** Blocking keys of the values and secondary values (`blocking.ts`). */
  blockKeys: string[];
  secondary: SecondaryValues;
  /** Whether the contact row needs writing at all. */
  changed: boolean;
}

/** A review item proposing to merge a new contact into an existing one. */
export interface ReviewWrite {
  candidateId: string;
  score: number;
  evidence: ScoreEvidence;
}

/** The review item a match in the review band proposes (its best candidate), else null. */
export function reviewProposal(match: MatchResult): ReviewWrite | null {
  return match.outcome === "review" && match.contact !== null && match.evidence.best !== null
    ? {
        candidateId: match.contact.id,
        score: match.evidence.best.score,
        evidence: match.evidence.best,
      }
    : null;
}

export interface LinkWrite {
  /** Existing link id, or null for a new link. */
  id: string | null;
  personId: string;
  status: LinkStatus;
  resmanStatus: PersonStatus;
  sourceUpdatedAt: Date | null;
  sourceHash: string;
  matchScore: number | null;
  evidence: LinkEvidence;
}

export interface MergeRecord {
  before: MergeOutcome["before"];
  applied: string[];
  /** The person's values as they came in: what an unmerge gives the person's own contact. */
  incoming: ContactValues;
  /** The contact's secondary values and kind before the merge. */
  secondaryBefore: SecondaryValues;
  kindBefore: ContactKind;
  score: number | null;
  evidence: LinkEvidence;
}

export type SyncDecision =
  | { action: "unchanged"; reason: "replay" | "stale"; contactId: string; linkId: string }
  | { action: "create"; contact: ContactWrite; link: LinkWrite; review: ReviewWrite | null }
  | { action: "update"; contact: ContactWrite; link: LinkWrite }
  | { action: "merge"; contact: ContactWrite; link: LinkWrite; merge: MergeRecord };

export interface SyncDecisionInput {
  person: NormalisedPerson;
  /** Digest of the person as received (see `personDigest`). */
  digest: string;
  link: LinkState | null;
  /** The linked contact and the candidates sharing a key with the person. */
  contacts: readonly Contact[];
  strategy: MergeStrategy;
  /** Id for a contact this decision creates. */
  newContactId: string;
  /** The property's matching criteria (defaults when absent); ignored when `matcher` is given. */
  criteria?: MatchingCriteria;
  /** The person's blocking keys too common to read their holders (`SyncSnapshot.commonKeys`). */
  commonKeys?: readonly string[] | undefined;
  /** How many contacts hold each of the person's counted keys (`SyncSnapshot.keyCounts`). */
  keyCounts?: Readonly<Record<string, number>> | undefined;
  matcher?: Matcher;
}

/** Whether a person version must not be applied over the link's current version. */
export function skipReason(
  link: Pick<LinkState, "sourceHash" | "sourceUpdatedAt">,
  digest: string,
  lastModified: Date | null,
): "replay" | "stale" | null {
  if (link.sourceHash === digest) return "replay";
  if (lastModified === null || link.sourceUpdatedAt === null) return null;
  const diff = lastModified.getTime() - link.sourceUpdatedAt.getTime();
  if (diff < 0) return "stale";
  if (diff === 0 && link.sourceHash !== null && digest < link.sourceHash) return "stale";
  return null;
}

function newestOf(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

/**
 * The contact's field versions, where a ResMan value without one (written before versions were
 * kept) takes the version its link last applied: what a newer or older version of the same
 * record is compared with.
 */
function withLinkVersion(contact: Contact, link: LinkState, personId: string): FieldVersions {
  const versions: FieldVersions = { ...contact.versions };
  const fallback: FieldVersion = {
    record: personId,
    at: link.sourceUpdatedAt?.toISOString() ?? null,
    digest: link.sourceHash ?? "",
  };
  for (const [field, source] of Object.entries(contact.sources)) {
    if (source !== "resman") continue;
    versions[field as keyof FieldVersions] ??= fallback;
  }
  return versions;
}

/** How many of the contact's records carry a value, once `variant` is its record's variant. */
function supportWith(contact: Contact, variant: RecordVariant): FieldSupport {
  return supportAmong(withVariant(contact.secondary.variants ?? [], variant));
}

/** The version of a person's values, as each field they give will remember it. */
export function personVersion(person: NormalisedPerson, digest: string): FieldVersion {
  return {
    record: person.personId,
    at: person.lastModified?.toISOString() ?? null,
    digest,
  };
}

/** Decides how to sync one person. Pure: same input, same decision. */
export function decideSync(input: SyncDecisionInput): SyncDecision {
  const { person, link, strategy, digest } = input;
  const linked = link === null ? undefined : input.contacts.find((c) => c.id === link.contactId);

  const version = personVersion(person, digest);
  if (link !== null && linked !== undefined) {
    const skip = skipReason(link, digest, person.lastModified);
    if (skip === "replay") {
      return { action: "unchanged", reason: skip, contactId: linked.id, linkId: link.id };
    }
    const variant = variantOf(person.values, version);
    const merged = mergeValues({
      current: linked.values,
      sources: linked.sources,
      versions: withLinkVersion(linked, link, person.personId),
      incoming: person.values,
      source: "resman",
      strategy,
      version,
      support: supportWith(linked, variant),
    });
    merged.displaced.variants = [variant];
    if (skip === "stale") {
      // An older version: the link keeps the newest one (and its status); the contact takes
      // only what no newer version gave. Nothing new: nothing to write.
      const status = link.resmanStatus ?? person.status;
      const contact = contactWrite(linked.id, linked, merged, kindWith(linked, status, person));
      if (!contact.changed) {
        return { action: "unchanged", reason: skip, contactId: linked.id, linkId: link.id };
      }
      return {
        action: "update",
        contact,
        link: {
          id: link.id,
          personId: person.personId,
          status: link.status,
          resmanStatus: status,
          sourceUpdatedAt: link.sourceUpdatedAt,
          sourceHash: link.sourceHash ?? digest,
          matchScore: link.matchScore,
          evidence: link.evidence ?? { linkedBy: linkedByOf(link) },
        },
      };
    }
    const linkedBy = linkedByOf(link);
    const { conflicts: _conflicts, locked: _locked, ...kept } = link.evidence ?? { linkedBy };
    return {
      action: "update",
      contact: contactWrite(linked.id, linked, merged, kindWith(linked, person.status, person)),
      link: {
        id: link.id,
        personId: person.personId,
        status: statusAfter(linkedBy, merged),
        resmanStatus: person.status,
        sourceUpdatedAt: newestOf(link.sourceUpdatedAt, person.lastModified),
        sourceHash: digest,
        matchScore: link.matchScore,
        evidence: survivorshipEvidence({ ...kept, linkedBy }, merged),
      },
    };
  }

  const candidates = input.contacts.filter((c) => c.id !== link?.contactId);
  const matcher = input.matcher ?? scoredMatcher(input.criteria);
  const match = matcher(person.values, candidates, {
    commonKeys: input.commonKeys,
    keyCounts: input.keyCounts,
  });
  // A link whose contact vanished (deleted by DomIQ) is re-pointed rather than duplicated.
  const linkId = link?.id ?? null;

  if (match.contact === null || match.outcome !== "merge") {
    const merged = mergeValues({
      current: emptyValues(),
      sources: {},
      incoming: person.values,
      source: "resman",
      strategy,
      version,
    });
    merged.displaced.variants = [variantOf(person.values, version)];
    // Review band: the person gets its own contact, pending, and a reviewer gets the pair. Never
    // merged transitively: the new contact is only ever merged by an approval.
    const review = reviewProposal(match);
    const evidence: LinkEvidence = {
      linkedBy: review === null ? "created" : "review",
      ...match.evidence,
    };
    return {
      action: "create",
      contact: contactWrite(input.newContactId, null, merged, person.kind),
      link: linkWrite(
        linkId,
        person,
        digest,
        review === null ? "success" : "pending",
        review?.score ?? null,
        evidence,
      ),
      review,
    };
  }

  // Another ResMan record matched to the contact: its values replace older ResMan values and
  // lose to newer ones, field by field (`record: "other"`: undated, it only fills blanks unless
  // more of the person's records carry its value, `support`). A
  // card with first and last name swapped brings neither: written onto the contact they would
  // make it look like the household member whose first name is the family name.
  const incoming = match.evidence.best?.swapped_names
    ? { ...person.values, firstName: null, lastName: null }
    : person.values;
  const variant = variantOf(incoming, version);
  const merged = mergeValues({
    current: match.contact.values,
    sources: match.contact.sources,
    versions: match.contact.versions,
    incoming,
    source: "resman",
    strategy,
    version,
    record: "other",
    support: supportWith(match.contact, variant),
  });
  // How this record wrote the person stays findable and scorable, as a whole.
  merged.displaced.variants = [variant];
  const evidence = survivorshipEvidence({ linkedBy: "matched", ...match.evidence }, merged);
  return {
    action: "merge",
    contact: contactWrite(
      match.contact.id,
      match.contact,
      merged,
      kindWith(match.contact, person.status, person),
    ),
    link: linkWrite(linkId, person, digest, statusAfter("matched", merged), match.score, evidence),
    merge: {
      before: merged.before,
      applied: [...merged.changed, ...merged.restamped],
      incoming: person.values,
      secondaryBefore: match.contact.secondary,
      kindBefore: match.contact.kind,
      score: match.score,
      evidence,
    },
  };
}

/**
 * The contact's kind once this person is linked to it with `status`: the best status of all
 * its records.
 */
function kindWith(contact: Contact, status: PersonStatus, person: NormalisedPerson): ContactKind {
  return kindOfStatuses([...contact.linkedStatuses, status], person.kind);
}

function statusAfter(linkedBy: LinkEvidence["linkedBy"], merged: MergeOutcome): LinkStatus {
  if (merged.conflicts.length > 0 || linkedBy === "review") return "pending";
  return linkedBy === "matched" ? "merged" : "success";
}

function survivorshipEvidence(base: LinkEvidence, merged: MergeOutcome): LinkEvidence {
  const evidence: LinkEvidence = { ...base };
  if (merged.conflicts.length > 0) evidence.conflicts = merged.conflicts;
  if (merged.locked.length > 0) evidence.locked = merged.locked;
  return evidence;
}

/** The contact write of a survivorship outcome: values, keys, blocking keys, secondary values. */
export function contactWrite(
  id: string,
  existing: Contact | null,
  merged: MergeOutcome,
  kind: ContactKind,
): ContactWrite {
  const before = existing?.secondary ?? emptySecondary();
  const secondary = withDisplaced(before, merged.displaced, merged.values);
  const secondaryChanged = !isDeepStrictEqual(secondary, before);
  return {
    id,
    isNew: existing === null,
    kind,
    values: merged.values,
    sources: merged.sources,
    versions: merged.versions,
    keys: matchKeysOf(merged.values),
    blockKeys: blockingKeys(merged.values, secondary),
    secondary,
    changed:
      existing === null ||
      merged.changed.length > 0 ||
      merged.restamped.length > 0 ||
      existing.kind !== kind ||
      secondaryChanged ||
      // A contact written before blocking keys existed gets them on its next write.
      existing.blockKeys.length === 0,
  };
}

function linkWrite(
  id: string | null,
  person: NormalisedPerson,
  digest: string,
  status: LinkStatus,
  score: number | null,
  evidence: LinkEvidence,
): LinkWrite {
  return {
    id,
    personId: person.personId,
    status,
    resmanStatus: person.status,
    sourceUpdatedAt: person.lastModified,
    sourceHash: digest,
    matchScore: score,
    evidence,
  };
}
