/**
 * File import: every row goes through the sync path's decision (`planSync`), set-based.
 *
 * Rows are read in chunks (at most `CHUNK_ROWS`, fewer while a chunk's reading holds more than
 * `CHUNK_CONTACTS` candidate contacts); each chunk is synced in waves (`syncWaves.ts`):
 * its snapshots read in one statement (two at once on a server), rows that could see each
 * other's writes decided one after the other in file order, the others together, each wave
 * written in one statement.
 * The result is the one-person path's in file order, whatever the chunk size. A failing row
 * never undoes the others (a wave that fails as a whole syncs its rows one by one), and
 * re-importing the same file finds every row already applied (`unchanged`). Memory stays
 * bounded whatever the file size.
 *
 * The property may not exist yet (`PendingProperty`): it is created before the first row that
 * will be synced, so a file whose rows are all rejected leaves nothing behind. Listed lines
 * (rejections, failures, each warning's lines) are kept in line order. Asked to stop
 * (`ImportOptions.signal`: Ctrl-C), it reads no further and says after which line it stopped.
 *
 * (Over 400 lines as one thing: reading, accepting, syncing and counting a file's rows share
 * the summary and the progress marks they update.)
 */

import { ContactSyncError, InvalidInputError } from "../domain/errors.js";
import { importFieldOf, personFromImportRow } from "../domain/importRow.js";
import { FirstLines } from "./firstLines.js";
import type { PropertyContext, PropertyStore, ResmanPropertyRef } from "./ports.js";
import { noIdentity, type PreparedSync, prepareSync, type SyncDependencies } from "./syncPerson.js";
import { syncInWaves, type WaveOutcome, type WaveRow } from "./syncWaves.js";

/** One record read from a file: its fields, or why it could not be read. */
export interface ImportRecord {
  /** Line number in the file (1-based; for CSV the line where the record ends). */
  line: number;
  /** Byte offset in the file just past the record (for progress). */
  end?: number | undefined;
  fields?: Readonly<Record<string, unknown>>;
  error?: string;
}

export interface ImportCounts {
  rows: number;
  created: number;
  merged: number;
  updated: number;
  unchanged: number;
  review: number;
  failed: number;
  rejected: number;
}

export interface LineIssue {
  line: number;
  reason: string;
}

export interface WarningTally {
  field: string;
  reason: string;
  count: number;
  /** The first few lines it occurred on. */
  lines: number[];
}

export interface ImportSummary extends ImportCounts {
  /** Null when the property did not exist and no row was synced (it was not created). */
  propertyId: string | null;
  resmanPropertyId: string | null;
  /** The first `MAX_LISTED` rejected rows (by line), with reasons. */
  rejections: LineIssue[];
  /** The first `MAX_LISTED` rows (by line) that failed to sync, with reasons. */
  failures: LineIssue[];
  warnings: WarningTally[];
  /** Set when reading the file stopped early (e.g. a CSV syntax error); rows before it stand. */
  aborted?: string;
  /**
   * Set when the import was asked to stop (`ImportOptions.signal`) before the end of the file:
   * every row up to this line was imported, rejected or failed, none after it was (0: none).
   */
  interruptedAfterLine?: number;
}

/**
 * Most rows read ahead and synced together in waves. Measured on the generated set (Postgres): 32
 * rows 155 people/s and 500 rows 169 people/s over 5,000 people; 2,000 rows 228 people/s over
 * 14,000 people but 600 MB peak RSS. 1,000 lies between (docs/performance-log.md).
 */
export const CHUNK_ROWS = 1000;

/**
 * Candidate contacts a chunk's first reading should hold, about: what an import holds at its
 * peak is that reading (each contact decoded, with its links and comparison forms). A chunk whose
 * reading held more makes the next one smaller, in proportion; one that held fewer lets it grow
 * back to `CHUNK_ROWS`. On the generated million-person file a 1,000-row chunk's reading climbs
 * from ~700 to ~9,400 contacts over the first 30,000 rows (at most 20 per blocking key, the
 * limit then), and the `import` command peaked at 522 MB RSS (budget 512); 500-row chunks cut
 * the bench's peak over the file's first 300 s by 77 MB at 9 % less speed, and this bound the
 * command's whole-file peak to 441 MB at 2 % less speed. The duplicate-heavy set's chunks hold
 * at most ~1,400 and keep their 1,000 rows (500 would be slower there). docs/performance-log.md.
 */
