/**
 * `contact-sync rules simulate` (issue 9 item 5), in process, on a migrated scratch Postgres
 * database: a property built through the import path under criteria this test writes, then
 * reviewed and unmerged through the CLI, is re-scored under two proposals. The expected changes
 * are worked out by hand below from the fixture's comparison levels; the program's own output
 * is only checked against them. Nothing may be written, and bad input ends in one line.
 *
 * The fixture (`test/fixtures/import/rule-simulation.csv`), imported one row at a time under
 * CURRENT (merge from 14, review from 12). Each first record (…1) has no candidate: new. Each
 * second record (…2) against the first:
 *
 *   SIM-M2  first exact 7, last disagree −4.5, birth date exact 12            = 14.5  merge
 *   SIM-R2  first exact 7, last disagree −4.5, birth date exact 12,
 *           email disagree −2                                                  = 12.5  review
 *   SIM-N2  as SIM-R2, and address disagree −2                                 = 10.5  new
 *   SIM-H2  first disagree −6.5, last exact 8, phone exact 12                  = 13.5  new:
 *           a household member on a shared phone (`first_name_differs`): the cap is review
 *           only if 13.5 − 12 (the phone they share) reaches the review threshold
 *   SIM-S2  as SIM-R2 (12.5, review); the test approves the item: merged by a reviewer
 *   SIM-T2  as SIM-R2 (12.5, review); the test rejects the item: new by a reviewer
 *   SIM-U2  as SIM-M2 (14.5, merge); the test unmerges it: new by a reviewer
 *
 * 14 links; in review: SIM-R2 alone, 1 of 14. Staff decisions: SIM-S2, SIM-T2, SIM-U2.
 * (Over 400 lines as one thing: one command on one hand-worked fixture, whose expected changes the
 * cases share.)
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MatchingCriteria } from "../../lib/domain/rules.js";
import { handCriteria } from "../fixtures/criteria.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import {
  type CliRun,
  createProperty,
  databaseEnv,
  expectNoPersonalData,
  expectOneLineError,
  fixture,
  fixturePersonalValues,
  runInProcess,
  withClient,
} from "./harness.js";

/** The property's criteria, set before the import (the defaults may be tuned meanwhile). */
const CURRENT: MatchingCriteria = handCriteria({ auto_merge: 14, review: 12 });

/** Tightened: merge from 16, review from 13, a surname that disagrees −5; other cut-offs. */
const TIGHTENED: MatchingCriteria = {
  ...CURRENT,
  thresholds: { auto_merge: 16, review: 13 },
  similarity: { high: 0.95, low: 0.88 },
  fields: { ...CURRENT.fields, last_name: { ...CURRENT.fields.last_name, disagree: -5 } },
};

/** Loosened: merge from 12 (no review band), an email that disagrees −1; a higher limit. */
const LOOSENED: MatchingCriteria = {
  ...CURRENT,
  thresholds: { auto_merge: 12, review: 12 },
  shared_value_limit: 5,
  fields: { ...CURRENT.fields, email: { ...CURRENT.fields.email, disagree: -1 } },
};

const PROPERTY = randomUUID();
const personal = fixturePersonalValues();
let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;
let folder: string;
/** Link id, contact id and (open) review item of each PersonID. */
let byPerson: Map<string, { linkId: string; contactId: string }>;
let openReviewOfR2: string;

/** Runs the command; nothing it prints may hold a fixture's personal value. */
async function run(argv: string[]): Promise<CliRun> {
  const result = await runInProcess(argv, env);
  expectNoPersonalData(result.stdout + result.stderr, personal);
  return result;
}

async function criteriaFile(name: string, content: unknown): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

/** Every row of every table, to prove a command wrote nothing. */
async function snapshot(): Promise<Record<string, unknown>> {
  return withClient(scratch.url, async (client) => {
    const tables = await client.query<{ name: string }>(
      "select tablename as name from pg_tables where schemaname = 'public' order by 1",
    );
    const rows: Record<string, unknown> = {};
    for (const { name } of tables.rows) {
      const result = await client.query(
        `select coalesce(json_agg(t order by t::text), '[]') as rows from "${name}" t`,
      );
      rows[name] = result.rows[0]?.rows;
    }
    return rows;
  });
}

