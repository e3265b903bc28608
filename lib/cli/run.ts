/**
 * The `contact-sync` command. Every subcommand has `--help`; bad input ends with one line on
 * stderr and exit code 2, a failure while running with exit code 1. No stack trace is printed
 * unless `CONTACT_SYNC_DEBUG=1`.
 *
 * Over 500 lines as one thing: the command tree — every subcommand's declaration, options and
 * help text, and the one mapping from errors to exit codes — so that the CLI reads as one page
 * of commands. The work behind each command is a use case in `lib/app`; a command with output
 * of its own has its own module (`rulesSimulate.ts`, `reviewList.ts`, `output.ts`). Moving the
 * other commands to modules of their own is a change of its own, not done here.
 */
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { SQSClient } from "@aws-sdk/client-sqs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { stringify } from "csv-stringify";
import {
  type DatabaseHandle,
  openConfiguredDatabase,
  syncConcurrency,
} from "../adapters/db/client.js";
import type { EmbeddedOptions } from "../adapters/db/embeddedOwner.js";
import { StoreError } from "../adapters/db/errors.js";
import { newResmanPropertyContext } from "../adapters/db/propertyRepository.js";
import { reindexBlockKeys } from "../adapters/db/reindexRepository.js";
import { pruneBookkeeping } from "../adapters/db/retentionRepository.js";
import { createStores, type Stores } from "../adapters/db/stores.js";
import { type ImportFile, openImportFile } from "../adapters/files/importFile.js";
import {
  type MessageMoveTask,
  type RedriveStarted,
  redriveStatus,
  startRedrive,
} from "../adapters/queue/redrive.js";
import { importPeople, importTarget } from "../app/importPeople.js";
import { systemClock } from "../app/ports.js";
import {
  type RulesFileChange,
  type RulesView,
  rulesFileChange,
  showRules,
  updateRules,
} from "../app/propertyRules.js";
import { approveReview, rejectReview } from "../app/review.js";
import { unmerge } from "../app/unmerge.js";
import { type Config, ConfigError, parseConfig } from "../config.js";
import { MergeRefusedError } from "../domain/contactMerge.js";
import { ContactSyncError, InvalidInputError } from "../domain/errors.js";
import { isGuid } from "../domain/person.js";
import { type MergeStrategy, mergeStrategies } from "../domain/survivorship.js";
import { serveUntilStopped, startLocalStack } from "../local/start.js";
import { importProgress } from "./importProgress.js";
import {
  formatImportSummary,
  formatStats,
  formatUnknownColumns,
  importSummaryRecord,
  type Output,
  statsRecords,
} from "./output.js";
import { registerReviewList } from "./reviewList.js";
import { registerRulesSimulate } from "./rulesSimulate.js";

/** A stream the CLI writes to, and whether a person is watching it. */
export type Terminal = Output & { isTTY?: boolean | undefined; columns?: number | undefined };

/** What the CLI touches outside itself: injectable, so tests run it in process. */
export interface CliIo {
  stdout: Terminal;
  stderr: Terminal;
  env: NodeJS.ProcessEnv;
  /** Whether a person types at this command (stdin and stdout are terminals). */
  interactive?: boolean | undefined;
  /** AWS clients to use instead of building them from the environment (tests pass mocks). */
  aws?: { sqs?: SQSClient | undefined } | undefined;
}

/**
 * The configuration a command runs with: the environment's, and how to share the embedded
 * database with other processes (`--wait`, the command's name, where notices go).
 */
type CliConfig = Config & { readonly embedded: Partial<EmbeddedOptions> };

/** Default of `--wait`: seconds to wait for another process that holds the embedded database. */
const DEFAULT_WAIT_SECONDS = 30;

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function guid(value: string): string {
  if (!isGuid(value.trim())) throw new InvalidArgumentError("must be a GUID");
  return value.trim().toLowerCase();
}

