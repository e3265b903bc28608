import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Contact, type ContactValues, emptyValues } from "../../lib/domain/contact.js";
import { matchKeysOf } from "../../lib/domain/normalize.js";
import { DEFAULT_MATCHING_CRITERIA as rules } from "../../lib/domain/rules.js";
import { chooseCandidate } from "../../lib/domain/scoredMatcher.js";

function values(overrides: Partial<ContactValues> & { phone?: string } = {}): ContactValues {
  const { phone, ...rest } = overrides;
  return {
    ...emptyValues(),
    firstName: "Robert",
    lastName: "Quill",
    dateOfBirth: "1988-04-12",
    ...(phone === undefined ? {} : { phones: { mobile: { raw: phone, e164: phone } } }),
    ...rest,
  };
}

function contact(id: string, createdAt: string, v: ContactValues): Contact {
  return {
    id,
    kind: "prospect",
    values: v,
    sources: {},
    keys: matchKeysOf(v),
    linkedStatuses: [],
    createdAt: new Date(createdAt),
  };
}

describe("chooseCandidate", () => {
  it("with no candidates: a new contact", () => {
    expect(chooseCandidate(values(), [], rules)).toEqual({
      best: null,
      outcome: "new",
      ranked: [],
    });
  });

  it("merges into the candidate that is the same person, not the household member", () => {
    const household = contact(
      "c1",
      "2024-01-01",
      values({ firstName: "Tina", phone: "+15125550147" }),
    );
    const himself = contact("c2", "2024-02-01", values({ firstName: "Bob", lastName: "Quil" }));
    const choice = chooseCandidate(values({ phone: "+15125550147" }), [household, himself], rules);
    expect(choice.outcome).toBe("merge");
    expect(choice.best?.contact.id).toBe("c2");
    expect(choice.ranked.map((r) => r.contactId)).toEqual(["c2", "c1"]);
  });

  it("a shared phone alone with another first name goes to review at most", () => {
    const household = contact(
      "c1",
      "2024-01-01",
      values({ firstName: "Tina", dateOfBirth: null, phone: "+15125550147" }),
    );
    const choice = chooseCandidate(
      values({ dateOfBirth: null, phone: "+15125550147" }),
      [household],
      rules,
    );
    expect(choice.outcome).not.toBe("merge");
  });

  it("a phone held by many candidates counts as shared, not as identity", () => {
    const office = "+15125550100";
    const many = ["Ann", "Ben", "Cy", "Di"].map((name, i) =>
      contact(`c${i}`, "2024-01-01", values({ firstName: name, lastName: "Other", phone: office })),
    );
    const choice = chooseCandidate(values({ phone: office }), many, rules);
    for (const candidate of choice.ranked) expect(candidate.outcome).toBe("new");
  });

  it("chooses the same contact whatever order the candidates arrive in", () => {
    const pool = [
      contact("c1", "2022-01-01", values()),
      contact("c2", "2021-01-01", values()),
      contact("c3", "2023-01-01", values({ firstName: "Bob" })),
      contact("c4", "2020-01-01", values({ firstName: "Tina" })),
    ];
    const expected = chooseCandidate(values(), pool, rules);
    fc.assert(
      fc.property(fc.shuffledSubarray(pool, { minLength: pool.length }), (shuffled) => {
        expect(chooseCandidate(values(), shuffled, rules)).toEqual(expected);
      }),
    );
    // Equal scores: the oldest contact wins.
    expect(expected.best?.contact.id).toBe("c2");
  });
});
