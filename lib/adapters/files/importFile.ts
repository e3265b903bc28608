/**
 * Reading an import file (CSV with a header row, or JSON Lines) into import records.
 *
 * A file that cannot be imported fails before anything is returned, so it fails before a single
 * row (or the property) is written: a missing or empty file, an unknown extension, a CSV header
 * without `external_id`, and a CSV syntax error anywhere in the file (found by a first, streaming
 * pass: a broken quote swallows every row after it, so no row of such a file can be trusted).
 * Rows are then streamed: memory does not grow with the file.
 */
import { constants, createReadStream, type Stats } from "node:fs";
import { access, stat } from "node:fs/promises";
import { extname } from "node:path";
import { createInterface } from "node:readline";
import { CsvError, parse } from "csv-parse";
import type { ImportRecord } from "../../app/importPeople.js";
import { InvalidInputError } from "../../domain/errors.js";
import { importColumns } from "../../domain/importRow.js";

export type ImportFormat = "csv" | "jsonl";

export interface ImportFile {
  format: ImportFormat;
  /** File size in bytes. */
  size: number;
  /** Bytes read so far (for progress). */
  bytesRead(): number;
  records: AsyncIterable<ImportRecord>;
  /** Releases the file when the records will not be read to the end (e.g. the import failed). */
  close(): void;
}

/** A file that cannot be imported at all. */
export class ImportFileError extends InvalidInputError {}

/** The import format named by a file's extension; throws `ImportFileError` for any other. */
export function formatOf(path: string): ImportFormat {
  const extension = extname(path).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  throw new ImportFileError(`unsupported file type "${extension || "(none)"}": use .csv or .jsonl`);
}

/** A file system error in words, by its code (the message repeats the path and adds nothing). */
function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return code ?? "error";
}

async function fileSize(path: string): Promise<number> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw new ImportFileError(`cannot read ${path}: ${fileProblem(error)}`);
  }
  if (!info.isFile()) throw new ImportFileError(`not a file: ${path}`);
  try {
    // Readable now, not only present: a JSONL file is first read after the property exists.
    await access(path, constants.R_OK);
  } catch (error) {
    throw new ImportFileError(`cannot read ${path}: ${fileProblem(error)}`);
  }
  // An empty file is a mistake (wrong export, truncated copy), not an import of nothing: failing
  // here keeps the property from being created for it.
  if (info.size === 0) throw new ImportFileError(`the file is empty: ${path}`);
  return info.size;
}

/**
 * Opens an import file; throws `ImportFileError` for a missing or empty file, an unsupported
 * extension or an unusable CSV header.
 */
export async function openImportFile(path: string): Promise<ImportFile> {
  const format = formatOf(path);
  const size = await fileSize(path);
  if (format === "csv") await checkCsv(path);
  const stream = createReadStream(path);
  try {
    const records = format === "csv" ? await csvRecords(stream) : jsonlRecords(stream);
    // Progress reads the stream's own counter: a "data" listener would switch the stream to
    // flowing mode at once, and the JSONL reader, which attaches only when the first record is
    // pulled (after the database is open), would find the file already drained and wait forever.
    return {
      format,
      size,
      bytesRead: () => stream.bytesRead,
      records,
      close: () => stream.destroy(),
    };
  } catch (error) {
    stream.destroy();
    throw error;
  }
}

/**
 * csv-parse options shared by the check and the read, so both passes judge a file alike.
 * `relax_quotes`: a quote inside an unquoted field (`Robert "Bob" Smith`) is kept as text, as
 * spreadsheets write it, instead of failing the file. `relax_column_count`: a row with the wrong
 * number of fields is rejected on its own (below), not the file.
 */
const csvOptions = {
  bom: true,
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  trim: true,
} as const;

/** The header's column names; throws `ImportFileError` unless it can head an import. */
function checkedHeader(record: readonly string[]): string[] {
  const header = record.map((name) => name.trim().toLowerCase());
  if (!header.includes("external_id")) {
    throw new ImportFileError(
      `the CSV header has no external_id column (known columns: ${importColumns.join(", ")})`,
    );
  }
  const duplicate = header.find((name, i) => name !== "" && header.indexOf(name) !== i);
  if (duplicate !== undefined)
    throw new ImportFileError(`the CSV header repeats the column ${duplicate}`);
  return header;
}

/**
 * Reads the whole CSV once, without importing, so a syntax error is found before anything is
 * written. It costs one parse of the file (about 5 s per million rows here), little next to
 * syncing the rows, and memory stays flat.
 */
async function checkCsv(path: string): Promise<void> {
  const parser = createReadStream(path).pipe(parse(csvOptions));
  let header: string[] | undefined;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      header ??= checkedHeader(record);
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw new ImportFileError(
      header === undefined
        ? `the CSV header cannot be read (${csvProblem(error)})`
        : `CSV syntax error (${csvProblem(error)}): nothing was imported`,
    );
  }
  if (header === undefined)
    throw new ImportFileError("the file is empty: a CSV import needs a header row");
}

interface CsvRow {
  record: string[];
  info: { lines: number };
}

async function csvRecords(stream: NodeJS.ReadableStream): Promise<AsyncIterable<ImportRecord>> {
  const parser = stream.pipe(parse({ ...csvOptions, info: true }));
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<CsvRow>;
  // `checkCsv` has read this file already: an error here means it changed in between.
  let first: IteratorResult<CsvRow>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw new ImportFileError(`the CSV header cannot be read (${csvProblem(error)})`);
  }
  if (first.done) throw new ImportFileError("the file is empty: a CSV import needs a header row");
  const header = checkedHeader(first.value.record);

  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        let next: IteratorResult<CsvRow>;
        try {
          next = await iterator.next();
        } catch (error) {
          throw new ImportFileError(`CSV syntax error: ${csvProblem(error)}`);
        }
        if (next.done) return;
        const { record, info } = next.value;
        if (record.length !== header.length) {
          yield {
            line: info.lines,
            error: `the row has ${record.length} fields, the header has ${header.length}`,
          };
          continue;
        }
        const fields: Record<string, string> = {};
        header.forEach((name, i) => {
          fields[name] = record[i] ?? "";
        });
        yield { line: info.lines, fields };
      }
    },
  };
}

/** csv-parse's error code and line (or the file system's problem), never its message: that can quote the data. */
function csvProblem(error: unknown): string {
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    return `${error.code}${line === undefined ? "" : ` at line ${line}`}`;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return fileProblem(error);
  return error instanceof Error ? error.name : "unknown error";
}

async function* jsonlRecords(stream: NodeJS.ReadableStream): AsyncIterable<ImportRecord> {
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const raw of lines) {
    line += 1;
    const text = line === 1 ? raw.replace(/^\uFEFF/u, "") : raw;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { line, error: "the line is not valid JSON" };
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      yield { line, error: "the line is not a JSON object" };
      continue;
    }
    yield { line, fields: value as Record<string, unknown> };
  }
}
