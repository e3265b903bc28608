/**
 * `contact-sync start --once` (what `npm start` runs in a script) on a Postgres database: the
 * sample, then the ResMan part — a community of the in-process stand-in reconciled and a demo
 * chatbot lead pushed to it as a guest card — and, run again, nothing new: the same stand-in
 * data replays and the demo conversation is not pushed twice.
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

describe("contact-sync start --once", () => {
  it("reconciles the stand-in's community and pushes the demo lead, once", async () => {
    const first = await runInProcess(["start", "--once"], databaseEnv(scratch.url));
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /Reconciled .+ from the in-process ResMan stand-in:\n {2}\S+ ok: \d+ fetched, [1-9]\d* created/,
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

    const again = await runInProcess(["start", "--once"], databaseEnv(scratch.url));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/ok: 0 fetched, 0 created/);
    expect(again.stdout).toContain("nothing waiting (pushed by an earlier start)");
    // The demo lead's values never reach the output.
    expect(`${first.stdout}${again.stdout}`).not.toMatch(/Rosalind|Achterberg|demo-leads\.net/);
  });

  it("runs the local schedule's cycle on demand: reconciled again, nothing new to push", async () => {
    const handle = await openDatabase({ driver: "pg", url: scratch.url, maxConnections: 2 });
    const written: string[] = [];
    const demo = await runResmanDemo(createStores(handle.db), { write: (t) => written.push(t) });
    try {
      const lines = await demo.cycle();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/ ok: 0 fetched, 0 created/);
    } finally {
      await demo.close();
      await handle.close();
    }
  });
});
