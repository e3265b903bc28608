/**
 * Reconciles one property with ResMan: reads what changed and hands every person to the one
 * sync path, as the same sync-queue message a webhook delivery becomes (`PersonSink`: in process
 * or through the queue). Nothing is ever written to ResMan.
 *
 * Per run (design §5 "ResMan reconciliation", rules in `lib/domain/reconcileRun.ts`):
 * 1. claim the property (one run at a time; a crashed run's claim expires) and record a run;
 * 2. each incremental resource (v2: prospects and leases; v1: prospects) from its cursor minus
 *    a 5-minute overlap to now; the cursor moves to the window's end only when every person of
 *    the window was synced or enqueued, so a crash or an outage loses nothing: the next run reads
 *    the window again and the sync path skips the versions it already applied;
 * 3. the roster (every `RECONCILE_ROSTER_HOURS`, or `--full`): new and changed people are synced
 *    (stamped with the read's time, as ResMan gives the roster no modification time), people on
 *    the last roster and gone now are deactivated (`person.deactivated`: the link stays, the
 *    contact becomes `former` or `lost`); the roster is recorded only once all of that went through;
 * 4. finish the run row: counts, cursors before and after, status (`ok`, `partial`, `failed`,
 *    `auth_failed`: ResMan refused the credentials, so the run stops at once).
 * A dry run reads and decides but writes nothing: no run row, no cursor, no roster, no contact.
 * A run asked to stop (`ReconcileOptions.signal`: Ctrl-C) records what it did as interrupted.
 *
 * (Over 400 lines as one thing: one run's steps share its claim, counts, cursors and errors,
 * and the few properties run side by side are that run repeated.)
 */
import { randomUUID } from "node:crypto";
import pLimit from "p-limit";
import { ContactSyncError } from "../domain/errors.js";
import { type SyncMessage, syncMessageSchema } from "../domain/events.js";
import { personDigest, type ResmanPerson } from "../domain/person.js";
import {
  diffRoster,
  INTERRUPTED,
  nextWindow,
  type ResmanResource,
  type RosterEntry,
  rosterDue,
  rosterOffset,
  runStatusOf,
} from "../domain/reconcileRun.js";
import type { Clock } from "./ports/clock.js";
import type { PersonSink, SinkTally } from "./ports/personSink.js";
import type {
  ReconcileCounts,
  ReconcileCursors,
  ReconcileRunRecord,
  ReconcileStore,
  RegisteredProperty,
  RunErrors,
} from "./ports/reconcileStore.js";
import type { ResmanPeople, ResmanSource } from "./ports/resmanSource.js";

export interface ReconcileSettings {
  /** Where a first (or `--full`) run starts reading. */
  backfillSince: Date;
  /** How often the roster is read. */
  rosterHours: number;
  /**
   * How long a run's claim on its property lasts unless renewed; the run renews it after every
   * batch, so this only bounds how long a crashed run blocks the next one.
   */
  claimSeconds?: number;
}

export interface ReconcileDependencies {
  source: ResmanSource;
  store: ReconcileStore;
  sink: PersonSink;
  clock: Clock;
  settings: ReconcileSettings;
}

export interface ReconcileOptions {
  /** Re-read everything from the backfill date, roster included. */
  full?: boolean;
  /** Read and decide, write nothing. */
  dryRun?: boolean;
  /**
   * Told after each batch of people handed to the sync path (progress bars): the run's people
   * read so far and handed on so far, and the resource being worked on.
   */
  onProgress?: (progress: { resource: ResmanResource; fetched: number; synced: number }) => void;
  /**
   * Stops the run where what it did stands: no batch is handed on after the signal, no
   * resource read (a source made with the same signal also stops a read in flight, failing it
   * as `interrupted`); the run is recorded with `errors.run = "interrupted"` (and the resource
   * it was reading or syncing, whose cursor stays, `interrupted` too), its claim released. A property not
   * started yet is not started (`reconcileProperties`: an `error` outcome, `interrupted`).
   */
  signal?: AbortSignal;
}

/**
 * The outcome of one property's run. `skipped`: another run holds the property; `error`: the
 * run could not be recorded (the database failed) or was never started (`interrupted`);
 * `reconcileProperties` only.
 */
