/**
 * `contact-sync links` and `contact-sync stats` after importing the fixtures, in process, on a
 * migrated scratch Postgres database. people.csv gives 6 links on 5 contacts (5 success, 1
 * merged); people.jsonl 4 links on 3 contacts (3 success, 1 merged) — see cli-import.test.ts;
 * EMPTY_PROPERTY exists with no contact (an import of rejected-only.csv creates nothing: its
 * rows are all rejected).
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/run.js";
import { DEFAULT_MATCHING_CRITERIA } from "../../lib/domain/rules.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import {
  createProperty,
  databaseEnv,
  expectOneLineError,
  fixture,
  GUID_PATTERN,
  linesOf,
  parseCsv,
  runInProcess,
} from "./harness.js";

const CSV_PROPERTY = randomUUID();
const JSONL_PROPERTY = randomUUID();
/** A property with no contact: rejected-only.csv, all of whose rows are rejected, adds none. */
const EMPTY_PROPERTY = randomUUID();
const csvExternalIds = [
  "10003",
  "3f6b8a52-6c1e-4d7a-9b2f-0a1c2d3e4f50",
  "RM-1002",
  "RM-1009",
  "RM-1010",
  "prospect/7781",
];

let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_reports");
  env = databaseEnv(scratch.url);
  expect((await runInProcess(["migrate"], env)).code).toBe(0);
  for (const [property, file] of [
    [CSV_PROPERTY, "people.csv"],
    [JSONL_PROPERTY, "people.jsonl"],
  ] as const) {
    const run = await runInProcess(
      ["import", "--property", property, "--file", fixture(file)],
      env,
    );
    expect(run.code).toBe(0);
  }
  await createProperty(scratch.url, EMPTY_PROPERTY);
  const rejected = await runInProcess(
    ["import", "--property", EMPTY_PROPERTY, "--file", fixture("rejected-only.csv")],
    env,
  );
  expect(rejected.code).toBe(1);
});

afterAll(async () => {
  await scratch?.drop();
});

