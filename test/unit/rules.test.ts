import { describe, expect, it } from "vitest";
import {
  DEFAULT_MATCHING_CRITERIA,
  matchingCriteriaSchema,
  parseMatchingCriteria,
} from "../../lib/domain/rules.js";

const copy = () => structuredClone(DEFAULT_MATCHING_CRITERIA) as Record<string, unknown>;

describe("matching criteria", () => {
  it("accepts the built-in defaults", () => {
    expect(parseMatchingCriteria(DEFAULT_MATCHING_CRITERIA)).toEqual({
      ok: true,
      criteria: DEFAULT_MATCHING_CRITERIA,
    });
  });

  it("accepts criteria stored before the address `near` level existed", () => {
    const criteria = structuredClone(DEFAULT_MATCHING_CRITERIA);
    delete criteria.fields.address.near;
    const parsed = parseMatchingCriteria(criteria);
    expect(parsed.ok).toBe(true);
  });

  it("keeps every agreement level of a field at or above its disagreement", () => {
    for (const rule of Object.values(DEFAULT_MATCHING_CRITERIA.fields)) {
      const { disagree, ...agreements } = rule as Record<string, number>;
      for (const agreement of Object.values(agreements)) {
        expect(agreement).toBeGreaterThanOrEqual(disagree as number);
      }
    }
  });

  it("puts names alone and a shared contact point alone below auto-merge", () => {
    const { fields, thresholds } = DEFAULT_MATCHING_CRITERIA;
    // A contact point with nothing else is weaker than the merge threshold.
    expect(fields.email.exact).toBeLessThan(thresholds.auto_merge);
    expect(fields.phone.exact).toBeLessThan(thresholds.auto_merge);
    // A surname and a birth date with another first name (twins) too.
    expect(
      fields.last_name.exact + fields.date_of_birth.exact + fields.first_name.disagree,
    ).toBeLessThan(thresholds.auto_merge);
  });

  it("keeps the review band below the auto-merge threshold", () => {
    const { auto_merge, review } = DEFAULT_MATCHING_CRITERIA.thresholds;
    expect(review).toBeLessThan(auto_merge);
  });

  it.each([
    ["a weight that is not a number", ["fields", "email", "exact"], "13", "fields.email.exact"],
    ["an unknown field", ["fields", "shoe_size"], { exact: 1 }, "fields.shoe_size"],
    ["an unknown top-level key", ["tie_breaker"], 1, "tie_breaker"],
    ["review above auto_merge", ["thresholds", "review"], 99, "thresholds.review"],
    ["a similarity above 1", ["similarity", "high"], 1.5, "similarity.high"],
    ["a shared-value limit of 0", ["shared_value_limit"], 0, "shared_value_limit"],
    ["another version", ["version"], 2, "version"],
  ])("points at the bad path for %s", (_, path, value, expected) => {
    const criteria = copy();
    let target = criteria as Record<string, unknown>;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
    target[path.at(-1) as string] = value;
    const parsed = parseMatchingCriteria(criteria);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.issues.map((issue) => issue.path)).toContain(expected);
      // Issues carry paths and reasons, never the submitted value.
      for (const issue of parsed.issues) expect(issue.message).not.toContain(String(value));
    }
  });

  it("refuses a document that is not an object", () => {
    expect(matchingCriteriaSchema.safeParse("resman_wins").success).toBe(false);
  });
});
