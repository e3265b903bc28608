/**
 * `contact-sync review list`: a page of the open review items (`lib/app/review.ts`), as tables
 * per property with a footer that counts every open item and names the next page's cursor, or
 * as JSON. Ids, scores and comparison levels only: never a name, email, phone or birth date.
 */
import Table from "cli-table3";
import { type Command, InvalidArgumentError, Option } from "commander";
import { propertyOf } from "../../app/propertyRules.js";
import {
  type ListedReview,
  type ListedReviewPage,
  listReviews,
  MAX_REVIEW_PAGE_SIZE,
  REVIEW_PAGE_SIZE,
} from "../../app/review.js";
import { reviewFields } from "../../domain/review.js";
import { type CommandContext, withStores } from "../context.js";
import { guid, jsonOption, propertyFilterOption } from "../options.js";
import { counted, number, plain } from "../output.js";

type Order = "oldest" | "newest";

/** The options of `review list`, as commander parsed them. */
interface ReviewListOptions {
  property?: string;
  limit: number;
  after?: string;
  order: Order;
  json?: boolean;
}

/** `--limit`: 1 to the largest page. */
function pageSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`must be an integer from 1 to ${MAX_REVIEW_PAGE_SIZE}`);
  }
  if (n > MAX_REVIEW_PAGE_SIZE) {
    throw new InvalidArgumentError(`must be at most ${MAX_REVIEW_PAGE_SIZE}`);
  }
  return n;
}

/** Registers `list` under `review`. */
export function registerReviewList(review: Command, context: CommandContext): void {
  review
    .command("list")
    .summary("list open review items, a page at a time")
    .description(
      "List open review items, oldest first (or newest first), a page at a time, per property: the contact created for the record under review, the existing contact it may be, the score and each field's comparison level (ids and levels only, never personal values). The footer counts every open item (of the property) and names the cursor of the next page.",
    )
    .addOption(propertyFilterOption())
    .option(
      "--limit <n>",
      `items per page (at most ${MAX_REVIEW_PAGE_SIZE})`,
      pageSize,
      REVIEW_PAGE_SIZE,
    )
    .option(
      "--after <id>",
      "start after this review item (the cursor the previous page names)",
      guid,
    )
    .addOption(
      new Option("--order <order>", "creation order of the items")
        .choices(["oldest", "newest"])
        .default("oldest"),
    )
    .addOption(jsonOption("{ total, items, next_after }"))
    .addHelpText(
      "after",
      "\nPages are cut in the database by (creation time, id): an item decided or added while\n" +
        "you page shifts no other item. Give the next page the same --property and --order.\n" +
        "\nExamples:\n" +
        "  contact-sync review list\n" +
        "  contact-sync review list --property 6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b --json\n" +
        "  contact-sync review list --limit 200 --after 0b8e6f1e-8d0c-4f7e-9a43-2f5d1c3b7a90\n" +
        "\nExit code: 0 when listed, 2 for an unknown property or --after item, or a bad option.",
    )
    .action(async (options: ReviewListOptions) => {
      await withStores(context, async (stores) => {
        const propertyId =
          options.property === undefined
            ? undefined
            : (await propertyOf(stores, options.property)).id;
        const page = await listReviews(stores, {
          propertyId,
          limit: options.limit,
          after: options.after,
          order: options.order,
        });
        context.io.stdout.write(
          options.json
            ? `${JSON.stringify(reviewPageRecord(page), null, 2)}\n`
            : formatReviewPage(page, options),
        );
      });
    });
}

/** `review list --json`: the count of open items, the page's items (snake_case) and the cursor. */
export function reviewPageRecord(page: ListedReviewPage) {
  return {
    total: page.total,
    items: page.items.map((item) => ({
      id: item.id,
      property_id: item.propertyId,
      resman_property_id: item.resmanPropertyId,
      user_id: item.userId,
      candidate_id: item.candidateId,
      link_id: item.linkId,
      resman_contact_id: item.personId,
      score: item.score,
      levels: item.levels,
      guard: item.guard,
      created_at: item.createdAt.toISOString(),
    })),
    next_after: page.nextAfter,
  };
}

/** `7,678 open items`. */
function openItems(n: number): string {
  return counted(n, "open item");
}

/** A page as tables, one per property, and a footer: how many of all, and the next page. */
export function formatReviewPage(
  page: ListedReviewPage,
  query: { after?: string | undefined; order: Order },
): string {
  if (page.total === 0) return "No open review items.\n";
  if (page.items.length === 0) {
    return `No open review items after ${query.after}; ${openItems(page.total)} in all.\n`;
  }
  const lines = [formatReviews(page.items)];
  const shown = `Showing ${number.format(page.items.length)} of ${openItems(page.total)}`;
  const order = query.order === "newest" ? " --order newest" : "";
  if (page.nextAfter !== null) {
    lines.push(`${shown}; next page:${order} --after ${page.nextAfter}`);
  } else {
    lines.push(page.items.length < page.total ? `${shown}; last page.` : `${shown}.`);
  }
  lines.push(
    "`contact-sync review approve <review>` merges the contact into the one it may be; `review reject <review>` keeps them apart.",
  );
  return `${lines.join("\n")}\n`;
}

/** Items as tables, one per property (in the order they come): ids, score and each field's level. */
function formatReviews(items: readonly ListedReview[]): string {
  const byProperty = new Map<string, ListedReview[]>();
  for (const item of items) {
    const group = byProperty.get(item.propertyId) ?? [];
    group.push(item);
    byProperty.set(item.propertyId, group);
  }
  const lines: string[] = [];
  for (const [propertyId, group] of byProperty) {
    const resman = group[0]?.resmanPropertyId;
    lines.push(
      `Property ${resman ?? propertyId}${resman ? ` (contact-sync id ${propertyId})` : ""}`,
    );
    const table = new Table({
      ...plain,
      head: ["review", "contact", "may be contact", "score", "levels", "created"],
    });
    for (const item of group) {
      const levels = reviewFields
        // Missing fields carry no evidence either way; JSON lists them too.
        .flatMap((field) => {
          const level = item.levels[field];
          return level === undefined || level === "missing" ? [] : [`${field} ${level}`];
        })
        .join("\n");
      table.push([
        item.id,
        item.userId,
        item.candidateId,
        item.score.toFixed(2),
        item.guard === null ? levels : `${levels}\nheld back: ${item.guard}`,
        item.createdAt.toISOString().slice(0, 19).replace("T", " "),
      ]);
    }
    lines.push(table.toString());
  }
  return lines.join("\n");
}
