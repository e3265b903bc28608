/**
 * `contact-sync stats`: sync health per property — a table (`formatStats`, shared with
 * `npm start`) or JSON.
 */
import type { Command } from "commander";
import type { PropertyStats } from "../../app/ports.js";
import { type CommandContext, withStores } from "../context.js";
import { jsonOption } from "../options.js";
import { formatStats, type ReconcileSummary, reconcileSummaries } from "../output.js";

/** Registers `stats`. */
export function registerStats(program: Command, context: CommandContext): void {
  program
    .command("stats")
    .summary("sync health per property")
    .description(
      "Sync health per property: contacts, links by status, the sync success rate from the contact_sync_success_rate view (percent of links in status success or merged), outbound events waiting, and for properties registered for reconciliation the last run, its age and STALE when the last good run is older than two periods (RECONCILE_PERIOD_MINUTES, default 15).",
    )
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }) => {
      await withStores(context, async (stores) => {
        const stats = await stores.reports.stats();
        const reconciliation = reconcileSummaries(
          await stores.reconcile.registered(),
          await stores.reconcile.health(),
          new Date(),
          context.config().reconcile.periodMinutes,
        );
        context.io.stdout.write(
          options.json
            ? `${JSON.stringify(statsRecords(stats, reconciliation), null, 2)}\n`
            : formatStats(stats, reconciliation),
        );
      });
    });
}

/**
 * Sync health per property for `stats --json`. Keys are snake_case like the
 * `contact_sync_success_rate` view's columns and the `links` output, so scripts see one naming.
 */
function statsRecords(
  stats: readonly PropertyStats[],
  reconciliation: ReadonlyMap<string, ReconcileSummary>,
) {
  return stats.map((s) => ({
    property_id: s.propertyId,
    name: s.name,
    resman_property_id: s.resmanPropertyId,
    contacts: s.contacts,
    links: s.links,
    success: s.success,
    merged: s.merged,
    pending: s.pending,
    failed: s.failed,
    sync_success_rate: s.syncSuccessRate,
    merged_contacts: s.mergedContacts,
    events_waiting: s.eventsWaiting,
    oldest_event_waiting_at: s.oldestWaiting?.toISOString() ?? null,
    reconciliation: reconcileRecord(reconciliation.get(s.propertyId)),
  }));
}

/** A property's reconciliation in `stats --json`; null when it is not registered. */
function reconcileRecord(summary: ReconcileSummary | undefined) {
  if (summary === undefined) return null;
  return {
    enabled: summary.enabled,
    last_status: summary.lastStatus,
    last_run_age_seconds: summary.ageSeconds === null ? null : Math.round(summary.ageSeconds),
    stale: summary.stale,
  };
}
