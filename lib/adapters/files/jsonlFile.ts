/**
 * JSON Lines import files: one object per line, keys named as CSV columns (same aliases).
 *
 * The checking pass only decodes (a line that does not decode stops the import before anything is
 * written) and counts the rows; a line that is not a JSON object is a rejected row, not a broken
 * file, since every line stands alone. Two keys of one object naming one column reject that row.
 */
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import type { ImportRecord } from "../../app/importPeople.js";
import {
  columnOf,
  keyedFields,
  type UnknownColumn,
  unknownColumn,
} from "../../domain/importColumns.js";
import type { ImportColumn } from "../../domain/importRow.js";
import { type LineDecoder, textLines } from "./encoding.js";
import { ImportFileError } from "./errors.js";

/** Reads the file once: every line must decode, and some line must not be blank. */
export async function checkJsonl(path: string, decoder: LineDecoder): Promise<void> {
  let rows = 0;
  const stream = createReadStream(path);
  try {
    for await (const batch of textLines(stream, decoder)) {
      for (const line of batch) if (line.text.trim() !== "") rows += 1;
    }
  } finally {
    stream.destroy();
  }
  if (rows === 0) throw new ImportFileError("the file has no rows: every line is blank");
}

/** Distinct keys remembered: the unknown ones listed, and the column cache. */
const MAX_UNKNOWN_KEYS = 50;
const MAX_CACHED_KEYS = 1000;

/** The keys of a JSONL file: their columns (cached), and the unknown ones seen so far. */
export class JsonlKeys {
  private readonly cache = new Map<string, ImportColumn | undefined>();
  private readonly unknown = new Map<string, UnknownColumn>();

  readonly columnOf = (key: string): ImportColumn | undefined => {
    if (this.cache.has(key)) return this.cache.get(key);
    const column = columnOf(key);
    if (this.cache.size < MAX_CACHED_KEYS) this.cache.set(key, column);
    return column;
  };

  noteUnknown(keys: readonly string[]): void {
    for (const key of keys) {
      if (this.unknown.size >= MAX_UNKNOWN_KEYS) return;
      if (!this.unknown.has(key)) this.unknown.set(key, unknownColumn(key));
    }
  }

  /** The unknown keys in the order first seen (the first `MAX_UNKNOWN_KEYS`). */
  unknownColumns(): UnknownColumn[] {
    return [...this.unknown.values()];
  }
}

/** The rows of a checked JSONL file, streamed; blank lines are skipped but counted as lines. */
export async function* jsonlRecords(
  stream: Readable,
  decoder: LineDecoder,
  keys: JsonlKeys,
): AsyncIterable<ImportRecord> {
  for await (const batch of textLines(stream, decoder)) {
    for (const { line, text, end } of batch) {
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        yield { line, end, error: "the line is not valid JSON" };
        continue;
      }
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        yield { line, end, error: "the line is not a JSON object" };
        continue;
      }
      const mapped = keyedFields(value as Record<string, unknown>, keys.columnOf);
      if (!mapped.ok) {
        yield { line, end, error: mapped.reason };
        continue;
      }
      keys.noteUnknown(mapped.unknown);
      yield { line, end, fields: mapped.fields };
    }
  }
}
