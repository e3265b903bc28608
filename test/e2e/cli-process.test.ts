/**
 * The packaged command as a user runs it: `npx contact-sync` from the repository root starts
 * bin/contact-sync.js on the Node 24 from node_modules/.bin, against a scratch Postgres
 * database; and the embedded default (no DATABASE_URL: PGlite in PGLITE_DATA_DIR).
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import {
  databaseEnv,
  expectOneLineError,
  fixture,
  linesOf,
  parseCsv,
  runInProcess,
  runProcess,
} from "./harness.js";

let scratch: ScratchDatabase;
let pgliteDir: string;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_process");
  pgliteDir = await mkdtemp(join(tmpdir(), "contact-sync-e2e-"));
});

afterAll(async () => {
  await scratch?.drop();
  if (pgliteDir !== undefined) await rm(pgliteDir, { recursive: true, force: true });
});

describe("npx contact-sync", () => {
  it("prints the help and exits 0", async () => {
    const run = await runProcess(["--help"], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: contact-sync /);
    expect(run.stdout).toContain("import [options]");
    expect(run.stderr).toBe("");
  });

  it("migrates, imports a CSV file and lists its links", async () => {
    const env = databaseEnv(scratch.url);
    const property = randomUUID();
    const migrate = await runProcess(["migrate"], env);
    expect(migrate).toMatchObject({ code: 0, stderr: "" });

    const imported = await runProcess(
      ["import", "--property", property, "--file", fixture("people.csv"), "--json"],
      env,
    );
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      rows: 10,
      created: 5,
      merged: 1,
      rejected: 4,
    });

    const links = await runProcess(["links", "--property", property], env);
    expect(links.code).toBe(0);
    expect(linesOf(links.stdout)[0]).toBe("resman_contact_id,user_id,sync_status,match_score");
    expect(parseCsv(links.stdout)).toHaveLength(6);
  });

  it("exits 2 with one line and no stack trace for a file it cannot import", async () => {
    const run = await runProcess(
      ["import", "--property", randomUUID(), "--file", fixture("no-external-id.csv")],
      databaseEnv(scratch.url),
    );
    expectOneLineError(run, 2, /no external_id column/);
  });
});

describe("contact-sync on the embedded database (no DATABASE_URL)", () => {
  it("imports into PGlite in PGLITE_DATA_DIR, and a later run reads the links back", async () => {
    const env = { PGLITE_DATA_DIR: pgliteDir };
    const property = randomUUID();
    const imported = await runInProcess(
      ["import", "--property", property, "--file", fixture("people.jsonl"), "--json"],
      env,
    );
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      rows: 6,
      created: 3,
      merged: 1,
      rejected: 2,
    });
    expect((await readdir(pgliteDir)).length).toBeGreaterThan(0);

    // A later run opens the same directory and finds the links the import wrote.
    const links = await runInProcess(["links", "--property", property, "--format", "json"], env);
    expect(links.code).toBe(0);
    expect(JSON.parse(links.stdout)).toHaveLength(4);
  });
});
