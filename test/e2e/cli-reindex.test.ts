/**
 * `contact-sync reindex` on a migrated scratch Postgres database: contacts whose stored blocking
 * keys are stale (written before blocking keys existed, or by an older way of building them)
 * get the keys their values give, with their version bumped, and the identity keys of the keys
 * taken away bumped too (a key shrank: readers that took it as too common must see it move);
 * the rest are left alone.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockIdText } from "../../lib/adapters/db/keyVersions.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import { databaseEnv, expectOneLineError, fixture, runInProcess, withClient } from "./harness.js";

const PROPERTY = randomUUID();
let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_reindex");
  env = databaseEnv(scratch.url);
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

const keysAndVersions = () =>
  withClient(
    scratch.url,
    async (client) =>
      (
        await client.query<{ id: string; block_keys: string[]; version: number }>(
          `select id, block_keys, version from "user" order by id`,
        )
      ).rows,
  );

describe("contact-sync reindex", () => {
  it("rewrites stale blocking keys, and only those", async () => {
    const fresh = await keysAndVersions();
    expect(fresh.length).toBeGreaterThan(2);
    for (const row of fresh) expect(row.block_keys.length).toBeGreaterThan(0);
    const [emptied, outdated] = fresh;
    await withClient(scratch.url, async (client) => {
      await client.query(`update "user" set block_keys = '{}' where id = $1`, [emptied?.id]);
      await client.query(`update "user" set block_keys = '{adr:00000|1}' where id = $1`, [
        outdated?.id,
      ]);
    });

    const run = await runInProcess(["reindex", "--property", PROPERTY, "--json"], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ contacts: fresh.length, rewritten: 2 });
    const after = await keysAndVersions();
    expect(after.map((r) => r.block_keys)).toEqual(fresh.map((r) => r.block_keys));
    expect(after.map((r) => r.version)).toEqual(
      fresh.map((r) => (r.id === emptied?.id || r.id === outdated?.id ? r.version + 1 : r.version)),
    );

    // The key taken from the outdated contact moved; it had no identity-key row before.
    const versionOf = (propertyId: string, key: string) =>
      withClient(scratch.url, async (client) => {
        const { rows } = await client.query<{ version: string }>(
          "select version from identity_key where key_id = $1::bigint",
          [lockIdText(propertyId, `block:${key}`)],
        );
        return Number(rows[0]?.version ?? 0);
      });
    const propertyId = await withClient(scratch.url, async (client) => {
      const { rows } = await client.query<{ property_id: string }>(
        `select property_id from "user" where id = $1`,
        [outdated?.id],
      );
      return rows[0]?.property_id ?? "";
    });
    expect(await versionOf(propertyId, "adr:00000|1")).toBe(1);

    const again = await runInProcess(["reindex"], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `Checked ${fresh.length} contacts; rewrote the blocking keys of 0.\n`,
    );
  });

  it("refuses an unknown property with one line", async () => {
    const run = await runInProcess(["reindex", "--property", randomUUID()], env);
    expectOneLineError(run, 2, /no property/);
  });
});
