/**
 * `contact-sync review list` a page at a time, in process, on a migrated scratch Postgres
 * database: items made by the real import path (generated pairs of one person's two cards with
 * different birth dates, which a review band starting at 0 sends to review; the property is
 * made by importing one unrelated person first), paged with
 * --limit / --after / --order in JSON and text, the total of open items per filter, and the
 * one-line refusals. The generated names, emails and birth dates are never printed.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import {
  type CliRun,
  databaseEnv,
  expectNoPersonalData,
  expectOneLineError,
  runInProcess,
  withClient,
} from "./harness.js";

const PROPERTY = randomUUID();
const OTHER = randomUUID();
const PAIRS = 55;
const OTHER_PAIRS = 3;
let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;
let folder: string;
const personal: string[] = [];

interface Page {
  total: number;
  items: { id: string; property_id: string; created_at: string }[];
  next_after: string | null;
}

/** Runs the command and checks that nothing it printed holds a generated personal value. */
async function run(argv: string[]): Promise<CliRun> {
  const result = await runInProcess(argv, env);
  expectNoPersonalData(result.stdout + result.stderr, personal);
  return result;
}

async function page(argv: string[]): Promise<Page> {
  const result = await run(["review", "list", "--json", ...argv]);
  expect(result.code).toBe(0);
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout) as Page;
}

/** Every page, following next_after from the first. */
async function allPages(argv: string[]): Promise<Page[]> {
  const pages: Page[] = [];
  let after: string | null = null;
  do {
    const next = await page([...argv, ...(after === null ? [] : ["--after", after])]);
    pages.push(next);
    after = next.next_after;
  } while (after !== null && pages.length < 20);
  return pages;
}

/** The open items' ids as the database orders them (oldest first). */
const openIds = (resmanPropertyId?: string) =>
  withClient(scratch.url, async (client) => {
    const filter = resmanPropertyId === undefined ? "" : "and p.resman_property_id = $1";
    const result = await client.query<{ id: string }>(
      `select r.id from contact_review r join property p on p.id = r.property_id
        where r.status = 'open' ${filter} order by r.created_at, r.id`,
      resmanPropertyId === undefined ? [] : [resmanPropertyId],
    );
    return result.rows.map((row) => row.id);
  });

/** A pronounceable made-up word, the same for the same seed. */
function word(seed: number, syllables: number): string {
  const consonants = "bdfgklmnprstvz";
  const vowels = "aeiou";
  let text = "";
  for (let k = 0; k < syllables; k++) {
    let h = Math.imul((seed * 31 + k) ^ 0x9e3779b9, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h = (h ^ (h >>> 16)) >>> 0;
    text += `${consonants[h % consonants.length]}${vowels[(h >>> 8) % vowels.length]}`;
  }
  return `${text[0]?.toUpperCase()}${text.slice(1)}`;
}

/**
 * `count` people, each as two ResMan cards (PersonIDs `<prefix>-<i>-A`, `-B`) with the same
 * name and email and different birth dates: a pair for review.
 */
async function pairsFile(name: string, prefix: string, count: number, seed: number) {
  const lines = ["external_id,first_name,last_name,email,date_of_birth,status"];
  for (let i = 0; i < count; i++) {
    const first = word(seed + 2 * i + 1, 3);
    const last = word(seed + 2 * i + 1000, 4);
    const email = `${first}.${last}@mailbox.dev`.toLowerCase();
    const day = String(1 + (i % 27)).padStart(2, "0");
    lines.push(`${prefix}-${i}-A,${first},${last},${email},1984-02-${day},applicant`);
    lines.push(`${prefix}-${i}-B,${first},${last},${email},1991-07-${day},prospect`);
    personal.push(first, last, email, `1984-02-${day}`, `1991-07-${day}`);
  }
  const path = join(folder, name);
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}

/**
 * A property made by importing one unrelated person, its review band set to start at 0 (through
 * `rules get` → edit → `rules set --file`), then `count` pairs imported.
 */
async function propertyWithPairs(property: string, prefix: string, count: number, seed: number) {
  const first = word(seed + 99_001, 3);
  const last = word(seed + 99_002, 4);
  personal.push(first, last);
  const person = join(folder, `${prefix}-first.csv`);
  await writeFile(person, `external_id,first_name,last_name\n${prefix}-FIRST,${first},${last}\n`);
  expect((await run(["import", "--property", property, "--file", person])).code).toBe(0);
  const rules = JSON.parse((await run(["rules", "get", "--property", property])).stdout);
  rules.matching_criteria.thresholds.review = 0;
  const rulesPath = join(folder, `${prefix}-rules.json`);
  await writeFile(rulesPath, JSON.stringify(rules));
  expect((await run(["rules", "set", "--property", property, "--file", rulesPath])).code).toBe(0);
  const pairs = await pairsFile(`${prefix}-pairs.csv`, prefix, count, seed);
  const imported = await run(["import", "--property", property, "--file", pairs, "--json"]);
  expect(imported.code).toBe(0);
  expect(JSON.parse(imported.stdout)).toMatchObject({ created: count, review: count, failed: 0 });
}

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_review_list");
  env = databaseEnv(scratch.url);
  folder = await mkdtemp(join(tmpdir(), "contact-sync-review-list-"));
  expect((await runInProcess(["migrate"], env)).code).toBe(0);
  await propertyWithPairs(PROPERTY, "PG", PAIRS, 0);
  await propertyWithPairs(OTHER, "OT", OTHER_PAIRS, 50_000);
});

