/**
 * Reconciliation benchmark: one property of the ResMan stand-in (10,000 people by default) read
 * over HTTP by the real v2 client and synced in process (`reconcileProperty` →
 * `syncInProcess` → the sync path) into a scratch database of the local Postgres server.
 * Figures: a first run (everything new), a second run (nothing changed), people per second and
 * ResMan calls per run, against design §8 (reconciliation ≥ 1,000 people/s from the stand-in).
 * Asserts nothing.
 *
 *   BENCH_RECONCILE_PEOPLE=10000   people of the property
 */
import { performance } from "node:perf_hooks";
import { storesOn } from "../../lib/adapters/db/stores.js";
import { createResmanSource } from "../../lib/adapters/resman/resmanSource.js";
import { systemClock } from "../../lib/app/ports/clock.js";
import type { ReconcileRunRecord } from "../../lib/app/ports/reconcileStore.js";
import { reconcileProperty } from "../../lib/app/reconcileProperty.js";
import { syncInProcess } from "../../lib/app/syncInProcess.js";
import { startResmanStub } from "../../lib/local/resmanStub/server.js";
import { openTestDatabase } from "../support/drivers.js";

const PEOPLE = Number(process.env.BENCH_RECONCILE_PEOPLE ?? 10_000);
const BUDGET_PEOPLE_PER_SECOND = 1_000;

const number = new Intl.NumberFormat("en-US");

async function main(): Promise<void> {
  const stub = await startResmanStub({ properties: 1, people: PEOPLE });
  const database = await openTestDatabase("pg");
  try {
    const stores = storesOn(database.handle);
    const [target] = stub.properties;
    if (target === undefined) throw new Error("the stand-in has no property");
    const { property } = await stores.reconcile.register({
      resmanPropertyId: target.propertyId,
      resmanAccountId: target.accountId,
      api: "v2",
      enabled: true,
    });
    const deps = {
      source: createResmanSource({
        v2Url: stub.v2Url,
        v1Url: stub.v1Url,
        partnerId: stub.partnerId,
        apiKey: stub.apiKey,
      }),
      store: stores.reconcile,
      sink: syncInProcess({
        store: stores.contacts,
        properties: stores.properties,
        clock: systemClock,
      }),
      clock: systemClock,
      settings: { backfillSince: new Date("2000-01-01T00:00:00Z"), rosterHours: 24 },
    };
    const measure = async (label: string, full: boolean) => {
      stub.admin.clearCalls();
      const started = performance.now();
      const outcome = await reconcileProperty(deps, property, { full });
      const seconds = (performance.now() - started) / 1000;
      if (outcome.kind !== "run") throw new Error(`run ${outcome.kind}`);
      return { label, run: outcome.run, seconds, calls: stub.admin.calls().length };
    };
    const rows = [await measure("first run", false), await measure("second run, --full", true)];
    process.stdout.write(report(rows, stub.admin.people(target.propertyId).length));
  } finally {
    await database.cleanup();
    await stub.close();
  }
}

function report(
  rows: { label: string; run: ReconcileRunRecord; seconds: number; calls: number }[],
  people: number,
): string {
  const lines = [
    `reconcile (stand-in over HTTP → v2 client → sync path → Postgres), one property, ${number.format(people)} people`,
    "case                 | status | fetched | created | merged | review | unchanged | seconds | people/s | ResMan calls",
  ];
  for (const { label, run, seconds, calls } of rows) {
    lines.push(
      [
        label.padEnd(20),
        run.status.padEnd(6),
        number.format(run.fetched).padStart(7),
        number.format(run.created).padStart(7),
        number.format(run.merged).padStart(6),
        number.format(run.review).padStart(6),
        number.format(run.unchanged).padStart(9),
        seconds.toFixed(1).padStart(7),
        number.format(Math.round(run.fetched / seconds)).padStart(8),
        String(calls).padStart(12),
      ].join(" | "),
    );
  }
  lines.push(
    `design §8 budget: reconciliation ≥ ${number.format(BUDGET_PEOPLE_PER_SECOND)} people/s from the stand-in`,
  );
  return `${lines.join("\n")}\n`;
}

await main();
