/**
 * The share of this machine's CPU time its hypervisor gave to other machines while a benchmark
 * ran ("steal" in `/proc/stat`): on a shared host the same code runs slower when its
 * neighbours are busy (this project's machine measured 25 % stolen one morning), so a figure
 * printed with it can be read for what it is. Linux only: elsewhere the meter reads nothing.
 */
import { readFileSync } from "node:fs";

/** The CPUs' total and stolen clock ticks since boot (the first line of `/proc/stat`). */
function cpuTicks(): { total: number; stolen: number } | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    // cpu user nice system idle iowait irq softirq steal (guest time is counted in user).
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (ticks.length < 8 || ticks.some((n) => !Number.isFinite(n))) return undefined;
    return { total: ticks.reduce((sum, n) => sum + n, 0), stolen: ticks[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * Starts measuring; the returned function gives the percentage of CPU time stolen since, or
 * undefined where it cannot be read (or no tick passed).
 */
export function startStolenTime(): () => number | undefined {
  const before = cpuTicks();
  return () => {
    const after = cpuTicks();
    if (before === undefined || after === undefined || after.total <= before.total) {
      return undefined;
    }
    return ((after.stolen - before.stolen) / (after.total - before.total)) * 100;
  };
}
