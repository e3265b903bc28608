/**
 * Two `contact-sync import` runs of overlapping files into the same property at the same time
 * (in process, each with its own connection pool and four rows in flight) must end with one
 * contact per real person (design §6, invariant 2).
 *
 * overlap-a.csv: people 1–16 as ova-N (phones written "(415) 555-01NN"), plus ov-shared-17/18.
 * overlap-b.csv: people 5–20 as ovb-N (phones written "415.555.01NN", same emails), plus the
 * same two ov-shared rows, byte for byte.
 *   → 20 people, so 20 contacts; 16 + 16 + 2 = 34 links; over both runs 20 created,
 *     14 merged and 2 unchanged (the second sight of each shared row).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImportCounts } from "../../lib/app/importPeople.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import { databaseEnv, fixture, parseCsv, runInProcess, withClient } from "./harness.js";

/** Rounds of the race: each a fresh property, so a lucky interleaving cannot hide a bug once. */
const ROUNDS = 3;

let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = await createScratchDatabase("e2e_concurrent");
  env = databaseEnv(scratch.url);
  expect((await runInProcess(["migrate"], env)).code).toBe(0);
});

afterAll(async () => {
  await scratch?.drop();
});

type Counts = ImportCounts;

describe("concurrent contact-sync import", () => {
  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    "ends with one contact per person when two overlapping files race (round %i)",
    async () => {
      const property = randomUUID();
      const runs = await Promise.all(
        ["overlap-a.csv", "overlap-b.csv"].map((file) =>
          runInProcess(["import", "--property", property, "--file", fixture(file), "--json"], env),
        ),
      );
      for (const run of runs) {
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
      }
      const [a, b] = runs.map((run) => JSON.parse(run.stdout) as Counts);
      const total = (key: keyof Counts) => (a?.[key] ?? 0) + (b?.[key] ?? 0);
      expect({
        rows: total("rows"),
        created: total("created"),
        merged: total("merged"),
        updated: total("updated"),
        unchanged: total("unchanged"),
        review: total("review"),
        failed: total("failed"),
        rejected: total("rejected"),
      }).toEqual({
        rows: 36,
        created: 20,
        merged: 14,
        updated: 0,
        unchanged: 2,
        review: 0,
        failed: 0,
        rejected: 0,
      });

      const contacts = await withClient(scratch.url, async (client) => {
        const result = await client.query<{ email: string; n: number }>(
          `SELECT u.email, count(*)::int AS n FROM "user" u JOIN property p ON p.id = u.property_id
           WHERE p.resman_property_id = $1 AND u.merged_into_id IS NULL GROUP BY u.email`,
          [property],
        );
        return result.rows;
      });
      expect(contacts).toHaveLength(20);
      expect(contacts.filter((row) => row.n !== 1)).toEqual([]);

      // Every person's ids, from either file, point at that person's one contact.
      const links = parseCsv((await runInProcess(["links", "--property", property], env)).stdout);
      expect(links).toHaveLength(34);
      const contactOf = new Map(links.map((link) => [link.resman_contact_id, link.user_id]));
      for (let person = 5; person <= 16; person += 1) {
        expect(contactOf.get(`ova-${person}`)).toBe(contactOf.get(`ovb-${person}`));
      }
      expect(new Set(contactOf.values()).size).toBe(20);
    },
  );
});
