import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blockingKeys, countedKeys, searchKeys } from "../../lib/domain/blocking.js";
import { type ContactValues, emptyValues } from "../../lib/domain/contact.js";

function values(overrides: Partial<ContactValues> = {}): ContactValues {
  return {
    ...emptyValues(),
    firstName: "Robert",
    lastName: "Thompson",
    dateOfBirth: "1981-02-17",
    address: { line1: "42 Miller Place", line2: null, city: null, state: null, postalCode: "2615" },
    ...overrides,
  };
}

const shareAKey = (a: ContactValues, b: ContactValues) => {
  const mine = new Set(blockingKeys(a));
  return blockingKeys(b).some((key) => mine.has(key));
};

describe("blockingKeys", () => {
  it("are distinct, sorted and the same for equal values", () => {
    const keys = blockingKeys(values());
    expect(keys).toEqual([...new Set(keys)].sort());
    expect(blockingKeys(values())).toEqual(keys);
  });

  it.each([
    ["a surname typo", { lastName: "Tompson" }],
    ["a first-name typo", { firstName: "Robret" }],
    ["a nickname", { firstName: "Bob" }],
    ["both names damaged, same birth date", { firstName: "Rbert", lastName: "Thmopson" }],
    [
      "names and birth date damaged, same address",
      { firstName: "Rbert", lastName: "Thmopson", dateOfBirth: "1918-02-17" },
    ],
    ["different case and accents", { firstName: "RÓBERT", lastName: "thompson" }],
    [
      "first and last name swapped, another birth date and address",
      {
        firstName: "Thompson",
        lastName: "Robert",
        dateOfBirth: "1990-01-01",
        address: null,
      },
    ],
  ])("a record with %s still shares a block with the original", (_, change) => {
    expect(shareAKey(values(), values(change))).toBe(true);
  });

  it("unrelated people share no block", () => {
    const other = values({
      firstName: "Maria",
      lastName: "Okafor",
      dateOfBirth: "1990-07-01",
      address: {
        line1: "7 Banks Street",
        line2: null,
        city: null,
        state: null,
        postalCode: "3000",
      },
    });
    expect(shareAKey(values(), other)).toBe(false);
  });

  it("key the address by its dwelling: units of one building share no address key", () => {
    const apartment = (unit: string) =>
      values({
        firstName: "Ann",
        lastName: "Other",
        dateOfBirth: null,
        address: {
          line1: "1885 Cedar Ln",
          line2: unit,
          city: null,
          state: null,
          postalCode: "80288",
        },
      });
    const addressKeys = (v: ContactValues) => blockingKeys(v).filter((k) => k.startsWith("adr:"));
    expect(addressKeys(apartment("Apt 406"))).toEqual(["adr:80288|1885|406"]);
    expect(addressKeys(apartment("#406"))).toEqual(addressKeys(apartment("Apt 406")));
    expect(addressKeys(apartment("Apt 407"))).not.toEqual(addressKeys(apartment("Apt 406")));
    expect(addressKeys(values())).toEqual(["adr:2615|42"]);
  });

  it("include the email match key and every phone", () => {
    const keys = blockingKeys(
      values({
        email: "Rob.Thompson+leasing@gmail.com",
        phones: {
          mobile: { raw: "(512) 555-0147", e164: "+15125550147" },
          home: { raw: "512 555 0148", e164: "+15125550148" },
        },
      }),
    );
    expect(keys).toContain("em:robthompson@gmail.com");
    expect(keys).toContain("ph:+15125550147");
    expect(keys).toContain("ph:+15125550148");
  });

  it("an empty record has no keys, whatever the blanks", () => {
    fc.assert(
      fc.property(fc.constantFrom("", " ", "  \t"), (blank) => {
        expect(blockingKeys({ ...emptyValues(), firstName: blank, lastName: blank })).toEqual([]);
      }),
    );
  });
});

describe("counted keys", () => {
  it("stores the building, street and postal code to count, never to search by", () => {
    const keys = blockingKeys(values());
    const counted = countedKeys(values());
    expect(counted).toEqual(
      expect.arrayContaining(["bd:2615|42", "pc:2615", expect.stringMatching(/^st:2615\|/)]),
    );
    for (const key of counted) {
      expect(keys).toContain(key);
      // The dwelling is a blocking key too; the rest are counted only.
      if (!key.startsWith("adr:")) expect(searchKeys(keys)).not.toContain(key);
    }
  });
});
