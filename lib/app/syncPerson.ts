/**
 * The sync path: the one use case through which every ResMan person passes, whatever brought
 * it (webhook, reconciliation pull, file import).
 *
 * Concurrency: the write protocol of `writeProtocol.ts` (optimistic rounds on the identity keys
 * of the person — `identityLockKeys` — then the locking transaction, retried), which says why
 * every write here is safe.
 */
import { blockingKeys, countedKeys, searchKeys } from "../domain/blocking.js";
import { InvalidInputError } from "../domain/errors.js";
import type { OutboundEventType } from "../domain/events.js";
import { guardedLockKeys, identityLockKeys } from "../domain/lockKeys.js";
import type { Matcher } from "../domain/matching.js";
import {
  hasIdentity,
  type NormalisationWarning,
  type NormalisedPerson,
  normalisePerson,
} from "../domain/normalize.js";
import { personDigest, type ResmanPerson, resmanPersonSchema } from "../domain/person.js";
import { decideSync, type LinkStatus, skipReason } from "../domain/syncDecision.js";
import { zodIssues } from "../domain/zodIssues.js";
import { newId as timeOrderedId } from "./newId.js";
import type {
  Announcement,
  CandidateLookup,
  Clock,
  ContactStore,
  PropertyContext,
  SnapshotRequest,
  SyncSnapshot,
  SyncWrite,
} from "./ports.js";
import { guardedWrite, guardOf, type LOST_RACE, settle } from "./writeProtocol.js";

export type SyncOutcome = "created" | "merged" | "updated" | "unchanged" | "duplicate_event";

export interface SyncResult {
  outcome: SyncOutcome;
  /** Why nothing changed, when `outcome` is `unchanged`. */
  reason?: "replay" | "stale";
  contactId: string | null;
  linkId: string | null;
  status: LinkStatus | null;
  warnings: NormalisationWarning[];
}

export interface SyncDependencies {
  store: ContactStore;
  clock: Clock;
  newId?: () => string;
  matcher?: Matcher;
}

export interface SyncPersonInput {
  property: PropertyContext;
  /** A ResMan person; validated against `resmanPersonSchema` here (InvalidInputError if not). */
  person: ResmanPerson;
  /** Delivery id: when given, a second delivery with the same id changes nothing. */
  event?: { source: string; id: string } | undefined;
  /** The person already prepared (`prepareSync`); `person` is then not validated again. */
  prepared?: PreparedSync | undefined;
  /**
   * Decide against the database as it is and write nothing (`reconcile --dry-run`): the result
   * says what a real sync would do now (`contactId`/`linkId` of a new contact are not kept).
   */
  dryRun?: boolean | undefined;
}

function outcomeOf(decision: SyncWrite): SyncOutcome {
  if (decision.action === "create") return "created";
  return decision.action === "merge" ? "merged" : "updated";
}

/** The rejection of a person with nothing to tell them apart and no link to update. */
export function noIdentity(): InvalidInputError {
  return new InvalidInputError("the person has no usable name, email or phone", [
    { path: "person", message: "needs a first or last name, a valid email or a valid phone" },
  ]);
}

/** The outbound event a sync write announces. */
export function announcementOf(decision: SyncWrite): OutboundEventType {
  if (decision.link.status === "pending") return "contact.review_required";
  return decision.action === "merge" ? "contact.merged" : "contact.synced";
}

/** A person validated and normalised for the sync path, with what its reads and writes need. */
export interface PreparedSync {
  normalised: NormalisedPerson;
  digest: string;
  /** Whether the person says who they are (a name, an email or a phone). */
  identified: boolean;
  lookup: CandidateLookup;
  locks: string[];
}

/**
 * Validates and normalises a person (InvalidInputError when it does not fit the contract).
 * Every source validates at its edge; this check makes the guarantee hold for any caller: a
 * person that does not fit writes nothing. Issues carry paths, never values.
 */
export function prepareSync(
  property: PropertyContext,
  person: ResmanPerson,
  clock: Clock,
): PreparedSync {
  const parsed = resmanPersonSchema.safeParse(person);
  if (!parsed.success) {
    throw new InvalidInputError(
      "the person does not match the ResMan person contract",
      zodIssues(parsed.error),
    );
  }
  const normalised = normalisePerson(parsed.data, {
    countryCode: property.countryCode,
    officePhone: property.officePhone,
    now: clock.now(),
  });
  const lookup = {
    keys: normalised.keys,
    blocks: searchKeys(blockingKeys(normalised.values)),
    counted: countedKeys(normalised.values),
  };
  return {
    normalised,
    digest: personDigest(parsed.data),
    // A person with nothing to tell them apart may only update an existing link (a status
    // change, a deactivation); a new contact from it would be a blank nobody can match.
    identified: hasIdentity(normalised.values),
    lookup,
    locks: identityLockKeys(normalised.personId, lookup.blocks),
  };
}

/** The snapshot request of a prepared person, for a batched read (`ContactStore.readSnapshots`). */
export function snapshotRequestOf(
  prepared: PreparedSync,
  event?: { source: string; id: string } | undefined,
): SnapshotRequest {
  return {
    personId: prepared.normalised.personId,
    lookup: prepared.lookup,
    lockKeys: prepared.locks,
    digest: prepared.digest,
    ...(event === undefined ? {} : { event }),
  };
}

