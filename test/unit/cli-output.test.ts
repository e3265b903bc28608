/**
 * The CLI's shared output: counts in words, and the totals line of several properties'
 * reconciliation.
 */
import { describe, expect, it } from "vitest";
import type { ReconcileRunRecord } from "../../lib/app/ports/reconcileStore.js";
import type { ReconcileOutcome } from "../../lib/app/reconcileProperty.js";
import { counted, formatReconcileTotals, plural } from "../../lib/cli/output.js";

describe("the CLI's counts", () => {
  it("say one thing in the singular and every other count in the plural", () => {
    expect(plural(1, "link")).toBe("1 link");
    expect(plural(0, "link")).toBe("0 links");
    expect(plural(2, "link")).toBe("2 links");
  });

  it("group thousands and take an irregular plural where one is given", () => {
    expect(counted(7678, "row")).toBe("7,678 rows");
    expect(counted(1, "property", "properties")).toBe("1 property");
    expect(counted(2, "property", "properties")).toBe("2 properties");
    expect(counted(1_000_000, "message")).toBe("1,000,000 messages");
  });
});

describe("formatReconcileTotals", () => {
  const run = (status: ReconcileRunRecord["status"], n: number): ReconcileOutcome => ({
    kind: "run",
    run: {
      id: `run-${n}`,
      propertyId: `property-${n}`,
      resmanPropertyId: `resman-${n}`,
      startedAt: new Date("2026-12-07T10:00:00Z"),
      finishedAt: new Date("2026-12-07T10:00:01Z"),
      status,
      full: false,
      fetched: 1000 * n,
      enqueued: 0,
      created: 100 * n,
      updated: 10 * n,
      merged: n,
      unchanged: 2 * n,
      deactivated: 0,
      review: 1,
      failed: status === "ok" ? 0 : 1,
      unreadable: 0,
      cursorsBefore: {},
      cursorsAfter: null,
      errors: null,
    },
  });

  it("counts the statuses as met and adds up the runs' figures", () => {
    expect(
      formatReconcileTotals(
        [
          run("ok", 1),
          run("partial", 2),
          run("ok", 3),
          { kind: "skipped", propertyId: "p", resmanPropertyId: "r" },
          { kind: "error", propertyId: "q", resmanPropertyId: "s", code: "interrupted" },
          { kind: "error", propertyId: "t", resmanPropertyId: "u", code: "auth_failed" },
        ],
        12.34,
      ),
    ).toBe(
      "Reconciled 6 properties in 12.3 s: 2 ok, 1 partial, 1 skipped, 1 not started, 1 error; " +
        "6,000 fetched, 600 created, 60 updated, 6 merged, 12 unchanged, 0 deactivated, 3 review, 1 failed",
    );
  });

  it("says a dry run wrote nothing", () => {
    expect(formatReconcileTotals([run("ok", 1), run("ok", 1)], 1, true)).toMatch(
      /^Reconciled 2 properties \(dry run, nothing written\) in 1\.0 s: 2 ok; 2,000 fetched/,
    );
  });
});
