/**
 * `contact-sync start --once` (what `npm start` runs in a script) on a Postgres database: the
 * sample, then the ResMan part — a community of the in-process stand-in reconciled (leaving one
 * open review item) and a demo chatbot lead pushed to it as a guest card — and, run again,
 * nothing new: the same stand-in data replays and the demo conversation is not pushed twice.
 * The local schedule's cycle lets the community drift first, and a restart's cycles replay that
 * drift without creating anything twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../lib/adapters/db/client.js";
import { createStores } from "../../lib/adapters/db/stores.js";
import { runResmanDemo } from "../../lib/local/resmanDemo.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import { databaseEnv, runInProcess, withClient } from "./harness.js";

let scratch: ScratchDatabase;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_start");
});
afterAll(async () => {
  await scratch?.drop();
});

const openReviews = () =>
  withClient(scratch.url, async (client) => {
    const result = await client.query<{ n: number }>(
      "select count(*)::int as n from contact_review where status = 'open'",
    );
    return result.rows[0]?.n;
  });

/** Every link of the stand-in's community, and PersonIDs linked more than once. */
const linkCounts = () =>
  withClient(scratch.url, async (client) => {
    const result = await client.query<{ links: number; duplicates: number }>(
      `select count(*)::int as links,
              (count(s.resman_contact_id) - count(distinct s.resman_contact_id))::int as duplicates
         from contact_sync s
         join property p on p.id = s.property_id
        where p.reconcile_enabled`,
    );
    return result.rows[0] ?? { links: 0, duplicates: 0 };
  });

describe("contact-sync start --once", () => {
  it("reconciles the stand-in's community and pushes the demo lead, once", async () => {
    const first = await runInProcess(["start", "--once"], databaseEnv(scratch.url));
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /Reconciled .+ from the in-process ResMan stand-in:\n {2}\S+ ok: \d+ fetched, [1-9]\d* created, .*, 1 review, 0 failed/,
    );
    expect(first.stdout).toMatch(/lead \S+ \(link \S+\) created: prospect \S+, person \S+/);
    expect(first.stdout).toContain("last reconciliation");
    const pushed = await withClient(scratch.url, async (client) => {
      const result = await client.query<{ n: number }>(
        "select count(*)::int as n from guest_card_push where status = 'sent' and outcome = 'created'",
      );
      return result.rows[0]?.n;
    });
    expect(pushed).toBe(1);
    // Two cards of one person in the review band: an open review item for the console.
    expect(await openReviews()).toBe(1);
    // On a server the outbox is left to whatever publishes it (another process may hold the
    // real bus): nothing marked published, no Outbox line.
    const published = await withClient(scratch.url, async (client) => {
      const result = await client.query<{ waiting: number; published: number }>(
        `select count(*) filter (where published_at is null)::int as waiting,
                count(*) filter (where published_at is not null)::int as published
           from outbox_event`,
      );
      return result.rows[0];
    });
    expect(published?.waiting).toBeGreaterThan(100);
    expect(published?.published).toBe(0);
    expect(first.stdout).not.toContain("Outbox:");

    const again = await runInProcess(["start", "--once"], databaseEnv(scratch.url));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/ok: 0 fetched, 0 created/);
    expect(again.stdout).toContain("nothing waiting (pushed by an earlier start)");
    expect(await openReviews()).toBe(1);
    // The demo lead's values never reach the output.
    expect(`${first.stdout}${again.stdout}`).not.toMatch(/Rosalind|Achterberg|demo-leads\.net/);
  });

  it("runs the local schedule's cycle on demand: the community drifts, is reconciled, nothing to push", async () => {
    const cycles = async (count: number) => {
      const handle = await openDatabase({ driver: "pg", url: scratch.url, maxConnections: 2 });
      const written: string[] = [];
      const demo = await runResmanDemo(createStores(handle.db), { write: (t) => written.push(t) });
      try {
        const lines: string[][] = [];
        for (let n = 0; n < count; n++) lines.push(await demo.cycle());
        return lines;
      } finally {
        await demo.close();
        await handle.close();
      }
    };
    const before = await linkCounts();
    const [one, two, three, four, five, six] = await cycles(6);
    // Cycle 1: a seeded prospect's new phone (updated) and a new prospect (created); no lead.
    expect(one).toHaveLength(2);
    expect(one?.[0]).toMatch(
      /^stand-in drift, cycle 1: person \S+ changed phone; new prospect \S+ \(person \S+\)$/,
    );
    expect(one?.[1]).toMatch(/ ok: 2 fetched, 1 created, 1 updated, 0 merged, 0 unchanged, /);
    expect(two?.[0]).toMatch(/^stand-in drift, cycle 2: person \S+ changed email; new prospect/);
    // Every third cycle a second card of someone: the same email (a merge link), then another
    // email and a mistyped number (the review band).
    expect(three?.[0]).toMatch(
      /; second guest card \S+ of person \S+ as person \S+ \(same email, new phone\)$/,
    );
    expect(three?.[1]).toMatch(/ 1 created, \d+ updated, 1 merged, /);
    expect(six?.[0]).toMatch(/\(other email, phone digits swapped\)$/);
    expect(six?.[1]).toMatch(/ 1 created, .* 1 review, 0 failed/);
    expect(four?.[1]).toMatch(/ 1 created, /);
    expect(five?.[1]).toMatch(/ 1 created, /);
    expect(await openReviews()).toBe(2);
    const drifted = await linkCounts();
    // Six new prospects and two second cards: eight new PersonIDs, each linked once.
    expect(drifted.links - before.links).toBe(8);
    expect(drifted.duplicates).toBe(0);

    // A restart replays the same drift on a fresh stand-in: the same PersonIDs, found linked.
    const replayed = await cycles(6);
    expect(replayed.map((lines) => lines[0])).toEqual(
      [one, two, three, four, five, six].map((lines) => lines?.[0]),
    );
    for (const lines of replayed) expect(lines[1]).toMatch(/ ok: \d+ fetched, 0 created, /);
    expect(await linkCounts()).toEqual(drifted);
    expect(await openReviews()).toBe(2);
    // Ids only: no name, email or phone in what a cycle prints.
    expect([...replayed, one, two, three].flat().join("\n")).not.toMatch(/@|555/);
  });
});
