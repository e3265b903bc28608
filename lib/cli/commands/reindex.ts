/**
 * `contact-sync reindex`: recomputes the live contacts' blocking keys (all, or one property's)
 * and counts what it checked and rewrote, with a progress line every interval on stderr; Ctrl-C
 * stops it after the page in progress (`interrupt.ts`).
 */
import { performance } from "node:perf_hooks";
import type { Command } from "commander";
import { reindexBlockKeys } from "../../adapters/db/reindexRepository.js";
import { storesOn } from "../../adapters/db/stores.js";
import { propertyOf } from "../../app/propertyRules.js";
import { type CommandContext, EXIT_INTERRUPTED, ExitError, withDatabase } from "../context.js";
import { listenForInterrupt } from "../interrupt.js";
import { jsonOption, propertyFilterOption } from "../options.js";
import { counted, number, plural } from "../output.js";

/** Registers `reindex`. */
export function registerReindex(program: Command, { io, config }: CommandContext): void {
  program
    .command("reindex")
    .summary("recompute the contacts' blocking keys")
    .description(
      "Recompute every live contact's blocking keys (how candidates are found) from its values. Run it once after an upgrade that changes how blocking keys are built; contacts written before blocking keys existed are otherwise found only through their exact email, phone and name + birth date until their next write. Safe to run while syncs run (a contact written meanwhile is skipped: that write computed its keys) and to repeat.",
    )
    .addOption(propertyFilterOption())
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nProgress: a line on stderr every 10 s (CONTACT_SYNC_PROGRESS_INTERVAL_MS). Ctrl-C stops\n" +
        "after the page of contacts in progress (a second Ctrl-C at once), exit 130: what was\n" +
        "rewritten stands; run it again to finish.",
    )
    .action(async (options: { property?: string; json?: boolean }) => {
      const settings = config();
      /** The exit code of the signal that came, if one did. */
      let signalled: number | undefined;
      const done = await withDatabase(settings, async (handle) => {
        const propertyId =
          options.property === undefined
            ? undefined
            : (await propertyOf(storesOn(handle), options.property)).id;
        // Listened for once the database is open: a Ctrl-C while it opens ends it at once.
        const interruption = listenForInterrupt(
          io,
          "stopping after the contacts in progress; what was rewritten stands (again to stop at once).",
        );
        let printed = performance.now();
        try {
          return await reindexBlockKeys(handle.db, {
            propertyId,
            signal: interruption.signal,
            onPage: (progress) => {
              if (performance.now() - printed < settings.progressIntervalMs) return;
              printed = performance.now();
              io.stderr.write(
                `reindex progress: ${counted(progress.contacts, "contact")} checked, ${number.format(progress.rewritten)} rewritten\n`,
              );
            },
          });
        } finally {
          interruption.dispose();
          signalled = interruption.exitCode();
        }
      });
      io.stdout.write(
        options.json
          ? `${JSON.stringify({ contacts: done.contacts, rewritten: done.rewritten, interrupted: done.interrupted === true })}\n`
          : `Checked ${plural(done.contacts, "contact")}; rewrote the blocking keys of ${done.rewritten}.\n${
              done.interrupted !== true
                ? ""
                : "Interrupted: run the same command again to finish (it checks every contact again and rewrites only the keys still stale).\n"
            }`,
      );
      if (done.interrupted === true) throw new ExitError(signalled ?? EXIT_INTERRUPTED);
    });
}
