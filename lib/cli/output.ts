/**
 * Human-readable output shared by several commands (and by `npm start`, `lib/local/start.ts`):
 * the import summary, the sync health table, a reconciliation's and a push's lines, the table
 * style. A command's own output lives
 * with the command (`commands/`). Only ids, counts, line numbers, field names and reasons are
 * printed: never a name, email, phone or birth date.
 */
import Table from "cli-table3";
import type { ImportSummary } from "../app/importPeople.js";
import type {
  ReconcileCounts,
  ReconcileHealth,
  RegisteredProperty,
} from "../app/ports/reconcileStore.js";
import type { PropertyStats } from "../app/ports.js";
import type { PushLine } from "../app/pushGuestCards.js";
import { emptyCounts, type ReconcileOutcome } from "../app/reconcileProperty.js";
import { type ColumnSuggestion, quoted } from "../domain/importColumns.js";
import { INTERRUPTED, isStale } from "../domain/reconcileRun.js";

/** Where the CLI writes text: the process streams in the command, a buffer in tests. */
export interface Output {
  /** False when the stream asks the writer to wait for its `drain` (a process stream). */
  write(text: string): unknown;
}

/** A count as people read it: `7,678`. */
export const number = new Intl.NumberFormat("en-US");

/**
 * cli-table3 colours headers and borders by default, whatever the stream: the escape codes then
 * land in files and pipes (`contact-sync stats > health.txt`). Plain text reads the same on a
 * terminal and is safe everywhere.
 */
export const plain = { style: { head: [], border: [] } };

/** `1 link`, `2 links`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * `1 row`, `7,678 rows`: a count with thousands separators and its noun (`nouns`, the plural,
 * where it is not the noun and an s: `2 properties`).
 */
export function counted(n: number, noun: string, nouns = `${noun}s`): string {
  return `${number.format(n)} ${n === 1 ? noun : nouns}`;
}

/** A property's reconciliation as `stats` shows it. */
export interface ReconcileSummary {
  /** Registered and enabled for the schedule. */
  enabled: boolean;
  lastStatus: string | null;
  /** Seconds since the last run started; null when it never ran. */
  ageSeconds: number | null;
  /** The last good run is older than two periods (or there was none) while enabled. */
  stale: boolean;
}

/** `ok 3 min ago`, `auth_failed 2 h ago STALE`, `never STALE`, `-` (not registered). */
function reconcileCell(summary: ReconcileSummary | undefined): string {
  if (summary === undefined) return "-";
  const last =
    summary.lastStatus === null || summary.ageSeconds === null
      ? "never"
      : `${summary.lastStatus} ${ago(summary.ageSeconds)}`;
  const state = summary.enabled ? (summary.stale ? " STALE" : "") : " (disabled)";
  return `${last}${state}`;
}