export const CHUNK_CONTACTS = 5000;

/** The smallest chunk the contacts' bound makes. */
export const MIN_CHUNK_ROWS = 100;

/**
 * The next chunk's rows: `rows` scaled by how far the last chunk's reading (`contacts`) was from
 * `target` contacts, between `MIN_CHUNK_ROWS` (or `most`, if smaller) and `most`.
 */
export function nextChunkRows(
  rows: number,
  contacts: number,
  most: number,
  target = CHUNK_CONTACTS,
): number {
  if (contacts <= 0) return most;
  const scaled = Math.floor((rows * target) / contacts);
  return Math.min(most, Math.max(Math.min(MIN_CHUNK_ROWS, most), scaled));
}

/** How far an import has got, for a progress display. */
export interface ImportProgress {
  /** Rows done: synced, failed or rejected. */
  done: number;
  /**
   * Byte offset just past the last row done with every row before it done too (when the records
   * carry offsets): the file size exactly when the last row is done, whatever order concurrent
   * syncs finish in.
   */
  offset: number | undefined;
}

/**
 * A property that does not exist yet. Rows are prepared with `draft` (the context `create` will
 * return: the defaults of a new property); `create` is called once, before the first row that
 * will be synced.
 */
export interface PendingProperty {
  draft: PropertyContext;
  create(): Promise<PropertyContext>;
}

/**
 * The property a file import writes to: the existing one (its account checked now, so a
 * contradiction fails before any row is read), or a pending one, created at the first row synced.
 */
export async function importTarget(
  properties: Pick<PropertyStore, "findProperty" | "ensureResmanProperty">,
  ref: ResmanPropertyRef,
  draft: (ref: ResmanPropertyRef) => PropertyContext,
): Promise<PropertyContext | PendingProperty> {
  const found = await properties.findProperty(ref.resmanPropertyId);
  if (found !== null && found.resmanPropertyId === ref.resmanPropertyId) {
    return properties.ensureResmanProperty(ref);
  }
  return { draft: draft(ref), create: () => properties.ensureResmanProperty(ref) };
}

/** A row read and not yet counted by progress (see `ImportProgress.offset`). */
interface ProgressMark {
  end: number | undefined;
  done: boolean;
}

/** A row accepted for syncing, prepared, waiting for its chunk's waves. */
interface PendingRow extends WaveRow {
  line: number;
  mark: ProgressMark;
  mapped: ReturnType<typeof personFromImportRow> & { ok: true };
}

/** How many rejected/failed rows a summary lists one by one (all are counted). */
export const MAX_LISTED = 100;
const LINES_PER_WARNING = 5;

export interface ImportOptions {
  property: PropertyContext | PendingProperty;
  records: AsyncIterable<ImportRecord>;
  /**
   * Most rows read and synced together in waves (default `CHUNK_ROWS`); fewer while chunks'
   * readings hold more than `CHUNK_CONTACTS` candidate contacts.
   */
  chunkRows?: number;
  /** Candidate contacts a chunk's reading should hold, about (default `CHUNK_CONTACTS`). */
  chunkContacts?: number;
  onProgress?: (counts: Readonly<ImportCounts>, progress: Readonly<ImportProgress>) => void;
  /**
   * Stops the import where what it did stands: no record is read after the signal, the rows
   * read are synced (at most a chunk's), and the summary says after which line it stopped.
   */
  signal?: AbortSignal;
}

function isPending(property: PropertyContext | PendingProperty): property is PendingProperty {
  return "create" in property;
}

