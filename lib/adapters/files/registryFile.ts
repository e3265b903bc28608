/**
 * Reading a portfolio's properties file (`contact-sync property add --file`) into the entries
 * `checkRegistryEntries` checks: CSV with a header row, JSON Lines (one object a line), or a JSON
 * array of objects (what `property list --json` prints). A file that cannot be read as its
 * extension says fails as a whole, with one reason naming a line or an entry, never a value.
 *
 * Unlike an import file, a properties file is small (a line a property) and is read whole.
 */
import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { CsvError, parse } from "csv-parse/sync";
import { InvalidInputError } from "../../domain/errors.js";
import type { RegistryEntry } from "../../domain/propertyRegistration.js";
import { fileProblem } from "./errors.js";

/**
 * The largest properties file read: 10,000 properties take ~1 MB, so a bigger file is most
 * likely something else (a people export meant for `contact-sync import`).
 */
export const MAX_REGISTRY_FILE_BYTES = 5 * 1024 * 1024;

type RegistryFormat = "csv" | "jsonl" | "json";

const formats: Readonly<Record<string, RegistryFormat>> = {
  ".csv": "csv",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".json": "json",
};

/** The file's entries, or `InvalidInputError` saying why the file cannot be read. */
export async function readRegistryFile(path: string): Promise<RegistryEntry[]> {
  const extension = extname(path).toLowerCase();
  const format = formats[extension];
  if (format === undefined) {
    throw new InvalidInputError(
      `unsupported file type "${extension || "(none)"}": use .csv, .jsonl, .ndjson or .json`,
    );
  }
  const text = await readText(path);
  if (format === "csv") return csvEntries(path, text);
  if (format === "jsonl") return jsonlEntries(path, text);
  return jsonEntries(path, text);
}

/** The file's UTF-8 text without a byte order mark. */
async function readText(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    const { size } = await stat(path);
    if (size > MAX_REGISTRY_FILE_BYTES) {
      throw new InvalidInputError(
        `${path} is ${(size / 1024 / 1024).toFixed(1)} MB, more than a properties file ` +
          `(${MAX_REGISTRY_FILE_BYTES / 1024 / 1024} MB at most, a line a property): ` +
          "people are imported with `contact-sync import`",
      );
    }
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(`cannot read ${path}: ${fileProblem(error)}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidInputError(`${path} is not UTF-8 text`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") throw new InvalidInputError(`${path} is empty`);
  return text;
}

/**
 * A CSV's rows as entries keyed by its header's names, each at the line where it ends (as the
 * import says them: line endings made `\n` first, so a CRLF file counts alike); a syntax error
 * names its line.
 */
function csvEntries(path: string, text: string): RegistryEntry[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text.replace(/\r\n?/gu, "\n"), {
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    // csv-parse's message quotes the field: only the line is said.
    const line = error instanceof CsvError ? (error as CsvError & { lines?: number }).lines : null;
    throw new InvalidInputError(`${path} is not valid CSV${line == null ? "" : ` (line ${line})`}`);
  }
  const [header, ...records] = rows;
  if (header === undefined) throw new InvalidInputError(`${path} is empty`);
  if (records.length === 0) {
    throw new InvalidInputError(`${path} has a header row and no properties`);
  }
  return records.map(({ record, info }) => {
    const fields: Record<string, string> = {};
    header.record.forEach((name, index) => {
      if (name !== "" && record[index] !== undefined) fields[name] = record[index];
    });
    return { where: `line ${info.lines}`, fields };
  });
}

/** One JSON object a line; blank lines are skipped. */
function jsonlEntries(path: string, text: string): RegistryEntry[] {
  const entries: RegistryEntry[] = [];
  text.split(/\r?\n/u).forEach((line, index) => {
    if (line.trim() === "") return;
    const where = `line ${index + 1}`;
    entries.push({ where, fields: objectAt(path, where, parseJson(path, line, where)) });
  });
  return entries;
}

/** A JSON array of objects, as `property list --json` prints it. */
function jsonEntries(path: string, text: string): RegistryEntry[] {
  const json = parseJson(path, text);
  if (!Array.isArray(json)) {
    throw new InvalidInputError(
      `${path} is not a JSON array of properties (the form \`contact-sync property list --json\` prints)`,
    );
  }
  return json.map((item, index) => {
    const where = `entry ${index + 1}`;
    return { where, fields: objectAt(path, where, item) };
  });
}

function parseJson(path: string, text: string, where?: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The SyntaxError quotes the text: not shown.
    throw new InvalidInputError(
      `${path}${where === undefined ? "" : `, ${where},`} is not valid JSON`,
    );
  }
}

function objectAt(path: string, where: string, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(`${path}, ${where}, is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
