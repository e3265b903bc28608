/**
 * `contact-sync import` end to end, in process, on a migrated scratch Postgres database. Each
 * test imports into a property of its own, so the tests do not depend on each other.
 *
 * Expected figures are worked out by hand from the fixtures (test/fixtures/import/README.md):
 *
 * people.csv (header on line 1; concurrency may swap which Avery row creates and which merges)
 *   2  3f6b8a52-…   Avery Quinlan, email + phone + birth date   ┐ one person, same email:
 *   3  RM-1002      Avery Quinlan, same email                   ┘ 1 created + 1 merged
 *   4  10003        birth date 19851107 (YYYYMMDD)              created
 *   5  prospect/7781 birth date 1992-02-30                      created, date dropped (warning)
 *   6  RM-1005      nine fields under an eight-column header    rejected
 *   7  RM-1002      external_id again                           rejected
 *   8  (blank)      no external_id                              rejected
 *   9  RM-1008      nothing but the id                          rejected
 *  10  RM-1009      phone only                                  created
 *  11  RM-1010      a quote inside an unquoted name             created
 *   → 10 rows: 5 created, 1 merged, 0 unchanged, 4 rejected; 6 links on 5 contacts.
 *
 * people.jsonl (line 3 is blank)
 *   1 jl-001 + 7 jl-006 share an email (different case): 1 created + 1 merged
 *   2 jl-002 created; 4 invalid JSON: rejected; 5 an array: rejected; 6 numeric id: created
 *   → 6 rows: 3 created, 1 merged, 2 rejected; 4 links on 3 contacts.
 *
 * rejected-only.csv: 2 rows, both rejected → exit 1, and no property is created.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImportCounts } from "../../lib/app/importPeople.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import {
  databaseEnv,
  expectNoPersonalData,
  expectOneLineError,
  fixture,
  fixturePersonalValues,
  rowCounts,
  runInProcess,
  withClient,
} from "./harness.js";

let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_import");
  env = databaseEnv(scratch.url);
  const migrated = await runInProcess(["migrate"], env);
  expect(migrated.code).toBe(0);
});

afterAll(async () => {
  await scratch?.drop();
});

function importFile(property: string, file: string, ...extra: string[]) {
  return runInProcess(["import", "--property", property, "--file", fixture(file), ...extra], env);
}

/** The `import --json` summary. */
interface ImportJson extends ImportCounts {
  file: string;
  format: string;
  property_id: string;
  resman_property_id: string;
  rejections: { line: number; reason: string }[];
  failures: { line: number; reason: string }[];
  warnings: { field: string; reason: string; count: number; lines: number[] }[];
  unknown_columns: { name: string; nearest: string | null }[];
}

async function importJson(property: string, file: string): Promise<ImportJson> {
  const run = await importFile(property, file, "--json");
  expect(run.code).toBe(0);
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as ImportJson;
}

const peopleCsvRejections = [
  { line: 6, reason: "the row has 9 fields, the header has 8" },
  { line: 7, reason: "external_id repeats the row on line 3" },
  { line: 8, reason: "external_id is missing" },
  { line: 9, reason: "the person has no usable name, email or phone" },
];

