/**
 * Normalising a person's values (`lib/domain/normalize.ts`): text, emails, phones, birth dates and
 * name keys. (Over 400 lines as one thing: the cases of one module.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ContactValues, emptyValues } from "../../lib/domain/contact.js";
import {
  cleanText,
  hasIdentity,
  isCalendarDate,
  kindOfStatus,
  kindOfStatuses,
  matchKeysOf,
  type NormalisationContext,
  nameKey,
  normaliseBirthDate,
  normaliseEmail,
  normalisePerson,
  normalisePhone,
} from "../../lib/domain/normalize.js";
import { personStatuses, phoneTypes, type ResmanPerson } from "../../lib/domain/person.js";

const NOW = new Date("2025-06-15T12:00:00Z");
const US: NormalisationContext = { countryCode: "US", now: NOW };
const OFFICE = "+14155550100";
const AT_OFFICE: NormalisationContext = { ...US, officePhone: OFFICE };

/** Days in a month by the Gregorian rule, written out independently of the code under test. */
function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Whitespace a person or a spreadsheet puts around values. */
const blank = fc.constantFrom("", " ", "  ", "\t", "\n", " \t ");

/** Well-formed, non-placeholder-looking addresses (two or more distinct letters to start). */
const realisticEmail = fc
  .tuple(
    fc.stringMatching(/^[a-z]{2,8}[0-9]{0,2}([._+-][a-z0-9]{1,6})?$/),
    fc.stringMatching(/^[a-z][a-z0-9-]{1,10}[a-z0-9]$/),
    fc.constantFrom("com", "org", "net", "io", "co.uk", "mail"),
  )
  .map(([local, host, tld]) => `${local}@${host}.${tld}`);

/** The fictional 555-01xx block, in area codes of several regions. */
const fictionalNanp = fc.record({
  area: fc.constantFrom("415", "212", "312", "206", "617", "303"),
  line: fc.integer({ min: 100, max: 199 }),
});

const nanpFormats: readonly ((area: string, line: string) => string)[] = [
  (area, line) => `(${area}) 555-${line}`,
  (area, line) => `${area}.555.${line}`,
  (area, line) => `+1 ${area} 555 ${line}`,
  (area, line) => `${area}555${line}`,
  (area, line) => `1-${area}-555-${line}`,
  (area, line) => `+1 (${area}) 555-${line}`,
  (area, line) => `${area} 555 ${line}`,
];

describe("cleanText", () => {
  it("trims and collapses inner whitespace to single spaces", () => {
    expect(cleanText("  Mary \t Ann\n ")).toBe("Mary Ann");
  });

  it("turns blank, null and undefined into null", () => {
    for (const value of ["", "   ", "\t\n", null, undefined]) {
      expect(cleanText(value)).toBeNull();
    }
  });

  it("composes decomposed accents so equal names compare equal", () => {
    expect(cleanText("Jose\u0301")).toBe("Jos\u00e9");
  });
});

