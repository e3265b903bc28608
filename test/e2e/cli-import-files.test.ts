/**
 * `contact-sync import` and what it makes of a file, in process, on a migrated scratch Postgres
 * database: encodings (`--encoding`, UTF-8 with and without a byte order mark), header names
 * and their aliases, unknown columns, JSONL value types and CSV syntax errors. Each test imports
 * into a property of its own.
 *
 * Files in other encodings are written at run time from the UTF-8 fixtures accents.csv and
 * accents.jsonl (so the personal-data scan knows their values):
 *   accents.csv    AC-1..AC-3, every row with an accented name on lines 2–4
 *   accents.jsonl  AJ-1 all ASCII (line 1), AJ-2 and AJ-3 accented (lines 2, 3)
 */

import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import {
  databaseEnv,
  expectOneLineError,
  fixture,
  rowCounts,
  runInProcess,
  withClient,
} from "./harness.js";

let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;
let folder: string;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_import_files");
  env = databaseEnv(scratch.url);
  folder = await mkdtemp(join(tmpdir(), "contact-sync-import-files-"));
  expect((await runInProcess(["migrate"], env)).code).toBe(0);
});

afterAll(async () => {
  await scratch?.drop();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

function importPath(property: string, path: string, ...extra: string[]) {
  return runInProcess(["import", "--property", property, "--file", path, ...extra], env);
}

/** A fixture rewritten in `encoding` (optionally prefixed by raw bytes) into the temp folder. */
async function transcoded(name: string, encoding: string, prefix = Buffer.alloc(0)) {
  const text = await readFile(fixture(name), "utf8");
  const path = join(folder, `${randomUUID()}-${name}`);
  await writeFile(path, Buffer.concat([prefix, iconv.encode(text, encoding)]));
  return path;
}

/** The contacts of a ResMan property by PersonID: names, email, and the rest asked for. */
async function contactsOf(property: string) {
  return withClient(scratch.url, async (client) => {
    const result = await client.query<Record<string, string | null>>(
      `SELECT s.resman_contact_id, u.first_name, u.last_name, u.email, u.kind,
              to_char(u.date_of_birth, 'YYYY-MM-DD') AS date_of_birth, u.phones::text AS phones,
              u.address_line1, u.address_line2, u.city, u.state, u.postal_code
       FROM contact_sync s
       JOIN property p ON p.id = s.property_id
       JOIN "user" u ON u.id = s.user_id
       WHERE p.resman_property_id = $1`,
      [property],
    );
    return new Map(result.rows.map((row) => [row.resman_contact_id, row]));
  });
}

async function expectNothingWritten(property: string) {
  expect(await rowCounts(scratch.url, property)).toEqual({ property: 0, user: 0, contact_sync: 0 });
}

describe("contact-sync import: encodings", () => {
  it("imports UTF-8, with or without a byte order mark, keeping every accent", async () => {
    for (const path of [
      fixture("accents.csv"),
      await transcoded("accents.csv", "utf8", Buffer.from([0xef, 0xbb, 0xbf])),
    ]) {
      const property = randomUUID();
      const run = await importPath(property, path, "--json");
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ rows: 3, created: 3, rejected: 0 });
      const contacts = await contactsOf(property);
      expect(contacts.get("AC-1")).toMatchObject({ first_name: "Zoë", last_name: "Müller" });
      expect(contacts.get("AC-3")?.last_name).toBe("Dubois-Bérenger");
    }
  });

  it("refuses a Latin-1 file without --encoding, naming the line, and writes nothing", async () => {
    const property = randomUUID();
    const before = await rowCounts(scratch.url);
    const run = await importPath(property, await transcoded("accents.csv", "latin1"));
    expectOneLineError(run, 2, /line 2 is not valid UTF-8: .*--encoding latin1/);
    expect(await rowCounts(scratch.url)).toEqual(before);
    await expectNothingWritten(property);
  });

  it("decodes a Latin-1 file with --encoding latin1: no replacement character stored", async () => {
    const property = randomUUID();
    const run = await importPath(
      property,
      await transcoded("accents.csv", "latin1"),
      "--encoding",
      "latin1",
      "--json",
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 3, created: 3, rejected: 0 });
    const contacts = await contactsOf(property);
    expect(contacts.get("AC-1")).toMatchObject({ first_name: "Zoë", last_name: "Müller" });
    expect(contacts.get("AC-2")).toMatchObject({ first_name: "René", last_name: "Faÿ" });
    expect(JSON.stringify([...contacts.values()])).not.toContain("\uFFFD");
  });

  it("checks a whole JSONL file before writing: a bad line 2 leaves even line 1 unwritten", async () => {
    const property = randomUUID();
    const path = await transcoded("accents.jsonl", "windows-1252");
    expectOneLineError(await importPath(property, path), 2, /line 2 is not valid UTF-8/);
    await expectNothingWritten(property);
    const run = await importPath(property, path, "--encoding", "windows-1252", "--json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 3, created: 3 });
    expect((await contactsOf(property)).get("AJ-3")).toMatchObject({
      first_name: "Anaïs",
      last_name: "Brûlé",
    });
  });

  it("refuses a file that already holds U+FFFD, naming the line", async () => {
    const text = (await readFile(fixture("accents.csv"), "utf8")).replace("Inès", "In\uFFFDs");
    const path = join(folder, "replacement.csv");
    await writeFile(path, text, "utf8");
    const property = randomUUID();
    expectOneLineError(await importPath(property, path), 2, /line 4 holds U\+FFFD/);
    await expectNothingWritten(property);
  });

  it.each([
    ["an unknown encoding", "klingon", /unknown encoding "klingon"/],
    ["an encoding lines cannot be split in", "utf16le", /encoding "utf16le" is not supported/],
  ])("exits 2 with one line for %s", async (_case, encoding, reason) => {
    const property = randomUUID();
    const run = await importPath(property, fixture("accents.csv"), "--encoding", encoding);
    expectOneLineError(run, 2, reason);
    await expectNothingWritten(property);
  });
});

