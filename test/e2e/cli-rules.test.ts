/**
 * `contact-sync rules get|set`, in process, on a migrated scratch Postgres database: defaults for
 * a property without a rules row, a stored strategy that the sync path then uses, criteria
 * validated with the bad path named and nothing written, and the usual one-line errors.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MATCHING_CRITERIA } from "../../lib/domain/rules.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import { databaseEnv, expectOneLineError, fixture, runInProcess, withClient } from "./harness.js";

const PROPERTY = randomUUID();
let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;
let folder: string;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_rules");
  env = databaseEnv(scratch.url);
  folder = await mkdtemp(join(tmpdir(), "contact-sync-rules-"));
  expect((await runInProcess(["migrate"], env)).code).toBe(0);
  const run = await runInProcess(
    ["import", "--property", PROPERTY, "--file", fixture("people.csv")],
    env,
  );
  expect(run.code).toBe(0);
});

afterAll(async () => {
  await scratch?.drop();
});

async function rulesFile(name: string, content: unknown): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const storedRows = (url: string) =>
  withClient(
    url,
    async (client) => (await client.query("select * from contact_matching_rules")).rows,
  );

describe("contact-sync rules", () => {
  it("get prints the defaults for a property without a rules row", async () => {
    const run = await runInProcess(["rules", "get", "--property", PROPERTY], env);
    expect(run.code).toBe(0);
    const shown = JSON.parse(run.stdout);
    expect(shown).toMatchObject({
      resman_property_id: PROPERTY,
      merge_strategy: "resman_wins",
      merge_strategy_source: "default",
      matching_criteria_source: "defaults",
      matching_criteria: DEFAULT_MATCHING_CRITERIA,
    });
  });

  it("set stores a merge strategy, and the sync path uses it", async () => {
    const run = await runInProcess(
      ["rules", "set", "--property", PROPERTY, "--strategy", "manual_review"],
      env,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      merge_strategy: "manual_review",
      merge_strategy_source: "stored",
    });
    const strategy = await withClient(scratch.url, async (client) => {
      const rows = await client.query(
        "select r.merge_strategy from contact_matching_rules r join property p on p.id = r.property_id where p.resman_property_id = $1",
        [PROPERTY],
      );
      return rows.rows[0]?.merge_strategy;
    });
    expect(strategy).toBe("manual_review");
  });

  it("set stores valid criteria from a file, keeping the strategy", async () => {
    const criteria = structuredClone(DEFAULT_MATCHING_CRITERIA);
    criteria.thresholds.auto_merge = 16;
    const path = await rulesFile("valid.json", criteria);
    const run = await runInProcess(["rules", "set", "--property", PROPERTY, "--file", path], env);
    expect(run.code).toBe(0);
    const shown = JSON.parse(
      (await runInProcess(["rules", "get", "--property", PROPERTY], env)).stdout,
    );
    expect(shown).toMatchObject({
      merge_strategy: "manual_review",
      matching_criteria_source: "stored",
    });
    expect(shown.matching_criteria.thresholds.auto_merge).toBe(16);
  });

  it("refuses invalid criteria naming the bad path, and writes nothing", async () => {
    const before = await storedRows(scratch.url);
    const criteria = structuredClone(DEFAULT_MATCHING_CRITERIA) as unknown as {
      fields: { email: { exact: unknown } };
    };
    criteria.fields.email.exact = "very strong";
    const path = await rulesFile("invalid.json", criteria);
    const run = await runInProcess(["rules", "set", "--property", PROPERTY, "--file", path], env);
    expectOneLineError(run, 2, /invalid matching criteria: fields\.email\.exact: /);
    expect(run.stderr).not.toContain("very strong");
    expect(await storedRows(scratch.url)).toEqual(before);
  });

  it.each([
    ["a file that is not JSON", ["--file", "NOT_JSON"], /is not valid JSON/],
    [
      "a missing file",
      ["--file", "/nonexistent/rules.json"],
      /cannot read rules file .* \(ENOENT\)/,
    ],
    ["neither --file nor --strategy", [], /nothing to set/],
    ["an unknown strategy", ["--strategy", "newest_wins"], /Allowed choices are/],
  ])("set refuses %s with one line and exit 2", async (_, args, reason) => {
    const resolved = await Promise.all(
      args.map(async (arg) => (arg === "NOT_JSON" ? rulesFile("broken.json", "{ nope") : arg)),
    );
    const run = await runInProcess(["rules", "set", "--property", PROPERTY, ...resolved], env);
    expectOneLineError(run, 2, reason);
  });

  it("get refuses an unknown property with one line and exit 2", async () => {
    const run = await runInProcess(["rules", "get", "--property", randomUUID()], env);
    expectOneLineError(run, 2, /no property/);
  });
});
