/**
 * A portfolio's properties file checked (`checkRegistryEntries`, lib/domain/propertyRegistration.ts):
 * fields by their names and ResMan's (compared like import columns), the operator's
 * defaults where an entry says nothing, every problem named by entry and field without a value,
 * a field absent from the whole file said once, and nothing to register while any problem stands.
 */
import { describe, expect, it } from "vitest";
import {
  checkRegistryEntries,
  type RegistryEntry,
  resmanAccountIdOf,
} from "../../lib/domain/propertyRegistration.js";

const A = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";
const B = "0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d";
const defaults = { api: "v2", enabled: true } as const;

function entries(...fields: Record<string, unknown>[]): RegistryEntry[] {
  return fields.map((f, i) => ({ where: `line ${i + 2}`, fields: f }));
}

describe("checkRegistryEntries", () => {
  it("reads the fields by their names and ResMan's, in any case and spacing", () => {
    const checked = checkRegistryEntries(
      entries(
        {
          resman_property_id: A.toUpperCase(),
          resman_account_id: 400,
          name: " Oak Ridge ",
          api: "V1",
          enabled: false,
        },
        { "Property ID": B, accountid: "401", Enabled: "No" },
        {
          ResManPropertyID: "11111111-2222-4333-8444-555555555555",
          "resman-account-id": " 7 ",
          reconciled: "1",
        },
      ),
      defaults,
    );
    expect(checked.problems).toEqual([]);
    expect(checked.unknown).toEqual([]);
    expect(checked.properties).toEqual([
      { resmanPropertyId: A, resmanAccountId: 400, name: "Oak Ridge", api: "v1", enabled: false },
      { resmanPropertyId: B, resmanAccountId: 401, api: "v2", enabled: false },
      {
        resmanPropertyId: "11111111-2222-4333-8444-555555555555",
        resmanAccountId: 7,
        api: "v2",
        enabled: true,
      },
    ]);
  });

  it("takes the operator's api and enabled where an entry leaves them out or blank, and keeps a blank name", () => {
    const checked = checkRegistryEntries(
      entries(
        { PropertyID: A, AccountID: "400", name: "", api: "", enabled: "" },
        { PropertyID: B, AccountID: "401", api: null, enabled: null },
      ),
      { api: "v1", enabled: false },
    );
    expect(checked.problems).toEqual([]);
    expect(checked.properties).toEqual([
      { resmanPropertyId: A, resmanAccountId: 400, api: "v1", enabled: false },
      { resmanPropertyId: B, resmanAccountId: 401, api: "v1", enabled: false },
    ]);
  });

  it("reads back what `property list --json` prints, ignoring its id without a word", () => {
    const listed = {
      id: "9d2f0c1e-0000-4000-8000-000000000001",
      name: "Maple Court",
      resman_property_id: A,
      resman_account_id: 400,
      api: "v2",
      enabled: true,
    };
    const checked = checkRegistryEntries([{ where: "entry 1", fields: listed }], defaults);
    expect(checked).toEqual({
      properties: [
        {
          resmanPropertyId: A,
          resmanAccountId: 400,
          name: "Maple Court",
          api: "v2",
          enabled: true,
        },
      ],
      problems: [],
      unknown: [],
    });
  });

  it("names every wrong entry and field, never the value, and registers nothing", () => {
    const secret = "Secret Name Ltd";
    const checked = checkRegistryEntries(
      entries(
        { PropertyID: A, AccountID: "400", name: secret },
        { PropertyID: "not-a-guid", AccountID: "0" },
        { PropertyID: A.toUpperCase(), AccountID: "401" },
        { PropertyID: B, AccountID: "4x", api: "v3", enabled: "maybe", name: 5 },
        { AccountID: "402" },
        {
          PropertyID: "11111111-2222-4333-8444-555555555555",
          resman_property_id: B,
          AccountID: "403",
        },
      ),
      defaults,
    );
    expect(checked.properties).toEqual([]);
    expect(checked.problems).toEqual([
      "line 3: resman_property_id must be a GUID (the ResMan PropertyID)",
      "line 3: resman_account_id must be a ResMan AccountID (a positive integer)",
      "line 4: resman_property_id repeats line 2",
      "line 5: resman_account_id must be a ResMan AccountID (a positive integer)",
      "line 5: name must be text",
      "line 5: api must be v2 or v1",
      "line 5: enabled must be true or false (yes/no, 1/0)",
      "line 6: resman_property_id is missing",
      "line 7: `PropertyID` and `resman_property_id` both name resman_property_id",
    ]);
    expect(checked.problems.join("\n")).not.toContain(secret);
  });

  it("says once that no entry has a required field, with a hint when the file holds people", () => {
    const people = checkRegistryEntries(
      entries(
        { external_id: "P-1", first_name: "Ann", last_name: "Lee" },
        { external_id: "P-2", first_name: "Bo", last_name: "Ray" },
      ),
      defaults,
    );
    expect(people.properties).toEqual([]);
    expect(people.problems).toEqual([
      expect.stringMatching(/^no entry has resman_property_id \(named `resman_property_id`/),
      expect.stringMatching(/^no entry has resman_account_id /),
      "this looks like a file of people: they are imported with `contact-sync import`",
    ]);
    expect(people.unknown.map((u) => u.name)).toEqual(["external_id", "first_name", "last_name"]);

    const typo = checkRegistryEntries(
      entries({ PropertyID: A, AcountID: "400", Nmae: "X" }),
      defaults,
    );
    expect(typo.problems).toEqual([expect.stringMatching(/^no entry has resman_account_id /)]);
    expect(typo.unknown).toEqual([
      { name: "AcountID", nearest: "resman_account_id" },
      { name: "Nmae", nearest: "name" },
    ]);
  });

  it("takes a spreadsheet's Property and Account columns for names, not for the ids", () => {
    const checked = checkRegistryEntries(
      entries({ Property: "Oak Ridge", Account: "Greystar", PropertyID: A, AccountID: "400" }),
      defaults,
    );
    expect(checked.problems).toEqual([]);
    expect(checked.properties).toEqual([
      { resmanPropertyId: A, resmanAccountId: 400, api: "v2", enabled: true },
    ]);
    expect(checked.unknown.map((u) => u.name)).toEqual(["Property", "Account"]);
  });

  it("refuses a file without entries", () => {
    expect(checkRegistryEntries([], defaults).problems).toEqual(["the file has no entries"]);
  });
});

describe("resmanAccountIdOf", () => {
  it.each([
    [400, 400],
    ["400", 400],
    [" 12 ", 12],
    [2_147_483_647, 2_147_483_647],
    [0, undefined],
    [-4, undefined],
    [4.5, undefined],
    ["4.5", undefined],
    ["1e3", undefined],
    [2_147_483_648, undefined],
    ["", undefined],
    [true, undefined],
    [null, undefined],
  ])("%j → %j", (value, id) => {
    expect(resmanAccountIdOf(value)).toBe(id);
  });
});
