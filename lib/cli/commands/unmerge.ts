/**
 * `contact-sync unmerge`: undoes a merge of a contact (`lib/app/unmerge.ts`) and says what came
 * back, in a line or as JSON.
 */
import type { Command } from "commander";
import { systemClock } from "../../app/ports.js";
import { type UnmergeResult, unmerge } from "../../app/unmerge.js";
import { type CommandContext, withStores } from "../context.js";
import { guid, jsonOption } from "../options.js";
import { plural } from "../output.js";

/** Registers `unmerge`. */
export function registerUnmerge(program: Command, context: CommandContext): void {
  program
    .command("unmerge")
    .summary("undo a merge of a contact")
    .description(
      "Undo a merge: by default the most recent one into the contact not yet undone; given a contact that was merged away, the merge that absorbed it; or the one named by --merge. The surviving contact's fields the merge changed get their earlier values back unless they were changed since; a merged contact comes back as it was, with its links and its review item (open again); a ResMan person linked by matching gets a contact of its own again.",
    )
    .argument("<user-id>", "the contact (survivor or merged away)", guid)
    .option("--merge <id>", "the merge history row to undo", guid)
    .addOption(jsonOption())
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  contact-sync unmerge 5d0c1b7e-2f3a-4c4d-8e9f-0a1b2c3d4e5f\n" +
        "  contact-sync unmerge 5d0c1b7e-2f3a-4c4d-8e9f-0a1b2c3d4e5f --merge 9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b\n" +
        "\nExit code: 0 when undone, 2 when there is nothing to undo (nothing written).",
    )
    .action(async (userId: string, options: { merge?: string; json?: boolean }) => {
      await withStores(context, async (stores) => {
        const done = await unmerge(
          { reviews: stores.reviews, clock: systemClock },
          { userId, mergeId: options.merge },
        );
        context.io.stdout.write(
          options.json ? `${JSON.stringify(unmergeRecord(done), null, 2)}\n` : formatUnmerge(done),
        );
      });
    });
}

/** `unmerge --json`: snake_case like every JSON the CLI prints. */
function unmergeRecord(done: UnmergeResult) {
  return {
    merge_id: done.mergeId,
    user_id: done.contactId,
    split_user_id: done.splitContactId,
    kind: done.kind,
    fields_restored: done.fieldsRestored,
    versions_restored: done.versionsRestored,
    fields_kept: done.fieldsKept,
    links_moved: done.linksMoved,
    links_missing: done.linksMissing,
    review_id: done.reviewId,
  };
}

/** What `unmerge` prints: the merge undone, the contact split off, what moved back. */
function formatUnmerge(done: UnmergeResult): string {
  const reopened = done.reviewId === null ? "" : `; review ${done.reviewId} is open again`;
  const missing =
    done.linksMissing === 0 ? "" : `; ${plural(done.linksMissing, "link")} had moved on since`;
  return (
    `Undid merge ${done.mergeId}: contact ${done.splitContactId} split from ${done.contactId} ` +
    `(${plural(done.fieldsRestored, "field")} restored, ${done.fieldsKept} kept as changed since; ` +
    `${plural(done.linksMoved, "link")} moved${missing}${reopened}).\n`
  );
}