/** The property named by a ResMan GUID or a contact-sync id; a one-line error when unknown. */
async function propertyOf(stores: Pick<Stores, "properties">, property: string) {
  const found = await stores.properties.findProperty(property);
  if (found === null) throw new InvalidInputError(`no property ${property}`);
  return found;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError("must be a whole number of seconds (0 or more)");
  }
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError("must be a positive integer");
  }
  return n;
}

/** A queue URL as SQS prints it (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
function queueUrl(value: string): string {
  const url = URL.parse(value.trim());
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new InvalidArgumentError("must be a queue URL (https://sqs.<region>.amazonaws.com/…)");
  }
  return value.trim();
}

/** `--by`: who decided a review item, as stored with it. */
function decidedBy(value: string): string {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed.length > 200) {
    throw new InvalidArgumentError("must be 1 to 200 characters");
  }
  return trimmed;
}

/** `1 link`, `2 links`. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** A run failed for a reason already reported; carries the exit code. */
class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/**
 * Runs `work` on the configured database and closes it. The embedded default is migrated on
 * open, unless the command migrates itself (`migrate`, `start`, on every driver).
 */
async function withDatabase<T>(
  config: CliConfig,
  work: (handle: DatabaseHandle) => Promise<T>,
  options: { migratesItself?: boolean } = {},
) {
  const handle = await openConfiguredDatabase(config, { embedded: config.embedded });
  try {
    if (handle.driver === "pglite" && !options.migratesItself) await handle.migrate();
    return await work(handle);
  } finally {
    await handle.close();
  }
}

/**
 * Runs `work` with the injected SQS client, or one built from the SDK's standard configuration
 * (region, credentials, `AWS_ENDPOINT_URL_SQS`) and closed afterwards.
 */
async function withSqs<T>(io: CliIo, work: (client: SQSClient) => Promise<T>): Promise<T> {
  const injected = io.aws?.sqs;
  const client = injected ?? new SQSClient({});
  try {
    if (injected === undefined) {
      // Otherwise the SDK's bare "Region is missing" surfaces as an unexplained failure.
      await client.config.region().catch(() => {
        throw new ConfigError("missing AWS region: set AWS_REGION (or a profile with a region)");
      });
    }
    return await work(client);
  } finally {
    if (injected === undefined) client.destroy();
  }
}

/** The options of `redrive`, as commander parsed them. */
interface RedriveCommandOptions {
  dlq?: string;
  to?: string;
  status?: boolean;
  json?: boolean;
}

/** What `redrive` prints once the move task started. */
function formatRedriveStarted(started: RedriveStarted): string {
  const count =
    started.approximateMessages === undefined
      ? "an unknown number of"
      : `about ${started.approximateMessages}`;
  return (
    `Redrive started: task ${started.taskHandle}\n` +
    `  from ${started.sourceArn}\n` +
    `  to   ${started.destinationArn ?? "the queues the messages came from"}\n` +
    `  ${count} messages to move\n` +
    "Follow it with `contact-sync redrive --status`.\n"
  );
}

/** `redrive --json`: snake_case like every JSON output of the CLI, null for unknown. */
function redriveStartedRecord(started: RedriveStarted) {
  return {
    task_handle: started.taskHandle,
    source_arn: started.sourceArn,
    destination_arn: started.destinationArn ?? null,
    approximate_messages: started.approximateMessages ?? null,
  };
}

/** `redrive --status --json`. */
function redriveTaskRecords(tasks: readonly MessageMoveTask[]) {
  return tasks.map((task) => ({
    status: task.status,
    task_handle: task.taskHandle ?? null,
    source_arn: task.sourceArn ?? null,
    destination_arn: task.destinationArn ?? null,
    approximate_messages_moved: task.approximateMessagesMoved ?? null,
    approximate_messages_to_move: task.approximateMessagesToMove ?? null,
    failure_reason: task.failureReason ?? null,
    started_at: task.startedAt?.toISOString() ?? null,
  }));
}