describe("contact-sync import of a CSV file", () => {
  it("prints the summary the fixture adds up to, with rejected lines and dropped values", async () => {
    const run = await importFile(randomUUID(), "people.csv");
    expect(run.code).toBe(0);
    // The unknown column, as one warning on stderr (stdout is the summary).
    expect(run.stderr).toBe(
      "contact-sync: warning: unknown column(s) ignored: `favourite_colour`\n",
    );
    const [title, ...rest] = run.stdout.split("\n");
    expect(title).toMatch(/^Imported .*people\.csv into property [0-9a-f-]{36} \(10 rows in /);
    // The counts row of the table, in the order of its header.
    expect(rest.join("\n")).toMatch(
      /created\s*│\s*merged\s*│\s*updated\s*│\s*unchanged\s*│\s*review\s*│\s*failed\s*│\s*rejected/,
    );
    const counts = rest
      .find((line) => /^│\s*\d/.test(line))
      ?.split("│")
      .map((cell) => cell.trim())
      .filter((cell) => cell !== "");
    expect(counts).toEqual(["5", "1", "0", "0", "0", "0", "4"]);
    expect(run.stdout).toContain(
      [
        "Rejected rows:",
        "  line 6: the row has 9 fields, the header has 8",
        "  line 7: external_id repeats the row on line 3",
        "  line 8: external_id is missing",
        "  line 9: the person has no usable name, email or phone",
        "Values dropped (the rest of each row was imported):",
        "  date_of_birth invalid: 1 row (line 5)",
      ].join("\n"),
    );
  });

  it("prints parseable JSON with the same counts under --json", async () => {
    const property = randomUUID();
    const summary = await importJson(property, "people.csv");
    expect(summary).toMatchObject({
      format: "csv",
      resman_property_id: property,
      rows: 10,
      created: 5,
      merged: 1,
      updated: 0,
      unchanged: 0,
      review: 0,
      failed: 0,
      rejected: 4,
      rejections: peopleCsvRejections,
      failures: [],
      warnings: [{ field: "date_of_birth", reason: "invalid", count: 1, lines: [5] }],
      unknown_columns: [{ name: "favourite_colour", nearest: null }],
    });
    expect(summary.file).toMatch(/people\.csv$/);
  });

  it("stores what the rows say: any string id, both birth date forms, one contact per person", async () => {
    const property = randomUUID();
    await importJson(property, "people.csv");
    const rows = await withClient(scratch.url, async (client) => {
      const result = await client.query<{
        resman_contact_id: string;
        user_id: string;
        date_of_birth: string | null;
        email: string | null;
        first_name: string | null;
      }>(
        `SELECT s.resman_contact_id, s.user_id, to_char(u.date_of_birth, 'YYYY-MM-DD') AS date_of_birth,
                u.email, u.first_name
         FROM contact_sync s
         JOIN property p ON p.id = s.property_id
         JOIN "user" u ON u.id = s.user_id
         WHERE p.resman_property_id = $1`,
        [property],
      );
      return new Map(result.rows.map((row) => [row.resman_contact_id, row]));
    });
    expect([...rows.keys()].sort()).toEqual([
      "10003",
      "3f6b8a52-6c1e-4d7a-9b2f-0a1c2d3e4f50",
      "RM-1002",
      "RM-1009",
      "RM-1010",
      "prospect/7781",
    ]);
    // The two Avery rows are one contact, which kept the first row's birth date.
    const avery = rows.get("3f6b8a52-6c1e-4d7a-9b2f-0a1c2d3e4f50");
    expect(rows.get("RM-1002")?.user_id).toBe(avery?.user_id);
    expect(avery?.date_of_birth).toBe("1990-04-12");
    expect(rows.get("10003")?.date_of_birth).toBe("1985-11-07");
    // The impossible date is dropped, the rest of that row is kept.
    expect(rows.get("prospect/7781")).toMatchObject({
      date_of_birth: null,
      email: "corin.vasquez@mailbox.dev",
    });
    expect(rows.get("RM-1010")?.first_name).toBe('Gwendolyn "Wren"');
    expect(new Set([...rows.values()].map((row) => row.user_id)).size).toBe(5);
    // The unknown column went nowhere, and rejected rows left no trace.
    expect(await rowCounts(scratch.url, property)).toEqual({
      property: 1,
      user: 5,
      contact_sync: 6,
    });
  });

  it("finds every row unchanged when the same file is imported again", async () => {
    const property = randomUUID();
    await importJson(property, "people.csv");
    const before = await rowCounts(scratch.url, property);
    const again = await importJson(property, "people.csv");
    expect(again).toMatchObject({
      rows: 10,
      created: 0,
      merged: 0,
      updated: 0,
      unchanged: 6,
      rejected: 4,
      rejections: peopleCsvRejections,
    });
    expect(await rowCounts(scratch.url, property)).toEqual(before);
  });

  it("records the account given with --account", async () => {
    const property = randomUUID();
    const summary = await importJson(property, "people.csv").then(() =>
      importFile(property, "people.csv", "--account", "4242", "--json"),
    );
    expect(summary.code).toBe(0);
    const account = await withClient(scratch.url, async (client) => {
      const result = await client.query<{ resman_account_id: number }>(
        "SELECT resman_account_id FROM property WHERE resman_property_id = $1",
        [property],
      );
      return result.rows.map((row) => row.resman_account_id);
    });
    expect(account).toEqual([4242]);
  });

  it("refuses an account that contradicts the property's, and writes nothing", async () => {
    const property = randomUUID();
    expect((await importFile(property, "people.csv", "--account", "7")).code).toBe(0);
    const before = await rowCounts(scratch.url, property);
    const run = await importFile(property, "people.csv", "--account", "8", "--json");
    expectOneLineError(run, 2, /belongs to ResMan account 7, not 8/);
    expect(await rowCounts(scratch.url, property)).toEqual(before);
  });
});

describe("contact-sync import of a JSONL file", () => {
  it("rejects the lines that are not JSON objects and imports the rest", async () => {
    const property = randomUUID();
    const summary = await importJson(property, "people.jsonl");
    expect(summary).toMatchObject({
      format: "jsonl",
      rows: 6,
      created: 3,
      merged: 1,
      unchanged: 0,
      rejected: 2,
      rejections: [
        { line: 4, reason: "the line is not valid JSON" },
        { line: 5, reason: "the line is not a JSON object" },
      ],
      warnings: [],
      unknown_columns: [{ name: "loyalty_tier", nearest: null }],
    });
    const ids = await withClient(scratch.url, async (client) => {
      const result = await client.query<{ resman_contact_id: string }>(
        `SELECT s.resman_contact_id FROM contact_sync s JOIN property p ON p.id = s.property_id
         WHERE p.resman_property_id = $1 ORDER BY 1`,
        [property],
      );
      return result.rows.map((row) => row.resman_contact_id);
    });
    // A numeric external_id is read as its text.
    expect(ids).toEqual(["20005", "jl-001", "jl-002", "jl-006"]);
    expect(await rowCounts(scratch.url, property)).toEqual({
      property: 1,
      user: 3,
      contact_sync: 4,
    });
  });

  it("finds every line unchanged on a second import", async () => {
    const property = randomUUID();
    await importJson(property, "people.jsonl");
    const again = await importJson(property, "people.jsonl");
    expect(again).toMatchObject({ created: 0, merged: 0, updated: 0, unchanged: 4, rejected: 2 });
  });
});

describe("contact-sync import of a file that cannot be imported", () => {
  it.each<[string, string, RegExp]>([
    ["has no external_id column", "no-external-id.csv", /CSV header has no external_id column/],
    ["does not exist", "missing.csv", /cannot read .*missing\.csv: no such file/],
    [
      "does not exist, whatever its extension",
      "missing.txt",
      /cannot read .*missing\.txt: no such file/,
    ],
    ["is a folder", ".", /cannot read .*import: it is a folder, not a file/],
    ["has an unsupported extension", "people.txt", /unsupported file type "\.txt"/],
    ["has an unclosed quote", "unclosed-quote.csv", /CSV syntax error .*nothing was imported/],
    ["is empty", "empty.jsonl", /the file is empty/],
  ])("fails with exit 2 and writes nothing when the file %s", async (_case, file, reason) => {
    const property = randomUUID();
    const before = await rowCounts(scratch.url);
    const run = await importFile(property, file);
    expectOneLineError(run, 2, reason);
    expect(await rowCounts(scratch.url)).toEqual(before);
    expect(await rowCounts(scratch.url, property)).toEqual({
      property: 0,
      user: 0,
      contact_sync: 0,
    });
  });

  it("fails the same way under --json (the error is not a summary)", async () => {
    const run = await importFile(randomUUID(), "no-external-id.csv", "--json");
    expectOneLineError(run, 2, /no external_id column/);
  });
});

describe("contact-sync import of a file whose every row is rejected", () => {
  it("exits 1, says so and creates no property", async () => {
    const property = randomUUID();
    const before = await rowCounts(scratch.url);
    const run = await importFile(property, "rejected-only.csv");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      [
        "Rejected rows:",
        "  line 2: external_id is missing",
        "  line 3: the person has no usable name, email or phone",
        `Nothing was imported: every row was rejected, and property ${property} was not created.`,
      ].join("\n"),
    );
    expect(await rowCounts(scratch.url)).toEqual(before);
    expect(await rowCounts(scratch.url, property)).toEqual({
      property: 0,
      user: 0,
      contact_sync: 0,
    });
  });

  it("gives no property id under --json", async () => {
    const property = randomUUID();
    const run = await importFile(property, "rejected-only.csv", "--json");
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      property_id: null,
      resman_property_id: property,
      rows: 2,
      rejected: 2,
    });
    expect(await rowCounts(scratch.url, property)).toMatchObject({ property: 0 });
  });

  it("exits 1 into an existing property too, leaving it as it was", async () => {
    const property = randomUUID();
    await importJson(property, "people.csv");
    const before = await rowCounts(scratch.url, property);
    const run = await importFile(property, "rejected-only.csv");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Nothing was imported: every row was rejected.\n");
    expect(await rowCounts(scratch.url, property)).toEqual(before);
  });
});

