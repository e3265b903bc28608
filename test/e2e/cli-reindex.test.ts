/**
 * `contact-sync reindex` on a migrated scratch Postgres database: contacts whose stored blocking
 * keys are stale (written before blocking keys existed, or by an older way of building them)
 * get the keys their values give, with their version bumped, and the identity keys of the keys
 * taken away bumped too (a key shrank: readers that took it as too common must see it move);
 * the rest — merged-away contacts, other properties' — are left alone, and one property's contacts
 * are found among many pages of other properties' ids.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockIdText } from "../../lib/adapters/db/keyVersions.js";
import { runCli } from "../../lib/cli/run.js";
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
    expect(JSON.parse(run.stdout)).toEqual({
      contacts: fresh.length,
      rewritten: 2,
      interrupted: false,
    });
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

  it("checks the live contacts of the property named only: merged-away and other properties' contacts are left alone", async () => {
    const other = randomUUID();
    const imported = await runInProcess(
      ["import", "--property", other, "--file", fixture("people.csv")],
      env,
    );
    expect(imported.code).toBe(0);
    const rows = await withClient(
      scratch.url,
      async (client) =>
        (
          await client.query<{ id: string; resman: string; version: number }>(
            `select u.id, p.resman_property_id as resman, u.version from "user" u
             join property p on p.id = u.property_id order by u.id`,
          )
        ).rows,
    );
    const ours = rows.filter((r) => r.resman === PROPERTY);
    const theirs = rows.filter((r) => r.resman === other);
    const [merged, live] = ours;
    const [elsewhere] = theirs;
    // Stale keys on a contact merged away, one live contact, and one of the other property.
    await withClient(scratch.url, async (client) => {
      await client.query(`update "user" set block_keys = '{}', merged_into_id = $2 where id = $1`, [
        merged?.id,
        live?.id,
      ]);
      await client.query(`update "user" set block_keys = '{}' where id = any($1::uuid[])`, [
        [live?.id, elsewhere?.id],
      ]);
    });
    const run = await runInProcess(["reindex", "--property", PROPERTY, "--json"], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      contacts: ours.length - 1,
      rewritten: 1,
      interrupted: false,
    });
    const keys = await withClient(
      scratch.url,
      async (client) =>
        new Map(
          (
            await client.query<{ id: string; n: number }>(
              `select id, cardinality(block_keys) as n from "user"`,
            )
          ).rows.map((r) => [r.id, r.n]),
        ),
    );
    expect(keys.get(live?.id ?? "")).toBeGreaterThan(0);
    expect(keys.get(merged?.id ?? "")).toBe(0);
    expect(keys.get(elsewhere?.id ?? "")).toBe(0);
    // Without --property, every property's live contacts.
    const all = await runInProcess(["reindex", "--json"], env);
    expect(JSON.parse(all.stdout)).toMatchObject({ contacts: rows.length - 1, rewritten: 1 });
  });

  it("finds one property's contacts among many more of others, page after page of ids", async () => {
    const [mine, others] = [randomUUID(), randomUUID()];
    await withClient(scratch.url, async (client) => {
      for (const id of [mine, others]) {
        await client.query(
          "insert into property (id, name, resman_property_id) values ($1, 'Paged', $1)",
          [id],
        );
      }
      // Bare contacts (no values: no keys to compute), their ids spread over several pages of
      // ids (5,000 a page): 3,000 here among 12,000 of another property.
      await client.query(
        `insert into "user" (property_id) select $1::uuid from generate_series(1, 12000)`,
        [others],
      );
      await client.query(
        `insert into "user" (property_id) select $1::uuid from generate_series(1, 3000)`,
        [mine],
      );
      // Stale keys on seven of ours, wherever their ids fall, and on thirty of theirs.
      for (const [property, n] of [
        [mine, 7],
        [others, 30],
      ] as const) {
        await client.query(
          `update "user" set block_keys = '{ln:stale}' where id in (
             select id from "user" where property_id = $1 order by random() limit $2)`,
          [property, n],
        );
      }
    });
    const run = await runInProcess(["reindex", "--property", mine, "--json"], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      contacts: 3000,
      rewritten: 7,
      interrupted: false,
    });
    const left = await withClient(
      scratch.url,
      async (client) =>
        (
          await client.query<{ property_id: string; n: number }>(
            `select property_id, count(*)::int as n from "user"
             where block_keys = '{ln:stale}' group by property_id`,
          )
        ).rows,
    );
    expect(left).toEqual([{ property_id: others, n: 30 }]);
    // Gone again: the cases after this one count the contacts of the fixture alone.
    await withClient(scratch.url, (client) =>
      client.query("delete from property where id = any($1::uuid[])", [[mine, others]]),
    );
  });

  it("stops after the page in progress at Ctrl-C, saying so, exit 130", async () => {
    // 1,200 more contacts (bare: no values, so no keys to rewrite): three pages of 500.
    const total = await withClient(scratch.url, async (client) => {
      const { rows } = await client.query<{ property_id: string }>(
        `select property_id from "user" limit 1`,
      );
      await client.query(
        `insert into "user" (property_id) select $1 from generate_series(1, 1200)`,
        [rows[0]?.property_id],
      );
      return Number(
        (
          await client.query<{ n: string }>(
            `select count(*) as n from "user" where merged_into_id is null`,
          )
        ).rows[0]?.n,
      );
    });
    const signals = new EventEmitter();
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await runCli(["reindex", "--json"], {
      stdout: { write: (text) => stdout.push(text) },
      stderr: {
        write: (text) => {
          stderr.push(text);
          if (text.startsWith("reindex progress:")) signals.emit("SIGINT", "SIGINT");
        },
        isTTY: false,
      },
      env: { ...env, CONTACT_SYNC_PROGRESS_INTERVAL_MS: "1" },
      signals,
    });
    expect(code).toBe(130);
    expect(stderr.join("")).toMatch(/reindex progress: \d+ contacts checked, 0 rewritten/);
    expect(stderr.join("")).toContain("Ctrl-C: stopping after the contacts in progress");
    const done = JSON.parse(stdout.join("")) as { contacts: number; interrupted: boolean };
    expect(done.interrupted).toBe(true);
    // The first page's live contacts (a page is 500 contacts, merged-away ones included).
    expect(done.contacts).toBeLessThanOrEqual(500);
    expect(done.contacts).toBeLessThan(total);

    // A Ctrl-C at the last page's progress changes nothing: every contact checked, exit 0.
    const last: string[] = [];
    const again = new EventEmitter();
    const code2 = await runCli(["reindex", "--json"], {
      stdout: { write: (text) => last.push(text) },
      stderr: {
        write: (text) => {
          if (text.startsWith(`reindex progress: ${total.toLocaleString("en-US")} contacts`)) {
            again.emit("SIGINT", "SIGINT");
          }
        },
        isTTY: false,
      },
      env: { ...env, CONTACT_SYNC_PROGRESS_INTERVAL_MS: "1" },
      signals: again,
    });
    expect(code2).toBe(0);
    expect(JSON.parse(last.join(""))).toMatchObject({ contacts: total, interrupted: false });
  });

  it("refuses an unknown property with one line", async () => {
    const run = await runInProcess(["reindex", "--property", randomUUID()], env);
    expectOneLineError(run, 2, /no property/);
  });
});
