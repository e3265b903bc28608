import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MIN_PART_REQUESTS, splitRead } from "../../lib/adapters/db/snapshotReads.js";

const indexes = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("splitRead", () => {
  it("splits a large read into the parts asked for, consecutive and in order", () => {
    expect(splitRead(indexes(1000), 2)).toEqual([indexes(500), indexes(1000).slice(500)]);
    expect(splitRead(indexes(301), 3).map((part) => part.length)).toEqual([100, 100, 101]);
  });

  it("keeps one statement below twice the smallest part, and for one part", () => {
    expect(splitRead(indexes(2 * MIN_PART_REQUESTS - 1), 2)).toEqual([
      indexes(2 * MIN_PART_REQUESTS - 1),
    ]);
    expect(splitRead(indexes(10), 2)).toEqual([indexes(10)]);
    expect(splitRead(indexes(1000), 1)).toEqual([indexes(1000)]);
    expect(splitRead([], 2)).toEqual([[]]);
  });

  it("every index once, in order, no part under the smallest unless there is one part", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 8 }), (n, parts) => {
        const split = splitRead(indexes(n), parts);
        expect(split.flat()).toEqual(indexes(n));
        expect(split.length).toBeLessThanOrEqual(parts);
        if (split.length > 1) {
          for (const part of split) expect(part.length).toBeGreaterThanOrEqual(MIN_PART_REQUESTS);
        }
      }),
    );
  });
});
