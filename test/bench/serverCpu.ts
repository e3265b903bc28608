/**
 * The Postgres server's CPU while a benchmark runs, when the server runs on this machine: the
 * user + system time of every `postgres` process (backends, the WAL writer, the checkpointer…)
 * read from `/proc`, so a benchmark can show the whole machine's cost of its work next to its
 * own process's (`process.cpuUsage()`). A backend that exits between two samples loses what it
 * used since the last one, so the meter samples every second; the pool's connections live for
 * the whole import, so little is lost.
 *
 * Linux only, and only for a server on this machine: elsewhere `isLocalServer` says no, the
 * benchmark starts no meter and shows '-'.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Linux's clock ticks a second for `/proc/<pid>/stat` (USER_HZ: 100 on every common build). */
const TICKS_PER_SECOND = 100;
const SAMPLE_MS = 1_000;

/**
 * The user + system CPU seconds of process `pid` so far, from `/proc/<pid>/stat`; undefined
 * where it cannot be read (not Linux, or the process ended).
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds of the `postgres` processes by pid, now. */
function postgresCpuByPid(): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "postgres") continue;
    } catch {
      continue;
    }
    // A process that ended while being read: its last sample stands.
    const cpu = processCpuSeconds(pid);
    if (cpu !== undefined) seconds.set(pid, cpu);
  }
  return seconds;
}

/** Whether a database URL names a server on this machine. */
export function isLocalServer(url: string | undefined): boolean {
  if (url === undefined || process.platform !== "linux") return false;
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || host === "";
  } catch {
    return false;
  }
}

/** A running meter: `stop()` gives the server's CPU seconds since `startServerCpu()`. */
export interface ServerCpuMeter {
  stop(): number;
}

/** Starts metering the local server's CPU (see the file's comment). */
export function startServerCpu(): ServerCpuMeter {
  const first = postgresCpuByPid();
  const last = new Map(first);
  const sample = () => {
    for (const [pid, seconds] of postgresCpuByPid()) last.set(pid, seconds);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      let total = 0;
      // A pid first seen after the start began after it: all its time counts.
      for (const [pid, seconds] of last) total += seconds - (first.get(pid) ?? 0);
      return total;
    },
  };
}
