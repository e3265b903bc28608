/** Items grouped by shared keys, transitively, in order. */
import { describe, expect, it } from "vitest";
import { conflictGroups } from "../../lib/domain/conflictGroups.js";

describe("conflictGroups", () => {
  const keys: Record<string, string[]> = {
    a: ["k1"],
    b: ["k2"],
    c: ["k3", "k1"],
    d: ["k4"],
    e: ["k2", "k3"],
    f: [],
  };
  const of = (item: string) => keys[item] ?? [];

  it("joins items that share a key directly or through others, keeping file order", () => {
    expect(conflictGroups(["a", "b", "c", "d", "e", "f"], of)).toEqual([
      ["a", "b", "c", "e"],
      ["d"],
      ["f"],
    ]);
  });

  it("leaves items without a shared key alone, and an empty list empty", () => {
    expect(conflictGroups(["a", "b", "d"], of)).toEqual([["a"], ["b"], ["d"]]);
    expect(conflictGroups([], of)).toEqual([]);
  });
});