describe("contact-sync output and personal data", () => {
  it("never prints a name, email, phone or birth date from the files", async () => {
    const personal = fixturePersonalValues();
    // The check itself must know the fixtures' people, or it proves nothing.
    expect(personal).toEqual(
      expect.arrayContaining(["Quinlan", "avery.quinlan@mailbox.dev", "4155550123", "19851107"]),
    );
    const csvProperty = randomUUID();
    const jsonlProperty = randomUUID();
    const runs = [
      await importFile(csvProperty, "people.csv"),
      await importFile(csvProperty, "people.csv", "--json"),
      await importFile(jsonlProperty, "people.jsonl"),
      await importFile(jsonlProperty, "people.jsonl", "--json"),
      await importFile(randomUUID(), "no-external-id.csv"),
      await importFile(randomUUID(), "unclosed-quote.csv"),
      await runInProcess(["links", "--property", csvProperty], env),
      await runInProcess(["links", "--property", jsonlProperty, "--format", "json"], env),
      await runInProcess(["stats"], env),
      await runInProcess(["stats", "--json"], env),
      // Rejections by type and key, unknown columns, syntax and header errors.
      await importFile(randomUUID(), "wrong-types.jsonl"),
      await importFile(randomUUID(), "aliases.csv"),
      await importFile(randomUUID(), "bad-quote.csv"),
      await importFile(randomUUID(), "two-emails.csv"),
    ];
    for (const run of runs) {
      expectNoPersonalData(run.stdout, personal);
      expectNoPersonalData(run.stderr, personal);
    }
    // The runs did print something: ids are there, values are not.
    expect(runs[6]?.stdout).toContain("RM-1002");
  });
});
