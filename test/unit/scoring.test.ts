/**
 * Scoring a pair (`lib/domain/scoring.ts`): comparison levels, dwellings, the household guards,
 * the three outcomes and comparison forms. (Over 400 lines as one thing: the cases of one module.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ContactAddress, type ContactValues, emptyValues } from "../../lib/domain/contact.js";
import { DEFAULT_MATCHING_CRITERIA as rules } from "../../lib/domain/rules.js";
import { comparisonForm, scoreForms, scorePair } from "../../lib/domain/scoring.js";

function values(overrides: Partial<ContactValues> & { phone?: string | null } = {}): ContactValues {
  const { phone, ...rest } = overrides;
  return {
    ...emptyValues(),
    firstName: "Robert",
    lastName: "Quill",
    email: "robert.quill@mailbox.dev",
    dateOfBirth: "1988-04-12",
    ...(phone === undefined || phone === null
      ? {}
      : { phones: { mobile: { raw: phone, e164: phone } } }),
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

  it("two adjacent digits of a birth date swapped are near (a typing error), not partial", () => {
    const level = (a: string, b: string) =>
      scorePair(values({ dateOfBirth: a }), values({ dateOfBirth: b }), rules).fields.date_of_birth
        .level;
    expect(level("1954-01-28", "1954-10-28")).toBe("near");
    expect(level("1988-04-12", "1988-04-21")).toBe("near");
    expect(level("1957-04-12", "1975-04-12")).toBe("near");
    // Two digits apart, not side by side: only the year agrees.
    expect(level("1988-04-12", "1988-07-15")).toBe("partial");
  });

  it("a surname typo Jaro–Winkler rates low is similar; below four letters it is another name", () => {
    const last = (a: string, b: string) =>
      scorePair(values({ lastName: a }), values({ lastName: b }), rules).fields.last_name.level;
    expect(last("Ryan", "Rysn")).toBe("similar");
    expect(last("King", "Kisg")).toBe("similar");
    expect(["phonetic", "disagree"]).toContain(last("Ho", "Hu"));
    expect(["phonetic", "disagree"]).toContain(last("Lee", "Lei"));
    expect(last("Ryan", "Rowe")).toBe("disagree");
  });

  it("a first-name typo Jaro–Winkler rates low is similar, two listed names are not", () => {
    const first = (a: string, b: string) =>
      scorePair(values({ firstName: a }), values({ firstName: b }), rules).fields.first_name.level;
    expect(first("Mark", "Tark")).toBe("similar");
    // Mary and Gary are both names, not one's typo.
    expect(first("Mary", "Gary")).toBe("disagree");
    const evidence = scorePair(
      values({ firstName: "Tark", email: null }),
      values({ firstName: "Mark", email: null }),
      rules,
    );
    expect(evidence.outcome).toBe("merge");
  });

  it("compares first and last name crosswise when a record has them swapped", () => {
    const evidence = scorePair(values({ firstName: "Quill", lastName: "Robert" }), values(), rules);
    expect(evidence.swapped_names).toBe(true);
    expect(evidence.fields.first_name.level).toBe("exact");
    expect(evidence.fields.last_name.level).toBe("exact");
    expect(evidence.outcome).toBe("merge");
  });

  it("compares crosswise a surname written as the given name when the other given name is blank", () => {
    const person = values({ firstName: null, lastName: "Quill", email: null });
    const contact = values({ firstName: "Quill", lastName: "Hannah", email: null });
    for (const [a, b] of [
      [person, contact],
      [contact, person],
    ] as const) {
      const evidence = scorePair(a, b, rules);
      expect(evidence.swapped_names).toBe(true);
      expect(evidence.fields.first_name.level).toBe("missing");
      expect(evidence.fields.last_name.level).toBe("exact");
      expect(evidence.outcome).toBe("merge");
    }
  });

  it("a crosswise reading never hides two given names that disagree", () => {
    // Mary John and her husband John, whose card holds his given name only, share a phone.
    const phone = "+15125550147";
    const john = values({ firstName: "John", lastName: null, email: null, phone });
    const mary = values({ firstName: "Mary", lastName: "John", email: null, phone });
    const evidence = scorePair(john, mary, rules);
    expect(evidence.fields.last_name.level).toBe("exact");
    expect(evidence.outcome).toBe("review");
    expect(evidence.guard).toBe("first_name_differs");
    // Nothing crosswise agrees: the given names as written disagree.
    const nobody = scorePair(john, values({ ...mary, lastName: null }), rules);
    expect(nobody.swapped_names).toBe(false);
    expect(nobody.guard).toBe("first_name_differs");
  });

  it("crosswise, takes the pair that agrees less for the given names, whichever record is swapped", () => {
    // Marisol Quill shares Robert Quill's email; one of the two records has its names swapped.
    const marisol = values({ firstName: "Marisol", dateOfBirth: null });
    const robert = values({ dateOfBirth: null });
    const swap = (v: ContactValues) => ({ ...v, firstName: v.lastName, lastName: v.firstName });
    for (const [person, contact] of [
      [swap(marisol), robert],
      [marisol, swap(robert)],
    ] as const) {
      const evidence = scorePair(person, contact, rules);
      expect(evidence.swapped_names).toBe(true);
      expect(evidence.fields.first_name.level).toBe("disagree");
      expect(evidence.fields.last_name.level).toBe("exact");
      expect(evidence.outcome).not.toBe("merge");
    }
  });

  it("a value held by more people than the limit is weak evidence", () => {
    const shared = scorePair(values(), values(), rules, { email: 4, phone: 1 });
    expect(shared.fields.email.level).toBe("shared");
    expect(shared.score).toBeLessThan(scorePair(values(), values(), rules).score);
  });
});

describe("scorePair: addresses compare as dwellings", () => {
  const at = (line1: string, postalCode: string, line2: string | null = null): ContactAddress => ({
    line1,
    line2,
    city: null,
    state: null,
    postalCode,
  });
  const level = (a: ContactAddress, b: ContactAddress) =>
    scorePair(values({ address: a }), values({ address: b }), rules).fields.address.level;

  it.each([
    ["the same dwelling", at("1885 Cedar Ln", "80288", "Apt 406"), "exact"],
    ["a street typo", at("1885 Cedra Lane", "80288", "Apt 406"), "near"],
    ["a postal code typo", at("1885 Cedar Ln", "80828", "Apt 406"), "near"],
    ["another house number", at("1858 Cedar Ln", "80288", "Apt 406"), "near"],
    ["another street number and street", at("12 Elm St", "80288", "Apt 406"), "disagree"],
    ["another unit of the building", at("1885 Cedar Ln", "80288", "Apt 407"), "disagree"],
    ["the building without a unit", at("1885 Cedar Ln", "80288"), "partial"],
    ["the street elsewhere in town", at("1885 Cedar Ln", "80301", "Apt 406"), "partial"],
  ])("%s", (_, other, expected) => {
    expect(level(at("1885 Cedar Ln", "80288", "Apt 406"), other)).toBe(expected);
  });

  it("weighs `near` as `partial` under criteria stored without it", () => {
    const { near: _near, ...older } = rules.fields.address;
    const criteria = { ...rules, fields: { ...rules.fields, address: older } };
    const evidence = scorePair(
      values({ address: at("1885 Cedar Ln", "80288") }),
      values({ address: at("1885 Cedra Lane", "80288") }),
      criteria,
    );
    expect(evidence.fields.address).toEqual({ level: "near", weight: older.partial });
  });

  it("a street reads the same however its words are split or its type is spelled", () => {
    const home = at("12 Alston Street", "4461");
    for (const written of [
      "12 Alston St",
      "12 AlstonStreet",
      "12 Alstons treet",
      "12 alston st.",
    ]) {
      expect(level(home, at(written, "4461"))).toBe("exact");
    }
    // A typo inside a glued street is one edit of the same street.
    expect(level(at("24 Garratt St", "2024"), at("24 Garrattjstreet", "2024"))).toBe("near");
    expect(level(at("24 Garratt St", "2024"), at("24 Garratt Pl", "2024"))).toBe("partial");
  });

  it("a one-digit house number is never a typo of another", () => {
    expect(level(at("1 Elm St", "80288"), at("7 Elm St", "80288"))).toBe("partial");
    expect(level(at("17 Elm St", "80288"), at("71 Elm St", "80288"))).toBe("near");
  });

  it("an address without street or postal code is missing evidence", () => {
    const evidence = scorePair(
      values({
        address: { line1: null, line2: null, city: "Austin", state: "TX", postalCode: null },
      }),
      values({ address: at("1 Elm St", "78701") }),
      rules,
    );
    expect(evidence.fields.address).toEqual({ level: "missing", weight: 0 });
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
    // Without the phone and email the household shares, nothing says it is one person: two
    // contacts, no review item.
    expect(evidence.outcome).toBe("new");
    expect(evidence.guard).toBe("first_name_differs");
    expect(evidence.hold).toEqual({ guard: "first_name_differs", household: ["email", "phone"] });
  });

  it("a household pair the rest would still make a review item goes to review (twins)", () => {
    // Surname and birth date agree besides the shared phone and email: a reviewer's call.
    const evidence = scorePair(
      values({ firstName: "Tobias", phone: "+15125550148" }),
      values({ firstName: "Marisol", phone: "+15125550148" }),
      rules,
    );
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

  const shared = { phone: "+15125550148", dateOfBirth: null } as const;

  it("a name that only sounds alike is a disagreement (Jon and Jan share a phone)", () => {
    const evidence = scorePair(
      values({ ...shared, firstName: "Jon" }),
      values({ ...shared, firstName: "Jan" }),
      rules,
    );
    expect(evidence.fields.first_name.level).toBe("phonetic");
    expect(evidence.outcome).toBe("new");
    expect(evidence.guard).toBe("first_name_differs");
  });

  it.each([
    ["another name one letter off", "Paula", "Paul", "review"],
    ["a similar name", "Michelle", "Michael", "review"],
    // Neither a first name nor a birth date on one side: whoever shares the phone could have
    // written it, and a reviewer could not tell either.
    ["a missing first name", null, "Robert", "new"],
  ] as const)(
    "with a shared contact point, %s does not confirm the person",
    (_, mine, theirs, outcome) => {
      const evidence = scorePair(
        values({ ...shared, firstName: mine }),
        values({ ...shared, firstName: theirs }),
        rules,
      );
      expect(evidence.score).toBeGreaterThanOrEqual(rules.thresholds.auto_merge);
      expect(evidence.outcome).toBe(outcome);
      expect(evidence.guard).toBe("person_unconfirmed");
    },
  );

  it("a typing error in the first name confirms the person", () => {
    const evidence = scorePair(
      values({ ...shared, firstName: "Rboert" }),
      values({ ...shared }),
      rules,
    );
    expect(evidence.guard).toBeNull();
    expect(evidence.outcome).toBe("merge");
  });

  it("a first-name typo only the edit distance sees still tells people sharing a phone apart", () => {
    // Tark is not on the given-name list, and neither is Tara (for Sara): sisters may be both.
    const evidence = scorePair(
      values({ ...shared, firstName: "Tark" }),
      values({ ...shared, firstName: "Mark" }),
      rules,
    );
    expect(evidence.fields.first_name.level).toBe("similar");
    expect(evidence.outcome).toBe("review");
    expect(evidence.guard).toBe("first_name_differs");
  });

  it("a birth date that agrees confirms the person when the first name cannot", () => {
    const evidence = scorePair(
      values({ phone: shared.phone, firstName: null }),
      values({ phone: shared.phone }),
      rules,
    );
    expect(evidence.fields.date_of_birth.level).toBe("exact");
    expect(evidence.outcome).toBe("merge");
  });

  it("a nickname on a household's contact point needs the birth date", () => {
    const bob = values({ ...shared, firstName: "Bob" });
    // The phone is held by this contact alone: a nickname is enough.
    expect(scorePair(bob, values(shared), rules, { email: 1, phone: 1 }).outcome).toBe("merge");
    // Held by two contacts (a household's): not without the birth date.
    const household = scorePair(bob, values(shared), rules, { email: 1, phone: 2 });
    expect(household.outcome).toBe("review");
    expect(household.guard).toBe("nickname_in_household");
    const dated = scorePair(
      values({ phone: shared.phone, firstName: "Bob" }),
      values({ phone: shared.phone }),
      rules,
      { email: 1, phone: 2 },
    );
    expect(dated.outcome).toBe("merge");
  });

  it("two records of different first names and one birth date (twins) stay below auto-merge", () => {
    const evidence = scorePair(
      values({ firstName: "Mary", email: null }),
      values({ firstName: "John", email: null }),
      rules,
    );
    expect(evidence.fields.date_of_birth.level).toBe("exact");
    expect(evidence.outcome).not.toBe("merge");
  });

  it("a guard only ever lowers what the score reaches, and only a guard does", () => {
    const name = fc.constantFrom(null, "Robert", "Bob", "Rboert", "Roberta", "Tina", "Jon");
    const date = fc.constantFrom(null, "1988-04-12", "1988-12-04", "2001-01-01");
    const phone = fc.constantFrom(null, "+15125550148", "+15125550149");
    const sketch = fc.record({ firstName: name, dateOfBirth: date, phone, lastName: name });
    fc.assert(
      fc.property(sketch, sketch, fc.integer({ min: 1, max: 5 }), (a, b, holders) => {
        const evidence = scorePair(values(a), values(b), rules, { email: 1, phone: holders });
        const rank = { merge: 2, review: 1, new: 0 } as const;
        const scored =
          evidence.score >= rules.thresholds.auto_merge
            ? "merge"
            : evidence.score >= rules.thresholds.review
              ? "review"
              : "new";
        expect(rank[evidence.outcome]).toBeLessThanOrEqual(rank[scored]);
        if (evidence.outcome !== scored) expect(evidence.hold?.guard).toBe(evidence.guard);
        if (evidence.hold === null || evidence.hold === undefined) {
          expect(evidence.outcome).toBe(scored);
        }
        // A guard never lets a pair merge.
        if (evidence.hold) expect(evidence.outcome).not.toBe("merge");
      }),
    );
  });
});

describe("scorePair: three outcomes", () => {
  it("name and birth date alone, no contact point: merge", () => {
    const evidence = scorePair(values({ email: null }), values({ email: null }), rules);
    expect(evidence.outcome).toBe("merge");
  });

  it("names alone never merge nor go to review, however well they agree", () => {
    const evidence = scorePair(
      values({ email: null, dateOfBirth: null }),
      values({ email: null, dateOfBirth: null }),
      rules,
    );
    expect(evidence.score).toBeGreaterThanOrEqual(rules.thresholds.auto_merge);
    expect(evidence.outcome).toBe("new");
    expect(evidence.guard).toBe("names_only");
  });

  it("names and an address: merge", () => {
    const address = {
      line1: "42 Miller Place",
      line2: null,
      city: null,
      state: null,
      postalCode: "2615",
    };
    const evidence = scorePair(
      values({ email: null, dateOfBirth: null, address }),
      values({ email: null, dateOfBirth: null, address }),
      rules,
    );
    expect(evidence.outcome).toBe("merge");
  });

  it("a full name whose email and phone both disagree: a new contact, not a review item", () => {
    const evidence = scorePair(
      values({ dateOfBirth: null, phone: "+15125550101" }),
      values({ dateOfBirth: null, email: "rq@quillmail.dev", phone: "+15125550177" }),
      rules,
    );
    // 7 + 8 − 3 − 3 = 9: below the review band whatever the guard says.
    expect(evidence.outcome).toBe("new");
    expect(evidence.hold?.guard).toBe("contact_points_differ");
  });

  it("two different emails and phones never auto-merge unless the full name and birth date agree", () => {
    const theirs = { email: "rq@quillmail.dev", phone: "+15125550177" };
    // Eli Johnson / Eli Johnston: close surnames, birth dates one digit apart, all else differs.
    const near = scorePair(
      values({ lastName: "Johnson", dateOfBirth: "1980-01-10", phone: "+15125550101" }),
      values({ lastName: "Johnston", dateOfBirth: "1980-01-16", ...theirs }),
      rules,
    );
    expect(near.hold?.guard).toBe("contact_points_differ");
    expect(near.outcome).toBe("new");
    // The same full name and birth date: a person who changed email and phone merges.
    const same = scorePair(values({ phone: "+15125550101" }), values({ ...theirs }), rules);
    expect(same.hold).toBeNull();
    expect(same.outcome).toBe("merge");
    // The same full name, the birth date one digit off: a reviewer's call at most.
    const namesake = scorePair(
      values({ dateOfBirth: "1980-01-10", phone: "+15125550101" }),
      values({ dateOfBirth: "1980-01-16", ...theirs }),
      rules,
    );
    expect(namesake.hold?.guard).toBe("contact_points_differ");
    expect(namesake.outcome).not.toBe("merge");
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

describe("comparison forms", () => {
  it("scoring prepared forms is scoring the values", () => {
    const sketch = fc.record({
      firstName: fc.constantFrom(null, "Robert", "bob", "Quill"),
      lastName: fc.constantFrom(null, "Quill", "Robert", "Quil"),
      email: fc.constantFrom(null, "robert.quill@mailbox.dev", "Robert.Quill+x@gmail.com"),
      dateOfBirth: fc.constantFrom(null, "1988-04-12", "1988-12-04"),
    });
    fc.assert(
      fc.property(sketch, sketch, (a, b) => {
        expect(scoreForms(comparisonForm(values(a)), comparisonForm(values(b)), rules)).toEqual(
          scorePair(values(a), values(b), rules),
        );
      }),
    );
  });
});

describe("scorePair: issue 9 — slips, households at one dwelling, contact points, frequencies", () => {
  const home = (line1: string, line2: string | null = null): ContactAddress => ({
    line1,
    line2,
    city: "Austin",
    state: "TX",
    postalCode: "78701",
  });
  const dateLevel = (a: string, b: string) =>
    scorePair(values({ dateOfBirth: a }), values({ dateOfBirth: b }), rules).fields.date_of_birth
      .level;

  it("a birth date a day or a year off (same day) is one slip: near", () => {
    expect(dateLevel("1980-01-31", "1980-02-01")).toBe("near");
    expect(dateLevel("1989-12-31", "1990-12-31")).toBe("near");
    // Two years off, or a month and a day: another date.
    expect(dateLevel("1988-04-12", "1990-04-12")).toBe("partial");
    expect(dateLevel("1980-01-10", "1980-03-14")).toBe("partial");
  });

  it("a father and son of one name at one dwelling never merge (birth dates 35 years apart)", () => {
    const father = values({
      firstName: "Chris",
      lastName: "Smith",
      email: null,
      dateOfBirth: "1960-01-15",
      address: home("100 Main St", "Apt 4"),
    });
    const son = { ...father, dateOfBirth: "1995-08-30" };
    const evidence = scorePair(son, father, rules);
    expect(evidence.score).toBeGreaterThanOrEqual(rules.thresholds.auto_merge);
    expect(evidence.hold).toEqual({ guard: "date_of_birth_differs", household: ["address"] });
    // 7 + 8 − 4 = 11 without the dwelling they share: not even a review item.
    expect(evidence.outcome).toBe("new");
    // Born on the father's birthday, or next door on the same street: the same.
    const birthday = scorePair({ ...son, dateOfBirth: "1995-01-15" }, father, rules);
    expect(birthday.hold?.guard).toBe("date_of_birth_differs");
    expect(birthday.outcome).not.toBe("merge");
    const nextDoor = scorePair({ ...son, address: home("104 Main St", "Apt 4") }, father, rules);
    expect(nextDoor.hold?.guard).toBe("date_of_birth_differs");
    expect(nextDoor.outcome).not.toBe("merge");
    // A slip of the birth date at the dwelling is the same person.
    expect(scorePair({ ...son, dateOfBirth: "1960-01-16" }, father, rules).outcome).toBe("merge");
  });

  it("a Jr and a Sr are two people; a Jr on one card only needs the birth date", () => {
    const phone = "+15125550148";
    const senior = values({ firstName: "Chris", lastName: "Smith Sr.", phone, dateOfBirth: null });
    const junior = values({ firstName: "Chris", lastName: "Smith Jr", phone, dateOfBirth: null });
    const plain = values({ firstName: "Chris", lastName: "Smith", phone, dateOfBirth: null });
    expect(scorePair(junior, senior, rules).hold?.guard).toBe("generation_differs");
    expect(scorePair(junior, senior, rules).outcome).not.toBe("merge");
    expect(scorePair(junior, plain, rules).hold?.guard).toBe("generation_differs");
    expect(scorePair(junior, plain, rules).outcome).not.toBe("merge");
    const dated = (v: ContactValues) => ({ ...v, dateOfBirth: "1990-03-04" });
    expect(scorePair(dated(junior), dated(plain), rules).outcome).toBe("merge");
  });

  it("an email at a mistyped domain is near; a local part one letter off is another address", () => {
    const email = (a: string, b: string) =>
      scorePair(values({ email: a }), values({ email: b }), rules).fields.email.level;
    expect(email("robert.quill@gmial.com", "robert.quill@gmail.com")).toBe("near");
    expect(email("eli.johnson@fastmail.com", "eli.johnston@fastmail.com")).toBe("disagree");
  });

  it("a mistyped first name (or a nickname's) agrees where the birth date does", () => {
    const phone = "+15125550148";
    const pair = (a: string, b: string, dateOfBirth: string | null) =>
      scorePair(
        values({ firstName: a, phone, dateOfBirth }),
        values({ firstName: b, phone, dateOfBirth }),
        rules,
      );
    expect(pair("Jmaaj", "Jamal", "1951-06-23").outcome).toBe("merge");
    expect(pair("Robfrt", "Bob", "1954-08-07").outcome).toBe("merge");
    // Without a birth date two names may be two sisters (Tara/Sara: Tara is off the list).
    expect(pair("Tara", "Sara", null).hold?.guard).toBe("first_name_differs");
  });

  it("an address part most of the property holds weighs nothing (its postal code, its building)", () => {
    const postal = { line1: null, line2: null, city: "Austin", state: "TX", postalCode: "78741" };
    const a = values({ email: null, address: postal });
    const rare = scorePair(a, a, rules);
    expect(rare.fields.address.level).toBe("partial");
    const common = scorePair(a, a, rules, { email: 1, phone: 1, address: { postal: 3000 } });
    expect(common.fields.address).toEqual({ level: "shared", weight: 0 });
    const unitless = values({ email: null, address: home("8634 Birch Rd") });
    const withUnit = values({ email: null, address: home("8634 Birch Rd", "Apt 204") });
    const building = scorePair(unitless, withUnit, rules, {
      email: 1,
      phone: 1,
      address: { building: 250, dwelling: 1 },
    });
    expect(building.fields.address.level).toBe("shared");
  });

  it("a full name many contacts carry weighs less, by the log of how many", () => {
    const alone = scorePair(values(), values(), rules);
    const namesakes = scorePair(values(), values(), rules, { email: 1, phone: 1, name: 4 });
    expect(namesakes.fields.last_name).toEqual({
      level: "exact",
      weight: rules.fields.last_name.exact - 2,
      adjustment: -2,
    });
    expect(namesakes.score).toBe(alone.score - 2);
  });
});
