/**
 * How `contact-sync import` reports as it goes and at the end, in process, on a migrated scratch
 * Postgres database: progress on stderr (lines off a terminal, a bar on one) and rejected lines
 * listed in line order whatever order the concurrent syncs finish in.
 *
 * people.csv: 10 rows (see cli-import.test.ts). rejection-order.csv:
 *   2  RO-1  a placeholder email only: rejected when synced (no usable name, email or phone)
 *   3  RO-2  five fields under a four-column header: rejected when read
 *   4  RO-3  created
 *   → once the property exists, RO-1's rejection is decided after RO-2's, yet listed first.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/run.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import { databaseEnv, fixture, runInProcess } from "./harness.js";

let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_import_report");
  env = databaseEnv(scratch.url);
  expect((await runInProcess(["migrate"], env)).code).toBe(0);
});

afterAll(async () => {
  await scratch?.drop();
});

function importFile(property: string, file: string, ...extra: string[]) {
  return runInProcess(["import", "--property", property, "--file", fixture(file), ...extra], env);
}

async function importJson(property: string, file: string): Promise<Record<string, unknown>> {
  const run = await importFile(property, file, "--json");
  expect(run.code).toBe(0);
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe("contact-sync import: listed lines in line order", () => {
  const expected = [
    { line: 2, reason: "the person has no usable name, email or phone" },
    { line: 3, reason: "the row has 5 fields, the header has 4" },
  ];

  it("lists rejections by line, whatever order they were decided in", async () => {
    const property = randomUUID();
    const first = await importJson(property, "rejection-order.csv");
    expect(first).toMatchObject({ rows: 3, created: 1, rejected: 2, rejections: expected });
    // The property exists now: RO-1 goes to the sync path, and is rejected after RO-2.
    const again = await importJson(property, "rejection-order.csv");
    expect(again).toMatchObject({ rows: 3, unchanged: 1, rejected: 2, rejections: expected });
    const text = await importFile(property, "rejection-order.csv");
    expect(text.stdout).toContain(
      [
        "Rejected rows:",
        ...expected.map((rejection) => `  line ${rejection.line}: ${rejection.reason}`),
      ].join("\n"),
    );
  });
});

describe("contact-sync import progress", () => {
  /** people.csv with a progress line after every row (the interval is a test knob). */
  function importWithProgress(...extra: string[]) {
    return runInProcess(
      ["import", "--property", randomUUID(), "--file", fixture("people.csv"), ...extra],
      { ...env, CONTACT_SYNC_PROGRESS_INTERVAL_MS: "0" },
    );
  }
  const progressLine =
    /^import progress: \d+ rows? done, \d+ % of the file, [\d,]+ rows\/s, ETA (unknown|\d+ s|\d+ min \d+ s|\d+ h \d+ min)$/;

  it("prints progress lines on stderr off a terminal, at 100 % only when the last row is done", async () => {
    const run = await importWithProgress();
    expect(run.code).toBe(0);
    const lines = run.stderr.split("\n").filter((line) => line.startsWith("import progress"));
    expect(lines).toHaveLength(10);
    for (const line of lines) expect(line).toMatch(progressLine);
    const percents = lines.map((line) => Number(/ (\d+) % of the file/.exec(line)?.[1]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.filter((percent) => percent === 100)).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^import progress: 10 rows done, 100 % of the file/);
    expect(run.stdout).not.toContain("progress");
  });

  it("keeps them off stdout under --json", async () => {
    const run = await importWithProgress("--json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 10 });
    expect(run.stderr.split("\n").filter((line) => progressLine.test(line))).toHaveLength(10);
  });

  it("draws a bar with an ETA on a terminal, ending at 100 %, and no progress lines", async () => {
    const stderr: string[] = [];
    const code = await runCli(
      ["import", "--property", randomUUID(), "--file", fixture("people.csv")],
      {
        stdout: { write: () => {} },
        stderr: { write: (text) => stderr.push(text), isTTY: true, columns: 200 },
        env,
      },
    );
    expect(code).toBe(0);
    const drawn = stderr.join("");
    expect(drawn).toMatch(
      /importing \|[^|]*\| 100% of the file \| 10 rows \| \d+ rows\/s \| ETA 0 s/,
    );
    // Every ETA the bar drew reads as the progress lines' do (never "NFs" or "1m60s").
    const esc = String.fromCharCode(27);
    const etas = drawn
      .split("ETA ")
      .slice(1)
      .map((drawnAfter) => drawnAfter.split(esc)[0]?.split(/[\r\n]/)[0]);
    expect(etas.length).toBeGreaterThan(1);
    for (const eta of etas) expect(eta).toMatch(/^(unknown|\d+ s|\d+ min \d+ s|\d+ h \d+ min)$/);
    expect(drawn).not.toContain("import progress");
  });
});
