/**
 * `contact-sync review list|approve|reject` and `contact-sync unmerge`, in process, on a
 * migrated scratch Postgres database. `review.csv` holds two review-band pairs: a household
 * sharing a phone (different first names) and two people with the same name and different
 * birth dates. Approving merges, unmerge splits again, a rejected pair is never proposed again,
 * and every mistake is one line with exit code 2 and nothing written.
 * (Over 400 lines as one thing: the review commands on the one imported fixture.)
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MATCHING_CRITERIA } from "../../lib/domain/rules.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import {
  type CliRun,
  createProperty,
  databaseEnv,
  expectNoPersonalData,
  expectOneLineError,
  fixture,
  fixturePersonalValues,
  GUID_PATTERN,
  runInProcess,
  withClient,
} from "./harness.js";

const PROPERTY = randomUUID();
const personal = fixturePersonalValues();
let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;
let folder: string;

interface ListedItem {
  id: string;
  user_id: string;
  candidate_id: string;
  resman_contact_id: string | null;
  score: number;
  levels: Record<string, string>;
  guard: string | null;
}

/** Runs the command and checks that nothing it printed holds a fixture's personal value. */
async function run(argv: string[]): Promise<CliRun> {
  const result = await runInProcess(argv, env);
  expectNoPersonalData(result.stdout + result.stderr, personal);
  return result;
}

async function listed(): Promise<ListedItem[]> {
  const result = await run(["review", "list", "--property", PROPERTY, "--json"]);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { items: ListedItem[] }).items;
}

/** The household pair (RV-2 under review against RV-1) and the birth-date pair (RV-4, RV-3). */
async function items() {
  const all = await listed();
  const household = all.find((item) => item.resman_contact_id === "RV-2");
  const birthDates = all.find((item) => item.resman_contact_id === "RV-4");
  return { all, household, birthDates };
}

const query = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(scratch.url, async (client) => (await client.query<T>(text, params)).rows);

/** Every row review decisions and unmerge may write, for "nothing was written" checks. */
const everything = async () => ({
  contacts: await query('select * from "user" order by id'),
  links: await query("select * from contact_sync order by id"),
  reviews: await query("select * from contact_review order by id"),
  merges: await query("select * from contact_merge_history order by id"),
  outbox: await query("select id from outbox_event order by id"),
});

const linkOf = async (personId: string) =>
  (
    await query<{ user_id: string; sync_status: string; linked_by: string }>(
      "select user_id, sync_status, match_evidence->>'linkedBy' as linked_by from contact_sync where resman_contact_id = $1",
      [personId],
    )
  )[0];

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_review");
  env = databaseEnv(scratch.url);
  folder = await mkdtemp(join(tmpdir(), "contact-sync-review-"));
  expect((await runInProcess(["migrate"], env)).code).toBe(0);
  // The property first (without contacts), with a review band that starts low: both pairs land
  // in it whatever the default weights are tuned to (the household guard holds both back, and a
  // held-back pair is a review item only if it reaches the band without what the household
  // shares: the phone, the email).
  await createProperty(scratch.url, PROPERTY);
  const criteria = join(folder, "criteria.json");
  await writeFile(
    criteria,
    JSON.stringify({
      ...DEFAULT_MATCHING_CRITERIA,
      thresholds: { ...DEFAULT_MATCHING_CRITERIA.thresholds, review: -20 },
    }),
  );
  expect((await run(["rules", "set", "--property", PROPERTY, "--file", criteria])).code).toBe(0);
  const imported = await run([
    "import",
    "--property",
    PROPERTY,
    "--file",
    fixture("review.csv"),
    "--json",
  ]);
  expect(imported.code).toBe(0);
  expect(JSON.parse(imported.stdout)).toMatchObject({ rows: 4, created: 2, review: 2 });
});