/** Inserts `item` in line order, keeping at most `max` (the lowest lines). */
function insertByLine<T>(list: T[], item: T, lineOf: (item: T) => number, max: number): void {
  const line = lineOf(item);
  let at = list.length;
  while (at > 0 && lineOf(list[at - 1] as T) > line) at -= 1;
  if (at >= max) return;
  list.splice(at, 0, item);
  if (list.length > max) list.pop();
}

/** A reason safe to print: our typed errors carry one; anything else is named only. */
function failureReason(error: unknown): string {
  if (error instanceof ContactSyncError) return error.message;
  return `unexpected ${error instanceof Error ? error.name : "error"}`;
}

export async function importPeople(
  deps: SyncDependencies,
  options: ImportOptions,
): Promise<ImportSummary> {
  const pending = isPending(options.property) ? options.property : null;
  /** The property rows are synced into; null until a pending one is created. */
  let property: PropertyContext | null =
    pending === null ? (options.property as PropertyContext) : null;
  /** The context rows are prepared with. */
  let context: PropertyContext = pending?.draft ?? (options.property as PropertyContext);
  const summary: ImportSummary = {
    propertyId: property?.id ?? null,
    resmanPropertyId: context.resmanPropertyId,
    rows: 0,
    created: 0,
    merged: 0,
    updated: 0,
    unchanged: 0,
    review: 0,
    failed: 0,
    rejected: 0,
    rejections: [],
    failures: [],
    warnings: [],
  };
  const progress: ImportProgress = { done: 0, offset: undefined };
  const warningIndex = new Map<string, WarningTally>();
  // First line of each external id: a second row for the same person in one file is ambiguous
  // (which one is current?) and is rejected, so the result never depends on timing.
  const firstLines = new FirstLines();

  // The rows of the current chunk in file order; all are done before the next chunk is read.
  const marks: ProgressMark[] = [];
  let passed = 0;
  /** A row is done (synced, failed or rejected): progress moves past every row done in order. */
  const done = (mark: ProgressMark) => {
    mark.done = true;
    progress.done += 1;
    for (let next = marks[passed]; next?.done === true; next = marks[passed]) {
      if (next.end !== undefined) progress.offset = next.end;
      passed += 1;
    }
    if (passed === marks.length) {
      marks.length = 0;
      passed = 0;
    }
    options.onProgress?.(summary, progress);
  };
  const byLine = (issue: LineIssue) => issue.line;
  const warn = (line: number, field: string, reason: string) => {
    const key = `${field}\u0000${reason}`;
    let tally = warningIndex.get(key);
    if (tally === undefined) {
      tally = { field, reason, count: 0, lines: [] };
      warningIndex.set(key, tally);
      summary.warnings.push(tally);
    }
    tally.count += 1;
    insertByLine(tally.lines, line, (n) => n, LINES_PER_WARNING);
  };
  const reject = (line: number, reason: string) => {
    summary.rejected += 1;
    insertByLine(summary.rejections, { line, reason }, byLine, MAX_LISTED);
  };

  /** Prepares a mapped person with the current context; null (rejected) when it cannot be. */
  function prepare(line: number, mapped: PendingRow["mapped"]): PreparedSync | null {
    try {
      return prepareSync(context, mapped.person, deps.clock);
    } catch (error) {
      if (error instanceof InvalidInputError) {
        reject(line, error.message);
        return null;
      }
      throw error;
    }
  }

  /** Validates and prepares a record; rejected records are counted and dropped. */
  function accept(record: ImportRecord, mark: ProgressMark): PendingRow | null {
    if (record.error !== undefined || record.fields === undefined) {
      reject(record.line, record.error ?? "unreadable row");
      return null;
    }
    const mapped = personFromImportRow(record.fields);
    if (!mapped.ok) {
      reject(record.line, mapped.reason);
      return null;
    }
    const personId = mapped.person.person_id;
    const seen = firstLines.firstOrRemember(personId, record.line);
    if (seen !== undefined) {
      reject(record.line, `external_id repeats the row on line ${seen}`);
      return null;
    }
    const prepared = prepare(record.line, mapped);
    return prepared === null
      ? null
      : { line: record.line, mark, mapped, person: mapped.person, prepared };
  }

  /**
   * The rows of a chunk that will be synced, once the property exists. While it does not, no
   * person can have a link in it, so one that says nothing about who they are is rejected here,
   * as the sync path would; the first row left creates the property.
   */
  async function syncable(rows: PendingRow[]): Promise<PendingRow[]> {
    if (property !== null || pending === null) return rows;
    const kept = rows.filter((row) => {
      if (row.prepared.identified) return true;
      reject(row.line, noIdentity().message);
      done(row.mark);
      return false;
    });
    if (kept.length === 0) return kept;
    const created = await pending.create();
    property = created;
    summary.propertyId = created.id;
    summary.resmanPropertyId = created.resmanPropertyId;
    const sameNormalisation =
      created.countryCode === context.countryCode && created.officePhone === context.officePhone;
    context = created;
    if (sameNormalisation) return kept;
    // Someone else created the property meanwhile, with its own settings: prepare again.
    return kept.flatMap((row) => {
      const prepared = prepare(row.line, row.mapped);
      if (prepared === null) done(row.mark);
      return prepared === null ? [] : [{ ...row, prepared }];
    });
  }

  /** Counts how a row ended (`syncInWaves` settles each row once) and marks it done. */
  function settleRow(row: PendingRow, outcome: WaveOutcome): void {
    const { line, mapped } = row;
    if ("result" in outcome) {
      const { result } = outcome;
      for (const w of mapped.warnings) warn(line, w.field, w.reason);
      for (const w of result.warnings) warn(line, importFieldOf(w.field), w.reason);
      if (result.status === "pending" && result.outcome !== "unchanged") summary.review += 1;
      else if (result.outcome === "created") summary.created += 1;
      else if (result.outcome === "merged") summary.merged += 1;
      else if (result.outcome === "updated") summary.updated += 1;
      else summary.unchanged += 1;
    } else if (outcome.error instanceof InvalidInputError) {
      reject(line, outcome.error.message);
    } else {
      summary.failed += 1;
      const reason = failureReason(outcome.error);
      insertByLine(summary.failures, { line, reason }, byLine, MAX_LISTED);
    }
    done(row.mark);
  }

  /** Reads the next chunk of records; an unreadable source ends the import (`aborted`). */
  const iterator = options.records[Symbol.asyncIterator]();
  const mostRows = Math.max(1, options.chunkRows ?? CHUNK_ROWS);
  let chunkRows = mostRows;
  let lastLine = 0;
  async function nextChunk(): Promise<PendingRow[] | null> {
    const rows: PendingRow[] = [];
    let read = 0;
    while (read < chunkRows && options.signal?.aborted !== true) {
      let next: IteratorResult<ImportRecord>;
      try {
        next = await iterator.next();
      } catch (error) {
        summary.aborted ??= failureReason(error);
        break;
      }
      if (next.done) break;
      read += 1;
      summary.rows += 1;
      lastLine = next.value.line;
      const mark: ProgressMark = { end: next.value.end, done: false };
      marks.push(mark);
      const row = accept(next.value, mark);
      if (row === null) done(mark);
      else rows.push(row);
    }
    return read === 0 && rows.length === 0 ? null : rows;
  }

  for (;;) {
    if (options.signal?.aborted === true) {
      // The chunks read before the signal are synced. Interrupted unless the file had ended
      // (a record read now is not imported: the summary says the line before it).
      const next = await iterator.next().catch(() => ({ done: false }));
      if (next.done !== true) summary.interruptedAfterLine = lastLine;
      break;
    }
    const read = await nextChunk();
    if (read === null) break;
    const rows = await syncable(read);
    if (rows.length > 0 && property !== null) {
      const { contacts } = await syncInWaves(deps, property, rows, settleRow);
      chunkRows = nextChunkRows(chunkRows, contacts, mostRows, options.chunkContacts);
    }
    if (summary.aborted !== undefined) break;
  }
  return summary;
}