describe("normaliseEmail", () => {
  it("lower-cases and trims an address", () => {
    expect(normaliseEmail("  Jane.Roe@Mailbox.ORG ")).toEqual({ email: "jane.roe@mailbox.org" });
  });

  it("reports nothing for a blank or missing email", () => {
    expect(normaliseEmail(undefined)).toBeNull();
    expect(normaliseEmail(null)).toBeNull();
    expect(normaliseEmail("   ")).toBeNull();
  });

  it.each([
    "jane.roe",
    "jane@",
    "@mailbox.org",
    "jane roe@mailbox.org",
    "jane@@mailbox.org",
    "jane@mailbox",
  ])("rejects the malformed address %j as invalid", (raw) => {
    expect(normaliseEmail(raw)).toEqual({ reason: "invalid" });
  });

  it.each([
    "none@none.com",
    "NONE@NONE.COM",
    "none@mailbox.org",
    "jane.roe@none.com",
    "test@lakeview-apts.com",
    "noemail@gmail.com",
    "no-email@mailbox.org",
    "no.email@mailbox.org",
    "test@test.com",
    "noreply@lakeview-apts.com",
    "declined@mailbox.org",
    "unknown@mailbox.org",
    "jane.roe@example.com",
    "jane.roe@example.org",
    "jane.roe@mailbox.test",
    "jane.roe@host.invalid",
    "xxx@gmail.com",
    "x.x.x@gmail.com",
    "abc@abc.com",
  ])("treats %j as a placeholder", (raw) => {
    expect(normaliseEmail(raw)).toEqual({ reason: "placeholder" });
  });

  it.each([
    ["o'brien@mailbox.org", "o'brien@mailbox.org"],
    ["A.B+leasing@Sub.Mailbox.co.uk", "a.b+leasing@sub.mailbox.co.uk"],
    ["al@mailbox.org", "al@mailbox.org"],
    ["jo@jo-mail.com", "jo@jo-mail.com"],
  ])("keeps the real address %j", (raw, expected) => {
    expect(normaliseEmail(raw)).toEqual({ email: expected });
  });

  it("is idempotent: a normalised email normalises to itself", () => {
    fc.assert(
      fc.property(fc.oneof(realisticEmail, fc.string()), (raw) => {
        const first = normaliseEmail(raw);
        if (first !== null && "email" in first) {
          expect(normaliseEmail(first.email)).toEqual(first);
        }
      }),
    );
  });

  it("accepts every well-formed, non-placeholder address it is given", () => {
    fc.assert(
      fc.property(realisticEmail, (raw) => {
        const checked = normaliseEmail(raw);
        // The generator never produces malformed addresses, so the only refusal is a placeholder.
        expect(checked).not.toEqual({ reason: "invalid" });
        expect(checked).not.toBeNull();
      }),
    );
  });

  it("ignores letter case and surrounding whitespace", () => {
    fc.assert(
      fc.property(fc.mixedCase(realisticEmail), blank, blank, (raw, l, r) => {
        expect(normaliseEmail(`${l}${raw}${r}`)).toEqual(normaliseEmail(raw.toLowerCase()));
      }),
    );
  });

  it("never throws and always answers with an email, a reason or nothing", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (raw) => {
        const checked = normaliseEmail(raw);
        if (checked === null) expect(cleanText(raw)).toBeNull();
        else if ("email" in checked) expect(checked.email).toBe(checked.email.toLowerCase());
        else expect(["invalid", "placeholder"]).toContain(checked.reason);
      }),
    );
  });
});

