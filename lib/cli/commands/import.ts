/**
 * `contact-sync import`: ResMan people from a CSV or JSONL file through the sync path
 * (`lib/app/importPeople.ts`), with progress on stderr (`importProgress.ts`) and a summary on
 * stdout — a table (`formatImportSummary`, shared with `npm start`) or JSON.
 */
import { performance } from "node:perf_hooks";
import type { Command } from "commander";
import { newResmanPropertyContext } from "../../adapters/db/propertyRepository.js";
import { storesOn } from "../../adapters/db/stores.js";
import { type ImportFile, openImportFile } from "../../adapters/files/importFile.js";
import { type ImportSummary, importPeople, importTarget } from "../../app/importPeople.js";
import { systemClock } from "../../app/ports.js";
import type { UnknownColumn } from "../../domain/importColumns.js";
import {
  type CommandContext,
  EXIT_FAILURE,
  EXIT_INTERRUPTED,
  ExitError,
  withDatabase,
} from "../context.js";
import { listenForInterrupt } from "../interrupt.js";
import { guid, jsonOption, PROPERTY_FLAGS, positiveInteger } from "../options.js";
import { formatImportSummary, formatUnknownNames } from "../output.js";
import { importProgress } from "./importProgress.js";

/** The options of `import`, as commander parsed them. */
interface ImportCommandOptions {
  property: string;
  file: string;
  encoding?: string;
  account?: number;
  json?: boolean;
}

/** Registers `import`. */
export function registerImport(program: Command, context: CommandContext): void {
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
        "\nCtrl-C stops after the rows in progress (a second Ctrl-C at once): the rows done are\n" +
        "kept, and the same command run again goes on (they count as unchanged).\n" +
        "\nExit code: 0 when rows were imported (others may be rejected), 1 when rows failed to\n" +
        "sync or every row was rejected (a new property is then not created), 2 for bad arguments\n" +
        "or a file that cannot be imported (nothing is written), 130 when stopped by Ctrl-C\n" +
        "(143 by SIGTERM).",
    )
    .requiredOption(
      PROPERTY_FLAGS,
      // Not `propertyOption()`: a ResMan GUID only, and a new one creates the property.
      "ResMan property GUID (the property is created at the first row imported)",
      guid,
    )
    .requiredOption("--file <path>", "the .csv or .jsonl file")
    .option(
      "--encoding <name>",
      "the file's encoding when it is not UTF-8: latin1, windows-1252, … (iconv-lite names)",
    )
    .option("--account <id>", "ResMan account id of the property", positiveInteger)
    .addOption(jsonOption())
    .action(async (options: ImportCommandOptions) => {
      // The file is opened and checked before the database: a file that cannot be imported
      // fails with nothing written, not even the property.
      const file = await openImportFile(options.file, { encoding: options.encoding });
      try {
        await importFile(context, options, file);
      } finally {
        file.close();
      }
    });
}

/** Imports an opened file into the property named on the command line. */
async function importFile(
  { io, config }: CommandContext,
  options: ImportCommandOptions,
  file: ImportFile,
): Promise<void> {
  const settings = config();
  await withDatabase(settings, async (handle) => {
    const stores = storesOn(handle);
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
      intervalMs: settings.progressIntervalMs,
    });
    const interruption = listenForInterrupt(
      io,
      "stopping after the rows in progress; the rows done so far are kept (again to stop at once).",
      { atOnce: () => progress.stop(false) },
    );
    const started = performance.now();
    const summary = await importPeople(
      { store: stores.contacts, clock: systemClock },
      {
        property,
        records: file.records,
        onProgress: progress.update,
        signal: interruption.signal,
      },
    )
      .catch((error: unknown) => {
        progress.stop(false);
        throw error;
      })
      .finally(interruption.dispose);
    // The bar at 100 % unless the import stopped before the end of the file.
    progress.stop(summary.interruptedAfterLine === undefined);
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
      if (unknownColumns.length > 0)
        io.stderr.write(formatUnknownNames(unknownColumns, "column(s)"));
      io.stdout.write(formatImportSummary(summary, options.file, seconds));
    }
    // Stopped before the end of the file (a signal after its last row changes nothing).
    if (summary.interruptedAfterLine !== undefined) {
      throw new ExitError(interruption.exitCode() ?? EXIT_INTERRUPTED);
    }
    // A file none of whose rows could be imported is a failure, not an import of nothing.
    const allRejected = summary.rows > 0 && summary.rejected === summary.rows;
    if (summary.aborted !== undefined || summary.failed > 0 || allRejected) {
      throw new ExitError(EXIT_FAILURE);
    }
  });
}

/**
 * The import summary for `import --json`. Keys are snake_case like every other machine-readable
 * output of the CLI; the lists hold line numbers and reasons, never values from the file.
 */
function importSummaryRecord(
  summary: ImportSummary,
  file: { path: string; format: string; unknownColumns?: readonly UnknownColumn[] },
  seconds: number,
) {
  const { propertyId, resmanPropertyId, interruptedAfterLine, ...counts } = summary;
  return {
    file: file.path,
    format: file.format,
    seconds: Number(seconds.toFixed(3)),
    property_id: propertyId,
    resman_property_id: resmanPropertyId,
    ...counts,
    interrupted_after_line: interruptedAfterLine ?? null,
    unknown_columns: (file.unknownColumns ?? []).map((c) => ({ name: c.name, nearest: c.nearest })),
  };
}
