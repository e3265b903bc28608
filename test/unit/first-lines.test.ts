import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FirstLines } from "../../lib/app/firstLines.js";

describe("FirstLines", () => {
  it("gives the first line of an id seen before, and remembers a new one", () => {
    const lines = new FirstLines();
    expect(lines.firstOrRemember("P-1", 2)).toBeUndefined();
    expect(lines.firstOrRemember("P-2", 3)).toBeUndefined();
    expect(lines.firstOrRemember("P-1", 7)).toBe(2);
    // The repeat is not remembered in place of the first.
    expect(lines.firstOrRemember("P-1", 9)).toBe(2);
    expect(lines.firstOrRemember("p-1", 10)).toBeUndefined();
    expect(lines.size).toBe(3);
  });

  it("answers as a map of ids would, across the table's growth", () => {
    const lines = new FirstLines();
    const reference = new Map<string, number>();
    for (let line = 1; line <= 60_000; line += 1) {
      // Every third row repeats an earlier id.
      const id = line % 3 === 0 ? `person-${Math.floor(line / 7)}` : `person-${line}`;
      const expected = reference.get(id);
      if (expected === undefined) reference.set(id, line);
      expect(lines.firstOrRemember(id, line)).toBe(expected);
    }
    expect(lines.size).toBe(reference.size);
  });

  it("holds for any ids in any order", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 300 }), (ids) => {
        const lines = new FirstLines();
        const reference = new Map<string, number>();
        ids.forEach((id, index) => {
          const line = index + 1;
          const expected = reference.get(id);
          if (expected === undefined) reference.set(id, line);
          expect(lines.firstOrRemember(id, line)).toBe(expected);
        });
      }),
    );
  });

  it("refuses a line that is not a whole number from 1", () => {
    const lines = new FirstLines();
    for (const line of [0, -1, 1.5, Number.NaN, 2 ** 32]) {
      expect(() => lines.firstOrRemember("P-1", line)).toThrow(RangeError);
    }
    expect(lines.size).toBe(0);
  });
});
