/**
 * `contact-sync prune` on a migrated scratch Postgres database: old published events and old
 * inbox entries go; events still waiting and recent rows stay.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import { databaseEnv, expectOneLineError, runInProcess, withClient } from "./harness.js";

let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_prune");
  env = databaseEnv(scratch.url);
  expect((await runInProcess(["migrate"], env)).code).toBe(0);
});

afterAll(async () => {
  await scratch?.drop();
});

const ago = (days: number) => `now() - interval '${days} days'`;

async function seed() {
  await withClient(scratch.url, async (client) => {
    await client.query("truncate outbox_event, processed_event");
    const event = (published: string | null, created: string) =>
      client.query(
        `insert into outbox_event (event_type, property_id, contact_id, status, created_at, published_at)
         values ('contact.synced', $1, $2, 'success', ${created}, ${published ?? "null"})`,
        [randomUUID(), randomUUID()],
      );
    await event(ago(10), ago(10)); // published long ago: goes
    await event(ago(1), ago(1)); // published yesterday: stays
    await event(null, ago(60)); // never published: always stays
    for (const [id, days] of [
      ["old", 40],
      ["recent", 5],
    ] as const) {
      await client.query(
        `insert into processed_event (source, event_id, processed_at) values ('resman', $1, ${ago(days)})`,
        [id],
      );
    }
  });
}

const remaining = () =>
  withClient(scratch.url, async (client) => ({
    outbox: (
      await client.query<{ published: boolean }>(
        "select published_at is not null as published from outbox_event order by created_at",
      )
    ).rows.map((r) => r.published),
    inbox: (
      await client.query<{ event_id: string }>("select event_id from processed_event order by 1")
    ).rows.map((r) => r.event_id),
  }));

describe("contact-sync prune", () => {
  it("deletes old published events and old inbox entries only", async () => {
    await seed();
    const run = await runInProcess(["prune", "--json"], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ outbox_rows: 1, inbox_rows: 1 });
    // The unpublished event (60 days old) and yesterday's published one stay.
    expect(await remaining()).toEqual({ outbox: [false, true], inbox: ["recent"] });
  });

  it("takes shorter and longer windows, and says what it did", async () => {
    await seed();
    const run = await runInProcess(["prune", "--outbox-days", "30", "--inbox-days", "60"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("Deleted 0 published events and 0 inbox entries.\n");
  });

  it("refuses an inbox window shorter than the dead-letter queue's retention", async () => {
    await seed();
    const run = await runInProcess(["prune", "--inbox-days", "7"], env);
    expectOneLineError(run, 2, /--inbox-days must be at least 15/);
    expect((await remaining()).inbox).toEqual(["old", "recent"]);
  });
});
