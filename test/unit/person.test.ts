import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_PERSON_ID,
  personDigest,
  personStatuses,
  phoneTypes,
  type ResmanPerson,
  resmanPersonSchema,
} from "../../lib/domain/person.js";

const ID = "6f1c2a4e-0b7d-4c1e-9a55-3d2f8e7b9c01";

const mary: ResmanPerson = {
  person_id: ID,
  status: "applicant",
  first_name: "Mary",
  last_name: "Roe",
  email: "mary.roe@mailbox.org",
  phones: [
    { type: "mobile", number: "(415) 555-0123" },
    { type: "home", number: "212 555 0188" },
  ],
  birthdate: "1990-05-17",
  address: { line1: "12 Elm St", city: "Springfield", postal_code: "97477" },
  is_dependent: false,
  last_modified: "2025-03-01T10:00:00Z",
};

/** Fields a test edits one at a time. */
const personFieldsToEdit = [
  "first_name",
  "middle_name",
  "last_name",
  "email",
  "birthdate",
  "phones",
  "is_dependent",
  "last_modified",
] as const;

/** The same object with its keys (at every depth) in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, inner]) => [key, reversedKeys(inner)]),
    );
  }
  return value;
}

describe("resmanPersonSchema", () => {
  it("accepts a full person and the bare minimum", () => {
    expect(resmanPersonSchema.parse(mary)).toEqual(mary);
    expect(resmanPersonSchema.parse({ person_id: ID, status: "prospect" })).toEqual({
      person_id: ID,
      status: "prospect",
    });
  });

  it("trims the person id and accepts ids that are not GUIDs", () => {
    expect(resmanPersonSchema.parse({ person_id: "  RM-42 ", status: "lost" }).person_id).toBe(
      "RM-42",
    );
  });

  it("drops fields it does not know", () => {
    const parsed = resmanPersonSchema.parse({ ...mary, favourite_colour: "teal" });
    expect(parsed).not.toHaveProperty("favourite_colour");
  });

  it.each([
    ["a blank person_id", { person_id: "   " }, "person_id"],
    [
      "a person_id over the link column's size",
      { person_id: "x".repeat(MAX_PERSON_ID + 1) },
      "person_id",
    ],
    ["an unknown status", { status: "tenant" }, "status"],
    ["an unknown phone type", { phones: [{ type: "pager", number: "415 555 0123" }] }, "phones"],
    [
      "a last_modified without an offset",
      { last_modified: "2025-03-01T10:00:00" },
      "last_modified",
    ],
    ["an impossible last_modified", { last_modified: "2025-02-30T10:00:00Z" }, "last_modified"],
    ["a first name over 200 characters", { first_name: "M".repeat(201) }, "first_name"],
    ["a non-boolean dependent flag", { is_dependent: "no" }, "is_dependent"],
  ])("rejects %s", (_, change, field) => {
    const result = resmanPersonSchema.safeParse({ ...mary, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path[0])).toContain(field);
  });

  it("rejects more than ten phones", () => {
    const phones = Array.from({ length: 11 }, (_, i) => ({
      type: "home" as const,
      number: `415 555 01${String(i).padStart(2, "0")}`,
    }));
    expect(resmanPersonSchema.safeParse({ ...mary, phones }).success).toBe(false);
  });
});

describe("personDigest", () => {
  it("is a SHA-256 in hex", () => {
    expect(personDigest(mary)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("does not depend on the order of keys at any depth", () => {
    const reordered = reversedKeys(mary) as ResmanPerson;
    expect(Object.keys(reordered)[0]).toBe("last_modified");
    expect(personDigest(reordered)).toBe(personDigest(mary));
  });

  it("treats a field set to undefined as a field left out", () => {
    expect(personDigest({ ...mary, middle_name: undefined } as ResmanPerson)).toBe(
      personDigest(mary),
    );
  });

  it("changes when a value inside a nested object changes", () => {
    expect(personDigest({ ...mary, address: { ...mary.address, city: "Shelbyville" } })).not.toBe(
      personDigest(mary),
    );
  });

  const text = fc.string({ maxLength: 12 });
  const person: fc.Arbitrary<ResmanPerson> = fc.record(
    {
      person_id: fc.string({ minLength: 1, maxLength: 12 }),
      status: fc.constantFrom(...personStatuses),
      first_name: text,
      middle_name: text,
      last_name: text,
      email: text,
      phones: fc.array(fc.record({ type: fc.constantFrom(...phoneTypes), number: text }), {
        maxLength: 3,
      }),
      birthdate: text,
      address: fc.record(
        { line1: text, line2: text, city: text, state: text, postal_code: text },
        { requiredKeys: [] },
      ),
      is_dependent: fc.boolean(),
      last_modified: fc
        .date({ min: new Date("2000-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
        .map((d) => d.toISOString()),
    },
    { requiredKeys: ["person_id", "status"] },
  );

  it("gives the same digest for any ordering of a person's keys", () => {
    fc.assert(
      fc.property(person, fc.array(fc.nat(), { minLength: 12, maxLength: 12 }), (p, order) => {
        const entries = Object.entries(p)
          .map((entry, i) => ({ entry, rank: order[i] ?? 0 }))
          .sort((a, b) => a.rank - b.rank)
          .map(({ entry }) => entry);
        const shuffled = Object.fromEntries(entries) as ResmanPerson;
        expect(personDigest(shuffled)).toBe(personDigest(p));
        expect(personDigest(reversedKeys(p) as ResmanPerson)).toBe(personDigest(p));
      }),
    );
  });

  it("changes whenever the person changes", () => {
    fc.assert(
      fc.property(person, person, (a, b) => {
        // JSON with sorted keys is an independent statement of "the same person".
        const same = JSON.stringify(sortedKeys(a)) === JSON.stringify(sortedKeys(b));
        expect(personDigest(a) === personDigest(b)).toBe(same);
      }),
    );
  });

  it("changes when any single field is changed, added or removed", () => {
    fc.assert(
      fc.property(person, fc.constantFrom(...personFieldsToEdit), text, (p, field, value) => {
        const edited = { ...p } as Record<string, unknown>;
        if (field === "is_dependent") edited[field] = !(p.is_dependent ?? false);
        else if (field === "phones")
          edited[field] = [...(p.phones ?? []), { type: "fax", number: value }];
        else if (field in p && p[field as keyof ResmanPerson] !== undefined) delete edited[field];
        else edited[field] = value;
        expect(personDigest(edited as ResmanPerson)).not.toBe(personDigest(p));
      }),
    );
  });
});

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