/** `45 s ago`, `3 min ago`, `2 h ago`, `4 d ago`. */
function ago(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** The import summary as an operator reads it: counts, then rejected/failed lines and dropped values. */
export function formatImportSummary(summary: ImportSummary, file: string, seconds: number): string {
  const lines: string[] = [];
  const rate = seconds > 0 ? Math.round(summary.rows / seconds) : summary.rows;
  lines.push(
    `Imported ${file} into property ${summary.resmanPropertyId ?? summary.propertyId} ` +
      `(${counted(summary.rows, "row")} in ${seconds.toFixed(1)} s, ${number.format(rate)} rows/s)`,
  );
  const table = new Table({
    ...plain,
    head: ["created", "merged", "updated", "unchanged", "review", "failed", "rejected"],
  });
  table.push(
    [
      summary.created,
      summary.merged,
      summary.updated,
      summary.unchanged,
      summary.review,
      summary.failed,
      summary.rejected,
    ].map((n) => number.format(n)),
  );
  lines.push(table.toString());
  if (summary.rejections.length > 0) {
    lines.push(
      `Rejected rows${summary.rejected > summary.rejections.length ? ` (first ${summary.rejections.length})` : ""}:`,
    );
    for (const r of summary.rejections) lines.push(`  line ${r.line}: ${r.reason}`);
  }
  if (summary.failures.length > 0) {
    lines.push(
      `Failed rows${summary.failed > summary.failures.length ? ` (first ${summary.failures.length})` : ""}:`,
    );
    for (const f of summary.failures) lines.push(`  line ${f.line}: ${f.reason}`);
  }
  if (summary.warnings.length > 0) {
    lines.push("Values dropped (the rest of each row was imported):");
    for (const w of summary.warnings) {
      const more = w.count > w.lines.length ? ", …" : "";
      lines.push(
        `  ${w.field} ${w.reason}: ${counted(w.count, "row")} (line ${w.lines.join(", ")}${more})`,
      );
    }
  }
  if (summary.aborted !== undefined) lines.push(`Import stopped early: ${summary.aborted}`);
  if (summary.interruptedAfterLine !== undefined) {
    lines.push(
      summary.interruptedAfterLine === 0
        ? "Interrupted before the first row: nothing was imported."
        : `Interrupted after line ${number.format(summary.interruptedAfterLine)}: the rows up to it are done, none after it was read. Run the same command again to go on (the rows done count as unchanged).`,
    );
  }
  if (summary.rows > 0 && summary.rejected === summary.rows) {
    lines.push(
      summary.propertyId === null
        ? `Nothing was imported: every row was rejected, and property ${summary.resmanPropertyId} was not created.`
        : "Nothing was imported: every row was rejected.",
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Sync health per property as a table. */
export function formatStats(
  stats: readonly PropertyStats[],
  reconciliation: ReadonlyMap<string, ReconcileSummary> = new Map(),
): string {
  if (stats.length === 0) return "No properties yet.\n";
  const table = new Table({
    ...plain,
    head: [
      "property",
      "resman property",
      "contacts",
      "links",
      "success",
      "merged",
      "pending",
      "failed",
      "sync success %",
      "events waiting",
      "last reconciliation",
    ],
  });
  for (const s of stats) {
    table.push([
      s.propertyId,
      s.resmanPropertyId ?? "-",
      number.format(s.contacts),
      number.format(s.links),
      number.format(s.success),
      number.format(s.merged),
      number.format(s.pending),
      number.format(s.failed),
      s.syncSuccessRate === null ? "-" : s.syncSuccessRate.toFixed(1),
      number.format(s.eventsWaiting),
      reconcileCell(reconciliation.get(s.propertyId)),
    ]);
  }
  return `${table.toString()}\n`;
}

/** One line per property: `<GUID> ok: 120 fetched, 80 created, … (4.2 s)`. */
export function formatReconcileOutcome(outcome: ReconcileOutcome, dryRun = false): string {
  if (outcome.kind === "skipped") {
    return `${outcome.resmanPropertyId} skipped: another reconciliation of this property is running`;
  }
  if (outcome.kind === "error") {
    return outcome.code === INTERRUPTED
      ? `${outcome.resmanPropertyId} not started: interrupted`
      : `${outcome.resmanPropertyId} error: ${outcome.code}`;
  }
  const { run } = outcome;
  const seconds =
    run.finishedAt === null ? 0 : (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000;
  const counts = formatReconcileCounts(run);
  const errors =
    run.errors === null
      ? ""
      : ` [${Object.entries(run.errors)
          .map(([resource, code]) => `${resource}: ${code}`)
          .join(", ")}]`;
  return `${run.resmanPropertyId} ${run.status}${dryRun ? " (dry run, nothing written)" : ""}: ${counts}${errors} (${seconds.toFixed(1)} s)`;
}

/**
 * The totals of several properties' reconciliation: `Reconciled 100 properties in 11.2 s: 98 ok,
 * 2 partial; 3,612 fetched, 1,890 created, …` (the statuses in the order first met).
 */
export function formatReconcileTotals(
  outcomes: readonly ReconcileOutcome[],
  seconds: number,
  dryRun = false,
): string {
  const statuses = new Map<string, number>();
  const totals = emptyCounts();
  for (const outcome of outcomes) {
    const status =
      outcome.kind === "run"
        ? outcome.run.status
        : outcome.kind === "error" && outcome.code === INTERRUPTED
          ? "not started"
          : outcome.kind;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (outcome.kind !== "run") continue;
    for (const key of Object.keys(totals) as (keyof ReconcileCounts)[]) {
      totals[key] += outcome.run[key];
    }
  }
  const byStatus = [...statuses].map(([status, n]) => `${number.format(n)} ${status}`).join(", ");
  return `Reconciled ${counted(outcomes.length, "property", "properties")}${dryRun ? " (dry run, nothing written)" : ""} in ${seconds.toFixed(1)} s: ${byStatus}; ${formatReconcileCounts(totals)}`;
}

/** A run's counts (or several runs' sums) in words: `120 fetched, 80 created, …`. */
function formatReconcileCounts(counts: ReconcileCounts): string {
  return [
    `${number.format(counts.fetched)} fetched`,
    `${number.format(counts.created)} created`,
    `${number.format(counts.updated)} updated`,
    `${number.format(counts.merged)} merged`,
    `${number.format(counts.unchanged)} unchanged`,
    `${number.format(counts.deactivated)} deactivated`,
    `${number.format(counts.review)} review`,
    `${number.format(counts.failed)} failed`,
    ...(counts.unreadable > 0 ? [`${number.format(counts.unreadable)} unreadable`] : []),
  ].join(", ");
}

/** One line per lead: `<link id> created: prospect <ProspectID>, person <PersonID>`. */
export function formatPushLine(resmanPropertyId: string, line: PushLine): string {
  const ids =
    line.prospectId === null ? "" : `: prospect ${line.prospectId}, person ${line.personId}`;
  const error = line.error === null ? "" : `: ${line.error}`;
  return `${resmanPropertyId} lead ${line.contactId} (link ${line.linkId}) ${line.outcome}${ids}${error}`;
}

/** Registered properties' reconciliation: last run, its age, and whether it is stale. */
export function reconcileSummaries(
  registered: readonly RegisteredProperty[],
  health: readonly ReconcileHealth[],
  now: Date,
  periodMinutes: number,
): Map<string, ReconcileSummary> {
  const byProperty = new Map(health.map((h) => [h.propertyId, h]));
  return new Map(
    registered.map((p) => {
      const h = byProperty.get(p.id);
      const last = h?.lastRun ?? null;
      return [
        p.id,
        {
          enabled: p.enabled,
          lastStatus: last?.status ?? null,
          ageSeconds: last === null ? null : (now.getTime() - last.startedAt.getTime()) / 1000,
          stale: p.enabled && isStale(h?.lastOkAt ?? null, now, periodMinutes),
        },
      ];
    }),
  );
}

/**
 * The one warning line (stderr) listing the names of a file's columns or keys a command ignored
 * (`what`: "column(s)", "field(s)"), each with the known name it is most likely a typo of.
 */
export function formatUnknownNames(
  names: readonly ColumnSuggestion<string>[],
  what: string,
): string {
  const listed = names.map(
    (c) => `${quoted(c.name)}${c.nearest === null ? "" : ` (did you mean ${c.nearest}?)`}`,
  );
  return `contact-sync: warning: unknown ${what} ignored: ${listed.join(", ")}\n`;
}