describe("contact-sync links", () => {
  it("prints the CSV header and one row per imported external id", async () => {
    const run = await runInProcess(["links", "--property", CSV_PROPERTY, "--format", "csv"], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(linesOf(run.stdout)[0]).toBe("resman_contact_id,user_id,sync_status,match_score");
    const links = parseCsv(run.stdout);
    expect(links.map((link) => link.resman_contact_id).sort()).toEqual(csvExternalIds);
    for (const link of links) expect(link.user_id).toMatch(GUID_PATTERN);
    // A created link has no score; the link that matched the other Avery row carries its score
    // (bits of evidence, at or above the auto-merge threshold).
    const byStatus = (status: string) => links.filter((link) => link.sync_status === status);
    expect(byStatus("success")).toHaveLength(5);
    const merged = byStatus("merged").map((link) => Number(link.match_score));
    expect(merged).toHaveLength(1);
    expect(merged[0]).toBeGreaterThanOrEqual(DEFAULT_MATCHING_CRITERIA.thresholds.auto_merge);
    expect(byStatus("success").map((link) => link.match_score)).toEqual(["", "", "", "", ""]);
    expect(new Set(links.map((link) => link.user_id)).size).toBe(5);
    const avery = links.filter((link) =>
      ["3f6b8a52-6c1e-4d7a-9b2f-0a1c2d3e4f50", "RM-1002"].includes(link.resman_contact_id ?? ""),
    );
    expect(avery[0]?.user_id).toBe(avery[1]?.user_id);
  });

  it("prints CSV when no format is given", async () => {
    const csv = await runInProcess(["links", "--property", CSV_PROPERTY, "--format", "csv"], env);
    const fallback = await runInProcess(["links", "--property", CSV_PROPERTY], env);
    expect(fallback).toEqual(csv);
  });

  it.each(["csv", "json"])(
    "writes %s at the reader's pace: nothing more while the stream asks to wait",
    async (format) => {
      // A stream whose buffer is always full: every write asks the writer to wait for `drain`,
      // which comes on the next turn of the event loop, like a pipe into a slow reader.
      const stream = new EventEmitter();
      const written: string[] = [];
      let waiting = false;
      let writesWhileWaiting = 0;
      const stdout = Object.assign(stream, {
        write: (text: string) => {
          if (waiting) writesWhileWaiting += 1;
          written.push(text);
          waiting = true;
          setImmediate(() => {
            waiting = false;
            stream.emit("drain");
          });
          return false;
        },
      });
      const code = await runCli(["links", "--property", CSV_PROPERTY, "--format", format], {
        stdout,
        stderr: { write: () => true },
        env,
      });
      expect(code).toBe(0);
      expect(writesWhileWaiting).toBe(0);
      expect(written.length).toBeGreaterThan(1);
      expect(stream.listenerCount("drain") + stream.listenerCount("close")).toBe(0);
      const plain = await runInProcess(
        ["links", "--property", CSV_PROPERTY, "--format", format],
        env,
      );
      expect(written.join("")).toBe(plain.stdout);
    },
  );

  it("prints the same rows as a JSON array under --format json", async () => {
    const csv = await runInProcess(["links", "--property", CSV_PROPERTY, "--format", "csv"], env);
    const json = await runInProcess(["links", "--property", CSV_PROPERTY, "--format", "json"], env);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe("");
    const parsed = JSON.parse(json.stdout) as unknown;
    expect(Array.isArray(parsed)).toBe(true);
    const expected = parseCsv(csv.stdout).map((link) => ({
      resman_contact_id: link.resman_contact_id,
      user_id: link.user_id,
      sync_status: link.sync_status,
      match_score: link.match_score === "" ? null : Number(link.match_score),
    }));
    expect(parsed).toEqual(expected);
  });

  it("takes --json as --format json, and refuses the two together", async () => {
    const format = await runInProcess(
      ["links", "--property", CSV_PROPERTY, "--format", "json"],
      env,
    );
    const json = await runInProcess(["links", "--property", CSV_PROPERTY, "--json"], env);
    expect(json).toEqual(format);
    const both = await runInProcess(
      ["links", "--property", CSV_PROPERTY, "--json", "--format", "csv"],
      env,
    );
    expect(both.code).toBe(2);
    expect(both.stdout).toBe("");
    expect(both.stderr).toContain("'--json' cannot be used with option '--format <format>'");
  });

  it("keeps each property's links to itself", async () => {
    const run = await runInProcess(
      ["links", "--property", JSONL_PROPERTY, "--format", "json"],
      env,
    );
    const links = JSON.parse(run.stdout) as { resman_contact_id: string }[];
    expect(links.map((link) => link.resman_contact_id).sort()).toEqual([
      "20005",
      "jl-001",
      "jl-002",
      "jl-006",
    ]);
  });

  it("prints only the header, or an empty array, for a property without links", async () => {
    const csv = await runInProcess(["links", "--property", EMPTY_PROPERTY], env);
    expect(csv).toEqual({
      code: 0,
      stdout: "resman_contact_id,user_id,sync_status,match_score\n",
      stderr: "",
    });
    const json = await runInProcess(
      ["links", "--property", EMPTY_PROPERTY, "--format", "json"],
      env,
    );
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it("fails with exit 2 and one line for a property it does not know", async () => {
    const unknown = randomUUID();
    const run = await runInProcess(["links", "--property", unknown], env);
    expectOneLineError(run, 2, new RegExp(`no property ${unknown}`));
  });
});

/** One property's row in `stats --json`. */
interface StatsJson {
  property_id: string;
  resman_property_id: string | null;
  contacts: number;
  links: number;
  success: number;
  merged: number;
  pending: number;
  failed: number;
  sync_success_rate: number | null;
  merged_contacts: number;
  events_waiting: number;
  oldest_event_waiting_at: string | null;
}

describe("contact-sync stats", () => {
  it("shows each property's counts and success rate under --json", async () => {
    const run = await runInProcess(["stats", "--json"], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const stats = JSON.parse(run.stdout) as StatsJson[];
    const of = (property: string) => stats.find((s) => s.resman_property_id === property);
    expect(of(CSV_PROPERTY)).toMatchObject({
      contacts: 5,
      links: 6,
      success: 5,
      merged: 1,
      pending: 0,
      failed: 0,
      sync_success_rate: 100,
      merged_contacts: 1,
      // Every write is announced; nothing here drains the outbox (the worker does).
      events_waiting: 6,
    });
    expect(of(CSV_PROPERTY)?.oldest_event_waiting_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(of(JSONL_PROPERTY)).toMatchObject({
      contacts: 3,
      links: 4,
      success: 3,
      merged: 1,
      sync_success_rate: 100,
      merged_contacts: 1,
    });
    expect(of(CSV_PROPERTY)?.property_id).toMatch(GUID_PATTERN);
    // No links, no rate: null, not 0 % (nothing failed) nor 100 %.
    expect(of(EMPTY_PROPERTY)).toMatchObject({
      contacts: 0,
      links: 0,
      sync_success_rate: null,
      merged_contacts: 0,
      events_waiting: 0,
      oldest_event_waiting_at: null,
    });
  });

  it("shows the same counts in the table", async () => {
    const run = await runInProcess(["stats"], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    // Plain text: a table written to a file or a pipe carries no colour codes.
    expect(run.stdout).not.toContain("\u001b[");
    const cells = (property: string) =>
      linesOf(run.stdout)
        .find((line) => line.includes(property))
        ?.split("│")
        .map((cell) => cell.trim())
        .filter((cell) => cell !== "");
    const header = linesOf(run.stdout)
      .find((line) => line.includes("contacts"))
      ?.split("│")
      .map((cell) => cell.trim())
      .filter((cell) => cell !== "");
    expect(header).toEqual([
      "property",
      "resman property",
      "contacts",
      "links",
      "success",
      "merged",
      "pending",
      "failed",
      "sync success %",
      "events waiting",
      "last reconciliation",
    ]);
    // Imported properties are not registered for reconciliation: "-".
    expect(cells(CSV_PROPERTY)?.slice(1)).toEqual([
      CSV_PROPERTY,
      "5",
      "6",
      "5",
      "1",
      "0",
      "0",
      "100.0",
      "6",
      "-",
    ]);
    expect(cells(JSONL_PROPERTY)?.slice(2)).toEqual([
      "3",
      "4",
      "3",
      "1",
      "0",
      "0",
      "100.0",
      "4",
      "-",
    ]);
    expect(cells(EMPTY_PROPERTY)?.slice(2)).toEqual(["0", "0", "0", "0", "0", "0", "-", "0", "-"]);
  });
});