afterAll(async () => {
  await scratch?.drop();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

describe("contact-sync review list, a page at a time", () => {
  it("pages a property with --limit and --after: disjoint, ordered, complete, with the total", async () => {
    const expected = await openIds(PROPERTY);
    expect(expected).toHaveLength(PAIRS);
    const pages = await allPages(["--property", PROPERTY, "--limit", "20"]);
    expect(pages.map((p) => p.items.length)).toEqual([20, 20, 15]);
    expect(pages.map((p) => p.total)).toEqual([PAIRS, PAIRS, PAIRS]);
    const ids = pages.flatMap((p) => p.items.map((item) => item.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expected);
    expect(pages.map((p) => p.next_after)).toEqual([ids[19], ids[39], null]);
    const times = pages.flatMap((p) => p.items.map((item) => item.created_at));
    expect(times).toEqual([...times].sort());
    for (const p of pages) expect(Object.keys(p)).toEqual(["total", "items", "next_after"]);
  });

  it("pages newest first with --order newest", async () => {
    const pages = await allPages(["--property", PROPERTY, "--limit", "25", "--order", "newest"]);
    expect(pages.map((p) => p.items.length)).toEqual([25, 25, 5]);
    expect(pages.flatMap((p) => p.items.map((item) => item.id))).toEqual(
      (await openIds(PROPERTY)).reverse(),
    );
  });

  it("shows 50 items by default, with the count of all and the next page's cursor", async () => {
    const expected = await openIds(PROPERTY);
    const first = await run(["review", "list", "--property", PROPERTY]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Property ${PROPERTY}`);
    for (const id of expected.slice(0, 50)) expect(first.stdout).toContain(id);
    expect(first.stdout).not.toContain(expected[50]);
    expect(first.stdout).toContain(
      `\nShowing 50 of ${PAIRS} open items; next page: --after ${expected[49]}\n`,
    );
    const json = await page(["--property", PROPERTY]);
    expect(json).toMatchObject({ total: PAIRS, next_after: expected[49] });
    expect(json.items).toHaveLength(50);

    const last = await run([
      "review",
      "list",
      "--property",
      PROPERTY,
      "--after",
      `${expected[49]}`,
    ]);
    expect(last.code).toBe(0);
    for (const id of expected.slice(50)) expect(last.stdout).toContain(id);
    expect(last.stdout).toContain(`\nShowing 5 of ${PAIRS} open items; last page.\n`);

    const newest = await run(["review", "list", "--property", PROPERTY, "--order", "newest"]);
    expect(newest.stdout).toContain(
      `\nShowing 50 of ${PAIRS} open items; next page: --order newest --after ${expected[5]}\n`,
    );
  });

  it("without --property, lists and counts the open items of every property", async () => {
    const expected = await openIds();
    expect(expected).toHaveLength(PAIRS + OTHER_PAIRS);
    const all = await page(["--limit", "1000"]);
    expect(all).toMatchObject({ total: PAIRS + OTHER_PAIRS, next_after: null });
    expect(all.items.map((item) => item.id)).toEqual(expected);
    const other = await run(["review", "list", "--property", OTHER]);
    expect(other.stdout).toContain(`\nShowing ${OTHER_PAIRS} of ${OTHER_PAIRS} open items.\n`);
    const past = await run([
      "review",
      "list",
      "--property",
      OTHER,
      "--after",
      `${(await openIds(OTHER)).at(-1)}`,
    ]);
    expect(past.code).toBe(0);
    expect(past.stdout).toMatch(/^No open review items after \S+; 3 open items in all\.\n$/);
  });

  it("refuses an unknown --after item, or one of another property, with one line and exit 2", async () => {
    const unknown = randomUUID();
    expectOneLineError(
      await run(["review", "list", "--after", unknown]),
      2,
      new RegExp(`no review item ${unknown}$`),
    );
    const elsewhere = (await openIds(OTHER))[0];
    expectOneLineError(
      await run(["review", "list", "--property", PROPERTY, "--after", `${elsewhere}`]),
      2,
      new RegExp(`no review item ${elsewhere} in property `),
    );
  });

  it.each<[string, string[], RegExp]>([
    ["--limit 0", ["--limit", "0"], /--limit <n>.*must be an integer from 1 to 1000/],
    ["--limit 1001", ["--limit", "1001"], /--limit <n>.*must be at most 1000/],
    ["--limit that is not a number", ["--limit", "ten"], /must be an integer from 1 to 1000/],
    ["--after that is not a GUID", ["--after", "12"], /--after <id>.*must be a GUID/],
    ["an unknown --order", ["--order", "random"], /Allowed choices are oldest, newest/],
  ])("refuses %s with one line and exit 2", async (_, argv, reason) => {
    expectOneLineError(await run(["review", "list", ...argv]), 2, reason);
  });

  it("explains the paging options", async () => {
    const result = await run(["review", "list", "--help"]);
    expect(result.code).toBe(0);
    for (const text of [
      "--limit <n>",
      "(default: 50)",
      "--after <id>",
      "--order <order>",
      "newest",
    ]) {
      expect(result.stdout).toContain(text);
    }
  });
});
