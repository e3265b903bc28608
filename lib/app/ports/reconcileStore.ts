/**
 * The reconciliation's own state: which properties are registered for it (the property
 * registry), one run at a time per property (a claim), how far each resource was read (cursors),
 * the last roster read (ids, statuses and digests) and one row per run.
 */
import type { PersonStatus } from "../../domain/person.js";
import type { PropertyRegistration } from "../../domain/propertyRegistration.js";
import type {
  ReconcileRunStatus,
  ResmanApi,
  ResmanResource,
  RosterEntry,
} from "../../domain/reconcileRun.js";

export type { PropertyRegistration } from "../../domain/propertyRegistration.js";

/** A property as the registry knows it. */
export interface RegisteredProperty {
  /** contact-sync's property id. */
  id: string;
  name: string;
  resmanPropertyId: string;
  resmanAccountId: number;
  api: ResmanApi;
  /** Reconciled by the schedule and `reconcile --all`. */
  enabled: boolean;
}

/** The end of the last fully synced window per resource (for `roster`: the last full read). */
export type ReconcileCursors = Partial<Record<ResmanResource, Date>>;

/** What a run did, person by person. */
export interface ReconcileCounts {
  /** People read from ResMan (every record of every resource read). */
  fetched: number;
  /** People handed to the sync queue (Lambda runs) instead of synced in process. */
  enqueued: number;
  created: number;
  updated: number;
  merged: number;
  unchanged: number;
  /** People gone from the roster and deactivated. */
  deactivated: number;
  /** People whose contact waits for review. */
  review: number;
  /** People the sync path refused or could not sync. */
  failed: number;
  /** Records that could not become a person. */
  unreadable: number;
}

/**
 * Error codes of a run by resource; `run` for the run as a whole (`interrupted`: the process
 * died before it finished, found by the next run). Never a message from ResMan.
 */
export type RunErrors = Partial<Record<ResmanResource | "run", string>>;

/** One run of one property, as stored (and printed by `reconcile --json`). */
export interface ReconcileRunRecord extends ReconcileCounts {
  id: string;
  propertyId: string;
  resmanPropertyId: string;
  startedAt: Date;
  finishedAt: Date | null;
  status: ReconcileRunStatus;
  full: boolean;
  cursorsBefore: ReconcileCursors;
  cursorsAfter: ReconcileCursors | null;
  errors: RunErrors | null;
}

/** The newest run of a property and its newest good (`ok`) run, for `stats`. */
export interface ReconcileHealth {
  propertyId: string;
  lastRun: ReconcileRunRecord | null;
  lastOkAt: Date | null;
}

export interface ReconcileStore {
  /** Registers a property (or updates its registration): `created` when it was new. */
  register(
    registration: PropertyRegistration,
  ): Promise<{ property: RegisteredProperty; created: boolean }>;
  /**
   * Registers (or updates) many properties all together or none (one transaction, a statement
   * for up to a few hundred): a portfolio's file. Their ResMan property ids must differ. The
   * results in the order given.
   */
  registerAll(
    registrations: readonly PropertyRegistration[],
  ): Promise<{ property: RegisteredProperty; created: boolean }[]>;
  /** Enables or disables a registered property; null when no such registered property. */
  setEnabled(idOrResmanId: string, enabled: boolean): Promise<RegisteredProperty | null>;
  /** Every registered property (with a ResMan id and account), enabled or not. */
  registered(): Promise<RegisteredProperty[]>;
  /**
   * Claims the property for the run `runToken` until `until`, or renews that run's claim; false
   * when another run holds it (a claim nobody renews expires: a crashed run blocks nothing long).
   */
  claim(propertyId: string, runToken: string, until: Date): Promise<boolean>;
  /** Ends the run's claim (a claim another run has taken over is left alone). */
  release(propertyId: string, runToken: string): Promise<void>;
  cursors(propertyId: string): Promise<ReconcileCursors>;
  /** Moves a cursor forward (never back). */
  moveCursor(propertyId: string, resource: ResmanResource, until: Date): Promise<void>;
  /** The last roster read, by PersonID. */
  roster(propertyId: string): Promise<Map<string, RosterEntry>>;
  /** Records the roster that was just read and synced (replacing the last one). */
  replaceRoster(propertyId: string, entries: readonly RosterEntry[]): Promise<void>;
  /**
   * Records a run as `running`. Runs of the property still `running` then (their process died:
   * this run holds the claim) become `failed` with `errors.run = "interrupted"`.
   */
  startRun(run: {
    propertyId: string;
    startedAt: Date;
    full: boolean;
    cursorsBefore: ReconcileCursors;
  }): Promise<string>;
  finishRun(
    runId: string,
    result: ReconcileCounts & {
      finishedAt: Date;
      status: Exclude<ReconcileRunStatus, "running">;
      cursorsAfter: ReconcileCursors;
      errors: RunErrors | null;
    },
  ): Promise<ReconcileRunRecord>;
  /** Per registered property: its last run and last good run. */
  health(): Promise<ReconcileHealth[]>;
}

export type { PersonStatus };
