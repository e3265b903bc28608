/**
 * `contact-sync prune`: deletes published outbound events and inbox entries older than their
 * retention, and counts what it deleted.
 */
import type { Command } from "commander";
import { pruneBookkeeping } from "../../adapters/db/retentionRepository.js";
import { InvalidInputError } from "../../domain/errors.js";
import { type CommandContext, withDatabase } from "../context.js";
import { jsonOption, positiveInteger } from "../options.js";

/** Registers `prune`. */
export function registerPrune(program: Command, { io, config }: CommandContext): void {
  program
    .command("prune")
    .summary("delete old published events and old inbox entries")
    .description(
      "Delete outbound events published more than --outbox-days ago (events still waiting are never deleted) and inbox entries (processed event ids) older than --inbox-days. The inbox must outlive every redelivery: keep it longer than the dead-letter queue's 14-day retention, or a message redriven after its entry was pruned would be applied again (harmlessly for a person version already applied, but an enrichment would be logged twice).",
    )
    .option("--outbox-days <n>", "keep published events this many days", positiveInteger, 7)
    .option(
      "--inbox-days <n>",
      "keep inbox entries this many days (at least 15)",
      positiveInteger,
      30,
    )
    .addOption(jsonOption())
    .action(async (options: { outboxDays: number; inboxDays: number; json?: boolean }) => {
      if (options.inboxDays < 15) {
        throw new InvalidInputError(
          "--inbox-days must be at least 15: the dead-letter queue keeps messages 14 days",
        );
      }
      await withDatabase(config(), async (handle) => {
        const day = 86_400_000;
        const now = Date.now();
        const pruned = await pruneBookkeeping(handle.db, {
          outboxBefore: new Date(now - options.outboxDays * day),
          inboxBefore: new Date(now - options.inboxDays * day),
        });
        io.stdout.write(
          options.json
            ? `${JSON.stringify({ outbox_rows: pruned.outboxRows, inbox_rows: pruned.inboxRows })}\n`
            : `Deleted ${pruned.outboxRows} published events and ${pruned.inboxRows} inbox entries.\n`,
        );
      });
    });
}
