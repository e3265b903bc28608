import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AddressInput,
  compactStreet,
  type NormalisedAddress,
  normaliseAddress,
} from "../../lib/domain/address.js";

/** A normalised address written back as address lines. */
const reassembled = (address: NormalisedAddress): AddressInput => ({
  line1: [address.streetNumber, address.street].filter((part) => part !== null).join(" "),
  line2: address.unit === null ? null : `unit ${address.unit}`,
  postalCode: address.postalCode,
});

/** Street types as people write them, and the one form each becomes. */
const streetTypes: readonly (readonly [string[], string])[] = [
  [["Street", "St", "St.", "STR"], "st"],
  [["Avenue", "Ave", "Av"], "ave"],
  [["Road", "Rd", "Rd."], "rd"],
  [["Drive", "Dr", "Dr."], "dr"],
  [["Lane", "Ln"], "ln"],
  [["Court", "Ct", "Crt"], "ct"],
  [["Boulevard", "Blvd", "Blvd."], "blvd"],
  [["Place", "Pl"], "pl"],
  [["Terrace", "Tce", "Ter"], "ter"],
  [["Crescent", "Cres"], "cres"],
  [["Highway", "Hwy"], "hwy"],
  [["Parade", "Pde"], "pde"],
  [["Close", "Cl"], "cl"],
];

const streetName = fc.constantFrom("Miller", "Main", "Oak Hill", "O'Connell", "Sunnyvale", "Kings");
const houseNumber = fc.stringMatching(/^[1-9][0-9]{0,3}[a-c]?$/);
const unitLabel = fc.constantFrom("Apt", "Apt.", "Apartment", "Unit", "#", "Suite", "Ste", "Flat");
const designator = fc.stringMatching(/^([1-9][0-9]{0,2}[a-d]?|[a-d])$/);

