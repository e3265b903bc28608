/**
 * The sync path: the one use case through which every ResMan person passes, whatever brought
 * it (webhook, reconciliation pull, file import).
 *
 * Concurrency, inside one transaction:
 *
 *   sync A (person P, email e)          sync B (person Q, email e)
 *   ─────────────────────────────────   ─────────────────────────────────
 *   BEGIN                               BEGIN
 *   lock {P, e}            ── granted   lock {Q, e}    ── waits on e
 *   read link(P), contacts(e) → none        ·
 *   decide: create C, link P→C              ·
 *   COMMIT (locks released) ─────────▶  granted
 *                                       read link(Q), contacts(e) → C
 *                                       decide: merge, link Q→C
 *                                       COMMIT
 *
 * Two syncs that share any identity key (person id, email, phone, name + birth date) run one
 * after the other, so neither can miss the other's contact; syncs sharing nothing run in
 * parallel. The read is a separate statement after the lock: a statement's snapshot is taken
 * when it starts, so a read in the same statement as the lock could miss B's commit.
 */
import { randomUUID } from "node:crypto";
import pRetry from "p-retry";
import { InvalidInputError, isRetryable } from "../domain/errors.js";
import type { OutboundEventType } from "../domain/events.js";
import type { Matcher } from "../domain/matching.js";
import { hasIdentity, type NormalisationWarning, normalisePerson } from "../domain/normalize.js";
import { personDigest, type ResmanPerson, resmanPersonSchema } from "../domain/person.js";
import { decideSync, type LinkStatus, skipReason } from "../domain/syncDecision.js";
import type { Clock, ContactStore, PropertyContext, SyncWrite } from "./ports.js";

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
}

/** Attempts for a transaction that lost a lock race (deadlock, serialisation failure). */
const ATTEMPTS = 4;

/** Lock names of a person's identity keys; the adapter hashes them into lock ids. */
export function identityLockKeys(
  personId: string,
  keys: ReturnType<typeof normalisePerson>["keys"],
) {
  const names = [`person:${personId}`];
  if (keys.email !== null) names.push(`email:${keys.email}`);
  for (const phone of keys.phones) names.push(`phone:${phone}`);
  if (keys.nameDob !== null) names.push(`name_dob:${keys.nameDob}`);
  return names;
}

function noIdentity(): InvalidInputError {
  return new InvalidInputError("the person has no usable name, email or phone", [
    { path: "person", message: "needs a first or last name, a valid email or a valid phone" },
  ]);
}

/** The outbound event a sync write announces. */
export function announcementOf(decision: SyncWrite): OutboundEventType {
  if (decision.link.status === "pending") return "contact.review_required";
  return decision.action === "merge" ? "contact.merged" : "contact.synced";
}

/** Syncs one ResMan person into the property's contacts. */
export async function syncPerson(
  deps: SyncDependencies,
  input: SyncPersonInput,
): Promise<SyncResult> {
  const { property } = input;
  // Every source validates at its edge; this check makes the guarantee hold for any caller:
  // a person that does not fit the contract writes nothing. Issues carry paths, never values.
  const parsed = resmanPersonSchema.safeParse(input.person);
  if (!parsed.success) {
    throw new InvalidInputError(
      "the person does not match the ResMan person contract",
      parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    );
  }
  const person = parsed.data;
  const normalised = normalisePerson(person, {
    countryCode: property.countryCode,
    officePhone: property.officePhone,
    now: deps.clock.now(),
  });
  // A person with nothing to tell them apart may only update an existing link (a status change,
  // a deactivation); a new contact from it would be a blank nobody can match.
  const identified = hasIdentity(normalised.values);
  const digest = personDigest(person);
  const newId = deps.newId ?? randomUUID;
  const warnings = normalised.warnings;

  // Fast path for redeliveries without an event id (re-imports, reconciliation pulls): a
  // version the link already has, or an older one, changes nothing, so one unlocked read
  // settles it. Versions only move forward, so a committed link that says "replay" or "stale"
  // stays right. Deliveries with an event id go through the inbox in the transaction instead.
  if (input.event === undefined) {
    const current = await deps.store.findLink(property.id, normalised.personId);
    if (current === null && !identified) throw noIdentity();
    const skip = current === null ? null : skipReason(current, digest, normalised.lastModified);
    if (current !== null && skip !== null) {
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

  const attempt = () =>
    deps.store.transaction(async (tx): Promise<SyncResult> => {
      const locks = identityLockKeys(normalised.personId, normalised.keys);
      const first = await tx.claimAndLock(property.id, locks, input.event);
      if (!first) {
        return {
          outcome: "duplicate_event",
          contactId: null,
          linkId: null,
          status: null,
          warnings,
        };
      }
      const snapshot = await tx.loadSnapshot(property.id, normalised.personId, normalised.keys);
      if (snapshot.link === null && !identified) throw noIdentity();
      const decision = decideSync({
        person: normalised,
        digest,
        link: snapshot.link,
        contacts: snapshot.contacts,
        strategy: property.mergeStrategy,
        newContactId: newId(),
        ...(deps.matcher ? { matcher: deps.matcher } : {}),
      });
      if (decision.action === "unchanged") {
        return {
          outcome: "unchanged",
          reason: decision.reason,
          contactId: decision.contactId,
          linkId: decision.linkId,
          status: snapshot.link?.status ?? null,
          warnings,
        };
      }
      const written = await tx.apply(property.id, decision, {
        id: newId(),
        type: announcementOf(decision),
      });
      const outcome =
        decision.action === "create"
          ? "created"
          : decision.action === "merge"
            ? "merged"
            : "updated";
      return { outcome, ...written, status: decision.link.status, warnings };
    });

  return pRetry(attempt, {
    retries: ATTEMPTS - 1,
    minTimeout: 5,
    maxTimeout: 100,
    shouldRetry: ({ error }) => isRetryable(error),
  });
}