export type ReconcileOutcome =
  | { kind: "run"; run: ReconcileRunRecord }
  | { kind: "skipped"; propertyId: string; resmanPropertyId: string }
  | { kind: "error"; propertyId: string; resmanPropertyId: string; code: string };

/**
 * Messages handed to the sink at once (and the granularity of progress reports and claim
 * renewals). In process a delivery is synced in waves as one import chunk is (as many rows as
 * the import's `CHUNK_ROWS`): 100 a delivery measured 39.9–40.7 s for a first run of 10,000
 * stand-in people, 1,000 35.1–36.1 s (`bench:reconcile`; README, design notes).
 */
export const SINK_BATCH = 1000;

const DEFAULT_CLAIM_SECONDS = 120;

/** The run stalled past its claim and another run took the property over. */
class ClaimLostError extends ContactSyncError {
  readonly code = "claim_lost";
  readonly retryable = true;
  constructor() {
    super("another reconciliation run took the property over");
  }
}

/** An error's code for the run row: ours, or a generic one (never a message). */
function codeOf(error: unknown): string {
  return error instanceof ContactSyncError ? error.code : "unexpected_error";
}

function isAuthFailure(error: unknown): boolean {
  return error instanceof ContactSyncError && error.code === "auth_failed";
}

/** A run's counts before it read anything (and the start of a sum of runs). */
export function emptyCounts(): ReconcileCounts {
  return {
    fetched: 0,
    enqueued: 0,
    created: 0,
    updated: 0,
    merged: 0,
    unchanged: 0,
    deactivated: 0,
    review: 0,
    failed: 0,
    unreadable: 0,
  };
}

/**
 * Adds a sink's tally to the run's counts. A deactivation that changed its link counts as
 * `deactivated` rather than `updated`.
 */
function addTally(counts: ReconcileCounts, tally: SinkTally, deactivations: boolean): void {
  if (deactivations) counts.deactivated += tally.created + tally.updated + tally.merged;
  else {
    counts.created += tally.created;
    counts.updated += tally.updated;
    counts.merged += tally.merged;
  }
  counts.unchanged += tally.unchanged;
  counts.review += tally.review;
  counts.failed += tally.failed;
  counts.enqueued += tally.enqueued;
}

/** The roster's view of a person, digested without a modification time (ResMan gives none). */
function rosterEntryOf(person: ResmanPerson): RosterEntry {
  const { last_modified: _ignored, ...stable } = person;
  return { personId: person.person_id, status: person.status, digest: personDigest(stable) };
}

/**
 * The sync-queue message of a person read from ResMan, checked against the queue's contract (a
 * webhook's envelope); null for one that does not fit (a PersonID that is not a GUID). The same
 * version of the same person always gets the same id: a replay across runs (the overlap, a
 * crashed run read again) is one delivery to the inbox.
 */
export function personMessage(
  property: Pick<RegisteredProperty, "resmanAccountId" | "resmanPropertyId">,
  person: ResmanPerson,
  type: "person.upserted" | "person.deactivated",
  stamp: string,
): SyncMessage | null {
  const stamped = { ...person, last_modified: person.last_modified ?? stamp };
  const parsed = syncMessageSchema.safeParse({
    kind: "resman",
    event_id: `reconcile:${type}:${person.person_id}:${personDigest(stamped)}`,
    envelope: {
      type,
      occurred_at: stamp,
      account_id: property.resmanAccountId,
      property_id: property.resmanPropertyId,
      person: stamped,
    },
  });
  return parsed.success ? parsed.data : null;
}

