/**
 * Undoing a merge (unmerge), as a pure plan over the contacts now and the merge history
 * (`mergeHistory.ts`) — an approval's (`mergePlan.ts`) or a person linked by the sync path.
 *
 * Unmerge: a field the merge changed goes back to its value (and source) before the merge only
 * if A still holds the value the merge wrote; a field changed since keeps the later value, and
 * a field the merge did not touch is not looked at. B's own row was never changed by the merge
 * (only marked merged away), so it comes back as it was; a person linked by the sync path gets
 * a contact of its own again, made from the values it brought in.
 */
import { isDeepStrictEqual } from "node:util";
import {
  type Contact,
  type ContactField,
  type ContactKind,
  type ContactValues,
  copyValues,
  emptySecondary,
  emptyValues,
  type FieldSources,
  type FieldVersions,
  type SecondaryValues,
} from "./contact.js";
import { mergeLockKeys } from "./lockKeys.js";
import { MergeRefusedError } from "./mergeErrors.js";
import type { MergeHistory } from "./mergeHistory.js";
import {
  type LinkMove,
  type MergeParty,
  type PlaceholderLink,
  statusesOf,
} from "./mergeParties.js";
import { kindOfStatuses } from "./normalize.js";
import {
  fieldValue,
  type MergeStrategy,
  mergeValues,
  setFieldValue,
  unchangedOutcome,
  variantOf,
  withDisplaced,
} from "./survivorship.js";
import { type ContactWrite, contactWrite } from "./syncDecision.js";

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
  /**
   * Fields whose value the merge left as it was but whose ResMan version it moved to the
   * merged-away contact's record: the version goes back, the value stays.
   */
  restamped: ContactField[];
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
  const values = copyValues(current.values);
  const sources: FieldSources = { ...current.sources };
  const versions: FieldVersions = { ...current.versions };
  const restored: ContactField[] = [];
  const restamped: ContactField[] = [];
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
    const valueBefore = before.value ?? null;
    (isDeepStrictEqual(fieldValue(values, field), valueBefore) ? restamped : restored).push(field);
    setFieldValue(values, field, structuredClone(valueBefore));
    if (before.source === null) delete sources[field];
    else sources[field] = before.source;
    if (before.version === null || before.version === undefined) delete versions[field];
    else versions[field] = before.version;
  }
  const secondary = restoredSecondary(
    current.secondary,
    merge.secondaryBefore,
    { values: merge.incomingValues, secondary: merge.incomingSecondary },
    values,
    leaving,
  );
  return { values, sources, versions, secondary, restored, restamped, kept };
}

/** A contact write of given values, sources and secondary values. */
function writeOf(
  id: string,
  existing: Contact | null,
  restored: Pick<RestoredSurvivor, "values" | "sources" | "versions" | "secondary">,
  kind: ContactKind,
): ContactWrite {
  const base = existing === null ? null : { ...existing, secondary: restored.secondary };
  return contactWrite(id, base, unchangedOutcome(restored), kind);
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
  /** Fields whose ResMan version alone goes back (`RestoredSurvivor.restamped`). */
  restamped: ContactField[];
  kept: ContactField[];
  /** B again (no longer merged away), or the new contact of the person. */
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
 * Plans the undoing of `merge`. A merge of two contacts: A's fields restored by the rule of
 * the module header, B live again with its links back in their previous status and evidence (a
 * link whose person synced while merged gets no source hash, so that version is applied to B on
 * its next sync), B's enrichments back, placeholders back for a contact left without a ResMan
 * person. A person
 * link: a new contact from the values the person brought in (kind from its ResMan status), the
 * link moved to it as `success` / `created` (without a source hash, so the person's next sync
 * brings it up to date), A's fields restored.
 */
export function planUnmerge(input: UnmergeInput): UnmergePlan {
  const { merge, survivor: a, absorbed: b } = input;
  // The records that leave A: the person's, or B's.
  const leaving = new Set(
    merge.absorbedId === null
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

  if (merge.absorbedId !== null) {
    if (b === null || b.contact.id !== merge.absorbedId) {
      throw new MergeRefusedError(`contact ${merge.absorbedId} no longer exists`);
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
        `the link of merge ${merge.id} is no longer on contact ${merge.survivorId}`,
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
  // The reviewer kept the record's contact: its reviewed link stayed on A and goes back to
  // waiting on the (reopened) review item as it was.
  const reviewed = merge.reviewedLinkBefore;
  const reviewedNow = reviewed === null ? undefined : onA.get(reviewed.id);
  if (reviewed !== null && reviewedNow !== undefined) {
    const restore: LinkMove = {
      id: reviewed.id,
      contactId: a.contact.id,
      status: reviewed.status,
      evidence: reviewed.evidence,
      matchScore: reviewed.matchScore,
      sourceHash: reviewedNow.sourceHash === reviewed.sourceHash ? reviewed.sourceHash : null,
    };
    links.push(restore);
    if (reviewed.id === merge.linkId) link = restore;
  }
  const aHasPerson = remaining.some((l) => l.personId !== null);
  if (!aHasPerson && !remaining.some((l) => l.personId === null)) {
    // A placeholder the merge removed comes back as it was (approvals and sync-path merges
    // record it). A contact left without any link whose merge recorded none was still a lead,
    // and gets a new one.
    const removed = merge.placeholdersRemoved.find((p) => p.contactId === a.contact.id);
    if (removed !== undefined) placeholders.push({ id: removed.id, contactId: a.contact.id });
    else if (merge.absorbedId === null) placeholders.push({ id: null, contactId: a.contact.id });
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
    restamped: back.restamped,
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
