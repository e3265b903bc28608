/**
 * `contact-sync reindex`: recomputes the live contacts' blocking keys (all, or one property's)
 * and counts what it checked and rewrote.
 */
import type { Command } from "commander";
import { reindexBlockKeys } from "../../adapters/db/reindexRepository.js";
import { storesOn } from "../../adapters/db/stores.js";
import { propertyOf } from "../../app/propertyRules.js";
import { type CommandContext, withDatabase } from "../context.js";
import { jsonOption, propertyFilterOption } from "../options.js";
import { plural } from "../output.js";

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
    .action(async (options: { property?: string; json?: boolean }) => {
      await withDatabase(config(), async (handle) => {
        const propertyId =
          options.property === undefined
            ? undefined
            : (await propertyOf(storesOn(handle), options.property)).id;
        const done = await reindexBlockKeys(handle.db, { propertyId });
        io.stdout.write(
          options.json
            ? `${JSON.stringify({ contacts: done.contacts, rewritten: done.rewritten })}\n`
            : `Checked ${plural(done.contacts, "contact")}; rewrote the blocking keys of ${done.rewritten}.\n`,
        );
      });
    });
}