describe("normaliseAddress", () => {
  it.each([
    [
      { line1: "123 Main Street, Apt. 4B", postalCode: "12345-6789" },
      { streetNumber: "123", street: "main st", unit: "4b", postalCode: "12345" },
    ],
    [
      { line1: "123 MAIN ST", line2: "#4b", postalCode: "12345" },
      { streetNumber: "123", street: "main st", unit: "4b", postalCode: "12345" },
    ],
    [
      { line1: "1/23 Miller Place", line2: "Sunnyvale Caravan Park", postalCode: " 2600 " },
      { streetNumber: "23", street: "miller pl", unit: "1", postalCode: "2600" },
    ],
    [
      { line1: "23 miller pl", line2: "unit 1", postalCode: "2600" },
      { streetNumber: "23", street: "miller pl", unit: "1", postalCode: "2600" },
    ],
    [
      { line1: "Apt 4", line2: "123 N. Main St." },
      { streetNumber: "123", street: "n main st", unit: "4", postalCode: null },
    ],
    [
      { line1: "500 South Kings Highway Suite 200", postalCode: "123456789" },
      { streetNumber: "500", street: "s kings hwy", unit: "200", postalCode: "12345" },
    ],
    [
      { line1: "12-14 O'Connell St", postalCode: "SW1A 1AA" },
      { streetNumber: "12-14", street: "oconnell st", unit: null, postalCode: "sw1a1aa" },
    ],
    [
      { line1: "9 Rue Saint-Honoré", line2: "B" },
      { streetNumber: "9", street: "rue st honore", unit: "b", postalCode: null },
    ],
    [
      { line2: "sunnyvale caravan park", postalCode: "00000" },
      { streetNumber: null, street: "sunnyvale caravan park", unit: null, postalCode: null },
    ],
    [{}, { streetNumber: null, street: null, unit: null, postalCode: null }],
  ] satisfies [AddressInput, NormalisedAddress][])("reads %j", (input, expected) => {
    expect(normaliseAddress(input)).toEqual(expected);
  });

  it("ignores the city and the state", () => {
    const base = { line1: "1 Main St", postalCode: "78701" };
    expect(normaliseAddress({ ...base, city: "Austin", state: "TX" })).toEqual(
      normaliseAddress(base),
    );
  });

  it.each(streetTypes)("writes every spelling of %j as %s", (spellings, form) => {
    for (const spelling of spellings) {
      expect(normaliseAddress({ line1: `10 Kings ${spelling}` }).street, spelling).toBe(
        `kings ${form}`,
      );
    }
  });

  it("never maps a street type onto a spelling that maps again", () => {
    const forms = new Set(streetTypes.map(([, form]) => form));
    for (const form of forms) {
      expect(normaliseAddress({ line1: `1 x ${form}` }).street).toBe(`x ${form}`);
    }
  });

  it("is idempotent: the result written back as lines reads the same", () => {
    fc.assert(
      fc.property(
        fc.record({
          line1: fc.option(fc.oneof(fc.string(), fc.string({ unit: "binary" }))),
          line2: fc.option(fc.string()),
          postalCode: fc.option(fc.string()),
        }),
        (input) => {
          const once = normaliseAddress(input);
          expect(normaliseAddress(reassembled(once))).toEqual(once);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reads the same address alike however its street line is written", () => {
    fc.assert(
      fc.property(
        houseNumber,
        streetName,
        fc.constantFrom(...streetTypes),
        fc.nat(),
        fc.option(fc.tuple(unitLabel, designator)),
        fc.boolean(),
        (number, name, [spellings, form], pick, unit, upper) => {
          const spelling = spellings[pick % spellings.length] as string;
          const unitText = unit === null ? "" : ` ${unit[0]} ${unit[1]}`;
          const line1 = `${number} ${name} ${spelling},${unitText}`;
          const result = normaliseAddress({ line1: upper ? line1.toUpperCase() : line1 });
          expect(result.streetNumber).toBe(number.toLowerCase());
          expect(result.street).toBe(`${name.toLowerCase().replace("'", "")} ${form}`);
          expect(result.unit).toBe(unit === null ? null : unit[1].toLowerCase());
        },
      ),
    );
  });

  it("puts the unit in the same place whether it is in line 1, line 2 or before the number", () => {
    fc.assert(
      fc.property(houseNumber, unitLabel, designator, (number, label, unit) => {
        const inLine1 = normaliseAddress({ line1: `${number} Main St ${label} ${unit}` });
        expect(normaliseAddress({ line1: `${number} Main St`, line2: `${label} ${unit}` })).toEqual(
          inLine1,
        );
        expect(normaliseAddress({ line1: `${label} ${unit} ${number} Main St` })).toEqual(inLine1);
        if (/^\d/.test(unit)) {
          expect(normaliseAddress({ line1: `${unit}/${number} Main St` })).toEqual(inLine1);
        }
      }),
    );
  });

  it("cuts a ZIP+4 to the ZIP and keeps other digit codes as given", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{5}$/),
        fc.stringMatching(/^[0-9]{4}$/),
        fc.constantFrom("-", " ", ""),
        (zip, plus4, separator) => {
          fc.pre(!/^0+$/.test(zip));
          expect(normaliseAddress({ postalCode: `${zip}${separator}${plus4}` }).postalCode).toBe(
            zip,
          );
          expect(normaliseAddress({ postalCode: ` ${plus4} ` }).postalCode).toBe(
            /^0+$/.test(plus4) ? null : plus4,
          );
        },
      ),
    );
  });
});

describe("compactStreet", () => {
  const compact = (line1: string) => {
    const { street } = normaliseAddress({ line1 });
    return street === null ? null : compactStreet(street);
  };

  it("reads a street alike however its words are split and its type is spelled", () => {
    const forms = ["12 Alston Street", "12 Alston St", "12 AlstonStreet", "12 Alstons treet"];
    expect(new Set(forms.map(compact))).toEqual(new Set(["alstonstreet"]));
    expect(compact("5 Noel Rya n Garden")).toBe(compact("5 Noel Ryangarden"));
    expect(compact("8 North Main Cres")).toBe("nmaincrescent");
  });

  it("keeps different streets and street types apart", () => {
    expect(compact("12 Alston St")).not.toBe(compact("12 Alston Pl"));
    expect(compact("12 Alston St")).not.toBe(compact("12 Alstone St"));
  });

  it("spells every abbreviation out as a word that abbreviates back to it", () => {
    fc.assert(
      fc.property(fc.constantFrom(...streetTypes), ([spellings, short]) => {
        const full = compactStreet(short);
        expect(normaliseAddress({ line1: `1 ${full}` }).street).toBe(short);
        for (const spelling of spellings)
          expect(compact(`1 Miller ${spelling}`)).toBe(`miller${full}`);
      }),
    );
  });
});