describe("normalisePhone", () => {
  it.each(["(415) 555-2671", "415.555.2671", "+1 415 555 2671", "4155552671"])(
    "reads %j as +14155552671",
    (raw) => {
      expect(normalisePhone(raw, US)).toEqual({ raw, e164: "+14155552671" });
    },
  );

  it("gives the same E.164 number whichever way a valid number is written", () => {
    fc.assert(
      fc.property(fictionalNanp, fc.constantFrom(...nanpFormats), ({ area, line }, format) => {
        const raw = format(area, pad(line, 4));
        const checked = normalisePhone(raw, US);
        expect(checked).toEqual({ raw, e164: `+1${area}555${pad(line, 4)}` });
      }),
    );
  });

  it("keeps the cleaned text as written next to the E.164 form", () => {
    expect(normalisePhone("  (415)   555-0123 ", US)).toEqual({
      raw: "(415) 555-0123",
      e164: "+14155550123",
    });
  });

  it("ignores an extension when forming the key", () => {
    expect(normalisePhone("415-555-0123 ext 12", US)).toMatchObject({ e164: "+14155550123" });
  });

  it("keeps the country of a number written with its own country code", () => {
    expect(normalisePhone("+44 20 7946 0958", US)).toMatchObject({ e164: "+442079460958" });
  });

  it("reads a number without country code in the property's region", () => {
    expect(normalisePhone("020 7946 0958", { countryCode: "gb" })).toMatchObject({
      e164: "+442079460958",
    });
    expect(normalisePhone("020 7946 0958", US)).toEqual({ reason: "invalid" });
  });

  it("reports nothing for a blank phone", () => {
    expect(normalisePhone("  ", US)).toBeNull();
    expect(normalisePhone(undefined, US)).toBeNull();
  });

  it.each(["call me", "n/a", "555-0123", "415-555-012", "+1 415 555 01234567"])(
    "rejects %j as invalid",
    (raw) => {
      expect(normalisePhone(raw, US)).toEqual({ reason: "invalid" });
    },
  );

  it.each([
    "000-000-0000",
    "(000) 000-0000",
    "111-111-1111",
    "555-555-5555",
    "999 999 9999",
    "+1 212 000 0000",
    "(415) 111-1111",
    "987-654-3210",
    "123-456-7890",
    "1234567",
  ])("treats the filler number %j as a placeholder", (raw) => {
    expect(normalisePhone(raw, US)).toEqual({ reason: "placeholder" });
  });

  it("never makes a key of a number whose digits are all one digit", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 1, max: 15 }),
        fc.constantFrom("", "+", "+1 "),
        fc.constantFrom("", "-", " ", "."),
        (digit, length, prefix, separator) => {
          const digits = String(digit).repeat(length);
          const raw = prefix + (digits.match(/.{1,3}/g) ?? []).join(separator);
          const checked = normalisePhone(raw, US);
          expect(checked).not.toBeNull();
          expect(checked).not.toHaveProperty("e164");
        },
      ),
    );
  });

  it("treats the property's own phone as a placeholder, however either is written", () => {
    for (const office of [OFFICE, "415.555.0100", "(415) 555-0100"]) {
      const context = { countryCode: "US", officePhone: office };
      expect(normalisePhone("(415) 555-0100", context)).toEqual({ reason: "placeholder" });
      expect(normalisePhone("+1 415 555 0100", context)).toEqual({ reason: "placeholder" });
      expect(normalisePhone("(415) 555-0101", context)).toMatchObject({ e164: "+14155550101" });
    }
  });

  it("accepts any number when the property has no phone on record", () => {
    expect(normalisePhone("(415) 555-0100", { countryCode: "US", officePhone: null })).toEqual({
      raw: "(415) 555-0100",
      e164: OFFICE,
    });
  });
});

describe("normaliseBirthDate", () => {
  it("reads YYYY-MM-DD, YYYYMMDD and an ISO date-time as the same date", () => {
    for (const raw of ["1990-05-17", "19900517", "1990-05-17T00:00:00Z", " 1990-05-17 "]) {
      expect(normaliseBirthDate(raw, NOW)).toEqual({ date: "1990-05-17" });
    }
  });

  it("reports nothing for a blank date", () => {
    expect(normaliseBirthDate("", NOW)).toBeNull();
    expect(normaliseBirthDate(undefined, NOW)).toBeNull();
  });

  it("round-trips every calendar date from 1900 to today in both written forms", () => {
    const today = new Date();
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: today, noInvalidDate: true }),
        (day) => {
          const iso = day.toISOString().slice(0, 10);
          expect(normaliseBirthDate(iso, today)).toEqual({ date: iso });
          expect(normaliseBirthDate(iso.replaceAll("-", ""), today)).toEqual({ date: iso });
        },
      ),
    );
  });

  it("rejects a day past the end of its month in both written forms", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2024 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 3 }),
        (year, month, past) => {
          const day = daysInMonth(year, month) + past;
          fc.pre(day <= 31);
          const iso = `${year}-${pad(month)}-${pad(day)}`;
          expect(normaliseBirthDate(iso, NOW)).toEqual({ reason: "invalid" });
          expect(normaliseBirthDate(iso.replaceAll("-", ""), NOW)).toEqual({ reason: "invalid" });
        },
      ),
    );
  });

  it.each([
    "2023-02-29",
    "1900-02-29",
    "2024-02-30",
    "20240230",
    "2024-04-31",
    "2024-13-01",
    "2024-00-10",
    "2024-01-00",
  ])("rejects the impossible date %j", (raw) => {
    expect(normaliseBirthDate(raw, NOW)).toEqual({ reason: "invalid" });
  });

  it("accepts leap days of leap years", () => {
    expect(normaliseBirthDate("2024-02-29", NOW)).toEqual({ date: "2024-02-29" });
    expect(normaliseBirthDate("2000-02-29", NOW)).toEqual({ date: "2000-02-29" });
  });

  it("rejects dates before 1900 and accepts 1900-01-01", () => {
    expect(normaliseBirthDate("1899-12-31", NOW)).toEqual({ reason: "invalid" });
    expect(normaliseBirthDate("0050-01-01", NOW)).toEqual({ reason: "invalid" });
    expect(normaliseBirthDate("1900-01-01", NOW)).toEqual({ date: "1900-01-01" });
  });

  it("accepts today and rejects tomorrow", () => {
    expect(normaliseBirthDate("2025-06-15", NOW)).toEqual({ date: "2025-06-15" });
    expect(normaliseBirthDate("2025-06-16", NOW)).toEqual({ reason: "invalid" });
  });

  it.each(["May 17 1990", "17/05/1990", "1990-5-17", "1990/05/17", "199005170"])(
    "rejects the unreadable date %j",
    (raw) => {
      expect(normaliseBirthDate(raw, NOW)).toEqual({ reason: "invalid" });
    },
  );
});

