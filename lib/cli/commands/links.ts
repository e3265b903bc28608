/**
 * `contact-sync links`: a property's links, one row per ResMan person, streamed as CSV (with a
 * header row) or as a JSON array, one link per line (`--format json`, or `--json` like every other
 * command), at the pace of whoever reads it.
 */
import { type Command, Option } from "commander";
import { stringify } from "csv-stringify/sync";
import type { LinkListing } from "../../app/ports.js";
import { propertyOf } from "../../app/propertyRules.js";
import { type CommandContext, type Terminal, withStores, writeAtPace } from "../context.js";
import { jsonOption, propertyOption } from "../options.js";

/** Registers `links`. */
export function registerLinks(program: Command, context: CommandContext): void {
  const { io } = context;
  program
    .command("links")
    .summary("list a property's links (CSV or JSON)")
    .description(
      "List a property's links, one row per ResMan person, with the columns resman_contact_id,user_id,sync_status,match_score.",
    )
    .addOption(propertyOption())
    .addOption(
      new Option("--format <format>", "output format").choices(["csv", "json"]).default("csv"),
    )
    .addOption(jsonOption("same as --format json").conflicts("format"))
    .action(async (options: { property: string; format: "csv" | "json"; json?: true }) => {
      await withStores(context, async (stores) => {
        const property = await propertyOf(stores, options.property);
        const json = options.format === "json" || options.json === true;
        await writeLinks(io.stdout, stores.reports.links(property.id), json ? asJson : asCsv);
      });
    });
}

/** Links formatted per write: one write per this many, then a wait if the reader is behind. */
const LINKS_PER_WRITE = 1_000;

/** How links are printed: what comes before them, each one, and what closes them. */
interface LinkFormat {
  head: string;
  /** The text of a batch of links, `first` when nothing was printed before it. */
  batch(links: readonly LinkListing[], first: boolean): string;
  /** What closes the output, `empty` when no link was printed. */
  tail(empty: boolean): string;
}

const COLUMNS = ["resman_contact_id", "user_id", "sync_status", "match_score"];

/** CSV with a header row (csv-stringify quotes where needed). */
const asCsv: LinkFormat = {
  head: stringify([COLUMNS]),
  batch: (links) =>
    stringify(links.map((link) => [link.personId, link.userId, link.syncStatus, link.matchScore])),
  tail: () => "",
};

/** A JSON array, one link a line. */
const asJson: LinkFormat = {
  head: "[",
  batch: (links, first) =>
    links
      .map(
        (link, i) =>
          `${first && i === 0 ? "\n" : ",\n"}  ${JSON.stringify({
            resman_contact_id: link.personId,
            user_id: link.userId,
            sync_status: link.syncStatus,
            match_score: link.matchScore,
          })}`,
      )
      .join(""),
  tail: (empty) => (empty ? "]\n" : "\n]\n"),
};

/**
 * Streams the links in batches, each written at the reader's pace (`writeAtPace`): a million
 * links piped into `less` hold one batch in memory, not the whole output.
 */
async function writeLinks(
  out: Terminal,
  links: AsyncIterable<LinkListing>,
  format: LinkFormat,
): Promise<void> {
  await writeAtPace(out, format.head);
  let batch: LinkListing[] = [];
  let first = true;
  const flush = async () => {
    await writeAtPace(out, format.batch(batch, first));
    first = false;
    batch = [];
  };
  for await (const link of links) {
    batch.push(link);
    if (batch.length === LINKS_PER_WRITE) await flush();
  }
  if (batch.length > 0) await flush();
  await writeAtPace(out, format.tail(first));
}
