/**
 * `contact-sync stats`: sync health per property — a table (`formatStats`, shared with
 * `npm start`) or JSON.
 */
import type { Command } from "commander";
import type { PropertyStats } from "../../app/ports.js";
import { type CommandContext, withStores } from "../context.js";
import { jsonOption } from "../options.js";
import { formatStats } from "../output.js";

/** Registers `stats`. */
export function registerStats(program: Command, context: CommandContext): void {
  program
    .command("stats")
    .summary("sync health per property")
    .description(
      "Sync health per property: contacts, links by status and the sync success rate from the contact_sync_success_rate view (percent of links in status success or merged).",
    )
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }) => {
      await withStores(context, async (stores) => {
        const stats = await stores.reports.stats();
        context.io.stdout.write(
          options.json ? `${JSON.stringify(statsRecords(stats), null, 2)}\n` : formatStats(stats),
        );
      });
    });
}

/**
 * Sync health per property for `stats --json`. Keys are snake_case like the
 * `contact_sync_success_rate` view's columns and the `links` output, so scripts see one naming.
 */
function statsRecords(stats: readonly PropertyStats[]) {
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
  }));
}
