/** Entry point of the `contact-sync` command (see `run.ts`). */
import { limitHeapGrowth } from "./heap.js";
import { resolveDrizzleQuickly } from "./moduleLoading.js";

// Before the program's modules are imported (below, not statically: those would be resolved
// before this line runs): Drizzle's ES modules resolved without Node 24's per-module cost.
resolveDrizzleQuickly();
const { runCli } = await import("./run.js");

// Long imports keep RSS near what they hold (`heap.ts`).
limitHeapGrowth();

// `contact-sync links … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
});
