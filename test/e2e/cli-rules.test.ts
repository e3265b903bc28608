/**
 * `contact-sync rules get|set`, in process, on a migrated scratch Postgres database: defaults for
 * a property without a rules row, a stored strategy that the sync path then uses, criteria
 * validated with the bad path named and nothing written, and the usual one-line errors.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
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
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
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
      /cannot read rules file .*: no such file/,
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

  it("get's output round-trips through set --file: get again prints the same", async () => {
    // A property on the built-in defaults: setting its `rules get` output stores both as shown.
    const other = randomUUID();
    const person = await rulesFile(
      "one-person.csv",
      "external_id,first_name,last_name,email\nRT-1,Quilla,Marrowby,quilla.marrowby@mailbox.dev\n",
    );
    const created = await runInProcess(["import", "--property", other, "--file", person], env);
    expect(created.code).toBe(0);
    const first = await runInProcess(["rules", "get", "--property", other], env);
    expect(first.code).toBe(0);
    const firstPath = await rulesFile("round-trip-1.json", first.stdout);
    const set = await runInProcess(["rules", "set", "--property", other, "--file", firstPath], env);
    expect(set.code).toBe(0);
    const second = await runInProcess(["rules", "get", "--property", other], env);
    expect(set.stdout).toBe(second.stdout);
    expect(JSON.parse(second.stdout)).toEqual({
      ...JSON.parse(first.stdout),
      merge_strategy_source: "stored",
      matching_criteria_source: "stored",
    });
    // Stored rules: get → set → get is byte for byte the same.
    const secondPath = await rulesFile("round-trip-2.json", second.stdout);
    const again = await runInProcess(
      ["rules", "set", "--property", other, "--file", secondPath],
      env,
    );
    expect(again.code).toBe(0);
    const third = await runInProcess(["rules", "get", "--property", other], env);
    expect(third.stdout).toBe(second.stdout);
    expect(again.stdout).toBe(second.stdout);
  });

  it("set takes get's output with one weight edited, and changes only that weight", async () => {
    const before = JSON.parse(
      (await runInProcess(["rules", "get", "--property", PROPERTY], env)).stdout,
    );
    const edited = structuredClone(before);
    edited.matching_criteria.fields.email.exact = before.matching_criteria.fields.email.exact - 1;
    const path = await rulesFile("edited.json", JSON.stringify(edited, null, 2));
    const run = await runInProcess(["rules", "set", "--property", PROPERTY, "--file", path], env);
    expect(run.code).toBe(0);
    const after = JSON.parse(
      (await runInProcess(["rules", "get", "--property", PROPERTY], env)).stdout,
    );
    expect(after).toEqual({ ...edited, matching_criteria_source: "stored" });
    expect(after.matching_criteria.fields.email.exact).not.toBe(
      before.matching_criteria.fields.email.exact,
    );
  });

  it("set takes the merge strategy from get's output, unless --strategy is given", async () => {
    const shown = JSON.parse(
      (await runInProcess(["rules", "get", "--property", PROPERTY], env)).stdout,
    );
    const path = await rulesFile("strategy.json", { ...shown, merge_strategy: "domiq_wins" });
    const fromFile = await runInProcess(
      ["rules", "set", "--property", PROPERTY, "--file", path],
      env,
    );
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ merge_strategy: "domiq_wins" });
    const overridden = await runInProcess(
      ["rules", "set", "--property", PROPERTY, "--file", path, "--strategy", "manual_review"],
      env,
    );
    expect(overridden.code).toBe(0);
    expect(JSON.parse(overridden.stdout)).toMatchObject({ merge_strategy: "manual_review" });
    expect(JSON.parse(overridden.stdout).matching_criteria).toEqual(shown.matching_criteria);
  });

  it.each<[string, (shown: Record<string, unknown>) => unknown, RegExp]>([
    [
      "an unknown top-level key",
      (shown) => ({ ...shown, matching_rules: {} }),
      /^contact-sync: invalid rules file: matching_rules: unknown key$/,
    ],
    [
      "a bad weight under matching_criteria",
      (shown) => {
        const edited = structuredClone(shown) as {
          matching_criteria: { fields: { email: { exact: unknown } } };
        };
        edited.matching_criteria.fields.email.exact = "very strong";
        return edited;
      },
      /invalid rules file: matching_criteria\.fields\.email\.exact: /,
    ],
    [
      "an unknown key under matching_criteria",
      (shown) => {
        const edited = structuredClone(shown) as { matching_criteria: Record<string, unknown> };
        edited.matching_criteria.tie_breaker = 1;
        return edited;
      },
      /invalid rules file: matching_criteria\.tie_breaker: unknown key$/,
    ],
    [
      "an unknown merge strategy",
      (shown) => ({ ...shown, merge_strategy: "newest_wins" }),
      /invalid rules file: merge_strategy: /,
    ],
    [
      "bare criteria with an unknown key",
      (shown) => ({ ...(shown.matching_criteria as object), tie_breaker: 1 }),
      /invalid matching criteria: tie_breaker: unknown key$/,
    ],
    [
      "bare criteria holding only the settings to change",
      () => ({ thresholds: { auto_merge: 15 } }),
      /^contact-sync: invalid matching criteria: missing version, thresholds\.review, similarity, shared_value_limit and fields \(criteria are replaced whole: edit what `rules get` prints\)$/,
    ],
    [
      "get's output with one setting left out",
      (shown) => {
        const edited = structuredClone(shown) as { matching_criteria: Record<string, unknown> };
        delete edited.matching_criteria.similarity;
        return edited;
      },
      /^contact-sync: invalid rules file: missing matching_criteria\.similarity \(criteria/,
    ],
    [
      "get's descriptive fields alone",
      (shown) => ({ property_id: shown.property_id, merge_strategy_source: "stored" }),
      /nothing to set: .* has no matching_criteria or merge_strategy/,
    ],
  ])("set refuses a file with %s, naming it and writing nothing", async (_, edit, reason) => {
    const shown = JSON.parse(
      (await runInProcess(["rules", "get", "--property", PROPERTY], env)).stdout,
    );
    const before = await storedRows(scratch.url);
    const path = await rulesFile("refused.json", edit(shown));
    const run = await runInProcess(["rules", "set", "--property", PROPERTY, "--file", path], env);
    expectOneLineError(run, 2, reason);
    expect(run.stderr).not.toContain("very strong");
    expect(run.stderr).not.toContain("newest_wins");
    expect(await storedRows(scratch.url)).toEqual(before);
  });

  it("get refuses an unknown property with one line and exit 2", async () => {
    const run = await runInProcess(["rules", "get", "--property", randomUUID()], env);
    expectOneLineError(run, 2, /no property/);
  });
});