const ids = (person: string) => {
  const found = byPerson.get(person);
  if (found === undefined) throw new Error(`no link of ${person}`);
  return found;
};

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_simulate");
  env = databaseEnv(scratch.url);
  folder = await mkdtemp(join(tmpdir(), "contact-sync-simulate-"));
  expect((await run(["migrate"])).code).toBe(0);
  // The property without links, so its criteria can be set before anything is matched.
  await createProperty(scratch.url, PROPERTY);
  const set = await run([
    "rules",
    "set",
    "--property",
    PROPERTY,
    "--file",
    await criteriaFile("current.json", CURRENT),
  ]);
  expect(set.code).toBe(0);
  const imported = await run([
    "import",
    "--property",
    PROPERTY,
    "--file",
    fixture("rule-simulation.csv"),
    "--json",
  ]);
  expect(imported.code).toBe(0);
  expect(JSON.parse(imported.stdout)).toMatchObject({
    rows: 14,
    created: 9,
    merged: 2,
    review: 3,
    failed: 0,
    rejected: 0,
  });

  // The fixture's premise: each second record met the first at the levels in the header.
  const stored = await withClient(scratch.url, async (client) => {
    const result = await client.query<{
      person: string;
      id: string;
      contact: string;
      best: {
        score: number;
        fields: Record<string, { level: string }>;
        hold: { guard: string } | null;
      } | null;
    }>(
      `select s.resman_contact_id as person, s.id, s.user_id as contact, s.match_evidence->'best' as best
         from contact_sync s join property p on p.id = s.property_id
        where p.resman_property_id = $1`,
      [PROPERTY],
    );
    return result.rows;
  });
  const levels = (person: string) => {
    const best = stored.find((row) => row.person === person)?.best;
    if (best == null) return null;
    const { first_name, last_name, date_of_birth, email, phone, address } = best.fields;
    return {
      score: best.score,
      levels: [first_name, last_name, date_of_birth, email, phone, address].map((f) => f?.level),
      guard: best.hold?.guard ?? null,
    };
  };
  const secondOfPair = {
    score: 12.5,
    levels: ["exact", "disagree", "exact", "disagree", "missing", "missing"],
    guard: null,
  };
  expect(levels("SIM-M2")).toEqual({
    score: 14.5,
    levels: ["exact", "disagree", "exact", "missing", "missing", "missing"],
    guard: null,
  });
  expect(levels("SIM-R2")).toEqual(secondOfPair);
  expect(levels("SIM-S2")).toEqual(secondOfPair);
  expect(levels("SIM-T2")).toEqual(secondOfPair);
  expect(levels("SIM-N2")).toEqual({
    score: 10.5,
    levels: ["exact", "disagree", "exact", "disagree", "missing", "disagree"],
    guard: null,
  });
  expect(levels("SIM-H2")).toEqual({
    score: 13.5,
    levels: ["disagree", "exact", "missing", "missing", "exact", "missing"],
    guard: "first_name_differs",
  });
  for (const first of ["M", "R", "N", "H", "S", "T", "U"])
    expect(levels(`SIM-${first}1`)).toBeNull();

  // Staff decisions: approve SIM-S2's item, reject SIM-T2's, unmerge SIM-U2.
  const reviews = (
    JSON.parse(
      (await run(["review", "list", "--property", PROPERTY, "--limit", "1000", "--json"])).stdout,
    ) as { items: { id: string; resman_contact_id: string }[] }
  ).items;
  const itemOf = (person: string) => {
    const item = reviews.find((r) => r.resman_contact_id === person);
    if (item === undefined) throw new Error(`no review item of ${person}`);
    return item.id;
  };
  openReviewOfR2 = itemOf("SIM-R2");
  expect((await run(["review", "approve", itemOf("SIM-S2"), "--by", "test"])).code).toBe(0);
  expect((await run(["review", "reject", itemOf("SIM-T2"), "--by", "test"])).code).toBe(0);
  const u1 = stored.find((row) => row.person === "SIM-U1")?.contact;
  expect((await run(["unmerge", u1 ?? "missing"])).code).toBe(0);

  const links = await withClient(scratch.url, async (client) => {
    const result = await client.query<{ person: string; id: string; contact: string }>(
      `select s.resman_contact_id as person, s.id, s.user_id as contact
         from contact_sync s join property p on p.id = s.property_id
        where p.resman_property_id = $1`,
      [PROPERTY],
    );
    return result.rows;
  });
  expect(links).toHaveLength(14);
  byPerson = new Map(links.map((l) => [l.person, { linkId: l.id, contactId: l.contact }]));
});

