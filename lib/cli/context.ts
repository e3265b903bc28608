/**
 * What every command of the CLI shares: the streams and environment it runs with (`CliIo`,
 * injectable so tests run the CLI in process), its configuration, the exit codes, and the
 * database it opens and closes around its work.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { type DatabaseHandle, openConfiguredDatabase } from "../adapters/db/client.js";
import type { EmbeddedOptions } from "../adapters/db/embeddedOwner.js";
import { StoreSchemaError, schemaOutdatedMessage } from "../adapters/db/errors.js";
import { pendingMigrations } from "../adapters/db/schemaVersion.js";
import { type Stores, storesOn } from "../adapters/db/stores.js";
import type { Config } from "../config.js";
import type { SignalSource } from "./interrupt.js";
import { counted, type Output } from "./output.js";

/**
 * A stream the CLI writes to, and whether a person is watching it. A stream that says when to
 * wait (a process stream: `write` returns false until `drain`) lets long output keep pace with
 * a slow reader (`writeAtPace`).
 */
export type Terminal = Output & {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  once?: ((event: "drain" | "close", listener: () => void) => unknown) | undefined;
  off?: ((event: "drain" | "close", listener: () => void) => unknown) | undefined;
};

/**
 * Writes `text` and, when the stream asks to wait (its buffer full: a pipe into `less`, a slow
 * disk), waits until it drains or closes, so output of any length holds one buffer in memory.
 */
export async function writeAtPace(stream: Terminal, text: string): Promise<void> {
  if (stream.write(text) !== false || stream.once === undefined) return;
  const { once, off } = stream;
  await new Promise<void>((resolve) => {
    const done = () => {
      off?.call(stream, "drain", done);
      off?.call(stream, "close", done);
      resolve();
    };
    once.call(stream, "drain", done);
    once.call(stream, "close", done);
  });
}

/** What the CLI touches outside itself: injectable, so tests run it in process. */
export interface CliIo {
  stdout: Terminal;
  stderr: Terminal;
  env: NodeJS.ProcessEnv;
  /** Whether a person types at this command (stdin and stdout are terminals). */
  interactive?: boolean | undefined;
  /** AWS clients to use instead of building them from the environment (tests pass mocks). */
  aws?: { sqs?: SQSClient | undefined } | undefined;
  /** Where Ctrl-C and SIGTERM come from: the process unless given (tests emit them). */
  signals?: SignalSource | undefined;
}

/**
 * The configuration a command runs with: the environment's, and how to share the embedded
 * database with other processes (`--wait`, the command's name, where notices go).
 */
export type CliConfig = Config & { readonly embedded: Partial<EmbeddedOptions> };

/** What a command's module gets from the program (`run.ts`) to register its command with. */
export interface CommandContext {
  readonly io: CliIo;
  /** The configuration, parsed from the environment once, at its first use. */
  config(): CliConfig;
}

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** Stopped by Ctrl-C: 128 + SIGINT's number, as a shell reports it (SIGTERM gives 143). */
export const EXIT_INTERRUPTED = 130;

/** A run failed for a reason already reported; carries the exit code. */
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/**
 * Runs `work` on the configured database and closes it. The embedded default is migrated on
 * open, unless the command migrates itself (`migrate`, `start`, on every driver); a server
 * database whose migrations are behind this code stops the command before any work.
 */
export async function withDatabase<T>(
  config: CliConfig,
  work: (handle: DatabaseHandle) => Promise<T>,
  options: { migratesItself?: boolean } = {},
) {
  const handle = await openConfiguredDatabase(config, { embedded: config.embedded });
  try {
    if (!options.migratesItself) {
      if (handle.driver === "pglite") await handle.migrate();
      else await requireCurrentSchema(handle);
    }
    return await work(handle);
  } finally {
    await handle.close();
  }
}

/** Refuses a server database with migrations this code has and it has not applied. */
async function requireCurrentSchema(handle: DatabaseHandle): Promise<void> {
  const pending = await pendingMigrations(handle.db);
  if (pending > 0) {
    throw new StoreSchemaError(
      schemaOutdatedMessage(`${counted(pending, "migration")} not applied`),
      undefined,
    );
  }
}

/** Runs `work` with the stores of the configured database, closed afterwards. */
export function withStores<T>(
  context: CommandContext,
  work: (stores: Stores) => Promise<T>,
): Promise<T> {
  return withDatabase(context.config(), (handle) => work(storesOn(handle)));
}
