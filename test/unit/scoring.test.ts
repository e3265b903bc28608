import { describe, expect, it } from "vitest";
import { type ContactValues, emptyValues } from "../../lib/domain/contact.js";
import { DEFAULT_MATCHING_CRITERIA as rules } from "../../lib/domain/rules.js";
import { scorePair } from "../../lib/domain/scoring.js";

function values(overrides: Partial<ContactValues> & { phone?: string } = {}): ContactValues {
  const { phone, ...rest } = overrides;
  return {
    ...emptyValues(),
    firstName: "Robert",
    lastName: "Quill",
    email: "robert.quill@mailbox.dev",
    dateOfBirth: "1988-04-12",
    ...(phone === undefined ? {} : { phones: { mobile: { raw: phone, e164: phone } } }),
    ...rest,
  };
}

describe("scorePair: comparison levels", () => {
  it("identical people merge, every present field exact", () => {
    const evidence = scorePair(values(), values(), rules);
    expect(evidence.outcome).toBe("merge");
    expect(evidence.fields.first_name.level).toBe("exact");
    expect(evidence.fields.email.level).toBe("exact");
    expect(evidence.fields.phone.level).toBe("missing");
    expect(evidence.fields.phone.weight).toBe(0);
  });

  it("the score is the sum of the field weights", () => {
    const evidence = scorePair(values(), values({ email: "other@mailbox.dev" }), rules);
    const sum = Object.values(evidence.fields).reduce((total, field) => total + field.weight, 0);
    expect(evidence.score).toBeCloseTo(sum, 2);
    expect(evidence.fields.email).toEqual({
      level: "disagree",
      weight: rules.fields.email.disagree,
    });
  });

  it("recognises a nickname, a typo and a sound-alike", () => {
    expect(scorePair(values({ firstName: "Bob" }), values(), rules).fields.first_name.level).toBe(
      "nickname",
    );
    const typo = scorePair(values({ lastName: "Quil" }), values(), rules).fields.last_name.level;
    expect(["similar_high", "similar"]).toContain(typo);
    expect(
      scorePair(values({ lastName: "Smyth" }), values({ lastName: "Smith" }), rules).fields
        .last_name.level,
    ).not.toBe("disagree");
  });

  it("a birth date with day and month swapped, or one digit off, is near", () => {
    expect(
      scorePair(values({ dateOfBirth: "1988-12-04" }), values(), rules).fields.date_of_birth.level,
    ).toBe("near");
    expect(
      scorePair(values({ dateOfBirth: "1989-04-12" }), values(), rules).fields.date_of_birth.level,
    ).toBe("near");
    expect(
      scorePair(values({ dateOfBirth: "1971-09-30" }), values(), rules).fields.date_of_birth.level,
    ).toBe("disagree");
  });

  it("compares first and last name crosswise when a record has them swapped", () => {
    const evidence = scorePair(values({ firstName: "Quill", lastName: "Robert" }), values(), rules);
    expect(evidence.swapped_names).toBe(true);
    expect(evidence.fields.first_name.level).toBe("exact");
  });

  it("a value held by more people than the limit is weak evidence", () => {
    const shared = scorePair(values(), values(), rules, { email: 4, phone: 1 });
    expect(shared.fields.email.level).toBe("shared");
    expect(shared.score).toBeLessThan(scorePair(values(), values(), rules).score);
  });
});

describe("scorePair: household guard", () => {
  it("a shared phone and email between different first names never auto-merges", () => {
    const evidence = scorePair(
      values({ firstName: "Tobias", phone: "+15125550148", dateOfBirth: null }),
      values({ firstName: "Marisol", phone: "+15125550148", dateOfBirth: null }),
      rules,
    );
    expect(evidence.score).toBeGreaterThanOrEqual(rules.thresholds.auto_merge);
    expect(evidence.outcome).toBe("review");
    expect(evidence.guard).toBe("first_name_differs");
  });

  it("a shared email between different birth dates never auto-merges", () => {
    const evidence = scorePair(values(), values({ dateOfBirth: "2012-06-01" }), rules);
    expect(evidence.outcome).not.toBe("merge");
  });

  it("nicknames are not a first-name disagreement", () => {
    const evidence = scorePair(values({ firstName: "Bob" }), values(), rules);
    expect(evidence.guard).toBeNull();
    expect(evidence.outcome).toBe("merge");
  });
});

describe("scorePair: three outcomes", () => {
  it("name and birth date alone, no contact point: merge", () => {
    const evidence = scorePair(values({ email: null }), values({ email: null }), rules);
    expect(evidence.outcome).toBe("merge");
  });

  it("a surname alone: new contact", () => {
    const evidence = scorePair(
      values({ firstName: "Ann", email: null, dateOfBirth: null }),
      values({ firstName: "Zed", email: null, dateOfBirth: null }),
      rules,
    );
    expect(evidence.outcome).toBe("new");
  });

  it("the evidence names levels and weights, never a compared value", () => {
    const evidence = scorePair(values({ phone: "+15125550147" }), values(), rules);
    const text = JSON.stringify(evidence);
    for (const value of ["Robert", "Quill", "robert.quill@mailbox.dev", "1988-04-12", "5550147"]) {
      expect(text).not.toContain(value);
    }
  });
});
