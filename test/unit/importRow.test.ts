import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_IMPORT_STATUS,
  importColumns,
  importFieldOf,
  personFromImportRow,
} from "../../lib/domain/importRow.js";
import { MAX_PERSON_ID, MAX_TEXT, resmanPersonSchema } from "../../lib/domain/person.js";

const ID = "6f1c2a4e-0b7d-4c1e-9a55-3d2f8e7b9c01";

describe("personFromImportRow", () => {
  it("maps a full CSV row onto a ResMan person", () => {
    const result = personFromImportRow({
      external_id: ID,
      first_name: " Mary ",
      middle_name: "Ann",
      last_name: "Roe",
      email: "Mary.Roe@mailbox.org",
      phone: "(415) 555-0123",
      date_of_birth: "19900517",
      address_line1: "12 Elm St",
      address_line2: "Apt 3",
      city: "Springfield",
      state: "OR",
      postal_code: "97477",
      status: "applicant",
      last_modified: "2025-03-01T10:00:00Z",
    });
    expect(result).toEqual({
      ok: true,
      person: {
        person_id: ID,
        status: "applicant",
        first_name: "Mary",
        middle_name: "Ann",
        last_name: "Roe",
        email: "Mary.Roe@mailbox.org",
        phones: [{ type: "mobile", number: "(415) 555-0123" }],
        birthdate: "19900517",
        address: {
          line1: "12 Elm St",
          line2: "Apt 3",
          city: "Springfield",
          state: "OR",
          postal_code: "97477",
        },
        last_modified: "2025-03-01T10:00:00.000Z",
      },
      warnings: [],
    });
  });

  it("makes a prospect of a row with only an id", () => {
    expect(personFromImportRow({ external_id: "RM-000123" })).toEqual({
      ok: true,
      person: { person_id: "RM-000123", status: "prospect" },
      warnings: [],
    });
    expect(DEFAULT_IMPORT_STATUS).toBe("prospect");
  });

  it.each([
    ["absent", {}],
    ["empty", { external_id: "" }],
    ["blank", { external_id: "   " }],
    ["null", { external_id: null }],
  ])("rejects a row whose external_id is %s", (_, row) => {
    expect(personFromImportRow({ ...row, first_name: "Mary" })).toEqual({
      ok: false,
      reason: "external_id is missing",
    });
  });

  it("rejects an external_id longer than the link column holds", () => {
    expect(personFromImportRow({ external_id: "x".repeat(MAX_PERSON_ID + 1) })).toEqual({
      ok: false,
      reason: `external_id is longer than ${MAX_PERSON_ID} characters`,
    });
    expect(personFromImportRow({ external_id: "x".repeat(MAX_PERSON_ID) }).ok).toBe(true);
  });

  it("accepts any string id, trimmed, not only GUIDs", () => {
    for (const id of ["42", "guest card 7", "RM/2024/0001", "  padded-id  "]) {
      const result = personFromImportRow({ external_id: id });
      expect(result).toMatchObject({ ok: true, person: { person_id: id.trim() } });
    }
  });

  it("reads a whole JSON number as its digits in external_id and phone only", () => {
    const result = personFromImportRow({ external_id: 12345, phone: 4155550123 });
    expect(result).toEqual({
      ok: true,
      person: {
        person_id: "12345",
        status: "prospect",
        phones: [{ type: "mobile", number: "4155550123" }],
      },
      warnings: [],
    });
  });

  it.each([
    ["email", { address: "mary.roe@mailbox.org" }, "an object"],
    ["first_name", true, "true or false"],
    ["first_name", 123, "a number"],
    ["middle_name", ["Ann"], "a list"],
    ["last_name", 0, "a number"],
    ["city", false, "true or false"],
    ["postal_code", 2134, "a number"],
    ["postal_code", Number.NaN, "a number"],
    ["date_of_birth", 19900517, "a number"],
    ["date_of_birth", Number.POSITIVE_INFINITY, "a number"],
    ["status", 12n, "a number"],
  ])(
    "rejects a %s that is not text (case %#), naming the field and the type",
    (column, value, type) => {
      expect(personFromImportRow({ external_id: "RM-1", [column]: value })).toEqual({
        ok: false,
        reason: `${column} must be text, not ${type}`,
      });
    },
  );

  it.each([
    ["phone", ["(415) 555-0123"], "a list"],
    ["external_id", { id: 1 }, "an object"],
    ["external_id", 12.5, "a fraction"],
    ["external_id", 2 ** 60, "a number too large to be exact"],
    ["phone", true, "true or false"],
  ])("rejects a %s that is neither text nor a whole number (case %#)", (column, value, type) => {
    expect(personFromImportRow({ external_id: "RM-1", [column]: value })).toEqual({
      ok: false,
      reason: `${column} must be text or a whole number, not ${type}`,
    });
  });

  it.each([
    ["first_name", MAX_TEXT],
    ["last_name", MAX_TEXT],
    ["address_line1", MAX_TEXT],
    ["email", 320],
    ["phone", 40],
    ["date_of_birth", 40],
    ["postal_code", 20],
  ])("rejects a %s longer than %i characters, naming the field", (column, limit) => {
    expect(personFromImportRow({ external_id: "RM-1", [column]: "7".repeat(limit + 1) })).toEqual({
      ok: false,
      reason: `${column} is longer than ${limit} characters`,
    });
    expect(personFromImportRow({ external_id: "RM-1", [column]: "7".repeat(limit) }).ok).toBe(true);
  });

  it("never echoes the offending value in a rejection", () => {
    const secret = "mary.roe@mailbox.org";
    const result = personFromImportRow({ external_id: "RM-1", email: [secret] });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  it("leaves out blank values instead of keeping empty strings", () => {
    const result = personFromImportRow({
      external_id: "RM-1",
      first_name: "  ",
      email: "",
      phone: null,
      city: " ",
    });
    expect(result).toEqual({
      ok: true,
      person: { person_id: "RM-1", status: "prospect" },
      warnings: [],
    });
  });

  it("reads the status without regard to case", () => {
    expect(personFromImportRow({ external_id: "RM-1", status: " Resident " })).toMatchObject({
      ok: true,
      person: { status: "resident" },
      warnings: [],
    });
  });

  it("drops an unknown status with a warning and keeps the row as a prospect", () => {
    expect(personFromImportRow({ external_id: "RM-1", status: "tenant" })).toEqual({
      ok: true,
      person: { person_id: "RM-1", status: "prospect" },
      warnings: [{ field: "status", reason: "invalid" }],
    });
  });

  it("turns the one phone column into a mobile phone", () => {
    const result = personFromImportRow({ external_id: "RM-1", phone: "415.555.0123" });
    expect(result).toMatchObject({
      ok: true,
      person: { phones: [{ type: "mobile", number: "415.555.0123" }] },
    });
  });

  it("keeps only the address parts that are present", () => {
    const result = personFromImportRow({ external_id: "RM-1", city: "Springfield", state: "OR" });
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.person.address).toEqual({ city: "Springfield", state: "OR" });
  });

  it("passes a birth date through for normalisation to judge", () => {
    const result = personFromImportRow({ external_id: "RM-1", date_of_birth: "1990-02-30" });
    expect(result).toMatchObject({ ok: true, person: { birthdate: "1990-02-30" }, warnings: [] });
  });

  it.each([
    ["2025-03-01T10:00:00Z", "2025-03-01T10:00:00.000Z"],
    ["2025-03-01T10:00Z", "2025-03-01T10:00:00.000Z"],
    ["2025-03-01T05:00:00.250-05:00", "2025-03-01T10:00:00.250Z"],
    ["2025-03-01T15:30:00+0530", "2025-03-01T10:00:00.000Z"],
  ])("reads the timestamp %j as the instant %j", (raw, iso) => {
    expect(personFromImportRow({ external_id: "RM-1", last_modified: raw })).toMatchObject({
      ok: true,
      person: { last_modified: iso },
      warnings: [],
    });
  });

  it.each([
    "yesterday",
    "2025-03-01",
    "2025-03-01T10:00:00",
    "2025-03-01 10:00:00Z",
    "2025-02-30T10:00:00Z",
    "2025-04-31T10:00:00+02:00",
    "2025-13-01T10:00:00Z",
    "2025-03-01T25:00:00Z",
    "1741000000",
  ])("drops the unreadable timestamp %j with a warning", (raw) => {
    const result = personFromImportRow({ external_id: "RM-1", last_modified: raw });
    expect(result).toEqual({
      ok: true,
      person: { person_id: "RM-1", status: "prospect" },
      warnings: [{ field: "last_modified", reason: "invalid" }],
    });
  });

  it("ignores columns it does not know", () => {
    const result = personFromImportRow({ external_id: "RM-1", favourite_colour: { x: 1 } });
    expect(result).toEqual({
      ok: true,
      person: { person_id: "RM-1", status: "prospect" },
      warnings: [],
    });
  });

  const column = fc.constantFrom(...importColumns, "unknown_column");
  const timestamp = fc
    .tuple(
      fc.date({
        min: new Date("1970-01-01T00:00:00Z"),
        max: new Date("2100-01-01T00:00:00Z"),
        noInvalidDate: true,
      }),
      fc.constantFrom("Z", "+02:00", "-0530", ""),
    )
    .map(([date, zone]) => date.toISOString().replace("Z", zone));
  const cell = fc.oneof(
    fc.anything(),
    fc.string(),
    fc.string({ unit: "binary", maxLength: 400 }),
    fc.double(),
    timestamp,
  );
  const row = fc.dictionary(column, cell);

  it("never throws, and every accepted row is a valid ResMan person", () => {
    fc.assert(
      fc.property(row, (fields) => {
        const result = personFromImportRow(fields);
        if (result.ok) {
          expect(resmanPersonSchema.safeParse(result.person).success).toBe(true);
          for (const warning of result.warnings) {
            expect(["status", "last_modified"]).toContain(warning.field);
          }
        } else {
          const named = importColumns.some((name) => result.reason.startsWith(`${name} `));
          expect(named).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("rejects a row only when some column it reads is unusable", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          column,
          fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null)),
        ),
        (fields) => {
          const result = personFromImportRow(fields);
          const id = fields.external_id;
          const hasId = typeof id === "number" || (typeof id === "string" && id.trim() !== "");
          // A number is text only for the id and the phone.
          const numberAsText = Object.entries(fields).some(
            ([name, value]) =>
              typeof value === "number" &&
              !["external_id", "phone", "unknown_column"].includes(name),
          );
          expect(result.ok).toBe(hasId && !numberAsText);
        },
      ),
    );
  });
});

describe("importFieldOf", () => {
  it.each([
    ["phones[0]", "phone"],
    ["phones[3]", "phone"],
    ["birthdate", "date_of_birth"],
    ["email", "email"],
    ["status", "status"],
  ])("reports the person field %s as the import column %s", (field, columnName) => {
    expect(importFieldOf(field)).toBe(columnName);
  });
});