/** What `redrive --status` prints: one line per move task, newest first. */
function formatRedriveTasks(tasks: readonly MessageMoveTask[]): string {
  if (tasks.length === 0) return "No message move tasks for this dead-letter queue.\n";
  return tasks
    .map((task) => {
      const parts = [task.status.padEnd(10)];
      if (task.startedAt !== undefined) parts.push(`started ${task.startedAt.toISOString()}`);
      parts.push(
        `moved ${task.approximateMessagesMoved ?? "?"} of ${task.approximateMessagesToMove ?? "?"}`,
      );
      if (task.taskHandle !== undefined) parts.push(`task ${task.taskHandle}`);
      if (task.failureReason !== undefined) parts.push(`reason: ${task.failureReason}`);
      return `${parts.join("  ")}\n`;
    })
    .join("");
}

/** The options of `import`, as commander parsed them. */
interface ImportCommandOptions {
  property: string;
  file: string;
  encoding?: string;
  account?: number;
  concurrency?: number;
  json?: boolean;
}

/** Imports an opened file into the property named on the command line. */
async function importFile(
  io: CliIo,
  config: CliConfig,
  options: ImportCommandOptions,
  file: ImportFile,
): Promise<void> {
  await withDatabase(config, async (handle) => {
    const stores = createStores(handle.db);
    // An existing property is checked now; a new one is created at the first row synced, so a
    // file whose rows are all rejected leaves nothing behind.
    const property = await importTarget(
      stores.properties,
      { resmanPropertyId: options.property, resmanAccountId: options.account },
      newResmanPropertyContext,
    );
    const progress = importProgress(io.stderr, {
      size: file.size,
      bar: io.stderr.isTTY === true && !options.json,
      lines: io.stderr.isTTY !== true,
      intervalMs: config.progressIntervalMs,
    });
    const started = performance.now();
    const summary = await importPeople(
      { store: stores.contacts, clock: systemClock },
      {
        property,
        records: file.records,
        concurrency: options.concurrency ?? syncConcurrency(handle.driver),
        onProgress: progress.update,
      },
    ).finally(progress.stop);
    const seconds = (performance.now() - started) / 1000;
    const unknownColumns = file.unknownColumns();
    if (options.json) {
      const record = importSummaryRecord(
        summary,
        { path: options.file, format: file.format, unknownColumns },
        seconds,
      );
      io.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    } else {
      if (unknownColumns.length > 0) io.stderr.write(formatUnknownColumns(unknownColumns));
      io.stdout.write(formatImportSummary(summary, options.file, seconds));
    }
    // A file none of whose rows could be imported is a failure, not an import of nothing.
    const allRejected = summary.rows > 0 && summary.rejected === summary.rows;
    if (summary.aborted !== undefined || summary.failed > 0 || allRejected) {
      throw new ExitError(EXIT_FAILURE);
    }
  });
}