describe("contact-sync import: header names", () => {
  it("reads aliases in any case and spacing, and lists unknown columns with the nearest name", async () => {
    const property = randomUUID();
    const run = await importPath(property, fixture("aliases.csv"), "--json");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toMatchObject({
      rows: 2,
      created: 2,
      rejected: 0,
      warnings: [],
      unknown_columns: [
        { name: "Emial", nearest: "email" },
        { name: "favourite_colour", nearest: null },
      ],
    });
    const contacts = await contactsOf(property);
    expect(contacts.get("AL-1")).toMatchObject({
      first_name: "Rosalind",
      last_name: "Tremaine",
      email: "rosalind.tremaine@mailbox.dev",
      kind: "resident",
      date_of_birth: "1987-06-21",
      address_line1: "14 Larkspur Way",
      address_line2: "Apt 2",
      city: "Springfield",
      state: "OR",
      postal_code: "97477",
    });
    expect(contacts.get("AL-1")?.phones).toContain("+14155550131");
    expect(contacts.get("AL-2")?.phones).toContain("+12065550142");
  });

  it("prints the unknown columns as one warning on stderr in text mode", async () => {
    const run = await importPath(randomUUID(), fixture("aliases.csv"));
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      "contact-sync: warning: unknown column(s) ignored: `Emial` (did you mean email?), `favourite_colour`\n",
    );
    expect(run.stdout).toMatch(/^Imported /);
  });

  it("refuses a header naming one column twice, naming both, and writes nothing", async () => {
    const property = randomUUID();
    const run = await importPath(property, fixture("two-emails.csv"));
    expectOneLineError(run, 2, /the CSV header names email twice: `E-mail` and `email`/);
    await expectNothingWritten(property);
  });
});

describe("contact-sync import: JSONL keys and value types", () => {
  it("rejects a row whose value has the wrong JSON type, naming the field", async () => {
    const property = randomUUID();
    const run = await importPath(property, fixture("wrong-types.jsonl"), "--json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      rows: 7,
      created: 2,
      rejected: 5,
      rejections: [
        { line: 1, reason: "first_name must be text, not a number" },
        { line: 2, reason: "last_name must be text, not true or false" },
        { line: 3, reason: "postal_code must be text, not a number" },
        { line: 4, reason: "city must be text, not an object" },
        { line: 5, reason: "the keys `email` and `E-mail` both name email" },
      ],
      unknown_columns: [{ name: "Emial", nearest: "email" }],
    });
    const contacts = await contactsOf(property);
    expect([...contacts.keys()].sort()).toEqual(["7", "wt-6"]);
    expect(contacts.get("wt-6")).toMatchObject({ first_name: "Florian", last_name: "Whitcombe" });
  });
});

describe("contact-sync import: CSV syntax errors", () => {
  it("names the data line and what is wrong, and writes nothing", async () => {
    const property = randomUUID();
    const run = await importPath(property, fixture("bad-quote.csv"));
    expectOneLineError(
      run,
      2,
      /CSV syntax error on line 3 \(column first_name\): text follows the closing quote .*nothing was imported/,
    );
    await expectNothingWritten(property);
  });

  it("refuses a CSV file with a header and no rows", async () => {
    const property = randomUUID();
    expectOneLineError(
      await importPath(property, fixture("header-only.csv")),
      2,
      /a header and no rows/,
    );
    await expectNothingWritten(property);
  });
});
