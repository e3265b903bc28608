/**
 * The gauges of the service's health that no single invocation sees, read by the scheduled
 * reconciliation's fan-out once per period with one statement and written as metrics
 * (`OutboxWaiting`, `ReviewBacklog`, `ReconcileAgeMinutes`): what `contact-sync stats` shows per
 * property, as three numbers for the whole service. Counts and an age only.
 *
 * The age is that of the oldest last good (`ok`) reconciliation among the enabled registered
 * properties, from the given time: the "stale" signal (`stats` flags a property STALE after two
 * periods). A property that has run but never succeeded counts from its first run; one that
 * has not run yet counts 0 (its first run is at most one period away).
 */
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { toStoreError } from "../db/errors.js";
import { executeRows } from "../db/sqlRows.js";
import { type InvocationMetrics, METRIC } from "./metrics.js";

export interface HealthGauges {
  /** Outbound events not yet published. */
  outboxWaiting: number;
  /** Open review items. */
  reviewBacklog: number;
  /** Whole minutes since the oldest last good reconciliation of an enabled property (≥ 0). */
  reconcileAgeMinutes: number;
}

/** Reads the gauges (tests and the fan-out pass the database's own reader). */
export interface HealthGaugeReader {
  read(now: Date): Promise<HealthGauges>;
}

/** The gauges of this database, in one statement (partial and per-property indexes). */
export function healthGaugesOf(db: Database): HealthGaugeReader {
  return {
    async read(now) {
      const at = sql`${now.toISOString()}::timestamptz`;
      try {
        const [row] = await executeRows<{
          outbox_waiting: number;
          review_backlog: number;
          reconcile_age_seconds: number | string | null;
        }>(
          db,
          sql`select
            (select count(*)::int from outbox_event where published_at is null) as outbox_waiting,
            (select count(*)::int from contact_review where status = 'open') as review_backlog,
            (select max(extract(epoch from ${at} - coalesce(last_ok.finished_at, first_run.started_at, ${at})))::float8
               from property p
               left join lateral (
                 select r.finished_at from reconcile_run r
                  where r.property_id = p.id and r.status = 'ok'
                  order by r.started_at desc limit 1
               ) last_ok on true
               left join lateral (
                 select min(r.started_at) as started_at from reconcile_run r where r.property_id = p.id
               ) first_run on true
              where p.reconcile_enabled
                and p.resman_property_id is not null and p.resman_account_id is not null
            ) as reconcile_age_seconds`,
        );
        const seconds = Number(row?.reconcile_age_seconds ?? 0);
        return {
          outboxWaiting: Number(row?.outbox_waiting ?? 0),
          reviewBacklog: Number(row?.review_backlog ?? 0),
          reconcileAgeMinutes: Math.max(0, Math.floor(seconds / 60)),
        };
      } catch (error) {
        throw toStoreError(error, "read health gauges");
      }
    },
  };
}

/** Records the gauges as this invocation's metrics. */
export function recordHealthGauges(metrics: InvocationMetrics, gauges: HealthGauges): void {
  metrics.count(METRIC.outboxWaiting, gauges.outboxWaiting);
  metrics.count(METRIC.reviewBacklog, gauges.reviewBacklog);
  metrics.minutes(METRIC.reconcileAgeMinutes, gauges.reconcileAgeMinutes);
}
