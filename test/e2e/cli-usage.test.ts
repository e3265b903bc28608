/**
 * The command's contract before any database work: every command explains itself with --help,
 * and every mistake on the command line ends with exit code 2 and one line on stderr naming the
 * mistake, never a stack trace. No database is needed: the commands get a server nobody listens
 * on, so one that wrongly got as far as connecting fails with a different message.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_URL, assertPostgresReachable } from "../support/postgres.js";
import {
  databaseEnv,
  expectOneLineError,
  fixture,
  runInProcess,
  unreachableDatabaseEnv,
} from "./harness.js";

const PROPERTY = "0b7f3c1e-9d4a-4e6b-8f21-5a3c7d9e1f02";
const PEOPLE = fixture("people.csv");

describe("contact-sync --help", () => {
  it("lists every command and the environment at the root", async () => {
    const run = await runInProcess(["--help"], unreachableDatabaseEnv);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^Usage: contact-sync \[options\] \[command\]/);
    for (const command of ["migrate", "import", "links", "stats", "start"]) {
      expect(run.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    }
    expect(run.stdout).toContain("DATABASE_URL");
  });

  it.each([
    ["migrate", ["--help"]],
    ["import", ["--property <guid>", "--file <path>", "--account <id>", "--json", "external_id"]],
    ["links", ["--property <guid>", "--format <format>", "csv", "json"]],
    ["stats", ["--json"]],
    ["start", ["--help"]],
  ])("explains `%s` and names its options", async (command, options) => {
    const run = await runInProcess([command, "--help"], unreachableDatabaseEnv);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(new RegExp(`^Usage: contact-sync ${command}\\b`));
    for (const option of options) expect(run.stdout).toContain(option);
  });

  it.each([
    "import",
    "links",
    "stats",
    "rules simulate",
    "review list",
    "unmerge",
    "reindex",
    "prune",
    "redrive",
    "property list",
    "property sources",
    "reconcile",
    "push",
  ])("words `--json` of `%s` like every other command's", async (command) => {
    const run = await runInProcess([...command.split(" "), "--help"], unreachableDatabaseEnv);
    expect(run.code).toBe(0);
    const line = run.stdout.split("\n").find((text) => /^\s+--json\b/.test(text));
    expect(line?.trim()).toMatch(/^--json\s+print JSON instead of text( \(.+\))?$/);
  });

  it("answers `help <command>` like `<command> --help`", async () => {
    const viaHelp = await runInProcess(["help", "import"], unreachableDatabaseEnv);
    const viaOption = await runInProcess(["import", "--help"], unreachableDatabaseEnv);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaOption.stdout);
  });
});

describe("contact-sync usage mistakes", () => {
  it.each<[string, string[], RegExp]>([
    ["an unknown command", ["bogus"], /unknown command 'bogus'/],
    [
      "a misspelt command, with the suggestion on the same line",
      ["migrat"],
      /Did you mean migrate/,
    ],
    ["an unknown option", ["stats", "--bogus"], /unknown option '--bogus'/],
    ["an extra argument", ["migrate", "now"], /too many arguments/],
    [
      "import without --property",
      ["import", "--file", PEOPLE],
      /'--property <guid>' not specified/,
    ],
    ["import without --file", ["import", "--property", PROPERTY], /'--file <path>' not specified/],
    [
      "import with a property that is not a GUID",
      ["import", "--property", "prop-1", "--file", PEOPLE],
      /--property.*must be a GUID/,
    ],
    [
      "import with a GUID missing a digit",
      ["import", "--property", PROPERTY.slice(1), "--file", PEOPLE],
      /must be a GUID/,
    ],
    [
      "import with a non-numeric account",
      ["import", "--property", PROPERTY, "--file", PEOPLE, "--account", "acme"],
      /--account.*positive integer/,
    ],
    [
      "import with account 0",
      ["import", "--property", PROPERTY, "--file", PEOPLE, "--account", "0"],
      /--account.*positive integer/,
    ],
    [
      "import with a fractional account",
      ["import", "--property", PROPERTY, "--file", PEOPLE, "--account", "12.5"],
      /--account.*positive integer/,
    ],
    ["links without --property", ["links"], /'--property <guid>' not specified/],
    ["links with a bad GUID", ["links", "--property", "12345"], /must be a GUID/],
    [
      "links with an unknown format",
      ["links", "--property", PROPERTY, "--format", "xml"],
      /--format.*Allowed choices are csv, json/,
    ],
  ])("rejects %s with exit 2 and one line", async (_case, argv, reason) => {
    const run = await runInProcess(argv, unreachableDatabaseEnv);
    expectOneLineError(run, 2, reason);
    // The line points at the help of the command that was mistyped.
    expect(run.stderr).toMatch(/\(see `contact-sync( [a-z]+)? --help`\)$/m);
  });

  it("rejects a DATABASE_URL that is not a postgres URL, naming the variable only", async () => {
    const run = await runInProcess(["stats"], databaseEnv("mysql://admin:s3cret@db.internal/x"));
    expectOneLineError(run, 2, /invalid DATABASE_URL: must be a postgres/);
    expect(run.stderr).not.toContain("s3cret");
  });

  it("reports an unreachable database in one line with exit 1", async () => {
    const run = await runInProcess(["stats"], unreachableDatabaseEnv);
    expectOneLineError(run, 1, /database unavailable|cannot reach the database/);
  });

  it("names a database that does not exist, and what to check, in one line with exit 1", async () => {
    await assertPostgresReachable();
    const url = new URL(ADMIN_URL);
    url.pathname = `/contact_sync_missing_${process.pid}`;
    const run = await runInProcess(["stats"], databaseEnv(url.toString()));
    expectOneLineError(
      run,
      1,
      /^contact-sync: check the database's migrations: database error \(3D000: the database named in the connection string does not exist\)$/,
    );
  });

  it("asks for a command when given none", async () => {
    const run = await runInProcess([], unreachableDatabaseEnv);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/^Usage: contact-sync/);
  });
});