describe("isCalendarDate", () => {
  it("agrees with the Gregorian calendar for every day number of every month", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (year, month, day) => {
          expect(isCalendarDate(year, month, day)).toBe(day <= daysInMonth(year, month));
        },
      ),
    );
  });

  it("rejects month and day numbers out of range", () => {
    expect(isCalendarDate(2024, 0, 10)).toBe(false);
    expect(isCalendarDate(2024, 13, 1)).toBe(false);
    expect(isCalendarDate(2024, 1, 0)).toBe(false);
    expect(isCalendarDate(2024, Number.NaN, 1)).toBe(false);
  });
});

describe("nameKey", () => {
  const letters = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzéñöçå".split(""));
  const name = fc.array(letters, { minLength: 1, maxLength: 12 }).map((chars) => chars.join(""));
  const spaced = (text: string, at: number[]) =>
    text
      .split("")
      .map((char, index) => (at.includes(index) ? ` ${char}` : char))
      .join("");

  it("ignores letter case and spaces anywhere in the name", () => {
    fc.assert(
      fc.property(
        fc.mixedCase(name),
        fc.array(fc.nat({ max: 12 })),
        blank,
        blank,
        (written, at, l, r) => {
          const key = nameKey(`${l}${spaced(written, at)}${r}`);
          expect(key).toBe(written.toLowerCase());
          expect(key).toBe(nameKey(written.toUpperCase()));
        },
      ),
    );
  });

  it("folds full-width letters onto ordinary ones", () => {
    expect(nameKey("Ｍａｒｙ")).toBe("mary");
  });

  it("keeps different names apart", () => {
    expect(nameKey("Ana")).not.toBe(nameKey("Anna"));
  });

  it("has no key for a missing or blank name", () => {
    expect(nameKey(null)).toBeNull();
    expect(nameKey("   ")).toBeNull();
  });
});

function valuesWith(overrides: Partial<ContactValues>): ContactValues {
  return { ...emptyValues(), ...overrides };
}

