/**
 * File import: every row goes through the one sync path (`syncPerson`), a few at a time.
 *
 * Each row is its own transaction, so a failing row never undoes the others, and re-importing
 * the same file finds every row already applied (`unchanged`). Rows are pulled from the source
 * as workers free up, so memory stays bounded whatever the file size.
 */
import { ContactSyncError, InvalidInputError } from "../domain/errors.js";
import { importFieldOf, personFromImportRow } from "../domain/importRow.js";
import type { PropertyContext } from "./ports.js";
import { type SyncDependencies, syncPerson } from "./syncPerson.js";

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

/** How many rejected/failed rows a summary lists one by one (all are counted). */
export const MAX_LISTED = 100;
const LINES_PER_WARNING = 5;

export interface ImportOptions {
  property: PropertyContext;
  records: AsyncIterable<ImportRecord>;
  /** Rows synced at once (1 for PGlite, which has a single connection). */
  concurrency?: number;
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

  async function processRecord(record: ImportRecord): Promise<void> {
    if (record.error !== undefined || record.fields === undefined) {
      reject(record.line, record.error ?? "unreadable row");
      return;
    }
    const mapped = personFromImportRow(record.fields);
    if (!mapped.ok) {
      reject(record.line, mapped.reason);
      return;
    }
    const personId = mapped.person.person_id;
    const seen = firstLine.get(personId);
    if (seen !== undefined) {
      reject(record.line, `external_id repeats the row on line ${seen}`);
      return;
    }
    firstLine.set(personId, record.line);
    try {
      const result = await syncPerson(deps, { property: options.property, person: mapped.person });
      for (const w of mapped.warnings) warn(record.line, w.field, w.reason);
      for (const w of result.warnings) warn(record.line, importFieldOf(w.field), w.reason);
      if (result.status === "pending" && result.outcome !== "unchanged") summary.review += 1;
      else if (result.outcome === "created") summary.created += 1;
      else if (result.outcome === "merged") summary.merged += 1;
      else if (result.outcome === "updated") summary.updated += 1;
      else summary.unchanged += 1;
    } catch (error) {
      if (error instanceof InvalidInputError) {
        reject(record.line, error.message);
        return;
      }
      summary.failed += 1;
      if (summary.failures.length < MAX_LISTED) {
        summary.failures.push({ line: record.line, reason: failureReason(error) });
      }
    }
  }

  const iterator = options.records[Symbol.asyncIterator]();
  const worker = async () => {
    while (summary.aborted === undefined) {
      let next: IteratorResult<ImportRecord>;
      try {
        next = await iterator.next();
      } catch (error) {
        summary.aborted ??= failureReason(error);
        return;
      }
      if (next.done) return;
      summary.rows += 1;
      await processRecord(next.value);
      options.onProgress?.(summary);
    }
  };
  const workers = Math.max(1, options.concurrency ?? 1);
  await Promise.all(Array.from({ length: workers }, worker));
  return summary;
}