/** Reconciles one registered property. Throws only when the database fails. */
export async function reconcileProperty(
  deps: ReconcileDependencies,
  property: RegisteredProperty,
  options: ReconcileOptions = {},
): Promise<ReconcileOutcome> {
  const { source, store, clock, settings } = deps;
  const full = options.full === true;
  const dryRun = options.dryRun === true;
  const startedAt = clock.now();
  const runToken = randomUUID();
  const claimMs = (settings.claimSeconds ?? DEFAULT_CLAIM_SECONDS) * 1000;
  /** Claims the property, or renews the claim; false when another run holds it. */
  const claim = () =>
    dryRun
      ? Promise.resolve(true)
      : store.claim(property.id, runToken, new Date(Date.now() + claimMs));
  if (!(await claim())) {
    return {
      kind: "skipped",
      propertyId: property.id,
      resmanPropertyId: property.resmanPropertyId,
    };
  }
  try {
    const cursorsBefore = await store.cursors(property.id);
    const runId = dryRun
      ? `dry-run-${randomUUID()}`
      : await store.startRun({ propertyId: property.id, startedAt, full, cursorsBefore });
    const counts = emptyCounts();
    const cursorsAfter: ReconcileCursors = { ...cursorsBefore };
    const errors: RunErrors = {};
    const outcomes = { done: 0, failed: 0, authFailed: false };
    /** True once the run was asked to stop; the first time, the run's error says so. */
    const interrupted = () => {
      if (options.signal?.aborted !== true) return false;
      if (errors.run === undefined) {
        errors.run = INTERRUPTED;
        outcomes.failed += 1;
      }
      return true;
    };
    const access = {
      resmanPropertyId: property.resmanPropertyId,
      resmanAccountId: property.resmanAccountId,
      api: property.api,
    };

    let synced = 0;
    /**
     * Hands people to the sync path in batches; true when every one went through, else the
     * resource fails with `sync_incomplete`, naming the most frequent cause when the sink knows
     * it (`sync_incomplete:store_unavailable`).
     */
    const deliver = async (
      resource: ResmanResource,
      messages: readonly SyncMessage[],
      deactivations = false,
    ): Promise<boolean> => {
      let incomplete = 0;
      const causes: Record<string, number> = {};
      for (let start = 0; start < messages.length; start += SINK_BATCH) {
        const batch = messages.slice(start, start + SINK_BATCH);
        if (options.signal?.aborted === true) {
          fail(resource, INTERRUPTED);
          return false;
        }
        // A run that lost its claim (it stalled longer than the claim lasts, and another run
        // took over) stops handing people on: the other run reads the same windows.
        if (!(await claim())) throw new ClaimLostError();
        const tally = await deps.sink.deliver(batch, { dryRun });
        addTally(counts, tally, deactivations);
        incomplete += tally.incomplete;
        for (const [code, n] of Object.entries(tally.incompleteCodes)) {
          causes[code] = (causes[code] ?? 0) + n;
        }
        synced += batch.length;
        options.onProgress?.({ resource, fetched: counts.fetched, synced });
      }
      if (incomplete === 0) return true;
      const [cause] = Object.entries(causes).sort((a, b) => b[1] - a[1])[0] ?? [];
      fail(resource, cause === undefined ? "sync_incomplete" : `sync_incomplete:${cause}`);
      return false;
    };

    /** A resource that failed: its code is kept, its cursor stays. */
    const fail = (resource: ResmanResource, code: string) => {
      errors[resource] = code;
      outcomes.failed += 1;
      // A read the signal stopped (the source's `interrupted`): the run says so too.
      if (code === INTERRUPTED) interrupted();
    };

    const read = async (resource: ResmanResource, fetch: () => Promise<ResmanPeople>) => {
      try {
        const people = await fetch();
        counts.fetched += people.people.length + people.unreadable;
        counts.unreadable += people.unreadable;
        return people;
      } catch (error) {
        if (isAuthFailure(error)) outcomes.authFailed = true;
        fail(resource, codeOf(error));
        return null;
      }
    };

    /**
     * The sync-queue message of a person, checked against the queue's contract (a webhook's
     * envelope): one that does not fit (a PersonID that is not a GUID) is unreadable.
     */
    const messagesOf = (
      people: readonly ResmanPerson[],
      type: "person.upserted" | "person.deactivated",
      stamp: string,
    ): SyncMessage[] => {
      const messages: SyncMessage[] = [];
      for (const person of people) {
        const message = personMessage(property, person, type, stamp);
        if (message !== null) messages.push(message);
        else counts.unreadable += 1;
      }
      return messages;
    };

    for (const resource of source.incrementalResources(property.api)) {
      if (outcomes.authFailed || interrupted()) break;
      const window = nextWindow({
        cursor: cursorsBefore[resource] ?? null,
        now: clock.now(),
        backfillSince: settings.backfillSince,
        full,
      });
      const people = await read(resource, () => source.changedPeople(access, resource, window));
      if (people === null) continue;
      const until = window.until.toISOString();
      const messages = messagesOf(people.people, "person.upserted", until);
      if (!(await deliver(resource, messages))) continue;
      outcomes.done += 1;
      cursorsAfter[resource] = window.until;
      if (!dryRun) await store.moveCursor(property.id, resource, window.until);
    }

    const readAt = clock.now();
    const rosterIsDue = rosterDue({
      offset: rosterOffset(property.id),
      lastRead: cursorsBefore.roster ?? null,
      now: readAt,
      rosterHours: settings.rosterHours,
      full,
    });
    if (rosterIsDue && !outcomes.authFailed && !interrupted()) {
      const people = await read("roster", () => source.roster(access));
      if (people !== null) {
        const stamp = readAt.toISOString();
        const current = people.people.map((person) => ({ person, entry: rosterEntryOf(person) }));
        const diff = diffRoster(await store.roster(property.id), current);
        counts.unchanged += diff.unchanged;
        const changed = messagesOf(diff.changed, "person.upserted", stamp);
        const gone = messagesOf(
          diff.gone.map((entry) => ({ person_id: entry.personId, status: entry.status })),
          "person.deactivated",
          stamp,
        );
        if ((await deliver("roster", changed)) && (await deliver("roster", gone, true))) {
          outcomes.done += 1;
          cursorsAfter.roster = readAt;
          if (!dryRun) {
            await store.replaceRoster(
              property.id,
              current.map(({ entry }) => entry),
            );
            await store.moveCursor(property.id, "roster", readAt);
          }
        }
      }
    }

    const status = runStatusOf(outcomes);
    const finished = {
      ...counts,
      finishedAt: clock.now(),
      status,
      cursorsAfter,
      errors: Object.keys(errors).length === 0 ? null : errors,
    };
    if (dryRun) {
      return {
        kind: "run",
        run: {
          ...finished,
          id: runId,
          propertyId: property.id,
          resmanPropertyId: property.resmanPropertyId,
          startedAt,
          full,
          cursorsBefore,
        },
      };
    }
    return { kind: "run", run: await store.finishRun(runId, finished) };
  } finally {
    if (!dryRun) await store.release(property.id, runToken);
  }
}

