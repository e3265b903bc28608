/**
 * File import: every row goes through the one sync path (`syncPerson`), a few at a time.
 *
 * Each row is its own write, so a failing row never undoes the others, and re-importing the
 * same file finds every row already applied (`unchanged`). Rows are read in chunks: the
 * snapshots of a chunk's people (their links and candidate contacts) are read in one statement,
 * then the rows are synced a few at a time, each with its own guarded write. A row whose
 * snapshot went stale meanwhile (an earlier row of the chunk wrote a contact it could match)
 * loses its guard and reads again, so batching never changes a decision. Memory stays bounded
 * whatever the file size.
 */
import { ContactSyncError, InvalidInputError } from "../domain/errors.js";
import { importFieldOf, personFromImportRow } from "../domain/importRow.js";
import type { GuardedSnapshot, PropertyContext } from "./ports.js";
import {
  type PreparedSync,
  prepareSync,
  type SyncDependencies,
  snapshotRequestOf,
  syncPerson,
} from "./syncPerson.js";

/** One record read from a file: its fields, or why it could not be read. */
export interface ImportRecord {
  /** Line number in the file (1-based; for CSV the line where the record ends). */
  line: number;
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
  propertyId: string;
  resmanPropertyId: string | null;
  /** The first `MAX_LISTED` rejected rows, with reasons. */
  rejections: LineIssue[];
  /** The first `MAX_LISTED` rows that failed to sync, with reasons. */
  failures: LineIssue[];
  warnings: WarningTally[];
  /** Set when reading the file stopped early (e.g. a CSV syntax error); rows before it stand. */
  aborted?: string;
}

/** Rows read ahead and prefetched together. */
export const CHUNK_ROWS = 32;

/** A row accepted for syncing, prepared, waiting for its chunk's snapshot read. */
interface PendingRow {
  line: number;
  person: ReturnType<typeof personFromImportRow> & { ok: true };
  prepared: PreparedSync;
  prefetched?: GuardedSnapshot | undefined;
}

/** How many rejected/failed rows a summary lists one by one (all are counted). */
export const MAX_LISTED = 100;
const LINES_PER_WARNING = 5;

export interface ImportOptions {
  property: PropertyContext;
  records: AsyncIterable<ImportRecord>;
  /** Rows synced at once (1 for PGlite, which has a single connection). */
  concurrency?: number;
  /** Rows whose snapshots are read in one statement (default `CHUNK_ROWS`). */
  chunkRows?: number;
  onProgress?: (counts: Readonly<ImportCounts>) => void;
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
  const summary: ImportSummary = {
    propertyId: options.property.id,
    resmanPropertyId: options.property.resmanPropertyId,
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
  const warningIndex = new Map<string, WarningTally>();
  // First line of each external id: a second row for the same person in one file is ambiguous
  // (which one is current?) and is rejected, so the result never depends on timing.
  const firstLine = new Map<string, number>();

  const warn = (line: number, field: string, reason: string) => {
    const key = `${field}\u0000${reason}`;
    let tally = warningIndex.get(key);
    if (tally === undefined) {
      tally = { field, reason, count: 0, lines: [] };
      warningIndex.set(key, tally);
      summary.warnings.push(tally);
    }
    tally.count += 1;
    if (tally.lines.length < LINES_PER_WARNING) tally.lines.push(line);
  };
  const reject = (line: number, reason: string) => {
    summary.rejected += 1;
    if (summary.rejections.length < MAX_LISTED) summary.rejections.push({ line, reason });
  };

  /** Validates and prepares a record; rejected records are counted and dropped. */
  function accept(record: ImportRecord): PendingRow | null {
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
    const seen = firstLine.get(personId);
    if (seen !== undefined) {
      reject(record.line, `external_id repeats the row on line ${seen}`);
      return null;
    }
    firstLine.set(personId, record.line);
    try {
      const prepared = prepareSync(options.property, mapped.person, deps.clock);
      return { line: record.line, person: mapped, prepared };
    } catch (error) {
      if (error instanceof InvalidInputError) {
        reject(record.line, error.message);
        return null;
      }
      throw error;
    }
  }

  async function syncRow(row: PendingRow): Promise<void> {
    const { line, person: mapped } = row;
    try {
      const result = await syncPerson(deps, {
        property: options.property,
        person: mapped.person,
        prepared: row.prepared,
        prefetched: row.prefetched,
      });
      for (const w of mapped.warnings) warn(line, w.field, w.reason);
      for (const w of result.warnings) warn(line, importFieldOf(w.field), w.reason);
      if (result.status === "pending" && result.outcome !== "unchanged") summary.review += 1;
      else if (result.outcome === "created") summary.created += 1;
      else if (result.outcome === "merged") summary.merged += 1;
      else if (result.outcome === "updated") summary.updated += 1;
      else summary.unchanged += 1;
    } catch (error) {
      if (error instanceof InvalidInputError) {
        reject(line, error.message);
        return;
      }
      summary.failed += 1;
      if (summary.failures.length < MAX_LISTED) {
        summary.failures.push({ line, reason: failureReason(error) });
      }
    }
  }

  /** Reads the next chunk of records; an unreadable source ends the import (`aborted`). */
  const iterator = options.records[Symbol.asyncIterator]();
  const chunkRows = Math.max(1, options.chunkRows ?? CHUNK_ROWS);
  async function nextChunk(): Promise<PendingRow[] | null> {
    const rows: PendingRow[] = [];
    let read = 0;
    while (read < chunkRows) {
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
      const row = accept(next.value);
      if (row === null) options.onProgress?.(summary);
      else rows.push(row);
    }
    return read === 0 && rows.length === 0 ? null : rows;
  }

  const workers = Math.max(1, options.concurrency ?? 1);
  for (;;) {
    const rows = await nextChunk();
    if (rows === null) break;
    if (rows.length > 0) {
      // One statement for the chunk's reads. If it fails, each row reads for itself (and
      // reports its own failure).
      try {
        const snapshots = await deps.store.readSnapshots(
          options.property.id,
          rows.map((row) => snapshotRequestOf(row.prepared)),
        );
        rows.forEach((row, i) => {
          row.prefetched = snapshots[i];
        });
      } catch {
        // Fall through: no prefetched snapshots.
      }
      let index = 0;
      const worker = async () => {
        for (let row = rows[index++]; row !== undefined; row = rows[index++]) {
          await syncRow(row);
          options.onProgress?.(summary);
        }
      };
      await Promise.all(Array.from({ length: Math.min(workers, rows.length) }, worker));
    }
    if (summary.aborted !== undefined) break;
  }
  return summary;
}