afterAll(async () => {
  await scratch?.drop();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

const noTransitions = {
  merge_to_review: 0,
  merge_to_new: 0,
  review_to_merge: 0,
  review_to_new: 0,
  new_to_merge: 0,
  new_to_review: 0,
};

describe("contact-sync rules simulate", () => {
  it("tightened: the 14.5 merge would be a review item, the 12.5 review item a new contact", async () => {
    const simulated = await run([
      "rules",
      "simulate",
      "--property",
      PROPERTY,
      "--file",
      await criteriaFile("tightened.json", TIGHTENED),
      "--json",
    ]);
    expect(simulated.code).toBe(0);
    // SIM-M2: 7 − 5 + 12 = 14: below 16, from 13: review (−0.5).
    // SIM-R2: 7 − 5 + 12 − 2 = 12: below 13: new (−0.5).
    // SIM-N2: 7 − 5 + 12 − 2 − 2 = 10: new, unchanged.
    // SIM-H2: 13.5 (no surname disagreement); 13.5 − 12 = 1.5 < 13: new, unchanged.
    // SIM-S2 would be 12, new: approved, kept. SIM-T2 (rejected), SIM-U2 (unmerged): kept.
    // The seven first records: no candidate, new. Re-scored: 14 − 3 staff = 11.
    // In review: SIM-R2 before, SIM-M2 after: 1 of 14 both.
    expect(JSON.parse(simulated.stdout)).toEqual({
      property_id: expect.any(String),
      resman_property_id: PROPERTY,
      links: 14,
      rescored: 11,
      unscorable: 0,
      staff_decisions: 3,
      changed: [
        {
          link_id: ids("SIM-M2").linkId,
          resman_contact_id: "SIM-M2",
          user_id: ids("SIM-M2").contactId,
          review_id: null,
          before: { outcome: "merge", score: 14.5 },
          after: { outcome: "review", score: 14 },
          delta: -0.5,
        },
        {
          link_id: ids("SIM-R2").linkId,
          resman_contact_id: "SIM-R2",
          user_id: ids("SIM-R2").contactId,
          review_id: openReviewOfR2,
          before: { outcome: "review", score: 12.5 },
          after: { outcome: "new", score: 12 },
          delta: -0.5,
        },
      ].sort((a, b) => (a.link_id < b.link_id ? -1 : 1)),
      transitions: { ...noTransitions, merge_to_review: 1, review_to_new: 1 },
      reviews: { before: 1, after: 1 },
      review_rate: { before: 1 / 14, after: 1 / 14 },
      not_simulated: ["similarity"],
    });
  });

  it("takes the whole output of `rules get` as its file, as `rules set` does", async () => {
    const got = await run(["rules", "get", "--property", PROPERTY]);
    expect(got.code).toBe(0);
    const edited = { ...JSON.parse(got.stdout), matching_criteria: TIGHTENED };
    const simulate = async (file: string) =>
      run(["rules", "simulate", "--property", PROPERTY, "--file", file, "--json"]);
    const fromGet = await simulate(await criteriaFile("from-get.json", edited));
    const bare = await simulate(await criteriaFile("tightened.json", TIGHTENED));
    expect(fromGet.code).toBe(0);
    expect(JSON.parse(fromGet.stdout)).toEqual(JSON.parse(bare.stdout));
    expect(JSON.parse(fromGet.stdout).transitions.merge_to_review).toBe(1);
    const { matching_criteria: _, ...withoutCriteria } = edited;
    const none = await simulate(await criteriaFile("no-criteria.json", withoutCriteria));
    expectOneLineError(none, 2, /has no matching_criteria to simulate/);
  });

  it("loosened: the review item would merge; the household member stays apart, staff decisions stand", async () => {
    const simulated = await run([
      "rules",
      "simulate",
      "--property",
      PROPERTY,
      "--file",
      await criteriaFile("loosened.json", LOOSENED),
      "--json",
    ]);
    expect(simulated.code).toBe(0);
    // SIM-M2: 14.5 ≥ 12: merge, unchanged.
    // SIM-R2: 7 − 4.5 + 12 − 1 = 13.5 ≥ 12: merge (+1).
    // SIM-N2: 7 − 4.5 + 12 − 1 − 2 = 11.5 < 12: new, unchanged.
    // SIM-H2: 13.5 ≥ 12 would merge, but 13.5 − 12 = 1.5 < 12: new, unchanged.
    // SIM-T2 would merge at 13.5: rejected by a reviewer, kept.
    // In review: SIM-R2 before, none after: 1 of 14 → 0.
    const shown = JSON.parse(simulated.stdout);
    expect(shown.changed).toEqual([
      {
        link_id: ids("SIM-R2").linkId,
        resman_contact_id: "SIM-R2",
        user_id: ids("SIM-R2").contactId,
        review_id: openReviewOfR2,
        before: { outcome: "review", score: 12.5 },
        after: { outcome: "merge", score: 13.5 },
        delta: 1,
      },
    ]);
    expect(shown).toMatchObject({
      links: 14,
      rescored: 11,
      unscorable: 0,
      staff_decisions: 3,
      transitions: { ...noTransitions, review_to_merge: 1 },
      reviews: { before: 1, after: 0 },
      review_rate: { before: 1 / 14, after: 0 },
      not_simulated: ["shared_value_limit"],
    });
  });

  it("prints a summary, the changes by kind and the changed links (ids and scores only)", async () => {
    const simulated = await run([
      "rules",
      "simulate",
      "--property",
      PROPERTY,
      "--file",
      await criteriaFile("tightened.json", TIGHTENED),
    ]);
    expect(simulated.code).toBe(0);
    const lines = simulated.stdout.split("\n");
    expect(lines[0]).toBe(
      `Property ${PROPERTY}: 14 links, 11 decisions re-scored, 2 would change outcome, ` +
        "3 staff decisions kept, 0 without usable evidence; review rate 7.1 % → 7.1 % (1 → 1 in review).",
    );
    expect(lines[1]).toMatch(/^Not simulated .*: similarity\.$/);
    const row = (person: string) => lines.find((line) => line.includes(` ${person} `)) ?? "";
    expect(row("SIM-M2")).toContain(ids("SIM-M2").linkId);
    expect(row("SIM-M2")).toMatch(/merge → review .* 14\.50 → 14\.00 .* -0\.50/);
    expect(row("SIM-R2")).toMatch(/review → new .* 12\.50 → 12\.00 .* -0\.50/);
    expect(simulated.stdout).toMatch(/merge → review\s+│ 1/);
    expect(simulated.stdout).not.toContain("SIM-N2");
  });

  it("writes nothing: every table holds the same rows before and after", async () => {
    const before = await snapshot();
    for (const [name, criteria] of [
      ["tightened.json", TIGHTENED],
      ["loosened.json", LOOSENED],
    ] as const) {
      const path = await criteriaFile(name, criteria);
      expect((await run(["rules", "simulate", "--property", PROPERTY, "--file", path])).code).toBe(
        0,
      );
      expect(
        (await run(["rules", "simulate", "--property", PROPERTY, "--file", path, "--json"])).code,
      ).toBe(0);
    }
    expect(await snapshot()).toEqual(before);
    const rules = JSON.parse((await run(["rules", "get", "--property", PROPERTY])).stdout);
    expect(rules).toMatchObject({ matching_criteria_source: "stored", matching_criteria: CURRENT });
  });

  it("under the property's own criteria, nothing changes", async () => {
    const simulated = await run([
      "rules",
      "simulate",
      "--property",
      PROPERTY,
      "--file",
      await criteriaFile("current.json", CURRENT),
      "--json",
    ]);
    expect(JSON.parse(simulated.stdout)).toMatchObject({
      changed: [],
      transitions: noTransitions,
      not_simulated: [],
    });
  });

  it("refuses invalid criteria with one line naming the path, exit 2, nothing written", async () => {
    const before = await snapshot();
    const path = await criteriaFile("invalid.json", {
      ...CURRENT,
      thresholds: { auto_merge: 12, review: 13 },
    });
    const simulated = await run(["rules", "simulate", "--property", PROPERTY, "--file", path]);
    expectOneLineError(
      simulated,
      2,
      /invalid matching criteria: thresholds\.review: review must not be above auto_merge/,
    );
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ["a file that is not JSON", "NOT_JSON", /is not valid JSON/],
    ["a missing file", "/nonexistent/criteria.json", /cannot read rules file .*: no such file/],
    ["a folder", tmpdir(), /cannot read rules file .*: it is a folder, not a file/],
  ])("refuses %s with one line and exit 2", async (_, file, reason) => {
    const path = file === "NOT_JSON" ? await criteriaFile("broken.json", "{ nope") : file;
    const simulated = await run(["rules", "simulate", "--property", PROPERTY, "--file", path]);
    expectOneLineError(simulated, 2, reason);
  });

  it("refuses an unknown property, or no --file, with one line and exit 2", async () => {
    const path = await criteriaFile("tightened.json", TIGHTENED);
    expectOneLineError(
      await run(["rules", "simulate", "--property", randomUUID(), "--file", path]),
      2,
      /no property/,
    );
    expectOneLineError(
      await run(["rules", "simulate", "--property", PROPERTY]),
      2,
      /required option '--file <path>' not specified/,
    );
  });

  it("--help describes the command and its limits", async () => {
    const help = await run(["rules", "simulate", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: contact-sync rules simulate [options]");
    expect(help.stdout).toContain("--file <path>");
    expect(help.stdout).toContain("Nothing is written");
    expect(help.stdout).toMatch(/not\s+simulated/);
  });
});
