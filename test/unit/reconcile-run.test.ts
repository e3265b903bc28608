/**
 * The reconciliation's rules (lib/domain/reconcileRun.ts): the window it reads, when the roster
 * is due, the roster diff, a run's status and the stale flag.
 */
import { describe, expect, it } from "vitest";
import {
  diffRoster,
  isStale,
  nextWindow,
  type RosterEntry,
  rosterDue,
  rosterOffset,
  runStatusOf,
  WINDOW_OVERLAP_MS,
} from "../../lib/domain/reconcileRun.js";

const now = new Date("2026-12-03T12:00:00Z");
const backfillSince = new Date("2000-01-01T00:00:00Z");

describe("nextWindow", () => {
  it("starts at the backfill date on a first run and ends now", () => {
    expect(nextWindow({ cursor: null, now, backfillSince, full: false })).toEqual({
      since: backfillSince,
      until: now,
    });
  });

  it("starts five minutes before the cursor, so a change at the window's edge is read again", () => {
    const cursor = new Date("2026-12-03T11:45:00Z");
    const window = nextWindow({ cursor, now, backfillSince, full: false });
    expect(window.since.toISOString()).toBe("2026-12-03T11:40:00.000Z");
    expect(cursor.getTime() - window.since.getTime()).toBe(WINDOW_OVERLAP_MS);
  });

  it("re-reads from the backfill date on --full whatever the cursor", () => {
    const cursor = new Date("2026-12-03T11:45:00Z");
    expect(nextWindow({ cursor, now, backfillSince, full: true }).since).toEqual(backfillSince);
  });

  it("never starts in the future (a clock that went back, a backfill date after now)", () => {
    const future = new Date("2027-01-01T00:00:00Z");
    expect(nextWindow({ cursor: future, now, backfillSince, full: false }).since).toEqual(now);
    expect(nextWindow({ cursor: null, now, backfillSince: future, full: false }).since).toEqual(
      now,
    );
  });
});

describe("rosterDue", () => {
  const hours = (h: number) => new Date(now.getTime() - h * 3_600_000);
  it("is due when never read, on --full, and once rosterHours have passed", () => {
    expect(rosterDue({ lastRead: null, now, rosterHours: 24, full: false })).toBe(true);
    expect(rosterDue({ lastRead: hours(1), now, rosterHours: 24, full: true })).toBe(true);
    expect(rosterDue({ lastRead: hours(24), now, rosterHours: 24, full: false })).toBe(true);
    expect(rosterDue({ lastRead: hours(23), now, rosterHours: 24, full: false })).toBe(false);
  });

  it("comes due up to a tenth of the period early, by the property's fixed place in the spread", () => {
    const due = (lastRead: Date, offset: number) =>
      rosterDue({ lastRead, now, rosterHours: 24, full: false, offset });
    expect(due(hours(22), 0.9)).toBe(true); // 24 h × (1 − 0.1 × 0.9) = 21.84 h
    expect(due(hours(22), 0.5)).toBe(false); // 22.8 h
    expect(due(hours(21.5), 0.999)).toBe(false); // never earlier than 21.6 h
  });

  it("spreads a portfolio's properties over the spread, each at the same place every run", () => {
    const ids = Array.from(
      { length: 1000 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    );
    const offsets = ids.map(rosterOffset);
    expect(offsets.map((o) => rosterOffset(ids[offsets.indexOf(o)] as string))).toEqual(offsets);
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(1);
    // Ten buckets of the spread hold about a tenth each (no bucket has more than a fifth).
    const buckets = Array.from({ length: 10 }, () => 0);
    for (const o of offsets) buckets[Math.floor(o * 10)] = (buckets[Math.floor(o * 10)] ?? 0) + 1;
    expect(Math.max(...buckets)).toBeLessThan(200);
    expect(Math.min(...buckets)).toBeGreaterThan(50);
  });
});

describe("diffRoster", () => {
  const entry = (personId: string, digest: string): RosterEntry => ({
    personId,
    status: "resident",
    digest,
  });
  it("syncs the new and the changed, deactivates the gone, counts the rest", () => {
    const previous = new Map([
      ["a", entry("a", "1")],
      ["b", entry("b", "2")],
      ["c", entry("c", "3")],
    ]);
    const current = [entry("a", "1"), entry("b", "changed"), entry("d", "4")].map((e) => ({
      person: e.personId,
      entry: e,
    }));
    const diff = diffRoster(previous, current);
    expect(diff.changed).toEqual(["b", "d"]);
    expect(diff.gone.map((e) => e.personId)).toEqual(["c"]);
    expect(diff.unchanged).toBe(1);
  });

  it("counts a person listed twice (two leases) once", () => {
    const current = [entry("a", "1"), entry("a", "other")].map((e) => ({ person: e, entry: e }));
    const diff = diffRoster(new Map(), current);
    expect(diff.changed).toHaveLength(1);
    expect(diff.changed[0]?.digest).toBe("1");
  });
});

describe("runStatusOf", () => {
  it("is ok, partial, failed or auth_failed", () => {
    expect(runStatusOf({ done: 3, failed: 0, authFailed: false })).toBe("ok");
    expect(runStatusOf({ done: 2, failed: 1, authFailed: false })).toBe("partial");
    expect(runStatusOf({ done: 0, failed: 2, authFailed: false })).toBe("failed");
    expect(runStatusOf({ done: 0, failed: 1, authFailed: true })).toBe("auth_failed");
  });
});

describe("isStale", () => {
  it("flags a property whose last good run is older than two periods, or that never had one", () => {
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
    expect(isStale(null, now, 15)).toBe(true);
    expect(isStale(minutesAgo(29), now, 15)).toBe(false);
    expect(isStale(minutesAgo(31), now, 15)).toBe(true);
  });
});
