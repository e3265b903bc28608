/**
 * `import` progress, always on stderr (stdout carries the summary): a bar with the rows, their
 * rate and an ETA on a terminal; elsewhere (a CI log, a cron mail, a pipe) one line per interval.
 *
 * Progress is the byte offset of the rows done, not of the bytes read: the reader runs ahead of
 * the syncs by its buffers (about a thousand rows), so bytes read would show 100 % early. The
 * offset reaches the file size at the last row.
 */
import { performance } from "node:perf_hooks";
import { SingleBar } from "cli-progress";
import type { ImportCounts, ImportProgress } from "../../app/importPeople.js";
import type { Terminal } from "../context.js";
import { counted, number } from "../output.js";

export interface ProgressOptions {
  /** File size in bytes: 100 %. */
  size: number;
  /** Draw the bar (a terminal watched by a person). */
  bar: boolean;
  /** Print lines instead (no terminal): one per this many ms; 0 after every row. */
  lines: boolean;
  intervalMs: number;
}

export interface ImportProgressDisplay {
  update(counts: Readonly<ImportCounts>, progress: Readonly<ImportProgress>): void;
  /**
   * The import ended: the timer stopped, the bar at 100 % — or, for an import that was stopped
   * (`complete` false), where it got to.
   */
  stop(complete?: boolean): void;
}

/** A duration as people read it: `45 s`, `3 min 20 s`, `2 h 05 min`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** An ETA in seconds as the progress shows it; `unknown` before any row is done. */
function etaText(seconds: number | undefined): string {
  return seconds === undefined ? "unknown" : duration(seconds);
}

export function importProgress(stderr: Terminal, options: ProgressOptions): ImportProgressDisplay {
  const started = performance.now();
  const elapsed = () => Math.max((performance.now() - started) / 1000, 1e-3);
  const total = Math.max(options.size, 1);
  let latest: ImportProgress = { done: 0, offset: undefined };
  const state = () => {
    const seconds = elapsed();
    const offset = Math.min(latest.offset ?? 0, total);
    const rate = latest.done / seconds;
    const eta = offset > 0 ? (seconds * (total - offset)) / offset : undefined;
    return { offset, rate: Math.round(rate), eta };
  };

  const bar = options.bar
    ? new SingleBar({
        stream: stderr as unknown as NodeJS.WritableStream,
        // The ETA is the lines' (elapsed time over the share done): cli-progress's own, from
        // its last updates, jumped with each chunk's burst of rows done and printed "NFs" for
        // an unknown one and "1m60s" when rounding.
        format:
          "importing |{bar}| {percentage}% of the file | {rows} rows | {rate} rows/s | ETA {eta_text}",
        hideCursor: true,
      })
    : null;
  bar?.start(total, 0, { rows: 0, rate: 0, eta_text: etaText(undefined) });

  let printed = performance.now();
  const printLine = () => {
    printed = performance.now();
    const { offset, rate, eta } = state();
    const percent = Math.floor((100 * offset) / total);
    stderr.write(
      `import progress: ${counted(latest.done, "row")} done, ` +
        `${percent} % of the file, ` +
        `${number.format(rate)} rows/s, ETA ${etaText(eta)}\n`,
    );
  };
  // A timer too, so that a stalled import (a slow database) still says where it is.
  const timer =
    options.lines && options.intervalMs > 0
      ? setInterval(() => {
          if (performance.now() - printed >= options.intervalMs) printLine();
        }, options.intervalMs)
      : null;
  timer?.unref();

  return {
    update(_counts, progress) {
      latest = { ...progress };
      if (bar !== null) {
        const { offset, rate, eta } = state();
        bar.update(offset, { rows: progress.done, rate, eta_text: etaText(eta) });
      }
      if (options.lines && performance.now() - printed >= options.intervalMs) printLine();
    },
    stop(complete = true) {
      if (timer !== null) clearInterval(timer);
      if (bar !== null) {
        // An import that was stopped leaves its bar where it got to.
        if (complete) {
          bar.update(total, { rows: latest.done, rate: state().rate, eta_text: etaText(0) });
        }
        bar.stop();
      }
    },
  };
}
