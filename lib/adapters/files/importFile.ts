/**
 * Reading an import file (CSV with a header row, or JSON Lines) into import records.
 *
 * The header is read and checked before anything is returned, so a file that cannot be an
 * import fails before a single row is written. Rows are then streamed: memory does not grow
 * with the file.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
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
}

/** A file that cannot be imported at all. */
export class ImportFileError extends InvalidInputError {}

export function formatOf(path: string): ImportFormat {
  const extension = extname(path).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  throw new ImportFileError(`unsupported file type "${extension || "(none)"}": use .csv or .jsonl`);
}

/** Opens an import file; throws `ImportFileError` for a missing file or an unusable header. */
export async function openImportFile(path: string): Promise<ImportFile> {
  const format = formatOf(path);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ImportFileError(`not a file: ${path}`);
    size = info.size;
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw new ImportFileError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  let bytes = 0;
  const stream = createReadStream(path);
  stream.on("data", (chunk) => {
    bytes += chunk.length;
  });
  const records = format === "csv" ? await csvRecords(stream) : jsonlRecords(stream);
  return { format, size, bytesRead: () => bytes, records };
}

async function csvRecords(stream: NodeJS.ReadableStream): Promise<AsyncIterable<ImportRecord>> {
  const parser = stream.pipe(
    parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }),
  );
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<{
    record: string[];
    info: { lines: number };
  }>;
  let first: IteratorResult<{ record: string[]; info: { lines: number } }>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw new ImportFileError(`the CSV header cannot be read (${csvProblem(error)})`);
  }
  if (first.done) throw new ImportFileError("the file is empty: a CSV import needs a header row");
  const header = first.value.record.map((name) => name.trim().toLowerCase());
  if (!header.includes("external_id")) {
    throw new ImportFileError(
      `the CSV header has no external_id column (known columns: ${importColumns.join(", ")})`,
    );
  }
  const duplicate = header.find((name, i) => name !== "" && header.indexOf(name) !== i);
  if (duplicate !== undefined)
    throw new ImportFileError(`the CSV header repeats the column ${duplicate}`);

  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        let next: IteratorResult<{ record: string[]; info: { lines: number } }>;
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

/** csv-parse's error code and line, without its message (which can quote the data). */
function csvProblem(error: unknown): string {
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    return `${error.code}${line === undefined ? "" : ` at line ${line}`}`;
  }
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
