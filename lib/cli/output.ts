/**
 * Human-readable output of the CLI. Only ids, counts, line numbers, field names and reasons are
 * printed: never a name, email, phone or birth date.
 */
import Table from "cli-table3";
import type { ImportSummary } from "../app/importPeople.js";
import type { PropertyStats } from "../app/ports.js";

export interface Output {
  write(text: string): void;
}

const number = new Intl.NumberFormat("en-US");

export function formatImportSummary(summary: ImportSummary, file: string, seconds: number): string {
  const lines: string[] = [];
  const rate = seconds > 0 ? Math.round(summary.rows / seconds) : summary.rows;
  lines.push(
    `Imported ${file} into property ${summary.resmanPropertyId ?? summary.propertyId} ` +
      `(${number.format(summary.rows)} rows in ${seconds.toFixed(1)} s, ${number.format(rate)} rows/s)`,
  );
  const table = new Table({
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
        `  ${w.field} ${w.reason}: ${number.format(w.count)} row${w.count === 1 ? "" : "s"} (line ${w.lines.join(", ")}${more})`,
      );
    }
  }
  if (summary.aborted !== undefined) lines.push(`Import stopped early: ${summary.aborted}`);
  return `${lines.join("\n")}\n`;
}

export function formatStats(stats: readonly PropertyStats[]): string {
  if (stats.length === 0) return "No properties yet.\n";
  const table = new Table({
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
    ]);
  }
  return `${table.toString()}\n`;
}
