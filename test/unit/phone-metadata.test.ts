/**
 * The phone metadata the product ships (lib/domain/refdata/phoneMetadata.ts: libphonenumber-js's
 * `max` numbering plans without the display formats, issue 15) must parse, validate and type
 * every number exactly as `libphonenumber-js/max` does. The expectations are computed from `max`
 * here, so the test compares both metadata sets: on a representative set of the numbers the
 * product sees (US, CA, GB and MX: mobile, landline, toll-free, with and without the country
 * code, the fictional 555-01xx numbers of the fixtures, invalid ones), on random digit strings,
 * and through `normalisePhone`.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { type CountryCode, parsePhoneNumberFromString as parseWith } from "libphonenumber-js/core";
import { parsePhoneNumberFromString as parseMax } from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
import { normalisePhone } from "../../lib/domain/normalize.js";
import { phoneMetadata } from "../../lib/domain/refdata/phoneMetadata.js";
import { AREA_CODES, PLACEHOLDER_PHONES } from "../../lib/local/peopleGenerator.js";
import {
  generatePhoneMetadataModule,
  libphonenumberVersion,
  phoneMetadataModulePath,
  readMaxMetadata,
} from "../../scripts/generatePhoneMetadata.js";

const COUNTRIES = ["US", "CA", "GB", "MX"] as const satisfies readonly CountryCode[];

/** Everything the product (or a future caller) reads from a parsed number. */
function reading(parsed: ReturnType<typeof parseMax>) {
  if (parsed === undefined) return undefined;
  return {
    e164: parsed.number,
    nationalNumber: parsed.nationalNumber,
    country: parsed.country,
    valid: parsed.isValid(),
    possible: parsed.isPossible(),
    type: parsed.getType(),
  };
}

const withMax = (raw: string, country: CountryCode) =>
  reading(parseMax(raw, { defaultCountry: country }));
const shipped = (raw: string, country: CountryCode) =>
  reading(parseWith(raw, { defaultCountry: country }, phoneMetadata()));

/** [region the number is read in, the number as typed]. */
const REPRESENTATIVE: readonly (readonly [CountryCode, string])[] = [
  // US: geographic (landline or mobile: NANP does not tell them apart), with and without +1.
  ["US", "(415) 555-2671"],
  ["US", "415-867-5309"],
  ["US", "+1 212 555 0123"],
  ["US", "1 (212) 555-0123"],
  ["US", "212.555.0199"],
  ["US", "+12295550196"],
  ["US", "8045550116"],
  ["US", "415-555-0123 ext 12"],
  // US toll-free, premium, personal communication.
  ["US", "1-800-555-0100"],
  ["US", "(888) 555-0123"],
  ["US", "+1 877 275 2273"],
  ["US", "(900) 555-0199"],
  ["US", "(500) 555-0199"],
  // Invalid in the US: area codes 0xx/1xx/555/911, exchange 0xx/1xx, too short or long.
  ["US", "(123) 456-7890"],
  ["US", "(555) 123-4567"],
  ["US", "+1 911 555 0123"],
  ["US", "(212) 055-0123"],
  ["US", "(212) 155-0123"],
  ["US", "555-0123"],
  ["US", "+1 212 555 01234"],
  ["US", "12"],
  // Numbers of other countries typed in a US property.
  ["US", "+44 20 7946 0958"],
  ["US", "+52 55 1234 5678"],
  ["US", "+1 268 464 1234"],
  ["US", "+1 809 555 0123"],
  ["US", "+1 671 583 1618"],
  ["US", "020 7946 0958"],
  // Canada.
  ["CA", "(416) 555-0123"],
  ["CA", "+1 604 555 0199"],
  ["CA", "613-555-0142"],
  ["CA", "(416) 967-1111"],
  ["CA", "1-800-555-0100"],
  ["CA", "(600) 555-0123"],
  ["CA", "(622) 555-0123"],
  ["CA", "(999) 555-0123"],
  ["CA", "(212) 555-0123"],
  // Great Britain: landline, mobile, toll-free, non-geographic, Crown dependencies, invalid.
  ["GB", "020 7946 0958"],
  ["GB", "+44 20 7946 0958"],
  ["GB", "0113 496 0000"],
  ["GB", "01632 960123"],
  ["GB", "07400 123456"],
  ["GB", "+44 7911 123456"],
  ["GB", "07700 900123"],
  ["GB", "07624 369230"],
  ["GB", "0800 123 4567"],
  ["GB", "0300 123 4567"],
  ["GB", "0909 879 0000"],
  ["GB", "070 1234 5678"],
  ["GB", "055 1234 5678"],
  ["GB", "020 7946 095"],
  ["GB", "+44 1234"],
  ["GB", "0500 123456"],
  ["GB", "(415) 555-2671"],
  // Mexico: Mexico City, Monterrey, Guadalajara, Mérida, toll-free, the old mobile prefixes,
  // unassigned area codes (valid under `min`, not under `max`).
  ["MX", "55 1234 5678"],
  ["MX", "+52 55 1234 5678"],
  ["MX", "+52 81 8123 4567"],
  ["MX", "33 1234 5678"],
  ["MX", "+52 999 123 4567"],
  ["MX", "800 123 4567"],
  ["MX", "+52 1 55 1234 5678"],
  ["MX", "044 55 1234 5678"],
  ["MX", "01 55 1234 5678"],
  ["MX", "980 649 2061"],
  ["MX", "514 927 1744"],
  ["MX", "+52 11 1234 5678"],
  ["MX", "123"],
  ["MX", "+1 (415) 555-2671"],
];

