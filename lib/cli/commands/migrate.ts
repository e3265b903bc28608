/** `contact-sync migrate`: applies pending database migrations and names the driver it used. */
import type { Command } from "commander";
import { type CommandContext, withDatabase } from "../context.js";

/** Registers `migrate`. */
export function registerMigrate(program: Command, { io, config }: CommandContext): void {
  program
    .command("migrate")
    .summary("apply pending database migrations")
    .description(
      "Apply pending database migrations to DATABASE_URL (or the embedded database). Safe to run again, and from several processes at once.",
    )
    .action(async () => {
      const driver = await withDatabase(
        config(),
        async (handle) => {
          await handle.migrate();
          return handle.driver;
        },
        { migratesItself: true },
      );
      io.stdout.write(`Migrations applied (${driver}).\n`);
    });
}