/** What a snapshot says about a prepared person: a result that writes nothing, or a write. */
export type SyncPlan =
  | { write: null; result: SyncResult }
  | {
      write: SyncWrite;
      announce: Announcement;
      /** The result once written (a dry run has no link id for a new link). */
      result: (applied: { contactId: string; linkId: string | null }) => SyncResult;
    };

/**
 * The decision of the sync path on a snapshot (without the inbox check: the caller's): a
 * replay, an unchanged person, or the write to make with its announcement. Every source's sync
 * decides here, one person at a time (`syncPerson`) or a file import's wave of people at once
 * (`syncWaves.ts`). Throws `noIdentity` for a person that says nothing about who they are and
 * has no link.
 */
export function planSync(
  deps: Pick<SyncDependencies, "matcher" | "newId">,
  property: PropertyContext,
  prepared: PreparedSync,
  snapshot: SyncSnapshot,
): SyncPlan {
  const { normalised, digest, identified } = prepared;
  const newId = deps.newId ?? timeOrderedId;
  const warnings = normalised.warnings;
  if (snapshot.link === null && !identified) throw noIdentity();
  const { link } = snapshot;
  // The link holds this very version: a replay (the read skipped the candidates).
  if (link !== null && link.sourceHash === digest) {
    const result: SyncResult = {
      outcome: "unchanged",
      reason: "replay",
      contactId: link.contactId,
      linkId: link.id,
      status: link.status,
      warnings,
    };
    return { write: null, result };
  }
  const decision = decideSync({
    person: normalised,
    digest,
    link,
    contacts: snapshot.contacts,
    commonKeys: snapshot.commonKeys,
    keyCounts: snapshot.keyCounts,
    strategy: property.mergeStrategy,
    criteria: property.matchingCriteria,
    newContactId: newId(),
    ...(deps.matcher ? { matcher: deps.matcher } : {}),
  });
  if (decision.action === "unchanged") {
    const result: SyncResult = {
      outcome: "unchanged",
      reason: decision.reason,
      contactId: decision.contactId,
      linkId: decision.linkId,
      status: link?.status ?? null,
      warnings,
    };
    return { write: null, result };
  }
  return {
    write: decision,
    announce: { id: newId(), type: announcementOf(decision) },
    result: (applied) => ({
      outcome: outcomeOf(decision),
      contactId: applied.contactId,
      linkId: applied.linkId,
      status: decision.link.status,
      warnings,
    }),
  };
}

/** The result of a delivery whose event was processed already: nothing written. */
export function duplicateResult(prepared: PreparedSync): SyncResult {
  return {
    outcome: "duplicate_event",
    contactId: null,
    linkId: null,
    status: null,
    warnings: prepared.normalised.warnings,
  };
}

/** Syncs one ResMan person into the property's contacts. */
export async function syncPerson(
  deps: SyncDependencies,
  input: SyncPersonInput,
): Promise<SyncResult> {
  const { property } = input;
  const prepared = input.prepared ?? prepareSync(property, input.person, deps.clock);
  const { normalised, digest, identified, lookup, locks } = prepared;
  const warnings = normalised.warnings;
  const duplicate = duplicateResult(prepared);

  // Redeliveries without an event id (re-imports, reconciliation pulls) are mostly people who
  // did not change: one plain read of the link settles those, before the heavier snapshot.
  // Versions only move forward, so a committed link that says "replay" stays right. (A stale
  // version still goes on: it may fill what no newer version gave, see `decideSync`.)
  // Queue jobs (with an event id) are mostly new versions and go straight to the snapshot.
  if (input.event === undefined) {
    const current = await deps.store.findLink(property.id, normalised.personId);
    if (current === null && !identified) throw noIdentity();
    const skip = current === null ? null : skipReason(current, digest, normalised.lastModified);
    if (current !== null && skip === "replay") {
      return {
        outcome: "unchanged",
        reason: skip,
        contactId: current.contactId,
        linkId: current.id,
        status: current.status,
        warnings,
      };
    }
  }

  // Optimistic round, two round trips: read (inbox, key versions, link, candidates) without a
  // transaction, decide, then one guarded statement that writes only if nothing it read has
  // changed. A replay (or a stale version that brings nothing new) costs the read alone.
  const round = async (): Promise<SyncResult | typeof LOST_RACE> => {
    const snapshot = await deps.store.readSnapshot(
      property.id,
      normalised.personId,
      lookup,
      locks,
      input.event,
      digest,
    );
    if (snapshot.seen) return duplicate;
    const plan = planSync(deps, property, prepared, snapshot);
    if (plan.write === null) return plan.result;
    const decision = plan.write;
    if (input.dryRun === true) {
      return plan.result({
        contactId: decision.contact.id,
        linkId: snapshot.link?.id ?? null,
      });
    }
    const written = await deps.store.writeGuarded(
      property.id,
      decision,
      plan.announce,
      guardOf(guardedLockKeys(locks, snapshot.commonKeys), snapshot, decision.contact, input.event),
    );
    return settle(written, duplicate, plan.result);
  };

  // Under sustained contention on the same keys, the locking transaction guarantees progress.
  const attempt = () =>
    deps.store.transaction(async (tx): Promise<SyncResult> => {
      const first = await tx.claimAndLock(property.id, locks, input.event);
      if (!first) return duplicate;
      const snapshot = await tx.loadSnapshot(property.id, normalised.personId, lookup);
      const plan = planSync(deps, property, prepared, snapshot);
      if (plan.write === null) return plan.result;
      return plan.result(await tx.apply(property.id, plan.write, plan.announce));
    });

  return guardedWrite(round, attempt);
}
