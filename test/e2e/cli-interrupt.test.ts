/**
 * Ctrl-C during `contact-sync import`: the rows read so far are synced, the summary says after
 * which line it stopped, the exit code is 130, and the same command run again goes on, ending
 * where an import in one go ends. In process (the signal emitted by the test at a progress
 * line) and as the real process (Ctrl-C sent to its process group, as a terminal
 * sends it).
 */
import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImportCounts } from "../../lib/app/importPeople.js";
import { runCli } from "../../lib/cli/run.js";
import { writePeopleCsv } from "../../lib/local/peopleGenerator.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import {
  type CliRun,
  databaseEnv,
  rowCounts,
  runInBackground,
  runInProcess,
  stopGroup,
} from "./harness.js";

let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;
let folder: string;
let file: string;
const ROWS = 2500;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_interrupt");
  env = { ...databaseEnv(scratch.url), CONTACT_SYNC_PROGRESS_INTERVAL_MS: "1" };
  expect((await runInProcess(["migrate"], env)).code).toBe(0);
  folder = await mkdtemp(join(tmpdir(), "contact-sync-interrupt-"));
  file = join(folder, "people.csv");
  await writePeopleCsv(file, { seed: 11, rows: ROWS });
});

afterAll(async () => {
  await scratch?.drop();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

interface ImportJson extends ImportCounts {
  interrupted_after_line: number | null;
}

/**
 * `import --json` in process; with `stop`, Ctrl-C (SIGINT) emitted at the first progress line
 * that counts 200 rows done (rows are synced, not only rejected, by then), or `"at the end"` at
 * one that counts a row of the last chunk done (chunks of 1,000 rows: that chunk was read to the
 * end of the file).
 */
async function importInProcess(property: string, stop: boolean | "at the end"): Promise<CliRun> {
  const signals = new EventEmitter();
  const stdout: string[] = [];
  const stderr: string[] = [];
  let sent = false;
  const code = await runCli(["import", "--property", property, "--file", file, "--json"], {
    stdout: { write: (text) => stdout.push(text) },
    stderr: {
      write: (text) => {
        stderr.push(text);
        const done = /^import progress: ([\d,]+) rows done/.exec(text)?.[1];
        const count = done === undefined ? 0 : Number(done.replace(/,/g, ""));
        const now = stop === "at the end" ? count > ROWS - 400 : stop && count >= 200;
        if (!sent && now) {
          sent = true;
          signals.emit("SIGINT", "SIGINT");
        }
      },
      isTTY: false,
    },
    env,
    signals,
  });
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

/** Rows synced or failed: what an import run found to do, or found done. */
const handled = (s: ImportCounts) =>
  s.created + s.merged + s.updated + s.unchanged + s.review + s.failed;

describe("contact-sync import stopped by Ctrl-C", () => {
  it("syncs the rows it read, says after which line it stopped, exits 130; run again, it goes on to where one import ends", async () => {
    const stopped = "9b0e4c1a-5f2d-4e8b-a3c7-1d6f8e2b4a90";
    const first = await importInProcess(stopped, true);
    expect(first.code).toBe(130);
    expect(first.stderr).toContain(
      "contact-sync: Ctrl-C: stopping after the rows in progress; the rows done so far are kept",
    );
    const partial = JSON.parse(first.stdout) as ImportJson;
    // The signal came while the first chunk's rows were synced: they were all synced, nothing
    // after them was read. One line a row after the header: the line it stopped after is the
    // rows read + 1.
    expect(handled(partial)).toBeGreaterThanOrEqual(200);
    expect(partial.rows).toBeLessThan(ROWS);
    expect(partial.interrupted_after_line).toBe(partial.rows + 1);
    expect(handled(partial) + partial.rejected).toBe(partial.rows);
    const links = (await rowCounts(scratch.url, stopped)).contact_sync;
    expect(links).toBe(handled(partial));

    const rest = await importInProcess(stopped, false);
    expect(rest.code).toBe(0);
    const resumed = JSON.parse(rest.stdout) as ImportJson;
    expect(resumed.interrupted_after_line).toBeNull();
    expect(resumed.rows).toBe(ROWS);
    // The rows done before Ctrl-C are found done.
    expect(resumed.unchanged).toBe(handled(partial));

    const whole = "3c8d2f7e-1a4b-4c6d-9e0f-7b5a2d8c1e43";
    const once = await importInProcess(whole, false);
    expect(once.code).toBe(0);
    const inOneGo = JSON.parse(once.stdout) as ImportJson;
    expect(handled(resumed)).toBe(handled(inOneGo));
    const counts = await rowCounts(scratch.url, stopped);
    expect({ ...counts, property: 1 }).toEqual(await rowCounts(scratch.url, whole));
  });

  it("a Ctrl-C once the last row was read changes nothing: the import ends as it would, exit 0", async () => {
    const run = await importInProcess("7d4b2e9c-6a1f-4c3e-8b5d-0e9f2a4c6b18", "at the end");
    expect(run.stderr).toContain("contact-sync: Ctrl-C: stopping");
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as ImportJson;
    expect(summary.interrupted_after_line).toBeNull();
    expect(summary.rows).toBe(ROWS);
  });

  it("as the real process: Ctrl-C to its process group prints the summary with the line it stopped after", async () => {
    const property = "5e1a7c3b-9d2f-4b8e-a6c4-2f0d8b3e7a15";
    const run = runInBackground(["import", "--property", property, "--file", file], env);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (run.output().stderr.includes("import progress:")) {
            clearInterval(timer);
            resolve();
          } else if (run.child.exitCode !== null) {
            clearInterval(timer);
            reject(new Error(`import ended before Ctrl-C: ${run.output().stderr}`));
          }
        }, 20);
      });
      process.kill(-(run.child.pid as number), "SIGINT");
      const result = await run.done;
      expect(result.stderr).toContain("contact-sync: Ctrl-C: stopping after the rows in progress");
      expect(result.stdout).toMatch(/Interrupted after line [\d,]+: the rows up to it are done/);
      expect(result.stdout).not.toContain("Interrupted before the first row");
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      stopGroup(run);
    }
  });
});
