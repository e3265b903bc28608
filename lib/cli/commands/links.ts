/**
 * `contact-sync links`: a property's links, one row per ResMan person, streamed as CSV (with a
 * header row) or as a JSON array, one link per line (`--format json`, or `--json` like every other
 * command).
 */
import { type Command, Option } from "commander";
import { stringify } from "csv-stringify";
import { propertyOf } from "../../app/propertyRules.js";
import { type CommandContext, withStores } from "../context.js";
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
        const links = stores.reports.links(property.id);
        if (options.format === "json" || options.json === true) {
          let first = true;
          io.stdout.write("[");
          for await (const link of links) {
            io.stdout.write(
              `${first ? "\n" : ",\n"}  ${JSON.stringify({
                resman_contact_id: link.personId,
                user_id: link.userId,
                sync_status: link.syncStatus,
                match_score: link.matchScore,
              })}`,
            );
            first = false;
          }
          io.stdout.write(first ? "]\n" : "\n]\n");
          return;
        }
        const csv = stringify({
          header: true,
          columns: ["resman_contact_id", "user_id", "sync_status", "match_score"],
        });
        csv.on("data", (chunk: Buffer) => io.stdout.write(chunk.toString()));
        const done = new Promise<void>((resolve, reject) => {
          csv.on("end", resolve);
          csv.on("error", reject);
        });
        for await (const link of links) {
          csv.write([link.personId, link.userId, link.syncStatus, link.matchScore]);
        }
        csv.end();
        await done;
      });
    });
}
