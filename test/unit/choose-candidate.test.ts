import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chooseCandidate } from "../../lib/domain/chooseCandidate.js";
import {
  type Contact,
  type ContactValues,
  emptySecondary,
  emptyValues,
} from "../../lib/domain/contact.js";
import { DEFAULT_MATCHING_CRITERIA as rules } from "../../lib/domain/rules.js";
import { variantOf } from "../../lib/domain/survivorship.js";
import { contact as buildContact } from "../fixtures/contacts.js";

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

/** A candidate created at `createdAt`; the matcher reads no blocking keys, so none are stored. */
const contact = (id: string, createdAt: string, v: ContactValues): Contact =>
  buildContact(id, v, { createdAt, blockKeys: [] });

describe("chooseCandidate", () => {
  it("with no candidates: a new contact", () => {
    expect(chooseCandidate(values(), [], rules)).toEqual({
      best: null,
      top: null,
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
    // Four holders, over the limit of three: the phone's level is `shared`, whichever candidate.
    expect(many.length).toBeGreaterThan(rules.shared_value_limit);
    expect(choice.top?.evidence.fields.phone.level).toBe("shared");
    for (const candidate of choice.ranked) expect(candidate.outcome).toBe("new");
    // At the limit it still counts as the person's own: `exact`.
    const few = many.slice(0, rules.shared_value_limit);
    expect(
      chooseCandidate(values({ phone: office }), few, rules).top?.evidence.fields.phone.level,
    ).toBe("exact");
  });

  it("a nickname on a phone two contacts hold (a household's) is not enough to merge", () => {
    const phone = "+15125550147";
    const jonathan = contact(
      "c1",
      "2024-01-01",
      values({ firstName: "Jonathan", dateOfBirth: null, phone }),
    );
    const mother = contact(
      "c2",
      "2024-01-01",
      values({ firstName: "Tina", dateOfBirth: null, phone }),
    );
    const john = values({ firstName: "John", dateOfBirth: null, phone });
    // Jonathan alone holds the phone: John is his nickname, the same person.
    expect(chooseCandidate(john, [jonathan], rules).outcome).toBe("merge");
    // Jonathan and Tina hold it: a household's phone; John may be a second member.
    const choice = chooseCandidate(john, [jonathan, mother], rules);
    expect(choice.outcome).toBe("review");
    expect(choice.best?.contact.id).toBe("c1");
    expect(choice.best?.evidence.guard).toBe("nickname_in_household");
  });

  it("counts the holders of the phone a candidate shares, not of the person's other phones", () => {
    const mobile = "+15125550147";
    const office = "+15125550100";
    const himself = contact("c0", "2024-01-01", values({ phone: mobile }));
    const colleagues = ["Ann", "Ben", "Cy", "Di"].map((name, i) =>
      contact(
        `c${i + 1}`,
        "2024-01-01",
        values({ firstName: name, lastName: "Other", phone: office }),
      ),
    );
    const person: ContactValues = {
      ...values(),
      phones: { mobile: { raw: mobile, e164: mobile }, work: { raw: office, e164: office } },
    };
    const choice = chooseCandidate(person, [himself, ...colleagues], rules);
    expect(choice.best?.contact.id).toBe("c0");
    expect(choice.best?.evidence.fields.phone.level).toBe("exact");
    for (const candidate of choice.ranked.slice(1)) expect(candidate.outcome).toBe("new");
  });

  it("counts a secondary phone as the contact's own, and as a holder", () => {
    const phone = "+15125550147";
    const moved: Contact = {
      ...contact("c1", "2024-01-01", values({ phone: "+15125550199" })),
      secondary: { emails: [], phones: [{ raw: phone, e164: phone }] },
    };
    const choice = chooseCandidate(values({ phone }), [moved], rules);
    expect(choice.best?.evidence.fields.phone.level).toBe("exact");
    expect(choice.outcome).toBe("merge");
  });

  describe("a contact read as its other records wrote the person (variants)", () => {
    const address = {
      line1: "61 Carnegie Cres",
      line2: null,
      city: null,
      state: null,
      postalCode: "6004",
    };
    // The contact's first card misspelt the first name (two edits: no typo the guard knows);
    // a second card, matched to it, spelt it right and is kept as a variant: that record's own
    // values, read as a whole.
    const withVariant = (v: ContactValues, variant: ContactValues): Contact => ({
      ...contact("c1", "2024-01-01", v),
      secondary: { emails: [], phones: [], variants: [variantOf(variant)] },
    });

    it("a variant that confirms the person merges where the current values cannot", () => {
      const current = values({
        firstName: "Jordhau",
        lastName: "Ryan",
        dateOfBirth: "1990-09-03",
        address,
      });
      const card = withVariant(current, { ...current, firstName: "Jordan" });
      const person = values({ firstName: "Jordan", lastName: "Ryan", dateOfBirth: null, address });
      // As the contact is now: the score of a merge, but nothing confirms the person.
      const alone = chooseCandidate(person, [{ ...card, secondary: emptySecondary() }], rules);
      expect(alone.outcome).toBe("review");
      expect(alone.best?.evidence.guard).toBe("person_unconfirmed");
      const choice = chooseCandidate(person, [card], rules);
      expect(choice.outcome).toBe("merge");
      expect(choice.best?.evidence.fields.first_name.level).toBe("exact");
      expect(choice.best?.evidence.guard).toBeNull();
    });

    it("reads a variant as a whole: its blanks are not filled from the contact's values", () => {
      // The contact has the birth date; a variant spelling the first name right has none.
      // Mixing the two would make a full name and a birth date (a merge); each record alone
      // gives less.
      const current = values({ firstName: "Kevin", lastName: "Ryan", dateOfBirth: "1990-09-03" });
      const card = withVariant(current, {
        ...emptyValues(),
        firstName: "Jordan",
        lastName: "Ryan",
      });
      const person = values({ firstName: "Jordan", lastName: "Ryan", dateOfBirth: "1990-09-03" });
      const choice = chooseCandidate(person, [card], rules);
      expect(choice.outcome).not.toBe("merge");
      // Written as one record, the same values do merge.
      const mixed = withVariant(current, { ...current, firstName: "Jordan" });
      expect(chooseCandidate(person, [mixed], rules).outcome).toBe("merge");
    });

    it("a household guard of the current values holds for every variant", () => {
      const phone = "+15125550147";
      // Tina's contact, holding (wrongly or not) a card that read Robert.
      const tinaValues = values({ firstName: "Tina", dateOfBirth: null, phone });
      const tina = withVariant(tinaValues, { ...tinaValues, firstName: "Robert" });
      const choice = chooseCandidate(values({ dateOfBirth: null, phone }), [tina], rules);
      expect(choice.outcome).toBe("review");
      expect(choice.best?.evidence.guard).toBe("first_name_differs");
    });
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

describe("chooseCandidate: how many contacts hold a value", () => {
  const email = "robert.quill@mailbox.dev";
  it("counts only holders that say who they are when deciding a value is a household's", () => {
    // Three stray cards with the email but neither a first name nor a birth date: not three
    // people sharing it.
    const strays = [1, 2, 3].map((i) =>
      contact(`s${i}`, `2024-0${i}-01`, values({ firstName: null, dateOfBirth: null, email })),
    );
    const robert = contact("c1", "2024-05-01", values({ email }));
    const choice = chooseCandidate(values({ email }), [robert, ...strays], rules);
    expect(choice.best?.contact.id).toBe("c1");
    expect(choice.best?.evidence.fields.email.level).toBe("exact");
  });

  it("reads how many contacts hold the person's address parts from the counted keys", () => {
    const address = { line1: null, line2: null, city: null, state: null, postalCode: "78741" };
    const person = values({ email: null, address });
    const other = contact("c1", "2024-01-01", values({ email: null, address }));
    const rare = chooseCandidate(person, [other], rules);
    expect(rare.best?.evidence.fields.address.level).toBe("partial");
    const common = chooseCandidate(person, [other], rules, [], { "pc:78741": 21 });
    expect(common.best?.evidence.fields.address.level).toBe("shared");
  });
});
