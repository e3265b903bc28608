/**
 * `contact-sync migrate` on a real, empty Postgres database: before it, commands say to run it;
 * it creates the seed's tables and the monitoring view; running it again changes nothing; on a
 * database behind this code's migrations, commands refuse until it has run.
 * The tests run in order on one scratch database.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import { databaseEnv, expectOneLineError, fixture, runInProcess, withClient } from "./harness.js";

const PROPERTY = "6a1d2b3c-4e5f-4a6b-9c7d-8e9f0a1b2c3d";

/** The seed's tables and view, which later migrations may add to but never drop. */
const seedTables = [
  "contact_enrichment_log",
  "contact_matching_rules",
  "contact_sync",
  "property",
  "user",
];

let scratch: ScratchDatabase;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_migrate");
});

afterAll(async () => {
  await scratch?.drop();
});

function schemaObjects(url: string) {
  return withClient(url, async (client) => {
    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const views = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.views WHERE table_schema = 'public'",
    );
    return {
      tables: tables.rows.map((row) => row.table_name),
      views: views.rows.map((row) => row.table_name),
    };
  });
}

describe("contact-sync migrate", () => {
  it("is what an import on an empty database asks for, and nothing is created", async () => {
    const run = await runInProcess(
      ["import", "--property", PROPERTY, "--file", fixture("people.csv")],
      databaseEnv(scratch.url),
    );
    expectOneLineError(run, 1, /no contact-sync tables: run `contact-sync migrate` first/);
    expect(await schemaObjects(scratch.url)).toEqual({ tables: [], views: [] });
  });

  it("creates the tables and the sync health view on an empty database", async () => {
    const run = await runInProcess(["migrate"], databaseEnv(scratch.url));
    expect(run).toEqual({ code: 0, stdout: "Migrations applied (pg).\n", stderr: "" });
    const objects = await schemaObjects(scratch.url);
    expect(objects.tables).toEqual(expect.arrayContaining(seedTables));
    expect(objects.views).toContain("contact_sync_success_rate");
  });

  it("succeeds again on a migrated database without changing it", async () => {
    const before = await schemaObjects(scratch.url);
    const run = await runInProcess(["migrate"], databaseEnv(scratch.url));
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(await schemaObjects(scratch.url)).toEqual(before);
  });

  it("leaves a database that stats can read", async () => {
    const run = await runInProcess(["stats", "--json"], databaseEnv(scratch.url));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
  });

  it("is what a database behind this code asks for: commands refuse with one line, then migrate brings it up", async () => {
    // The database as the release before the blocking keys by property left it (migrations
    // 0012 to 0017 undone: a migration added later must be undone here too).
    const journal = JSON.parse(
      readFileSync(new URL("../../drizzle/meta/_journal.json", import.meta.url), "utf8"),
    ) as { entries: { tag: string; when: number }[] };
    const since = journal.entries.find((e) => e.tag === "0012_block_keys_in_property")?.when;
    expect(since).toBeDefined();
    await withClient(scratch.url, async (client) => {
      await client.query('DROP INDEX "idx_user_block_keys_in_property"');
      await client.query(
        'CREATE INDEX "idx_user_block_keys" ON "user" USING gin ("block_keys") WITH (fastupdate=false)',
      );
      await client.query("DROP FUNCTION block_keys_in_property(uuid, text[])");
      await client.query('DROP INDEX "idx_outbox_event_property_created"');
      await client.query('DROP INDEX "idx_user_phone_keys_unblocked"');
      await client.query(
        'CREATE INDEX "idx_user_phone_keys" ON "user" USING gin ("phone_keys") WITH (fastupdate=false)',
      );
      for (const key of ["email_key", "name_dob_key"]) {
        await client.query(`DROP INDEX "idx_user_${key}_unblocked"`);
        await client.query(`CREATE INDEX "idx_user_${key}" ON "user" ("${key}", "property_id")`);
      }
      await client.query("DELETE FROM drizzle.__drizzle_migrations WHERE created_at >= $1", [
        since,
      ]);
    });
    const pending = journal.entries.filter((e) => e.when >= (since ?? 0)).length;
    for (const args of [
      ["stats"],
      ["import", "--property", PROPERTY, "--file", fixture("people.csv")],
    ]) {
      expectOneLineError(
        await runInProcess(args, databaseEnv(scratch.url)),
        1,
        new RegExp(
          `schema is older than this contact-sync \\(${pending} migrations not applied\\): run \`contact-sync migrate\``,
        ),
      );
    }
    expect(
      await withClient(
        scratch.url,
        async (client) => (await client.query('select count(*)::int as n from "user"')).rows[0]?.n,
      ),
    ).toBe(0);
    expect((await runInProcess(["migrate"], databaseEnv(scratch.url))).code).toBe(0);
    const imported = await runInProcess(
      ["import", "--property", PROPERTY, "--file", fixture("people.csv")],
      databaseEnv(scratch.url),
    );
    expect(imported.code).toBe(0);
  });
});
