/**
 * The `contact-sync` command. Every subcommand has `--help`; bad input ends with one line on
 * stderr and exit code 2, a failure while running with exit code 1. No stack trace is printed
 * unless `CONTACT_SYNC_DEBUG=1`.
 *
 * This file is the program: its global options (`--wait`), its help text, the one mapping from
 * errors to exit codes, and the list of commands, in the order `--help` shows them. Each
 * command — its options, help text, work and output — is a module of its own in `commands/`;
 * what they share is in `context.ts` (streams, configuration, database, exit codes),
 * `options.ts` (option parsers, `--property`) and `output.ts` (output of several commands).
 */
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { StoreError } from "../adapters/db/errors.js";
import { ConfigError, parseConfig } from "../config.js";
import { MergeRefusedError } from "../domain/contactMerge.js";
import { ContactSyncError, InvalidInputError } from "../domain/errors.js";
import { registerImport } from "./commands/import.js";
import { registerLinks } from "./commands/links.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerProperty } from "./commands/property.js";
import { registerPrune } from "./commands/prune.js";
import { registerPush } from "./commands/push.js";
import { registerReconcile } from "./commands/reconcile.js";
import { registerRedrive } from "./commands/redrive.js";
import { registerReindex } from "./commands/reindex.js";
import { registerResmanStub } from "./commands/resmanStub.js";
import { registerReview } from "./commands/review.js";
import { registerRules } from "./commands/rules.js";
import { registerSendEvent } from "./commands/sendEvent.js";
import { registerSendWebhook } from "./commands/sendWebhook.js";
import { registerStart } from "./commands/start.js";
import { registerStats } from "./commands/stats.js";
import { registerUnmerge } from "./commands/unmerge.js";
import {
  type CliConfig,
  type CliIo,
  type CommandContext,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  ExitError,
} from "./context.js";

export type { CliIo, Terminal } from "./context.js";
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./context.js";

/** Default of `--wait`: seconds to wait for another process that holds the embedded database. */
const DEFAULT_WAIT_SECONDS = 30;

/** The commands, in the order `contact-sync --help` lists them. */
const commands = [
  registerMigrate,
  registerImport,
  registerLinks,
  registerStats,
  registerStart,
  registerProperty,
  registerReconcile,
  registerPush,
  registerResmanStub,
  registerSendWebhook,
  registerSendEvent,
  registerRules,
  registerReview,
  registerUnmerge,
  registerReindex,
  registerPrune,
  registerRedrive,
];

/** `--wait`: whole seconds, 0 or more. */
function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError("must be a whole number of seconds (0 or more)");
  }
  return n;
}

/** The program: global options and help, every command, one-line usage errors. */
function buildProgram(context: CommandContext): Command {
  const { io, config } = context;
  const program = new Command("contact-sync")
    .description(
      "Keeps one golden contact per real person per property, linked to every ResMan person record that is that person.",
    )
    .addHelpText(
      "after",
      "\nEnvironment:\n" +
        "  DATABASE_URL      postgres://… (unset: embedded PGlite in PGLITE_DATA_DIR, default .data/pglite)\n" +
        "  DB_DRIVER         pglite | pg | neon (default: pglite without a URL, else pg; neon on Lambda)\n" +
        "  NEON_WS_PROXY     host:port of a local WebSocket proxy for the neon driver\n" +
        "  CONTACT_SYNC_DEBUG=1  print stack traces of unexpected errors",
    )
    .version("0.1.0")
    .option(
      "--wait <seconds>",
      "how long to wait for another contact-sync process that holds the embedded database",
      nonNegativeInteger,
      DEFAULT_WAIT_SECONDS,
    )
    .hook("preAction", (_program, action) => {
      const embedded = config().embedded;
      embedded.command = action.name();
      embedded.waitSeconds = (program.opts() as { wait: number }).wait;
    })
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander asks the process streams by default; in tests those are not ours.
      getOutHelpWidth: () => (io.stdout.isTTY && io.stdout.columns) || 80,
      getErrHelpWidth: () => (io.stderr.isTTY && io.stderr.columns) || 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .exitOverride();

  for (const register of commands) register(program, context);

  const foldUsageErrors = (command: Command, usage: string) => {
    oneLineUsageErrors(command, usage);
    for (const sub of command.commands) foldUsageErrors(sub, `${usage} ${sub.name()}`);
  };
  foldUsageErrors(program, "contact-sync");
  return program;
}

/**
 * Commander words usage mistakes its own way ("error: …", sometimes a second "(Did you mean …?)"
 * line). Folded into the one `contact-sync: …` line every other failure uses, with a pointer to
 * the help of the command that was mistyped, so a script's log keeps one line per failure.
 */
function oneLineUsageErrors(command: Command, usage: string): void {
  command.configureOutput({
    outputError: (text, write) => {
      const reason = text
        .replace(/^error:\s*/u, "")
        .replace(/\s*\n\s*/gu, " ")
        .trim();
      write(`contact-sync: ${reason} (see \`${usage} --help\`)\n`);
    },
  });
}

/**
 * The one mapping from errors to exit codes and their one line on stderr: the caller's mistake
 * (bad input, configuration, a refused merge) is 2, anything else 1.
 */
function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (
    error instanceof InvalidInputError ||
    error instanceof ConfigError ||
    error instanceof MergeRefusedError
  ) {
    return { message: error.message, exitCode: EXIT_USAGE };
  }
  if (error instanceof StoreError && error.sqlState === "42P01") {
    return {
      message: "the database has no contact-sync tables: run `contact-sync migrate` first",
      exitCode: EXIT_FAILURE,
    };
  }
  if (error instanceof ContactSyncError) return { message: error.message, exitCode: EXIT_FAILURE };
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ECONNREFUSED" || code === "ENOTFOUND") {
    return {
      message: `cannot reach the database (${code}): check DATABASE_URL`,
      exitCode: EXIT_FAILURE,
    };
  }
  const name = error instanceof Error ? error.name : "error";
  return {
    message: `unexpected ${name}; set CONTACT_SYNC_DEBUG=1 for details`,
    exitCode: EXIT_FAILURE,
  };
}

/** Runs the CLI with the given arguments (without `node` and the script); returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let cached: CliConfig | undefined;
  const config = () => {
    cached ??= {
      ...parseConfig(io.env),
      embedded: { notice: (line: string) => io.stderr.write(`contact-sync: ${line}\n`) },
    };
    return cached;
  };
  const program = buildProgram({ io, config });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are successful exits; the rest are usage mistakes that
      // commander has already printed in one line.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof ExitError) return error.exitCode;
    const { message, exitCode } = describeFailure(error);
    io.stderr.write(`contact-sync: ${message}\n`);
    if (io.env.CONTACT_SYNC_DEBUG === "1" && error instanceof Error)
      io.stderr.write(`${error.stack}\n`);
    return exitCode;
  }
}
