/**
 * Drizzle's ES modules resolved as the command resolves them (`lib/cli/moduleLoading.ts`),
 * without Node 24's per-module cost: a vitest setup file (each test file's worker; in two
 * interleaved runs of test/contract, vitest's import time fell from 6–7 % of the run to 2 %),
 * and imported first by the benchmarks (`tsx --import`, package.json), whose processes then
 * start as the command does (~95 MB of RSS instead of ~230).
 */
import { resolveDrizzleQuickly } from "../../lib/cli/moduleLoading.js";

resolveDrizzleQuickly();
