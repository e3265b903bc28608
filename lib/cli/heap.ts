/**
 * How far the CLI's JS heap may grow past what it holds. V8 grows the heap after each full
 * collection by a factor it picks from the collector's speed (up to 4× the live size on a heap
 * this small), and returns little of it while the process is busy. An import holds a chunk's
 * readings (~9,300 decoded contacts per 1,000 rows on the generated set) for a few seconds, then
 * drops them: the heap in use swings between ~100 and ~400 MB, and with V8's own factor the heap
 * reserved, and so RSS, settled at ~660 MB on the 1,000,000-person file (issue 15's budget: 512).
 * A fixed factor of 1.5 kept RSS at ~380 MB over the first 30,000 rows at the same speed, but the
 * whole file peaked at 519 MB; 1.3 (with the chunk's snapshot reader, same day) at 492 MB, at 405
 * people/s against 365 (`bench:import`, docs/performance-log.md). No ceiling is set: a file
 * whose rows hold more still imports, with more collections.
 */
import { setFlagsFromString } from "node:v8";

/** The heap may grow to this many percent over the live size after a full collection. */
export const HEAP_GROWING_PERCENT = 30;

/** Sets the growth factor for this process; set at run time, it holds from the next collection. */
export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