describe("matchKeysOf", () => {
  it("builds the name and birth date key only from first name, last name and birth date", () => {
    const full = valuesWith({ firstName: "Mary Ann", lastName: "Roe", dateOfBirth: "1990-05-17" });
    expect(matchKeysOf(full).nameDob).toBe("maryann|roe|1990-05-17");
    expect(matchKeysOf({ ...full, firstName: null }).nameDob).toBeNull();
    expect(matchKeysOf({ ...full, lastName: null }).nameDob).toBeNull();
    expect(matchKeysOf({ ...full, dateOfBirth: null }).nameDob).toBeNull();
  });

  it("lists each E.164 phone once, sorted", () => {
    const keys = matchKeysOf(
      valuesWith({
        phones: {
          work: { raw: "415.555.0199", e164: "+14155550199" },
          mobile: { raw: "(415) 555-0123", e164: "+14155550123" },
          home: { raw: "+1 415 555 0123", e164: "+14155550123" },
        },
      }),
    );
    expect(keys.phones).toEqual(["+14155550123", "+14155550199"]);
  });

  it("has no keys for empty values", () => {
    expect(matchKeysOf(emptyValues())).toEqual({ email: null, phones: [], nameDob: null });
  });

  const placeholderEmail = fc.constantFrom(
    "none@none.com",
    "NoEmail@gmail.com",
    "test@test.com",
    "n.a@example.com",
    "zzz@mailbox.org",
    "declined@lakeview-apts.com",
  );
  const placeholderPhone = fc.oneof(
    fc
      .tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 7, max: 11 }))
      .map(([digit, length]) => String(digit).repeat(length)),
    fc.constantFrom("(212) 000-0000", "987-654-3210", "(415) 555-0100", "+1 415 555 0100"),
  );

  it("never emits a key for a placeholder email or phone", () => {
    fc.assert(
      fc.property(
        placeholderEmail,
        fc.array(fc.record({ type: fc.constantFrom(...phoneTypes), number: placeholderPhone }), {
          maxLength: 4,
        }),
        // Any fictional number but the office's own.
        fc.option(
          fictionalNanp.filter(({ area, line }) => `+1${area}5550${line}` !== OFFICE),
          { nil: undefined },
        ),
        (email, phones, real) => {
          const person: ResmanPerson = { person_id: "P-1", status: "prospect", email, phones };
          if (real !== undefined) {
            person.phones = [
              { type: "mobile", number: `(${real.area}) 555-${pad(real.line, 4)}` },
              ...phones,
            ];
          }
          const { keys, warnings } = normalisePerson(person, AT_OFFICE);
          expect(keys.email).toBeNull();
          expect(keys.phones).toEqual(
            real === undefined ? [] : [`+1${real.area}555${pad(real.line, 4)}`],
          );
          expect(warnings).toContainEqual({ field: "email", reason: "placeholder" });
        },
      ),
    );
  });
});

describe("normalisePerson", () => {
  const person: ResmanPerson = {
    person_id: "  6f1c2a4e-0b7d-4c1e-9a55-3d2f8e7b9c01 ",
    status: "lost",
    first_name: "  Mary   Ann ",
    middle_name: "",
    last_name: "Roe",
    email: " Mary.Roe@Mailbox.org ",
    phones: [
      { type: "mobile", number: "(415) 555-0123" },
      { type: "home", number: "+1 212 555 0188" },
    ],
    birthdate: "19900517",
    address: { line1: " 12 Elm  St ", city: "Springfield", postal_code: "94107" },
    is_dependent: false,
    last_modified: "2025-03-01T09:30:00-05:00",
  };

  it("cleans every value and derives the keys from them", () => {
    const normalised = normalisePerson(person, US);
    expect(normalised).toEqual({
      personId: "6f1c2a4e-0b7d-4c1e-9a55-3d2f8e7b9c01",
      status: "lost",
      kind: "prospect",
      values: {
        firstName: "Mary Ann",
        middleName: null,
        lastName: "Roe",
        email: "mary.roe@mailbox.org",
        phones: {
          mobile: { raw: "(415) 555-0123", e164: "+14155550123" },
          home: { raw: "+1 212 555 0188", e164: "+12125550188" },
        },
        dateOfBirth: "1990-05-17",
        address: {
          line1: "12 Elm St",
          line2: null,
          city: "Springfield",
          state: null,
          postalCode: "94107",
        },
        isDependent: false,
      },
      keys: {
        email: "mary.roe@mailbox.org",
        phones: ["+12125550188", "+14155550123"],
        nameDob: "maryann|roe|1990-05-17",
      },
      lastModified: new Date("2025-03-01T14:30:00Z"),
      warnings: [],
    });
  });

  it("drops unusable values with warnings that name the field and never the value", () => {
    const { values, warnings } = normalisePerson(
      {
        person_id: "P-2",
        status: "prospect",
        email: "none@none.com",
        phones: [
          { type: "mobile", number: "(415) 555-0123" },
          { type: "home", number: "000-000-0000" },
          { type: "work", number: "call me" },
          { type: "mobile", number: "(415) 555-0124" },
          { type: "fax", number: "(415) 555-0100" },
        ],
        birthdate: "2024-02-30",
      },
      AT_OFFICE,
    );
    expect(warnings).toEqual([
      { field: "email", reason: "placeholder" },
      { field: "phones[1]", reason: "placeholder" },
      { field: "phones[2]", reason: "invalid" },
      { field: "phones[3]", reason: "duplicate_type" },
      { field: "phones[4]", reason: "placeholder" },
      { field: "birthdate", reason: "invalid" },
    ]);
    expect(values.email).toBeNull();
    expect(values.dateOfBirth).toBeNull();
    expect(values.phones).toEqual({ mobile: { raw: "(415) 555-0123", e164: "+14155550123" } });
    const said = JSON.stringify(warnings);
    for (const secret of ["none@none.com", "000-000-0000", "call me", "555-0124", "2024-02-30"]) {
      expect(said).not.toContain(secret);
    }
  });

  it("skips blank phones without a warning", () => {
    const { values, warnings } = normalisePerson(
      { person_id: "P-3", status: "resident", phones: [{ type: "home", number: "  " }] },
      US,
    );
    expect(values.phones).toEqual({});
    expect(warnings).toEqual([]);
  });

  it("has no address when every part is blank and no time when last_modified is absent", () => {
    const normalised = normalisePerson(
      { person_id: "P-4", status: "applicant", address: { line1: " ", city: "" } },
      US,
    );
    expect(normalised.values.address).toBeNull();
    expect(normalised.values.isDependent).toBeNull();
    expect(normalised.lastModified).toBeNull();
    expect(normalised.kind).toBe("applicant");
  });
});

