/**
 * CSV import files: the first, checking pass and the reading pass, both over the same decoded
 * lines (`encoding.ts`) and the same csv-parse options, so both judge a file alike.
 *
 * The check reads the whole file once without keeping a row: the text must decode, the header
 * must name known columns at most once each with an `external_id`, the syntax must hold to the
 * end (a broken quote swallows every row after it, so no row of such a file can be trusted), and
 * there must be a row. Its errors name the line and what is wrong, never a value.
 */
import { createReadStream } from "node:fs";
import { pipeline, Readable } from "node:stream";
import { CsvError, type Info, type Options, parse } from "csv-parse";
import type { ImportRecord } from "../../app/importPeople.js";
import { headerColumns, type UnknownColumn } from "../../domain/importColumns.js";
import type { ImportColumn } from "../../domain/importRow.js";
import { type LineDecoder, type TextLine, textLines } from "./encoding.js";
import { ImportFileError } from "./errors.js";

/**
 * `relax_quotes`: a quote inside an unquoted field (`Robert "Bob" Smith`) is kept as text, as
 * spreadsheets write it, instead of failing the file. `relax_column_count`: a row with the wrong
 * number of fields is rejected on its own (below), not the file. The byte order mark is taken off
 * with the decoding.
 */
const csvOptions = {
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  trim: true,
} as const satisfies Options;

/** A checked header: the column of each field (`undefined`: ignored) and the unknown names. */
export interface CsvHeader {
  names: string[];
  columns: (ImportColumn | undefined)[];
  unknown: UnknownColumn[];
}

/**
 * The end offsets of the lines given to the parser whose records have not been read yet. Rows are
 * read a little behind the file (stream buffers), so this holds a bounded number of lines.
 */
class LineEnds {
  private ends: number[] = [];
  private head = 0;
  private firstLine = 1;

  add(line: TextLine): void {
    this.ends.push(line.end);
  }

  /** The end offset of `line`, forgetting it and the lines before it. */
  through(line: number): number | undefined {
    const index = line - this.firstLine;
    const end = this.ends[index];
    if (index >= this.head) this.head = index + 1;
    if (this.head > 4096 && this.head * 2 > this.ends.length) {
      this.ends = this.ends.slice(this.head);
      this.firstLine += this.head;
      this.head = 0;
    }
    return end;
  }
}

/** The decoded lines of a file, fed to csv-parse (line endings made `\n`). */
function csvParser(stream: Readable, decoder: LineDecoder, options: Options, ends?: LineEnds) {
  async function* text() {
    for await (const batch of textLines(stream, decoder)) {
      let chunk = "";
      for (const line of batch) {
        ends?.add(line);
        chunk += `${line.text}\n`;
      }
      yield chunk;
    }
  }
  const parser = parse({ ...csvOptions, ...options });
  // An error on either side (text that does not decode, a syntax error) ends both; the parser's
  // reader sees it.
  pipeline(Readable.from(text()), parser, () => {});
  return parser;
}

/** The header's columns; `ImportFileError` unless it can head an import. */
function checkedHeader(record: readonly string[]): CsvHeader {
  const resolved = headerColumns(record);
  if (!resolved.ok) throw new ImportFileError(resolved.reason);
  return { names: [...record], columns: resolved.columns, unknown: resolved.unknown };
}

/** What a csv-parse error code means, in words. */
function syntaxMistake(code: string): string {
  switch (code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return "a quote opened in this row is never closed";
    case "CSV_INVALID_CLOSING_QUOTE":
    case "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE":
      return 'text follows the closing quote of a quoted value (a quote inside a quoted value is written twice: "")';
    case "CSV_INVALID_OPENING_QUOTE":
      return "a quote opens in the middle of a value";
    default:
      return `unreadable CSV (${code})`;
  }
}

/**
 * A syntax error as the operator needs it: the line, the column when known, what is wrong; never
 * csv-parse's message, which can quote the data. `lastRecordLine` is where the last good record
 * ended: an unclosed quote is reported at the end of the file, but opened in the next row.
 */
function syntaxProblem(error: unknown, header: CsvHeader | undefined, lastRecordLine: number) {
  if (!(error instanceof CsvError)) {
    const code = (error as { code?: unknown } | null)?.code;
    return `the CSV file cannot be read (${typeof code === "string" ? code : "error"})`;
  }
  const details = error as CsvError & { lines?: number; column?: unknown };
  const line =
    error.code === "CSV_QUOTE_NOT_CLOSED"
      ? lastRecordLine + 1
      : (details.lines ?? lastRecordLine + 1);
  const mistake = syntaxMistake(error.code);
  if (header === undefined || line <= 1)
    return `the CSV header (line 1) cannot be read: ${mistake}`;
  const column =
    typeof details.column === "number" && error.code !== "CSV_QUOTE_NOT_CLOSED"
      ? header.names[details.column]
      : undefined;
  const where = column === undefined || column === "" ? "" : ` (column ${column})`;
  return `CSV syntax error on line ${line}${where}: ${mistake}; nothing was imported`;
}

/**
 * Reads the whole CSV once, without importing: its header, or `ImportFileError` for a file that
 * cannot be imported. About one parse of the file (a few seconds per million rows), little next
 * to syncing the rows; memory stays flat.
 */
export async function checkCsv(path: string, decoder: LineDecoder): Promise<CsvHeader> {
  let header: CsvHeader | undefined;
  let first: string[] | undefined;
  let records = 0;
  let lastRecordLine = 0;
  const stream = createReadStream(path);
  // Records are looked at here and dropped (`on_record` returns nothing): none is kept.
  const parser = csvParser(stream, decoder, {
    on_record: (record: string[], context: Info & { lines: number }) => {
      first ??= record;
      records += 1;
      lastRecordLine = context.lines;
      return undefined;
    },
  });
  try {
    for await (const _ of parser) {
      // Nothing is pushed.
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    // A good header with a broken row further on: the header's own faults come first.
    if (first !== undefined) header = checkedHeader(first);
    throw new ImportFileError(syntaxProblem(error, header, lastRecordLine));
  } finally {
    stream.destroy();
  }
  if (first === undefined) {
    throw new ImportFileError("the file is empty: a CSV import needs a header row");
  }
  header = checkedHeader(first);
  if (records < 2) throw new ImportFileError("the CSV file has a header and no rows");
  return header;
}

/** The rows of a checked CSV file, streamed, each with its line and where it ends in the file. */
export function csvRecords(
  stream: Readable,
  decoder: LineDecoder,
  header: CsvHeader,
): AsyncIterable<ImportRecord> {
  return {
    async *[Symbol.asyncIterator]() {
      const ends = new LineEnds();
      const parser = csvParser(stream, decoder, { info: true }, ends);
      let headerRow = true;
      const rows = parser as AsyncIterable<{ record: string[]; info: Info & { lines: number } }>;
      try {
        for await (const { record, info } of rows) {
          const line = info.lines;
          const end = ends.through(line);
          if (headerRow) {
            headerRow = false;
            continue;
          }
          if (record.length !== header.columns.length) {
            yield {
              line,
              end,
              error: `the row has ${record.length} fields, the header has ${header.columns.length}`,
            };
            continue;
          }
          const fields: Record<string, string> = {};
          header.columns.forEach((column, i) => {
            if (column !== undefined) fields[column] = record[i] ?? "";
          });
          yield { line, end, fields };
        }
      } catch (error) {
        // `checkCsv` read this file already: an error here means it changed in between.
        if (error instanceof ImportFileError) throw error;
        throw new ImportFileError(syntaxProblem(error, header, 0));
      }
    },
  };
}
