import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  columnAliases,
  columnOf,
  headerColumns,
  keyedFields,
  nearestColumn,
} from "../../lib/domain/importColumns.js";
import { importColumns } from "../../lib/domain/importRow.js";

describe("columnOf", () => {
  it.each([
    ["external_id", "external_id"],
    ["PersonID", "external_id"],
    ["person_id", "external_id"],
    ["Person ID", "external_id"],
    ["ResManPersonID", "external_id"],
    ["resman-person-id", "external_id"],
    ["FirstName", "first_name"],
    ["first name", "first_name"],
    ["FIRST_NAME", "first_name"],
    ["LastName", "last_name"],
    ["MiddleName", "middle_name"],
    ["E-mail", "email"],
    ["EmailAddress", "email"],
    ["Email Address", "email"],
    ["Phone Number", "phone"],
    ["Mobile", "phone"],
    ["MobilePhone", "phone"],
    ["Cell", "phone"],
    ["DOB", "date_of_birth"],
    ["Birthdate", "date_of_birth"],
    ["Date of Birth", "date_of_birth"],
    ["Address", "address_line1"],
    ["Street", "address_line1"],
    ["Address1", "address_line1"],
    ["Address2", "address_line2"],
    ["Unit", "address_line2"],
    ["Zip", "postal_code"],
    ["ZipCode", "postal_code"],
    ["Postal Code", "postal_code"],
    ["State", "state"],
    ["City", "city"],
    ["Status", "status"],
    ["LastModified", "last_modified"],
    ["Modified", "last_modified"],
  ])("reads the header %j as %s", (name, column) => {
    expect(columnOf(name)).toBe(column);
  });

  it.each(["favourite_colour", "Emial", "name", "id", ""])("knows no column %j", (name) => {
    expect(columnOf(name)).toBeUndefined();
  });

  it("gives every canonical column its own name, and no alias two columns", () => {
    for (const column of importColumns) expect(columnOf(column)).toBe(column);
    for (const [column, aliases] of Object.entries(columnAliases)) {
      for (const alias of aliases) expect(columnOf(alias)).toBe(column);
    }
  });

  it("is documented: README's Import files section names every alias", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(
      readme.indexOf("### Import files"),
      readme.indexOf("### ", readme.indexOf("### Import files") + 4),
    );
    for (const aliases of Object.values(columnAliases)) {
      for (const alias of aliases) expect(section).toContain(`\`${alias}\``);
    }
  });
});

describe("nearestColumn", () => {
  it.each([
    ["Emial", "email"],
    ["frist_name", "first_name"],
    ["LastNmae", "last_name"],
    ["phon", "phone"],
    ["Zipp", "postal_code"],
    ["statsu", "status"],
  ])("takes %j for a typo of %s", (name, column) => {
    expect(nearestColumn(name)).toBe(column);
  });

  it.each(["favourite_colour", "loyalty_tier", "name", "id", "notes"])(
    "finds nothing near %j",
    (name) => {
      expect(nearestColumn(name)).toBeUndefined();
    },
  );
});

describe("headerColumns", () => {
  it("maps each field to its column and lists the unknown ones with the nearest name", () => {
    expect(headerColumns(["PersonID", "First Name", "Emial", "notes", "", "zip"])).toEqual({
      ok: true,
      columns: ["external_id", "first_name", undefined, undefined, undefined, "postal_code"],
      unknown: [
        { name: "Emial", nearest: "email" },
        { name: "notes", nearest: null },
      ],
    });
  });

  it("refuses two names for one column, naming both", () => {
    expect(headerColumns(["external_id", "E-mail", "first_name", "email"])).toEqual({
      ok: false,
      reason: "the CSV header names email twice: `E-mail` and `email`",
    });
    expect(headerColumns(["PersonID", "external_id"])).toMatchObject({
      ok: false,
      reason: expect.stringContaining("external_id twice: `PersonID` and `external_id`"),
    });
  });

  it("says when the header is separated by something other than commas", () => {
    for (const [header, name] of [
      ["external_id;first_name;email", "semicolons"],
      ["external_id\tfirst_name", "tabs"],
      ["external_id|email", "vertical bars"],
    ]) {
      expect(headerColumns([header as string])).toEqual({
        ok: false,
        reason: `the CSV header is separated by ${name}, not commas: save the file as comma-separated CSV (in Excel: CSV UTF-8)`,
      });
    }
    // A single column that is a name is not a separator problem.
    expect(headerColumns(["external_id"])).toMatchObject({ ok: true });
  });

  it("refuses a header without external_id or an alias of it", () => {
    expect(headerColumns(["guest_card", "first_name"])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the CSV header has no external_id column/),
    });
  });
});

describe("keyedFields", () => {
  it("maps JSONL keys like headers and returns the unknown ones", () => {
    expect(keyedFields({ PersonID: "p-1", "First Name": "x", Emial: "", extra: 1 })).toEqual({
      ok: true,
      fields: { external_id: "p-1", first_name: "x" },
      unknown: ["Emial", "extra"],
    });
  });

  it("rejects an object with two keys for one column, naming the keys", () => {
    expect(keyedFields({ external_id: "p-1", email: "a", "E-mail": "b" })).toEqual({
      ok: false,
      reason: "the keys `email` and `E-mail` both name email",
    });
  });
});
