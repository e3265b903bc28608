import { describe, expect, it } from "vitest";
import {
  type HouseholdRecordOutcome,
  householdFalseMerges,
  type NamesakeRecordOutcome,
  namesakeFalseMerges,
  pairwiseQuality,
  type RecordOutcome,
} from "../bench/qualityMetrics.js";

/** Records as `truth:contact`, e.g. `"A:c1"`: person A's record in contact c1. */
function outcomes(...cells: string[]): RecordOutcome[] {
  return cells.map((cell) => {
    const [truth = "", predicted = ""] = cell.split(":");
    return { truth, predicted };
  });
}

/** Records as `household/person:contact`. */
function householdOutcomes(...cells: string[]): HouseholdRecordOutcome[] {
  return cells.map((cell) => {
    const [who = "", predicted = ""] = cell.split(":");
    const [household = "", truth = ""] = who.split("/");
    return { household, truth, predicted };
  });
}

/** Records as `group/person:contact`, or `person:contact` for a person with no namesake. */
function namesakeOutcomes(...cells: string[]): NamesakeRecordOutcome[] {
  return cells.map((cell) => {
    const [who = "", predicted = ""] = cell.split(":");
    const [namesake, truth = ""] = who.includes("/") ? who.split("/") : [null, who];
    return { namesake: namesake ?? null, truth, predicted };
  });
}

describe("pairwiseQuality", () => {
  it("scores all singletons on data with duplicates as precision 1, recall 0, F1 0", () => {
    expect(pairwiseQuality(outcomes("A:c1", "A:c2", "B:c3"))).toEqual({
      records: 3,
      people: 2,
      groups: 3,
      truePairs: 1,
      predictedPairs: 0,
      correctPairs: 0,
      precision: 1,
      recall: 0,
      f1: 0,
    });
  });

  it("scores one perfect cluster of three records as three correct pairs", () => {
    const quality = pairwiseQuality(outcomes("A:c1", "A:c1", "A:c1", "B:c2"));
    expect(quality).toMatchObject({ truePairs: 3, predictedPairs: 3, correctPairs: 3 });
    expect([quality.precision, quality.recall, quality.f1]).toEqual([1, 1, 1]);
  });

  it("counts a wrong merge against precision: 1 of 3 predicted pairs right, 1 of 2 found", () => {
    // c1 holds A, A and B: pairs (A,A) right, (A,B) twice wrong. B's other record is alone.
    const quality = pairwiseQuality(outcomes("A:c1", "A:c1", "B:c1", "B:c2"));
    expect(quality).toMatchObject({ truePairs: 2, predictedPairs: 3, correctPairs: 1 });
    expect(quality.precision).toBeCloseTo(1 / 3, 12);
    expect(quality.recall).toBeCloseTo(1 / 2, 12);
    // 2·(1/3)·(1/2) / (1/3 + 1/2) = 0.4
    expect(quality.f1).toBeCloseTo(0.4, 12);
  });

  it("scores distinct people kept apart as perfect: nothing to find, nothing merged", () => {
    const quality = pairwiseQuality(outcomes("A:c1", "B:c2", "C:c3"));
    expect(quality).toMatchObject({ truePairs: 0, predictedPairs: 0, correctPairs: 0 });
    expect([quality.precision, quality.recall, quality.f1]).toEqual([1, 1, 1]);
  });

  it("scores merging distinct people as precision 0, recall 1 (nothing to find), F1 0", () => {
    const quality = pairwiseQuality(outcomes("A:c1", "B:c1"));
    expect([quality.precision, quality.recall, quality.f1]).toEqual([0, 1, 0]);
  });

  it("counts pairs from group sizes: a contact of 1,000 records makes 499,500 pairs", () => {
    const records = Array.from({ length: 1_000 }, (_, i) => ({
      truth: `P${i % 10}`,
      predicted: "c1",
    }));
    // 10 people × 100 records: 10 · 4,950 true pairs, all inside the one contact.
    expect(pairwiseQuality(records)).toMatchObject({
      predictedPairs: 499_500,
      truePairs: 49_500,
      correctPairs: 49_500,
    });
  });

  it("reports an empty data set as perfect with no records", () => {
    expect(pairwiseQuality([])).toMatchObject({ records: 0, precision: 1, recall: 1, f1: 1 });
  });
});

describe("householdFalseMerges", () => {
  it("counts two people of one household in one contact once, however many records", () => {
    expect(householdFalseMerges(householdOutcomes("h1/A:c1", "h1/A:c1", "h1/B:c1"))).toBe(1);
  });

  it("counts the same pair merged in two contacts once", () => {
    expect(
      householdFalseMerges(householdOutcomes("h1/A:c1", "h1/B:c1", "h1/A:c2", "h1/B:c2")),
    ).toBe(1);
  });

  it("counts every pair of a household of three merged into one contact", () => {
    expect(householdFalseMerges(householdOutcomes("h1/A:c1", "h1/B:c1", "h1/C:c1"))).toBe(3);
  });

  it("ignores people of different households and household members kept apart", () => {
    expect(
      householdFalseMerges(householdOutcomes("h1/A:c1", "h2/B:c1", "h1/C:c2", "h1/A:c3")),
    ).toBe(0);
  });
});

describe("namesakeFalseMerges", () => {
  it("counts two namesakes in one contact once, however many records", () => {
    expect(namesakeFalseMerges(namesakeOutcomes("n1/A:c1", "n1/A:c1", "n1/B:c1"))).toBe(1);
  });

  it("counts the same pair merged in two contacts once, and every pair of a group of three", () => {
    expect(namesakeFalseMerges(namesakeOutcomes("n1/A:c1", "n1/B:c1", "n1/A:c2", "n1/B:c2"))).toBe(
      1,
    );
    expect(namesakeFalseMerges(namesakeOutcomes("n1/A:c1", "n1/B:c1", "n1/C:c1"))).toBe(3);
  });

  it("ignores people without namesakes, other groups and namesakes kept apart", () => {
    // A and C share a contact but no name; B and D carry different names.
    expect(
      namesakeFalseMerges(namesakeOutcomes("n1/A:c1", "C:c1", "n1/B:c2", "n2/D:c2", "n1/E:c3")),
    ).toBe(0);
  });
});