/** Properties reconciled at once: a slow or failing property never holds the others back. */
export const PROPERTY_CONCURRENCY = 4;

/**
 * Reconciles several properties, a few at a time, each on its own: one property's failure is
 * its own run's status, never another's. Results come in the order of `properties`; `onDone`
 * hears of each as it comes (for output as the runs finish).
 */
export async function reconcileProperties(
  deps: ReconcileDependencies,
  properties: readonly RegisteredProperty[],
  options: Omit<ReconcileOptions, "onProgress"> & {
    onProgress?: (
      property: RegisteredProperty,
      progress: { resource: ResmanResource; fetched: number; synced: number },
    ) => void;
    onDone?: (property: RegisteredProperty, outcome: ReconcileOutcome) => void;
    concurrency?: number;
  } = {},
): Promise<ReconcileOutcome[]> {
  const limit = pLimit(options.concurrency ?? PROPERTY_CONCURRENCY);
  const { onProgress, onDone, concurrency: _concurrency, ...rest } = options;
  const reconcileOne = async (property: RegisteredProperty): Promise<ReconcileOutcome> => {
    if (options.signal?.aborted === true) {
      return {
        kind: "error",
        propertyId: property.id,
        resmanPropertyId: property.resmanPropertyId,
        code: INTERRUPTED,
      };
    }
    try {
      return await reconcileProperty(deps, property, {
        ...rest,
        ...(onProgress === undefined
          ? {}
          : { onProgress: (progress) => onProgress(property, progress) }),
      });
    } catch (error) {
      return {
        kind: "error",
        propertyId: property.id,
        resmanPropertyId: property.resmanPropertyId,
        code: codeOf(error),
      };
    }
  };
  return Promise.all(
    properties.map((property) =>
      limit(async () => {
        const outcome = await reconcileOne(property);
        onDone?.(property, outcome);
        return outcome;
      }),
    ),
  );
}