describe("hasIdentity", () => {
  it("is true for a name, an email or a phone", () => {
    expect(hasIdentity(valuesWith({ firstName: "Mary" }))).toBe(true);
    expect(hasIdentity(valuesWith({ lastName: "Roe" }))).toBe(true);
    expect(hasIdentity(valuesWith({ email: "mary.roe@mailbox.org" }))).toBe(true);
    expect(
      hasIdentity(valuesWith({ phones: { work: { raw: "415 555 0123", e164: "+14155550123" } } })),
    ).toBe(true);
  });

  it("is false when only a birth date, an address or the dependent flag is known", () => {
    expect(
      hasIdentity(
        valuesWith({
          dateOfBirth: "1990-05-17",
          middleName: "Ann",
          isDependent: true,
          address: { line1: "12 Elm St", line2: null, city: null, state: null, postalCode: null },
        }),
      ),
    ).toBe(false);
  });
});

describe("kindOfStatus", () => {
  it.each([
    ["prospect", "prospect"],
    ["lost", "prospect"],
    ["applicant", "applicant"],
    ["resident", "resident"],
    ["former", "former"],
  ] as const)("maps the ResMan status %s onto the contact kind %s", (status, kind) => {
    expect(kindOfStatus(status)).toBe(kind);
  });
});

describe("kindOfStatuses", () => {
  it.each([
    [["lost", "resident"], "resident"],
    [["resident", "applicant"], "resident"],
    [["former", "prospect"], "prospect"],
    [["lost", "former"], "former"],
    [["lost"], "prospect"],
  ] as const)("takes the best of %j as %s", (statuses, kind) => {
    expect(kindOfStatuses(statuses, "lead")).toBe(kind);
  });

  it("keeps the fallback when no ResMan record says anything", () => {
    expect(kindOfStatuses([], "lead")).toBe("lead");
  });

  it("does not depend on the order of the records", () => {
    const status = fc.constantFrom(...personStatuses);
    fc.assert(
      fc.property(fc.array(status, { maxLength: 6 }), (statuses) => {
        expect(kindOfStatuses([...statuses].reverse(), "lead")).toBe(
          kindOfStatuses(statuses, "lead"),
        );
      }),
    );
  });
});
