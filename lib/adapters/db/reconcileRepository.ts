/**
 * The reconciliation's state in the database (`ReconcileStore`): the property registry (columns
 * of `property`), the per-property claim, cursors (`reconcile_cursor`), the last roster read
 * (`reconcile_roster`) and run rows (`reconcile_run`).
 */
import { and, desc, eq, getTableColumns, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type {
  PropertyRegistration,
  ReconcileCounts,
  ReconcileCursors,
  ReconcileHealth,
  ReconcileRunRecord,
  ReconcileStore,
  RegisteredProperty,
  RunErrors,
} from "../../app/ports/reconcileStore.js";
import { isGuid } from "../../domain/person.js";
import {
  INTERRUPTED,
  type ReconcileRunStatus,
  type ResmanResource,
  type RosterEntry,
  resmanResources,
} from "../../domain/reconcileRun.js";
import type { Database, Transaction } from "./client.js";
import { toStoreError } from "./errors.js";
import { property, reconcileCursor, reconcileRoster, reconcileRun } from "./schema.js";

/** Registrations per INSERT statement (5 parameters each, far below Postgres' 65,535). */
const REGISTRY_CHUNK = 500;

/** Roster rows per INSERT statement (4 parameters each, far below Postgres' 65,535). */
const ROSTER_CHUNK = 1_000;

type PropertyRow = typeof property.$inferSelect;
type RunRow = typeof reconcileRun.$inferSelect;

function registeredOf(row: PropertyRow): RegisteredProperty {
  return {
    id: row.id,
    name: row.name,
    resmanPropertyId: row.resmanPropertyId ?? "",
    resmanAccountId: row.resmanAccountId ?? 0,
    api: row.resmanApi,
    enabled: row.reconcileEnabled,
  };
}

/** Cursors as JSON (`{"prospects": "2026-…Z"}`) and back. */
function cursorsToJson(cursors: ReconcileCursors): Record<string, string> {
  return Object.fromEntries(
    Object.entries(cursors).map(([resource, at]) => [resource, (at as Date).toISOString()]),
  );
}

function cursorsFromJson(json: Record<string, string> | null): ReconcileCursors | null {
  if (json === null) return null;
  const cursors: ReconcileCursors = {};
  for (const resource of resmanResources) {
    const at = json[resource];
    if (at !== undefined) cursors[resource] = new Date(at);
  }
  return cursors;
}

function runOf(row: RunRow, resmanPropertyId: string): ReconcileRunRecord {
  return {
    id: row.id,
    propertyId: row.propertyId,
    resmanPropertyId,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    status: row.status,
    full: row.full,
    fetched: row.fetched,
    enqueued: row.enqueued,
    created: row.created,
    updated: row.updated,
    merged: row.merged,
    unchanged: row.unchanged,
    deactivated: row.deactivated,
    review: row.review,
    failed: row.failed,
    unreadable: row.unreadable,
    cursorsBefore: cursorsFromJson(row.cursorsBefore) ?? {},
    cursorsAfter: cursorsFromJson(row.cursorsAfter),
    errors: row.errors as RunErrors | null,
  };
}

/**
 * Registers properties with one statement for those named and one for the others (a name left
 * out is kept): one row per ResMan property GUID (`uq_property_resman_property`), so a second
 * `add`, or an `add` of a property an import or a webhook created, updates it. Their GUIDs must
 * differ (one statement cannot update a row twice).
 */
async function upsertRegistrations(
  db: Database | Transaction,
  registrations: readonly PropertyRegistration[],
): Promise<{ property: RegisteredProperty; created: boolean }[]> {
  const results: { property: RegisteredProperty; created: boolean }[] = [];
  for (const named of [true, false]) {
    const group = registrations.filter((r) => (r.name !== undefined) === named);
    if (group.length === 0) continue;
    const rows = await db
      .insert(property)
      .values(
        group.map((r) => ({
          name: r.name ?? `ResMan property ${r.resmanPropertyId}`,
          resmanPropertyId: r.resmanPropertyId,
          resmanAccountId: r.resmanAccountId,
          resmanApi: r.api,
          reconcileEnabled: r.enabled,
        })),
      )
      .onConflictDoUpdate({
        target: property.resmanPropertyId,
        set: {
          resmanAccountId: sql`excluded.resman_account_id`,
          resmanApi: sql`excluded.resman_api`,
          reconcileEnabled: sql`excluded.reconcile_enabled`,
          updatedAt: sql`now()`,
          ...(named ? { name: sql`excluded.name` } : {}),
        },
      })
      // `xmax = 0` only on a row this statement inserted.
      .returning({ ...getTableColumns(property), created: sql<boolean>`(xmax = 0)` });
    for (const { created, ...row } of rows) results.push({ property: registeredOf(row), created });
  }
  return results;
}

/** A property with both ResMan ids: what the registry lists. */
const hasResmanIds = and(isNotNull(property.resmanPropertyId), isNotNull(property.resmanAccountId));

export class DrizzleReconcileStore implements ReconcileStore {
  constructor(private readonly db: Database) {}

  async register(
    registration: PropertyRegistration,
  ): Promise<{ property: RegisteredProperty; created: boolean }> {
    try {
      const [result] = await upsertRegistrations(this.db, [registration]);
      if (result === undefined) throw new Error("no row returned");
      return result;
    } catch (error) {
      throw toStoreError(error, "register property");
    }
  }

  async registerAll(
    registrations: readonly PropertyRegistration[],
  ): Promise<{ property: RegisteredProperty; created: boolean }[]> {
    try {
      const byResmanId = await this.db.transaction(async (tx) => {
        const results = new Map<string, { property: RegisteredProperty; created: boolean }>();
        for (let i = 0; i < registrations.length; i += REGISTRY_CHUNK) {
          for (const result of await upsertRegistrations(
            tx,
            registrations.slice(i, i + REGISTRY_CHUNK),
          )) {
            results.set(result.property.resmanPropertyId, result);
          }
        }
        return results;
      });
      return registrations.map((registration) => {
        const result = byResmanId.get(registration.resmanPropertyId);
        if (result === undefined) throw new Error("a registration returned no row");
        return result;
      });
    } catch (error) {
      throw toStoreError(error, "register properties");
    }
  }

  async setEnabled(idOrResmanId: string, enabled: boolean): Promise<RegisteredProperty | null> {
    if (!isGuid(idOrResmanId)) return null;
    try {
      const rows = await this.db
        .update(property)
        .set({ reconcileEnabled: enabled, updatedAt: sql`now()` })
        .where(
          and(
            hasResmanIds,
            or(eq(property.resmanPropertyId, idOrResmanId), eq(property.id, idOrResmanId)),
          ),
        )
        .returning();
      return rows[0] === undefined ? null : registeredOf(rows[0]);
    } catch (error) {
      throw toStoreError(error, "enable property");
    }
  }

  async registered(): Promise<RegisteredProperty[]> {
    try {
      const rows = await this.db
        .select()
        .from(property)
        .where(hasResmanIds)
        .orderBy(property.name, property.id);
      return rows.map(registeredOf);
    } catch (error) {
      throw toStoreError(error, "list properties");
    }
  }

  async claim(propertyId: string, runToken: string, until: Date): Promise<boolean> {
    try {
      // One statement: of two runs claiming at once, the row lock lets one through and the
      // other re-reads the row it changed (and finds it held).
      const rows = await this.db
        .update(property)
        .set({ reconcileClaimedBy: runToken, reconcileClaimedUntil: until })
        .where(
          and(
            eq(property.id, propertyId),
            or(
              eq(property.reconcileClaimedBy, runToken),
              isNull(property.reconcileClaimedUntil),
              lt(property.reconcileClaimedUntil, sql`now()`),
            ),
          ),
        )
        .returning({ id: property.id });
      return rows.length > 0;
    } catch (error) {
      throw toStoreError(error, "claim property");
    }
  }

  async release(propertyId: string, runToken: string): Promise<void> {
    try {
      await this.db
        .update(property)
        .set({ reconcileClaimedBy: null, reconcileClaimedUntil: null })
        .where(and(eq(property.id, propertyId), eq(property.reconcileClaimedBy, runToken)));
    } catch (error) {
      throw toStoreError(error, "release property");
    }
  }

  async cursors(propertyId: string): Promise<ReconcileCursors> {
    try {
      const rows = await this.db
        .select()
        .from(reconcileCursor)
        .where(eq(reconcileCursor.propertyId, propertyId));
      return Object.fromEntries(rows.map((row) => [row.resource, row.readUntil]));
    } catch (error) {
      throw toStoreError(error, "read cursors");
    }
  }

  async moveCursor(propertyId: string, resource: ResmanResource, until: Date): Promise<void> {
    try {
      await this.db
        .insert(reconcileCursor)
        .values({ propertyId, resource, readUntil: until })
        .onConflictDoUpdate({
          target: [reconcileCursor.propertyId, reconcileCursor.resource],
          set: {
            readUntil: sql`greatest(${reconcileCursor.readUntil}, excluded.read_until)`,
            updatedAt: sql`now()`,
          },
        });
    } catch (error) {
      throw toStoreError(error, "move cursor");
    }
  }

  async roster(propertyId: string): Promise<Map<string, RosterEntry>> {
    try {
      const rows = await this.db
        .select({
          personId: reconcileRoster.personId,
          status: reconcileRoster.status,
          digest: reconcileRoster.digest,
        })
        .from(reconcileRoster)
        .where(eq(reconcileRoster.propertyId, propertyId));
      return new Map(rows.map((row) => [row.personId, row]));
    } catch (error) {
      throw toStoreError(error, "read roster");
    }
  }

  async replaceRoster(propertyId: string, entries: readonly RosterEntry[]): Promise<void> {
    try {
      await this.db.transaction(async (tx) => {
        await tx.delete(reconcileRoster).where(eq(reconcileRoster.propertyId, propertyId));
        for (let start = 0; start < entries.length; start += ROSTER_CHUNK) {
          const chunk = entries.slice(start, start + ROSTER_CHUNK);
          await tx.insert(reconcileRoster).values(
            chunk.map((entry) => ({
              propertyId,
              personId: entry.personId,
              status: entry.status,
              digest: entry.digest,
            })),
          );
        }
      });
    } catch (error) {
      throw toStoreError(error, "replace roster");
    }
  }

  async startRun(run: {
    propertyId: string;
    startedAt: Date;
    full: boolean;
    cursorsBefore: ReconcileCursors;
  }): Promise<string> {
    try {
      await this.db
        .update(reconcileRun)
        .set({ status: "failed", finishedAt: sql`now()`, errors: { run: INTERRUPTED } })
        .where(
          and(eq(reconcileRun.propertyId, run.propertyId), eq(reconcileRun.status, "running")),
        );
      const [row] = await this.db
        .insert(reconcileRun)
        .values({
          propertyId: run.propertyId,
          startedAt: run.startedAt,
          status: "running",
          full: run.full,
          cursorsBefore: cursorsToJson(run.cursorsBefore),
        })
        .returning({ id: reconcileRun.id });
      if (row === undefined) throw new Error("no row returned");
      return row.id;
    } catch (error) {
      throw toStoreError(error, "start run");
    }
  }

  async finishRun(
    runId: string,
    result: ReconcileCounts & {
      finishedAt: Date;
      status: Exclude<ReconcileRunStatus, "running">;
      cursorsAfter: ReconcileCursors;
      errors: RunErrors | null;
    },
  ): Promise<ReconcileRunRecord> {
    const { cursorsAfter, errors, ...rest } = result;
    try {
      const [row] = await this.db
        .update(reconcileRun)
        .set({ ...rest, cursorsAfter: cursorsToJson(cursorsAfter), errors })
        .where(eq(reconcileRun.id, runId))
        .returning();
      if (row === undefined) throw new Error("run row missing");
      const [owner] = await this.db
        .select({ resmanPropertyId: property.resmanPropertyId })
        .from(property)
        .where(eq(property.id, row.propertyId));
      return runOf(row, owner?.resmanPropertyId ?? "");
    } catch (error) {
      throw toStoreError(error, "finish run");
    }
  }

  async health(): Promise<ReconcileHealth[]> {
    try {
      const properties = await this.db
        .select({ id: property.id, resmanPropertyId: property.resmanPropertyId })
        .from(property)
        .where(hasResmanIds);
      const last = await this.db
        .selectDistinctOn([reconcileRun.propertyId])
        .from(reconcileRun)
        .orderBy(reconcileRun.propertyId, desc(reconcileRun.startedAt));
      const lastOk = await this.db
        .selectDistinctOn([reconcileRun.propertyId], {
          propertyId: reconcileRun.propertyId,
          finishedAt: reconcileRun.finishedAt,
        })
        .from(reconcileRun)
        .where(eq(reconcileRun.status, "ok"))
        .orderBy(reconcileRun.propertyId, desc(reconcileRun.startedAt));
      const lastBy = new Map(last.map((row) => [row.propertyId, row]));
      const okBy = new Map(lastOk.map((row) => [row.propertyId, row.finishedAt]));
      return properties.map(({ id, resmanPropertyId }) => {
        const run = lastBy.get(id);
        return {
          propertyId: id,
          lastRun: run === undefined ? null : runOf(run, resmanPropertyId ?? ""),
          lastOkAt: okBy.get(id) ?? null,
        };
      });
    } catch (error) {
      throw toStoreError(error, "read reconciliation health");
    }
  }
}