function buildProgram(io: CliIo, config: () => CliConfig): Command {
  const program = new Command("contact-sync")
    .description(
      "Keeps one golden contact per real person per property, linked to every ResMan person record that is that person.",
    )
    .addHelpText(
      "after",
      "\nEnvironment:\n" +
        "  DATABASE_URL      postgres://… (unset: embedded PGlite in PGLITE_DATA_DIR, default .data/pglite)\n" +
        "  DB_DRIVER         pglite | pg | neon (default: pglite without a URL, else pg; neon on Lambda)\n" +
        "  NEON_WS_PROXY     host:port of a local WebSocket proxy for the neon driver\n" +
        "  CONTACT_SYNC_DEBUG=1  print stack traces of unexpected errors",
    )
    .version("0.1.0")
    .option(
      "--wait <seconds>",
      "how long to wait for another contact-sync process that holds the embedded database",
      nonNegativeInteger,
      DEFAULT_WAIT_SECONDS,
    )
    .hook("preAction", (_program, action) => {
      const embedded = config().embedded;
      embedded.command = action.name();
      embedded.waitSeconds = (program.opts() as { wait: number }).wait;
    })
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander asks the process streams by default; in tests those are not ours.
      getOutHelpWidth: () => (io.stdout.isTTY && io.stdout.columns) || 80,
      getErrHelpWidth: () => (io.stderr.isTTY && io.stderr.columns) || 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .exitOverride();

  program
    .command("migrate")
    .summary("apply pending database migrations")
    .description(
      "Apply pending database migrations to DATABASE_URL (or the embedded database). Safe to run again, and from several processes at once.",
    )
    .action(async () => {
      const driver = await withDatabase(
        config(),
        async (handle) => {
          await handle.migrate();
          return handle.driver;
        },
        { migratesItself: true },
      );
      io.stdout.write(`Migrations applied (${driver}).\n`);
    });

  program
    .command("import")
    .summary("import ResMan people from a CSV or JSONL file")
    .description(
      "Import ResMan people from a CSV file (with a header row) or a JSONL file (one object per line, same field names) through the sync path. Each row is matched against the property's contacts and linked, merged or created; importing the same file again changes nothing. Bad rows are rejected with a reason and the rest are imported.",
    )
    .addHelpText(
      "after",
      "\nColumns (any subset, any order; unknown columns are ignored with one warning, naming the\n" +
        "nearest known column):\n" +
        "  external_id     the ResMan PersonID (required; any string up to 100 characters)\n" +
        "  first_name, middle_name, last_name, email, phone\n" +
        "  date_of_birth   YYYY-MM-DD or YYYYMMDD (an invalid date is dropped with a warning)\n" +
        "  address_line1, address_line2, city, state, postal_code\n" +
        "  status          prospect | lost | applicant | resident | former (default prospect)\n" +
        "  last_modified   ISO 8601 time of the ResMan change (orders versions of a person)\n" +
        "Names are matched ignoring case, spaces, dashes and underscores (First Name = first_name),\n" +
        "and common other names are read too: PersonID, DOB, E-mail, Mobile, Zip, … (README).\n" +
        "\nText must be UTF-8 (a byte order mark is fine) unless --encoding names another one.\n" +
        "Progress goes to stderr: a bar on a terminal, else a line every 10 s.\n" +
        "\nExit code: 0 when rows were imported (others may be rejected), 1 when rows failed to\n" +
        "sync or every row was rejected (a new property is then not created), 2 for bad arguments\n" +
        "or a file that cannot be imported (nothing is written).",
    )
    .requiredOption(
      "--property <guid>",
      "ResMan property GUID (the property is created at the first row imported)",
      guid,
    )
    .requiredOption("--file <path>", "the .csv or .jsonl file")
    .option(
      "--encoding <name>",
      "the file's encoding when it is not UTF-8: latin1, windows-1252, … (iconv-lite names)",
    )
    .option("--account <id>", "ResMan account id of the property", positiveInteger)
    .option(
      "--concurrency <n>",
      "rows synced at once (default 4 on a server, 1 on PGlite)",
      positiveInteger,
    )
    .option("--json", "print a machine-readable summary instead of the table")
    .action(async (options: ImportCommandOptions) => {
      // The file is opened and checked before the database: a file that cannot be imported
      // fails with nothing written, not even the property.
      const file = await openImportFile(options.file, { encoding: options.encoding });
      try {
        await importFile(io, config(), options, file);
      } finally {
        file.close();
      }
    });

  program
    .command("links")
    .summary("list a property's links (CSV or JSON)")
    .description(
      "List a property's links, one row per ResMan person, with the columns resman_contact_id,user_id,sync_status,match_score.",
    )
    .requiredOption(
      "--property <guid>",
      "ResMan property GUID (or the contact-sync property id)",
      guid,
    )
    .addOption(
      new Option("--format <format>", "output format").choices(["csv", "json"]).default("csv"),
    )
    .action(async (options: { property: string; format: "csv" | "json" }) => {
      await withDatabase(config(), async (handle) => {
        const stores = createStores(handle.db);
        const property = await propertyOf(stores, options.property);
        const links = stores.reports.links(property.id);
        if (options.format === "json") {
          let first = true;
          io.stdout.write("[");
          for await (const link of links) {
            io.stdout.write(
              `${first ? "\n" : ",\n"}  ${JSON.stringify({
                resman_contact_id: link.resmanContactId,
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
          csv.write([link.resmanContactId, link.userId, link.syncStatus, link.matchScore]);
        }
        csv.end();
        await done;
      });
    });

  program
    .command("stats")
    .summary("sync health per property")
    .description(
      "Sync health per property: contacts, links by status and the sync success rate from the contact_sync_success_rate view (percent of links in status success or merged).",
    )
    .option("--json", "print JSON instead of a table")
    .action(async (options: { json?: boolean }) => {
      await withDatabase(config(), async (handle) => {
        const stats = await createStores(handle.db).reports.stats();
        io.stdout.write(
          options.json ? `${JSON.stringify(statsRecords(stats), null, 2)}\n` : formatStats(stats),
        );
      });
    });

  program
    .command("start")
    .summary("run the local stack on the bundled sample (what `npm start` runs)")
    .description(
      "Migrate the database (embedded PGlite in .data/pglite unless DATABASE_URL is set), import the bundled sample of ResMan people and print the import summaries and sync health. On the embedded database it then keeps the database open for the commands you run in other terminals (they go through this process) until Ctrl-C; in a script (no terminal) it stops after the sample.",
    )
    .option(
      "--serve",
      "keep serving the embedded database after the sample, even without a terminal",
    )
    .option("--once", "stop after the sample, even in a terminal")
    .action(async (options: { serve?: boolean; once?: boolean }) => {
      const serve = options.once ? false : (options.serve ?? io.interactive === true);
      await withDatabase(
        config(),
        async (handle) => {
          await startLocalStack(handle, io.stdout);
          if (serve && handle.driver === "pglite") await serveUntilStopped(io.stdout);
        },
        { migratesItself: true },
      );
    });

  const rules = program
    .command("rules")
    .summary("show, change or simulate a property's matching rules and merge strategy")
    .description(
      "Show or change a property's matching rules: the merge strategy (resman_wins, domiq_wins, manual_review) and the matching criteria (weights per comparison level, thresholds; validated here). Both are used by the sync path and chatbot enrichment at once. `rules simulate` shows what proposed criteria would change before they are set.",
    );
  rules
    .command("get")
    .summary("print the rules a property runs with")
    .description(
      "Print the rules a property runs with as JSON: merge strategy and matching criteria, each with where it comes from (stored or the built-in defaults).",
    )
    .requiredOption(
      "--property <guid>",
      "ResMan property GUID (or the contact-sync property id)",
      guid,
    )
    .action(async (options: { property: string }) => {
      await withDatabase(config(), async (handle) => {
        const stores = createStores(handle.db);
        const view = await showRules(stores, options.property);
        io.stdout.write(`${JSON.stringify(rulesRecord(view), null, 2)}\n`);
      });
    });
  rules
    .command("set")
    .summary("store new matching criteria and/or a merge strategy")
    .description(
      "Store new matching criteria and/or a merge strategy. The file is what `rules get` prints, edited or not (its matching_criteria and merge_strategy are stored, the other fields are ignored), or only the matching_criteria part of it; --strategy overrides the file's merge_strategy. An invalid file changes nothing: the first bad path is named and the exit code is 2.",
    )
    .requiredOption(
      "--property <guid>",
      "ResMan property GUID (or the contact-sync property id)",
      guid,
    )
    .option("--file <path>", "JSON file: the output of `rules get`, or its matching_criteria")
    .addOption(new Option("--strategy <strategy>", "merge strategy").choices([...mergeStrategies]))
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  contact-sync rules get --property <guid> > rules.json\n" +
        "  (edit rules.json)\n" +
        "  contact-sync rules set --property <guid> --file rules.json",
    )
    .action(async (options: { property: string; file?: string; strategy?: MergeStrategy }) => {
      if (options.file === undefined && options.strategy === undefined) {
        throw new InvalidInputError("nothing to set: give --file and/or --strategy");
      }
      const file: RulesFileChange =
        options.file === undefined ? {} : rulesFileChange(await readRulesFile(options.file));
      if (file.criteria === undefined && (options.strategy ?? file.strategy) === undefined) {
        throw new InvalidInputError(
          `nothing to set: ${options.file} has no matching_criteria or merge_strategy`,
        );
      }
      await withDatabase(config(), async (handle) => {
        const stores = createStores(handle.db);
        const view = await updateRules(stores, options.property, {
          criteria: file.criteria,
          strategy: options.strategy ?? file.strategy,
        });
        io.stdout.write(`${JSON.stringify(rulesRecord(view), null, 2)}\n`);
      });
    });
  registerRulesSimulate(rules, {
    stdout: io.stdout,
    withStores: (work) => withDatabase(config(), (handle) => work(createStores(handle.db))),
    readRulesFile,
    guid,
  });

  const review = program
    .command("review")
    .summary("list, approve or reject possible duplicates (the review queue)")
    .description(
      "The review queue: a ResMan person or chatbot lead that scored between the review and auto-merge thresholds against an existing contact got a contact of its own (its link pending) and a review item proposing the pair. Approve an item to merge the two (undo with `contact-sync unmerge`), reject it to keep them apart for good.",
    );
  registerReviewList(review, {
    stdout: io.stdout,
    withStores: (work) => withDatabase(config(), (handle) => work(createStores(handle.db))),
    guid,
  });
  review
    .command("approve")
    .summary("merge an item's contact into the contact it may be")
    .description(
      "Approve an open review item: its contact is merged into the existing contact as another record of the person (it fills blanks, DomIQ/ResMan differences follow the property's merge strategy; emails and phones that lose are kept as secondary values, names, birth date and address as variants), its links move there as merged, and the merge is recorded so `contact-sync unmerge` can undo it.",
    )
    .argument("<id>", "the review item (from `review list`)", guid)
    .option("--by <name>", "who decided (stored with the item)", decidedBy)
    .addHelpText(
      "after",
      "\nExample:\n  contact-sync review approve 0b8e6f1e-8d0c-4f7e-9a43-2f5d1c3b7a90 --by jdoe\n" +
        "\nExit code: 0 when merged, 2 for an unknown or already decided item (nothing written).",
    )
    .action(async (id: string, options: { by?: string }) => {
      await withDatabase(config(), async (handle) => {
        const stores = createStores(handle.db);
        const done = await approveReview(
          { reviews: stores.reviews, clock: systemClock },
          { reviewId: id, decidedBy: options.by },
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
      await withDatabase(config(), async (handle) => {
        const stores = createStores(handle.db);
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

  program
    .command("unmerge")
    .summary("undo a merge of a contact")
    .description(
      "Undo a merge: by default the most recent one into the contact not yet undone; given a contact that was merged away, the merge that absorbed it; or the one named by --merge. The surviving contact's fields the merge changed get their earlier values back unless they were changed since; a merged contact comes back as it was, with its links and its review item (open again); a ResMan person linked by matching gets a contact of its own again.",
    )
    .argument("<user-id>", "the contact (survivor or merged away)", guid)
    .option("--merge <id>", "the merge history row to undo", guid)
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  contact-sync unmerge 5d0c1b7e-2f3a-4c4d-8e9f-0a1b2c3d4e5f\n" +
        "  contact-sync unmerge 5d0c1b7e-2f3a-4c4d-8e9f-0a1b2c3d4e5f --merge 9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b\n" +
        "\nExit code: 0 when undone, 2 when there is nothing to undo (nothing written).",
    )
    .action(async (userId: string, options: { merge?: string; json?: boolean }) => {
      await withDatabase(config(), async (handle) => {
        const stores = createStores(handle.db);
        const done = await unmerge(
          { reviews: stores.reviews, clock: systemClock },
          { userId, mergeId: options.merge },
        );
        if (options.json) {
          io.stdout.write(
            `${JSON.stringify(
              {
                merge_id: done.mergeId,
                contact_id: done.contactId,
                split_contact_id: done.splitContactId,
                kind: done.kind,
                fields_restored: done.fieldsRestored,
                fields_kept: done.fieldsKept,
                links_moved: done.linksMoved,
                links_missing: done.linksMissing,
                review_id: done.reviewId,
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        const reopened = done.reviewId === null ? "" : `; review ${done.reviewId} is open again`;
        const missing =
          done.linksMissing === 0
            ? ""
            : `; ${plural(done.linksMissing, "link")} had moved on since`;
        io.stdout.write(
          `Undid merge ${done.mergeId}: contact ${done.splitContactId} split from ${done.contactId} ` +
            `(${plural(done.fieldsRestored, "field")} restored, ${done.fieldsKept} kept as changed since; ` +
            `${plural(done.linksMoved, "link")} moved${missing}${reopened}).\n`,
        );
      });
    });

  program
    .command("reindex")
    .summary("recompute the contacts' blocking keys")
    .description(
      "Recompute every live contact's blocking keys (how candidates are found) from its values. Run it once after an upgrade that changes how blocking keys are built; contacts written before blocking keys existed are otherwise found only through their exact email, phone and name + birth date until their next write. Safe to run while syncs run (a contact written meanwhile is skipped: that write computed its keys) and to repeat.",
    )
    .option("--property <GUID>", "only this property (ResMan GUID or contact-sync id)", guid)
    .option("--json", "print JSON")
    .action(async (options: { property?: string; json?: boolean }) => {
      await withDatabase(config(), async (handle) => {
        const propertyId =
          options.property === undefined
            ? undefined
            : (await propertyOf(createStores(handle.db), options.property)).id;
        const done = await reindexBlockKeys(handle.db, { propertyId });
        io.stdout.write(
          options.json
            ? `${JSON.stringify({ contacts: done.contacts, rewritten: done.rewritten })}\n`
            : `Checked ${done.contacts} contacts; rewrote the blocking keys of ${done.rewritten}.\n`,
        );
      });
    });

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
    .option("--json", "print JSON")
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

  program
    .command("redrive")
    .summary("move the dead-letter queue's messages back to the sync queue")
    .description(
      "Start an SQS message move task that moves every message of the sync queue's dead-letter queue back to the sync queue, where the worker processes them again (an event already synced is skipped, so nothing is applied twice). With --status, show the dead-letter queue's recent move tasks instead.",
    )
    .option("--dlq <url>", "dead-letter queue URL (default: SYNC_DLQ_URL)", queueUrl)
    .option(
      "--to <url>",
      "destination queue URL (default: SYNC_QUEUE_URL, else the queues the messages came from)",
      queueUrl,
    )
    .addOption(
      new Option("--status", "show the recent move tasks instead of starting one").conflicts("to"),
    )
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nEnvironment:\n" +
        "  SYNC_DLQ_URL, SYNC_QUEUE_URL   the queues, when --dlq / --to are not given\n" +
        "  AWS_REGION, AWS_PROFILE…      the AWS SDK's standard configuration\n" +
        "  AWS_ENDPOINT_URL_SQS          a local SQS endpoint\n" +
        "\nExit code: 0 when the task started (or the status was shown), 1 when SQS refused,\n" +
        "2 for bad arguments or no dead-letter queue URL.",
    )
    .action(async (options: RedriveCommandOptions) => {
      const settings = config();
      const dlq = options.dlq ?? settings.syncDlqUrl;
      if (dlq === undefined) {
        throw new InvalidInputError("no dead-letter queue: pass --dlq <url> or set SYNC_DLQ_URL");
      }
      await withSqs(io, async (client) => {
        if (options.status) {
          const tasks = await redriveStatus({ client, dlq });
          io.stdout.write(
            options.json
              ? `${JSON.stringify(redriveTaskRecords(tasks), null, 2)}\n`
              : formatRedriveTasks(tasks),
          );
          return;
        }
        const started = await startRedrive({
          client,
          dlq,
          destination: options.to ?? settings.syncQueueUrl,
        });
        io.stdout.write(
          options.json
            ? `${JSON.stringify(redriveStartedRecord(started), null, 2)}\n`
            : formatRedriveStarted(started),
        );
      });
    });

  const foldUsageErrors = (command: Command, usage: string) => {
    oneLineUsageErrors(command, usage);
    for (const sub of command.commands) foldUsageErrors(sub, `${usage} ${sub.name()}`);
  };
  foldUsageErrors(program, "contact-sync");
  return program;
}

/**
 * Commander words usage mistakes its own way ("error: …", sometimes a second "(Did you mean …?)"
 * line). Folded into the one `contact-sync: …` line every other failure uses, with a pointer to
 * the help of the command that was mistyped, so a script's log keeps one line per failure.
 */
function oneLineUsageErrors(command: Command, usage: string): void {
  command.configureOutput({
    outputError: (text, write) => {
      const reason = text
        .replace(/^error:\s*/u, "")
        .replace(/\s*\n\s*/gu, " ")
        .trim();
      write(`contact-sync: ${reason} (see \`${usage} --help\`)\n`);
    },
  });
}

/** A rules file's JSON; a missing or unreadable file is the caller's mistake (exit 2). */
async function readRulesFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new InvalidInputError(`cannot read rules file ${path} (${code})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidInputError(`rules file ${path} is not valid JSON`);
  }
}

/** `rules get|set` output, snake_case like every JSON the CLI prints. */
function rulesRecord(view: RulesView) {
  return {
    property_id: view.propertyId,
    resman_property_id: view.resmanPropertyId,
    merge_strategy: view.mergeStrategy,
    merge_strategy_source: view.mergeStrategySource,
    matching_criteria_source: view.matchingCriteriaSource,
    ...(view.issues.length > 0 ? { matching_criteria_issues: view.issues } : {}),
    matching_criteria: view.matchingCriteria,
  };
}

function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (
    error instanceof InvalidInputError ||
    error instanceof ConfigError ||
    error instanceof MergeRefusedError
  ) {
    return { message: error.message, exitCode: EXIT_USAGE };
  }
  if (error instanceof StoreError && error.sqlState === "42P01") {
    return {
      message: "the database has no contact-sync tables: run `contact-sync migrate` first",
      exitCode: EXIT_FAILURE,
    };
  }
  if (error instanceof ContactSyncError) return { message: error.message, exitCode: EXIT_FAILURE };
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ECONNREFUSED" || code === "ENOTFOUND") {
    return {
      message: `cannot reach the database (${code}): check DATABASE_URL`,
      exitCode: EXIT_FAILURE,
    };
  }
  const name = error instanceof Error ? error.name : "error";
  return {
    message: `unexpected ${name}; set CONTACT_SYNC_DEBUG=1 for details`,
    exitCode: EXIT_FAILURE,
  };
}

/** Runs the CLI with the given arguments (without `node` and the script); returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let cached: CliConfig | undefined;
  const config = () => {
    cached ??= {
      ...parseConfig(io.env),
      embedded: { notice: (line: string) => io.stderr.write(`contact-sync: ${line}\n`) },
    };
    return cached;
  };
  const program = buildProgram(io, config);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are successful exits; the rest are usage mistakes that
      // commander has already printed in one line.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof ExitError) return error.exitCode;
    const { message, exitCode } = describeFailure(error);
    io.stderr.write(`contact-sync: ${message}\n`);
    if (io.env.CONTACT_SYNC_DEBUG === "1" && error instanceof Error)
      io.stderr.write(`${error.stack}\n`);
    return exitCode;
  }
}
