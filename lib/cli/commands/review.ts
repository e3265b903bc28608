/**
 * `contact-sync review`: the review queue of possible duplicates — `list` (`reviewList.ts`)
 * pages through the open items, `approve` merges an item's two contacts, `reject` keeps them
 * apart for good (`lib/app/review.ts`).
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { systemClock } from "../../app/ports.js";
import { approveReview, rejectReview, type Survivor } from "../../app/review.js";
import { type CommandContext, withStores } from "../context.js";
import { guid } from "../options.js";
import { plural } from "../output.js";
import { registerReviewList } from "./reviewList.js";

/** `--by`: who decided a review item, as stored with it. */
function decidedBy(value: string): string {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed.length > 200) {
    throw new InvalidArgumentError("must be 1 to 200 characters");
  }
  return trimmed;
}

/** Registers `review` and its subcommands `list`, `approve` and `reject`. */
export function registerReview(program: Command, context: CommandContext): void {
  const { io } = context;
  const review = program
    .command("review")
    .summary("list, approve or reject possible duplicates (the review queue)")
    .description(
      "The review queue: a ResMan person or chatbot lead that scored between the review and auto-merge thresholds against an existing contact got a contact of its own (its link pending) and a review item proposing the pair. Approve an item to merge the two (undo with `contact-sync unmerge`), reject it to keep them apart for good.",
    );
  registerReviewList(review, context);
  review
    .command("approve")
    .summary("merge an item's contact into the contact it may be")
    .description(
      "Approve an open review item: its contact is merged into the existing contact as another record of the person (it fills blanks, DomIQ/ResMan differences follow the property's merge strategy; emails and phones that lose are kept as secondary values, names, birth date and address as variants), its links move there as merged, and the merge is recorded so `contact-sync unmerge` can undo it.",
    )
    .argument("<id>", "the review item (from `review list`)", guid)
    .option("--by <name>", "who decided (stored with the item)", decidedBy)
    .addOption(
      new Option(
        "--keep <contact>",
        "which contact survives: the existing one (candidate) or the record's (record)",
      )
        .choices(["candidate", "record"])
        .default("candidate"),
    )
    .addHelpText(
      "after",
      "\nExample:\n  contact-sync review approve 0b8e6f1e-8d0c-4f7e-9a43-2f5d1c3b7a90 --by jdoe\n" +
        "\nExit code: 0 when merged, 2 for an unknown or already decided item (nothing written).",
    )
    .action(async (id: string, options: { by?: string; keep: Survivor }) => {
      await withStores(context, async (stores) => {
        const done = await approveReview(
          { reviews: stores.reviews, clock: systemClock },
          { reviewId: id, decidedBy: options.by, survivor: options.keep },
        );
        const conflicts =
          done.conflicts > 0 ? `, ${done.conflicts} conflicting fields kept (links pending)` : "";
        io.stdout.write(
          `Approved review ${done.reviewId}: contact ${done.mergedContactId} merged into ${done.contactId} ` +
            `(merge ${done.mergeId}; ${plural(done.linksMoved, "link")} moved, ` +
            `${plural(done.fieldsChanged, "field")} changed${conflicts}).\n`,
        );
      });
    });
  review
    .command("reject")
    .summary("keep an item's two contacts apart for good")
    .description(
      "Reject an open review item: the two contacts stay separate, the record's link becomes success, and the pair is never proposed again.",
    )
    .argument("<id>", "the review item (from `review list`)", guid)
    .option("--by <name>", "who decided (stored with the item)", decidedBy)
    .addHelpText(
      "after",
      "\nExample:\n  contact-sync review reject 0b8e6f1e-8d0c-4f7e-9a43-2f5d1c3b7a90 --by jdoe\n" +
        "\nExit code: 0 when rejected, 2 for an unknown or already decided item (nothing written).",
    )
    .action(async (id: string, options: { by?: string }) => {
      await withStores(context, async (stores) => {
        const done = await rejectReview(
          { reviews: stores.reviews, clock: systemClock },
          { reviewId: id, decidedBy: options.by },
        );
        const link =
          done.linkStatus === null ? "" : ` (link ${done.linkId} is now ${done.linkStatus})`;
        io.stdout.write(
          `Rejected review ${done.reviewId}: contacts ${done.contactId} and ${done.candidateId} stay apart${link}.\n`,
        );
      });
    });
}
