/**
 * Opening an import file (CSV with a header row, or JSON Lines) as a stream of import records.
 *
 * A file that cannot be imported fails before anything is returned, so it fails before a single
 * row (or the property) is written: a missing or empty file, a folder, an unknown extension or
 * encoding, text that does not decode (`encoding.ts`), a CSV header without `external_id` or
 * naming a column twice, a CSV with a header and no rows, a CSV syntax error anywhere in the
 * file (`csvFile.ts`), and a JSONL file whose lines are all blank (`jsonlFile.ts`). Both formats
 * get a first, streaming pass for this; rows are then streamed: memory does not grow with the
 * file.
 */
import { constants, createReadStream, type Stats } from "node:fs";
import { access, stat } from "node:fs/promises";
import { extname } from "node:path";
import type { ImportRecord } from "../../app/importPeople.js";
import type { UnknownColumn } from "../../domain/importColumns.js";
import { checkCsv, csvRecords } from "./csvFile.js";
import { lineDecoder } from "./encoding.js";
import { fileProblem, ImportFileError } from "./errors.js";
import { checkJsonl, JsonlKeys, jsonlRecords } from "./jsonlFile.js";

export { ImportFileError } from "./errors.js";

export type ImportFormat = "csv" | "jsonl";

export interface ImportFile {
  format: ImportFormat;
  /** File size in bytes. */
  size: number;
  /** The rows, each with its line and the byte offset where it ends (for progress). */
  records: AsyncIterable<ImportRecord>;
  /**
   * Columns the import ignores: the CSV header's unknown names, or the JSONL keys seen so far
   * (complete once the records are read).
   */
  unknownColumns(): UnknownColumn[];
  /** Releases the file when the records will not be read to the end (e.g. the import failed). */
  close(): void;
}

export interface OpenOptions {
  /** The file's encoding as iconv-lite names it (`latin1`, `windows-1252`, …); UTF-8 if unset. */
  encoding?: string | undefined;
}

/** The import format named by a file's extension; throws `ImportFileError` for any other. */
export function formatOf(path: string): ImportFormat {
  const extension = extname(path).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  throw new ImportFileError(
    `unsupported file type "${extension || "(none)"}": use .csv, .jsonl or .ndjson`,
  );
}

async function fileSize(path: string): Promise<number> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw new ImportFileError(`cannot read ${path}: ${fileProblem(error)}`);
  }
  if (info.isDirectory()) {
    throw new ImportFileError(`cannot read ${path}: it is a folder, not a file`);
  }
  if (!info.isFile()) throw new ImportFileError(`not a file: ${path}`);
  try {
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
 * Opens and checks an import file; throws `ImportFileError` for a file that cannot be imported
 * (see the top of this file).
 */
export async function openImportFile(path: string, options: OpenOptions = {}): Promise<ImportFile> {
  // The file first: a missing file or a folder is said as such, whatever its name ends with.
  const size = await fileSize(path);
  const format = formatOf(path);
  const decoder = lineDecoder(options.encoding);
  if (format === "csv") {
    const header = await checkCsv(path, decoder);
    const stream = createReadStream(path);
    return {
      format,
      size,
      records: csvRecords(stream, decoder, header),
      unknownColumns: () => header.unknown,
      close: () => stream.destroy(),
    };
  }
  await checkJsonl(path, decoder);
  const stream = createReadStream(path);
  const keys = new JsonlKeys();
  return {
    format,
    size,
    records: jsonlRecords(stream, decoder, keys),
    unknownColumns: () => keys.unknownColumns(),
    close: () => stream.destroy(),
  };
}
