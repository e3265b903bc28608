/**
 * The rules of a reconciliation run, as pure functions: which modification window to read,
 * whether the roster is due, what changed on the roster since the last read, and the run's
 * status from its outcome. `lib/app/reconcileProperty.ts` applies them.
 *
 * Never skip a change: a window starts at the cursor minus an overlap (records stamped just
 * before the previous window's end, or committed in ResMan after it was read, are read again;
 * the sync path treats a version it has already applied as a replay), and a cursor only moves
 * to a window's end once every person of the window was synced or enqueued.
 */
import { createHash } from "node:crypto";
import type { PersonStatus } from "./person.js";

/** Which ResMan API a property is read through. */
export const resmanApis = ["v2", "v1"] as const;
export type ResmanApi = (typeof resmanApis)[number];

/**
 * What a reconciliation reads. `prospects` and `leases` are read incrementally by modification
 * time; `roster` is the full list of applicants and residents, diffed against the previous one.
 */
export const resmanResources = ["prospects", "leases", "roster"] as const;
export type ResmanResource = (typeof resmanResources)[number];
export type IncrementalResource = Exclude<ResmanResource, "roster">;

/** A modification-time window: `since` inclusive, `until` the moment the read began. */
export interface ResmanWindow {
  since: Date;
  until: Date;
}

export const reconcileRunStatuses = ["running", "ok", "partial", "failed", "auth_failed"] as const;
export type ReconcileRunStatus = (typeof reconcileRunStatuses)[number];

/** How far back a window reaches before its cursor. */
export const WINDOW_OVERLAP_MS = 5 * 60 * 1000;

/**
 * The window to read next: from the cursor minus the overlap (or from the backfill date on a
 * first or `--full` run) to now. `since` is never after `until`: ResMan refuses a
 * `modifiedSince` in the future, and a clock that went back must not make one.
 */
export function nextWindow(options: {
  cursor: Date | null;
  now: Date;
  backfillSince: Date;
  full: boolean;
}): ResmanWindow {
  const { cursor, now, backfillSince, full } = options;
  const start =
    full || cursor === null ? backfillSince : new Date(cursor.getTime() - WINDOW_OVERLAP_MS);
  return { since: start.getTime() > now.getTime() ? now : start, until: now };
}

/** The share of the roster period by which a property's roster may come due early. */
export const ROSTER_SPREAD = 0.1;

/**
 * A property's fixed place in the roster spread, in [0, 1): from its id, so it stays the same
 * run after run. Properties registered together would otherwise read their rosters (the
 * largest reads) in the same period, every period after.
 */
export function rosterOffset(propertyId: string): number {
  return createHash("sha256").update(propertyId).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Whether the roster is read this run: never read, `--full`, or last read `rosterHours` ago,
 * less the property's place in the spread (`offset` × `ROSTER_SPREAD` of the period: up to
 * 2.4 hours early for a daily roster), so a portfolio's roster reads spread over many periods.
 */
export function rosterDue(options: {
  lastRead: Date | null;
  now: Date;
  rosterHours: number;
  full: boolean;
  /** `rosterOffset(propertyId)`; 0 when absent. */
  offset?: number;
}): boolean {
  const { lastRead, now, rosterHours, full, offset = 0 } = options;
  if (full || lastRead === null) return true;
  const period = rosterHours * 3_600_000;
  return now.getTime() - lastRead.getTime() >= period * (1 - ROSTER_SPREAD * offset);
}

/** A roster entry as kept between reads: ids, status and digest only. */
export interface RosterEntry {
  personId: string;
  status: PersonStatus;
  digest: string;
}

export interface RosterDiff<P> {
  /** On the roster for the first time, or different from the last read. */
  changed: P[];
  /** On the last read and gone now: to deactivate. */
  gone: RosterEntry[];
  unchanged: number;
}

/**
 * What changed on a roster since the last read. `current` pairs each person with its entry; a
 * PersonID listed twice (a person on two leases) counts once, the first listing winning.
 */
export function diffRoster<P>(
  previous: ReadonlyMap<string, RosterEntry>,
  current: readonly { person: P; entry: RosterEntry }[],
): RosterDiff<P> {
  const seen = new Set<string>();
  const changed: P[] = [];
  let unchanged = 0;
  for (const { person, entry } of current) {
    if (seen.has(entry.personId)) continue;
    seen.add(entry.personId);
    if (previous.get(entry.personId)?.digest === entry.digest) unchanged += 1;
    else changed.push(person);
  }
  const gone = [...previous.values()].filter((entry) => !seen.has(entry.personId));
  return { changed, gone, unchanged };
}

/** How a run's resources ended. */
export interface ResourceOutcomes {
  /** Resources read and fully synced (their cursor moved). */
  done: number;
  /** Resources that failed (their cursor stayed). */
  failed: number;
  /** ResMan refused the credentials. */
  authFailed: boolean;
}

/**
 * The error code of a run stopped before it finished — asked to (Ctrl-C), or its process died
 * (found by the next run) — and of the resource it was syncing then.
 */
export const INTERRUPTED = "interrupted";

/** A run's status: every resource done, some, none, or the credentials refused. */
export function runStatusOf(outcomes: ResourceOutcomes): Exclude<ReconcileRunStatus, "running"> {
  if (outcomes.authFailed) return "auth_failed";
  if (outcomes.failed === 0) return "ok";
  return outcomes.done > 0 ? "partial" : "failed";
}

/**
 * Whether a property's reconciliation is stale: its last good run is older than two periods of
 * the schedule (one missed run is a hiccup, two are a problem), or it never had one.
 */
export function isStale(lastOkAt: Date | null, now: Date, periodMinutes: number): boolean {
  if (lastOkAt === null) return true;
  return now.getTime() - lastOkAt.getTime() > 2 * periodMinutes * 60_000;
}
