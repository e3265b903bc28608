/**
 * Running the `contact-sync` command in end-to-end tests: in process through `runCli` (fast,
 * output captured) or as the real process through `npx contact-sync` (proves the packaging),
 * plus what the assertions need: fixture paths, the personal values the fixtures hold (which
 * must never be printed) and row counts read straight from Postgres.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import pg from "pg";
import { expect } from "vitest";
import { openDatabase } from "../../lib/adapters/db/client.js";
import { createStores } from "../../lib/adapters/db/stores.js";
import { runCli } from "../../lib/cli/run.js";
import { importFixtureValues, spellings } from "../fixtures/pii.js";

/** The repository root: where `npx contact-sync` finds the package's bin. */
export const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The import fixtures folder (see its README for what each file holds). */
export const fixturesFolder = fileURLToPath(new URL("../fixtures/import", import.meta.url));

/** Absolute path of an import fixture. */
export function fixture(name: string): string {
  return join(fixturesFolder, name);
}

/** What one run of the command did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * An environment for the command that names its database explicitly. Nothing is inherited from
 * the test process, so a DATABASE_URL in the developer's shell can never point a test at it.
 */
export function databaseEnv(url: string): NodeJS.ProcessEnv {
  return { DATABASE_URL: url };
}

/**
 * A server nobody listens on: commands that must fail before touching a database get it, so a
 * regression shows up as a connection error instead of a `.data/pglite` folder in the repository.
 */
export const unreachableDatabaseEnv: NodeJS.ProcessEnv = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:1/none",
};

/** Runs the command in this process with captured output. */
export async function runInProcess(argv: readonly string[], env: NodeJS.ProcessEnv) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(argv, {
    stdout: { write: (text) => stdout.push(text) },
    stderr: { write: (text) => stderr.push(text), isTTY: false },
    env,
  });
  return { code, stdout: stdout.join(""), stderr: stderr.join("") } satisfies CliRun;
}

/**
 * Runs `npx contact-sync …` as a child process from the repository root, as a user would.
 * `npx` is found on PATH; the bin then runs on the Node 24 that `npm install` put in
 * node_modules/.bin.
 */
export function runProcess(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  // npx needs PATH and HOME to find itself, its cache and node_modules/.bin; nothing else leaks.
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return new Promise((resolve, reject) => {
    execFile(
      "npx",
      ["--no-install", "contact-sync", ...args],
      { cwd: repositoryRoot, env: { ...base, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(error);
          return;
        }
        resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
  });
}

/** A command running in the background, as in a terminal of its own (`start --serve`, …). */
export interface BackgroundRun {
  child: ChildProcess;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
  done: Promise<CliRun>;
}

/**
 * Starts `npx contact-sync …` in the background, in a process group of its own (stop it with
 * `process.kill(-child.pid, signal)`), with the environment as `runProcess` builds it.
 */
export function runInBackground(args: readonly string[], env: NodeJS.ProcessEnv): BackgroundRun {
  const child = spawn("npx", ["--no-install", "contact-sync", ...args], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<CliRun>((resolve) => {
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return { child, output: () => ({ stdout, stderr }), done };
}

/** Kills a background command and its children (a test that failed midway). */
export function stopGroup(command: BackgroundRun): void {
  if (command.child.pid !== undefined && command.child.exitCode === null) {
    try {
      process.kill(-command.child.pid, "SIGKILL");
    } catch {}
  }
}

/** Asserts a failed run: the exit code, one line on stderr naming the reason, no stack trace. */
export function expectOneLineError(run: CliRun, exitCode: number, reason: RegExp): void {
  expect(run.code).toBe(exitCode);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^contact-sync: /);
  expect(lines[0]).toMatch(reason);
  expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+\)?$/m);
  expect(run.stdout).toBe("");
}

/**
 * The personal values (names, emails, phones, birth dates) written in the import fixtures, read
 * from the files themselves so a fixture added later is covered too. Rows the importer rejects
 * count as well: their values must not be printed either.
 */
export function fixturePersonalValues(): string[] {
  return [...new Set(importFixtureValues().flatMap(spellings))];
}

/** Asserts that `text` holds none of the fixtures' personal values. */
export function expectNoPersonalData(text: string, personal: readonly string[]): void {
  const lower = text.toLowerCase();
  const leaked = personal.filter((value) =>
    value.includes("@") ? lower.includes(value.toLowerCase()) : text.includes(value),
  );
  expect(leaked).toEqual([]);
}

/** Rows in the tables an import writes, for one ResMan property or for the whole database. */
export interface RowCounts {
  property: number;
  user: number;
  contact_sync: number;
}

/** Counts rows with a short-lived connection of its own (not the command's). */
export async function rowCounts(url: string, resmanPropertyId?: string): Promise<RowCounts> {
  return withClient(url, async (client) => {
    const filter = resmanPropertyId === undefined ? "" : "WHERE p.resman_property_id = $1";
    const params = resmanPropertyId === undefined ? [] : [resmanPropertyId];
    const result = await client.query<RowCounts>(
      `SELECT
         (SELECT count(*)::int FROM property p ${filter}) AS property,
         (SELECT count(*)::int FROM "user" u JOIN property p ON p.id = u.property_id ${filter}) AS "user",
         (SELECT count(*)::int FROM contact_sync s JOIN property p ON p.id = s.property_id ${filter}) AS contact_sync`,
      params,
    );
    const row = result.rows[0];
    if (row === undefined) throw new Error("count query returned no row");
    return row;
  });
}

/**
 * Creates a ResMan property without contacts, as the sync path does, for tests that set its
 * rules before importing (an import creates its property only at the first row it imports).
 */
export async function createProperty(url: string, resmanPropertyId: string): Promise<void> {
  const handle = await openDatabase({ driver: "pg", url, maxConnections: 1 });
  try {
    await createStores(handle.db).properties.ensureResmanProperty({ resmanPropertyId });
  } finally {
    await handle.close();
  }
}

/** Runs `work` on a connection to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Parses CSV output of `links` into records keyed by the header. */
export function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true }) as Record<string, string>[];
}

/** Lines of `text` without the trailing newline. */
export function linesOf(text: string): string[] {
  return text.trimEnd().split("\n");
}

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