/** The fixtures' fictional numbers: 555-0101…0199 in every area code the generator uses. */
const FICTIONAL = AREA_CODES.flatMap((area, index) => [
  `(${area}) 555-01${String(1 + (index % 99)).padStart(2, "0")}`,
  `+1 ${area} 555 0100`,
]);

describe("lib/domain/refdata/phoneMetadata.ts", () => {
  it("is generated from the installed libphonenumber-js (else run `npm run phone-metadata`)", () => {
    expect(
      readFileSync(phoneMetadataModulePath, "utf8"),
      "lib/domain/refdata/phoneMetadata.ts is stale: run npm run phone-metadata",
    ).toBe(generatePhoneMetadataModule(readMaxMetadata(), libphonenumberVersion()));
  });

  it("is `max` without the display formats: every numbering plan, a third smaller", () => {
    const max = readMaxMetadata();
    expect(Object.keys(phoneMetadata().countries)).toEqual(Object.keys(max.countries));
    expect(phoneMetadata().country_calling_codes).toEqual(max.country_calling_codes);
    expect(JSON.stringify(phoneMetadata()).length).toBeLessThan(JSON.stringify(max).length * 0.7);
  });
});

describe("numbers parse, validate and type as with libphonenumber-js/max", () => {
  it.each(REPRESENTATIVE)("%s %s", (country, raw) => {
    expect(shipped(raw, country)).toEqual(withMax(raw, country));
  });

  it("the fixtures' 555-01xx numbers, all valid US numbers", () => {
    for (const raw of FICTIONAL) {
      const expected = withMax(raw, "US");
      expect(shipped(raw, "US"), raw).toEqual(expected);
      expect(expected?.valid, raw).toBe(true);
    }
  });

  it("placeholder numbers", () => {
    for (const raw of PLACEHOLDER_PHONES) {
      for (const country of COUNTRIES) expect(shipped(raw, country)).toEqual(withMax(raw, country));
    }
  });

  it("random digit strings, national and international, in each region", () => {
    const callingCode = { US: "1", CA: "1", GB: "44", MX: "52" } as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...COUNTRIES),
        fc.stringMatching(/^\d{6,12}$/),
        fc.constantFrom("national", "trunk", "international"),
        (country, digits, form) => {
          const raw =
            form === "international"
              ? `+${callingCode[country]} ${digits}`
              : form === "trunk"
                ? `${country === "GB" ? "0" : "1"}${digits}`
                : digits;
          expect(shipped(raw, country)).toEqual(withMax(raw, country));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("normalisePhone's answers match what max decides", () => {
    for (const [country, raw] of REPRESENTATIVE) {
      const expected = withMax(raw, country);
      const checked = normalisePhone(raw, { countryCode: country });
      if (checked !== null && "e164" in checked) {
        expect(expected, raw).toMatchObject({ valid: true, e164: checked.e164 });
      } else if (checked?.reason === "invalid") {
        expect(expected === undefined || !expected.valid, raw).toBe(true);
      }
    }
  });
});