afterAll(async () => {
  await scratch?.drop();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

describe("contact-sync review list", () => {
  it("prints the open items as a table of ids, scores and levels", async () => {
    const result = await run(["review", "list"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const { household, birthDates } = await items();
    expect(result.stdout).toContain(`Property ${PROPERTY}`);
    for (const item of [household, birthDates]) {
      expect(result.stdout).toContain(item?.id);
      expect(result.stdout).toContain(item?.user_id);
      expect(result.stdout).toContain(item?.candidate_id);
    }
    expect(result.stdout).toContain("first_name disagree");
    expect(result.stdout).toContain("phone exact");
    expect(result.stdout).toContain("date_of_birth disagree");
    expect(result.stdout).toMatch(/^Showing 2 of 2 open items\.$/m);
  });

  it("prints JSON with ids, scores and every field's level", async () => {
    const { all, household, birthDates } = await items();
    expect(all).toHaveLength(2);
    expect(household).toMatchObject({
      id: expect.stringMatching(GUID_PATTERN),
      score: expect.any(Number),
      levels: {
        first_name: "disagree",
        last_name: "exact",
        date_of_birth: "missing",
        email: "missing",
        phone: "exact",
        address: "missing",
      },
    });
    // Why a score was held back (the household guard, …) is named, or null.
    for (const item of [household, birthDates]) {
      expect(item?.guard === null || typeof item?.guard === "string").toBe(true);
    }
    expect(birthDates).toMatchObject({
      score: expect.any(Number),
      levels: { first_name: "exact", last_name: "exact", date_of_birth: "disagree" },
    });
  });

  it("refuses an unknown property with one line and exit 2", async () => {
    const other = randomUUID();
    expectOneLineError(
      await run(["review", "list", "--property", other]),
      2,
      new RegExp(`no property ${other}`),
    );
  });
});

describe("contact-sync review approve, and unmerge", () => {
  it("approve merges the record's contact into the candidate, moving its link", async () => {
    const { household } = await items();
    if (household === undefined) throw new Error("no household item");
    const result = await run(["review", "approve", household.id, "--by", "ops-1"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(
      new RegExp(
        `^Approved review ${household.id}: contact ${household.user_id} merged into ${household.candidate_id} \\(merge ${GUID_PATTERN.source.slice(1, -1)}; 1 link moved, 2 fields changed\\)\\.\\n$`,
      ),
    );
    const live = await query<{ id: string }>(
      'select u.id from "user" u where u.merged_into_id is null and u.id = any($1)',
      [[household.user_id, household.candidate_id]],
    );
    expect(live).toEqual([{ id: household.candidate_id }]);
    expect(await linkOf("RV-2")).toEqual({
      user_id: household.candidate_id,
      sync_status: "merged",
      linked_by: "matched",
    });
    expect(await linkOf("RV-1")).toMatchObject({ user_id: household.candidate_id });
    const merges = await query(
      "select user_id, merged_user_id, resman_contact_id, reverted_at from contact_merge_history",
    );
    expect(merges).toEqual([
      {
        user_id: household.candidate_id,
        merged_user_id: household.user_id,
        resman_contact_id: "RV-2",
        reverted_at: null,
      },
    ]);
    const [review] = await query("select status, decided_by from contact_review where id = $1", [
      household.id,
    ]);
    expect(review).toEqual({ status: "approved", decided_by: "ops-1" });
    expect((await items()).all.map((item) => item.id)).not.toContain(household.id);
  });

  it("refuses to approve or reject a decided item, writing nothing", async () => {
    const approved = (
      await query<{ id: string }>("select id from contact_review where status = 'approved'")
    )[0]?.id;
    const before = await everything();
    expectOneLineError(
      await run(["review", "approve", approved ?? ""]),
      2,
      /review .* is already approved/,
    );
    expectOneLineError(
      await run(["review", "reject", approved ?? ""]),
      2,
      /review .* is already approved/,
    );
    expect(await everything()).toEqual(before);
  });

  it("unmerge, given the merged-away contact, splits the two again and reopens the item", async () => {
    const [merge] = await query<{ id: string; user_id: string; merged_user_id: string }>(
      "select id, user_id, merged_user_id from contact_merge_history",
    );
    if (merge === undefined) throw new Error("no merge");
    const result = await run(["unmerge", merge.merged_user_id, "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      merge_id: merge.id,
      user_id: merge.user_id,
      split_user_id: merge.merged_user_id,
      kind: "contact",
      fields_restored: 2,
      versions_restored: 0,
      fields_kept: 0,
      links_moved: 1,
      links_missing: 0,
      review_id: expect.stringMatching(GUID_PATTERN),
    });
    expect(await linkOf("RV-2")).toEqual({
      user_id: merge.merged_user_id,
      sync_status: "pending",
      linked_by: "review",
    });
    const { household } = await items();
    expect(household).toMatchObject({ user_id: merge.merged_user_id, candidate_id: merge.user_id });
    const [history] = await query(
      "select reverted_at is not null as reverted from contact_merge_history",
    );
    expect(history).toEqual({ reverted: true });
  });

  it("refuses an unmerge with nothing to undo, writing nothing", async () => {
    const [merge] = await query<{ user_id: string }>("select user_id from contact_merge_history");
    const before = await everything();
    expectOneLineError(
      await run(["unmerge", merge?.user_id ?? ""]),
      2,
      /contact .* has no merge to undo/,
    );
    const unknown = randomUUID();
    expectOneLineError(await run(["unmerge", unknown]), 2, new RegExp(`no contact ${unknown}`));
    expectOneLineError(
      await run(["unmerge", merge?.user_id ?? "", "--merge", unknown]),
      2,
      new RegExp(`no merge ${unknown}`),
    );
    expect(await everything()).toEqual(before);
  });

  it("prints a one-line summary of an unmerge", async () => {
    const { household } = await items();
    if (household === undefined) throw new Error("no household item");
    expect((await run(["review", "approve", household.id])).code).toBe(0);
    const result = await run(["unmerge", household.candidate_id]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^Undid merge \\S+: contact ${household.user_id} split from ${household.candidate_id} \\(2 fields restored, 0 kept as changed since; 1 link moved; review ${household.id} is open again\\)\\.\\n$`,
      ),
    );
  });
});

describe("contact-sync review reject", () => {
  it("keeps the two apart, the record's link a success of its own", async () => {
    const { birthDates } = await items();
    if (birthDates === undefined) throw new Error("no birth-date item");
    const result = await run(["review", "reject", birthDates.id, "--by", "ops-2"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^Rejected review ${birthDates.id}: contacts ${birthDates.user_id} and ${birthDates.candidate_id} stay apart \\(link \\S+ is now success\\)\\.\\n$`,
      ),
    );
    expect(await linkOf("RV-4")).toEqual({
      user_id: birthDates.user_id,
      sync_status: "success",
      linked_by: "created",
    });
    expect((await items()).birthDates).toBeUndefined();
  });

  it("never proposes the pair again, even for a changed version of the person", async () => {
    const csv = await readFile(fixture("review.csv"), "utf8");
    // RV-4 becomes an applicant: a new version of the same person, no new personal value.
    const changed = csv.replace(/^(RV-4,.*),prospect$/m, "$1,applicant");
    expect(changed).not.toBe(csv);
    const path = join(folder, "review-changed.csv");
    await writeFile(path, changed);
    const imported = await run(["import", "--property", PROPERTY, "--file", path, "--json"]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ updated: 1, unchanged: 3, review: 0 });
    const reviews = await query<{ status: string; resman_contact_id: string }>(
      `select r.status, l.resman_contact_id from contact_review r
         join contact_sync l on l.id = r.link_id order by l.resman_contact_id`,
    );
    expect(reviews).toEqual([
      { status: "open", resman_contact_id: "RV-2" },
      { status: "rejected", resman_contact_id: "RV-4" },
    ]);
    expect(await linkOf("RV-4")).toMatchObject({ sync_status: "success", linked_by: "created" });
  });
});

describe("contact-sync review and unmerge: usage", () => {
  it.each<[string, string[], RegExp]>([
    ["approve without an id", ["review", "approve"], /missing required argument 'id'/],
    ["approve with an id that is not a GUID", ["review", "approve", "12"], /must be a GUID/],
    ["reject with an empty --by", ["review", "reject", randomUUID(), "--by", " "], /1 to 200/],
    [
      "list with a --property that is not a GUID",
      ["review", "list", "--property", "x"],
      /must be a GUID/,
    ],
    [
      "unmerge with a --merge that is not a GUID",
      ["unmerge", randomUUID(), "--merge", "m1"],
      /must be a GUID/,
    ],
    ["an unknown review subcommand", ["review", "accept"], /unknown command 'accept'/],
  ])("refuses %s with one line and exit 2", async (_, argv, reason) => {
    expectOneLineError(await run(argv), 2, reason);
  });

  it("refuses to approve or reject an unknown item, writing nothing", async () => {
    const before = await everything();
    const unknown = randomUUID();
    expectOneLineError(
      await run(["review", "approve", unknown]),
      2,
      new RegExp(`no review ${unknown}`),
    );
    expectOneLineError(
      await run(["review", "reject", unknown]),
      2,
      new RegExp(`no review ${unknown}`),
    );
    expect(await everything()).toEqual(before);
  });

  it.each([
    [
      ["review", "--help"],
      ["list", "approve", "reject"],
    ],
    [
      ["review", "list", "--help"],
      [
        "--property <guid>",
        "--limit <n>",
        "--after <id>",
        "--order <order>",
        "--json",
        "Examples:",
      ],
    ],
    [
      ["review", "approve", "--help"],
      ["<id>", "--by <name>", "Example:", "unmerge"],
    ],
    [
      ["review", "reject", "--help"],
      ["<id>", "--by <name>", "Example:", "never proposed again"],
    ],
    [
      ["unmerge", "--help"],
      ["<user-id>", "--merge <id>", "--json", "Examples:"],
    ],
  ])("explains `%s`", async (argv, expected) => {
    const result = await run(argv);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    for (const text of expected) expect(result.stdout).toContain(text);
  });
});
