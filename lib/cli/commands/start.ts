/**
 * `contact-sync start` (what `npm start` runs): the local stack of `lib/local/start.ts` (the
 * bundled sample, the ResMan stand-in's demo), then, on the embedded database, serving it (and
 * the stand-in) to other commands until Ctrl-C.
 */
import type { Command } from "commander";
import { serveUntilStopped, startLocalStack } from "../../local/start.js";
import { type CommandContext, withDatabase } from "../context.js";

/** Registers `start`. */
export function registerStart(program: Command, { io, config }: CommandContext): void {
  program
    .command("start")
    .summary("run the local stack on the bundled sample (what `npm start` runs)")
    .description(
      "Migrate the database (embedded PGlite in .data/pglite unless DATABASE_URL is set), import the bundled sample of ResMan people, reconcile a community of an in-process ResMan stand-in and push a demo chatbot lead to it as a guest card, and print the summaries and sync health. On the embedded database it then keeps the database open for the commands you run in other terminals (they go through this process) until Ctrl-C; in a script (no terminal) it stops after the sample.",
    )
    .option(
      "--serve",
      "keep serving the embedded database after the sample, even without a terminal",
    )
    .option("--once", "stop after the sample, even in a terminal")
    .action(async (options: { serve?: boolean; once?: boolean }) => {
      const serve = options.once ? false : (options.serve ?? io.interactive === true);
      await withDatabase(
        config(),
        async (handle) => {
          const demo = await startLocalStack(handle, io.stdout);
          try {
            if (serve && handle.driver === "pglite") await serveUntilStopped(io.stdout);
          } finally {
            await demo.close();
          }
        },
        { migratesItself: true },
      );
    });
}
