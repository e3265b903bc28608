/**
 * Survivorship (`lib/domain/survivorship.ts`): which value of which record a contact keeps, field
 * by field and across records and versions. (Over 400 lines as one thing: the cases of one
 * module.)
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ContactAddress,
  type ContactField,
  type ContactValues,
  emptySecondary,
  emptyValues,
  type FieldSource,
  type FieldSources,
  type FieldVersion,
  type FieldVersions,
  type SecondaryValues,
} from "../../lib/domain/contact.js";
import { phoneTypes } from "../../lib/domain/person.js";
import {
  compareVersions,
  contactFields,
  DEFAULT_MERGE_STRATEGY,
  fieldValue,
  type MergeOutcome,
  type MergeStrategy,
  mergeStrategies,
  mergeValues,
  supportAmong,
  variantOf,
  withDisplaced,
} from "../../lib/domain/survivorship.js";

const ELM: ContactAddress = {
  line1: "12 Elm St",
  line2: null,
  city: "Springfield",
  state: "OR",
  postalCode: "97477",
};
const OAK: ContactAddress = {
  line1: "40 Oak Ave",
  line2: "Apt 3",
  city: null,
  state: null,
  postalCode: null,
};

function valuesWith(overrides: Partial<ContactValues>): ContactValues {
  return { ...emptyValues(), ...overrides };
}

/** Writes one field back, as an unmerge would. */
function setField(values: ContactValues, field: ContactField, value: unknown): void {
  if (field.startsWith("phones.")) {
    const type = field.slice("phones.".length) as keyof ContactValues["phones"];
    if (value === null) delete values.phones[type];
    else values.phones[type] = value as ContactValues["phones"][typeof type] & object;
  } else {
    (values as unknown as Record<string, unknown>)[field] = value;
  }
}

/** Reverses a merge from its `before` snapshot alone. */
function undo(outcome: MergeOutcome): { values: ContactValues; sources: FieldSources } {
  const values = structuredClone(outcome.values);
  const sources: FieldSources = { ...outcome.sources };
  for (const [field, prior] of Object.entries(outcome.before) as [
    ContactField,
    { value: unknown; source: FieldSource | null },
  ][]) {
    setField(values, field, prior.value);
    if (prior.source === null) delete sources[field];
    else sources[field] = prior.source;
  }
  return { values, sources };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe("contactFields", () => {
  it("lists every personal value once, with one field per phone type", () => {
    expect(new Set(contactFields).size).toBe(contactFields.length);
    for (const type of phoneTypes) expect(contactFields).toContain(`phones.${type}`);
    const plain = Object.keys(emptyValues()).filter((key) => key !== "phones");
    for (const key of plain) expect(contactFields).toContain(key);
  });
});

describe("fieldValue", () => {
  it("reads a phone by type and a missing phone as null", () => {
    const values = valuesWith({ phones: { home: { raw: "415 555 0123", e164: "+14155550123" } } });
    expect(fieldValue(values, "phones.home")).toEqual({
      raw: "415 555 0123",
      e164: "+14155550123",
    });
    expect(fieldValue(values, "phones.mobile")).toBeNull();
    expect(fieldValue(values, "firstName")).toBeNull();
  });
});

describe("mergeValues", () => {
  it("fills empty fields from the incoming values and records their source", () => {
    const outcome = mergeValues({
      current: valuesWith({ firstName: "Mary" }),
      sources: { firstName: "domiq" },
      incoming: valuesWith({ lastName: "Roe", email: "mary.roe@mailbox.org", address: ELM }),
      source: "resman",
      strategy: "domiq_wins",
    });
    expect(outcome.values).toEqual(
      valuesWith({
        firstName: "Mary",
        lastName: "Roe",
        email: "mary.roe@mailbox.org",
        address: ELM,
      }),
    );
    expect(outcome.sources).toEqual({
      firstName: "domiq",
      lastName: "resman",
      email: "resman",
      address: "resman",
    });
    expect(outcome.changed).toEqual(["lastName", "email", "address"]);
    expect(outcome.before).toEqual({
      lastName: { value: null, source: null },
      email: { value: null, source: null },
      address: { value: null, source: null },
    });
    expect(outcome.conflicts).toEqual([]);
    expect(outcome.locked).toEqual([]);
  });

  it.each(
    mergeStrategies.flatMap((strategy) =>
      (["resman", "domiq"] as const).map((source) => [strategy, source] as const),
    ),
  )("never lets a blank overwrite a value (%s, from %s)", (strategy, source) => {
    const current = valuesWith({
      firstName: "Mary",
      lastName: "Roe",
      email: "mary.roe@mailbox.org",
      phones: { mobile: { raw: "415 555 0123", e164: "+14155550123" } },
      dateOfBirth: "1990-05-17",
      address: ELM,
      isDependent: false,
    });
    const outcome = mergeValues({
      current,
      sources: { firstName: source, lastName: "resman", email: "domiq" },
      incoming: emptyValues(),
      source,
      strategy,
    });
    expect(outcome.values).toEqual(current);
    expect(outcome.changed).toEqual([]);
    expect(outcome.conflicts).toEqual([]);
  });

  it("keeps its own spelling against another source's case-only difference", () => {
    const outcome = mergeValues({
      current: valuesWith({ lastName: "McDonald" }),
      sources: { lastName: "domiq" },
      incoming: valuesWith({ lastName: "MCDONALD" }),
      source: "resman",
      strategy: "manual_review",
    });
    expect(outcome.values.lastName).toBe("McDonald");
    expect(outcome.changed).toEqual([]);
    expect(outcome.conflicts).toEqual([]);
  });

  it("keeps its own layout against another source writing the same phone differently", () => {
    const outcome = mergeValues({
      current: valuesWith({ phones: { mobile: { raw: "(415) 555-0123", e164: "+14155550123" } } }),
      sources: { "phones.mobile": "domiq" },
      incoming: valuesWith({ phones: { mobile: { raw: "415.555.0123", e164: "+14155550123" } } }),
      source: "resman",
      strategy: "resman_wins",
    });
    expect(outcome.values.phones.mobile?.raw).toBe("(415) 555-0123");
    expect(outcome.changed).toEqual([]);
  });

  it.each(mergeStrategies)("takes the owning source's own respelling under %s", (strategy) => {
    const outcome = mergeValues({
      current: valuesWith({
        lastName: "Mcdonald",
        phones: { mobile: { raw: "4155550123", e164: "+14155550123" } },
      }),
      sources: { lastName: "resman", "phones.mobile": "resman" },
      incoming: valuesWith({
        lastName: "McDonald",
        phones: { mobile: { raw: "(415) 555-0123", e164: "+14155550123" } },
      }),
      source: "resman",
      strategy,
    });
    expect(outcome.values.lastName).toBe("McDonald");
    expect(outcome.values.phones.mobile?.raw).toBe("(415) 555-0123");
    expect(outcome.changed).toEqual(["lastName", "phones.mobile"]);
    expect(outcome.conflicts).toEqual([]);
  });

  it.each(
    mergeStrategies.flatMap((strategy) =>
      (["resman", "domiq"] as const).map((source) => [strategy, source] as const),
    ),
  )("never changes a field staff locked (%s, from %s)", (strategy, source) => {
    const outcome = mergeValues({
      current: valuesWith({ email: "mary.roe@mailbox.org", lastName: "Roe" }),
      sources: { email: "manual", lastName: "manual" },
      incoming: valuesWith({
        email: "m.roe@newmail.org",
        lastName: "Roe-Smith",
        firstName: "Mary",
      }),
      source,
      strategy,
    });
    expect(outcome.values.email).toBe("mary.roe@mailbox.org");
    expect(outcome.values.lastName).toBe("Roe");
    expect(outcome.sources.email).toBe("manual");
    expect(outcome.locked).toEqual(["lastName", "email"]);
    expect(outcome.conflicts).toEqual([]);
    expect(outcome.changed).toEqual(["firstName"]);
  });

  it("keeps a field staff cleared and locked empty", () => {
    const outcome = mergeValues({
      current: valuesWith({ lastName: "Roe" }),
      sources: { email: "manual" },
      incoming: valuesWith({ email: "m.roe@newmail.org", lastName: "Roe" }),
      source: "resman",
      strategy: "resman_wins",
    });
    expect(outcome.values.email).toBeNull();
    expect(outcome.locked).toEqual(["email"]);
    expect(outcome.changed).toEqual([]);
  });

  it("does not report a locked field whose incoming value agrees", () => {
    const outcome = mergeValues({
      current: valuesWith({ email: "mary.roe@mailbox.org" }),
      sources: { email: "manual" },
      incoming: valuesWith({ email: "mary.roe@mailbox.org" }),
      source: "resman",
      strategy: "resman_wins",
    });
    expect(outcome.locked).toEqual([]);
  });

  it.each(mergeStrategies)("lets a source update its own value under %s", (strategy) => {
    for (const source of ["resman", "domiq"] as const) {
      const outcome = mergeValues({
        current: valuesWith({ email: "mary.roe@mailbox.org" }),
        sources: { email: source },
        incoming: valuesWith({ email: "m.roe@newmail.org" }),
        source,
        strategy,
      });
      expect(outcome.values.email).toBe("m.roe@newmail.org");
      expect(outcome.sources.email).toBe(source);
      expect(outcome.changed).toEqual(["email"]);
      expect(outcome.before).toEqual({ email: { value: "mary.roe@mailbox.org", source } });
      expect(outcome.conflicts).toEqual([]);
    }
  });

  describe("a ResMan value against a DomIQ value", () => {
    const merge = (strategy: MergeStrategy) =>
      mergeValues({
        current: valuesWith({ email: "mary.roe@mailbox.org", firstName: "Mary" }),
        sources: { email: "domiq", firstName: "domiq" },
        incoming: valuesWith({ email: "m.roe@newmail.org", firstName: "Mary" }),
        source: "resman",
        strategy,
      });

    it("takes the ResMan value under resman_wins", () => {
      const outcome = merge("resman_wins");
      expect(outcome.values.email).toBe("m.roe@newmail.org");
      expect(outcome.sources.email).toBe("resman");
      expect(outcome.before).toEqual({ email: { value: "mary.roe@mailbox.org", source: "domiq" } });
      expect(outcome.conflicts).toEqual([]);
    });

    it("keeps the DomIQ value quietly under domiq_wins", () => {
      const outcome = merge("domiq_wins");
      expect(outcome.values.email).toBe("mary.roe@mailbox.org");
      expect(outcome.sources.email).toBe("domiq");
      expect(outcome.changed).toEqual([]);
      expect(outcome.conflicts).toEqual([]);
    });

    it("keeps the DomIQ value and reports a conflict under manual_review", () => {
      const outcome = merge("manual_review");
      expect(outcome.values.email).toBe("mary.roe@mailbox.org");
      expect(outcome.changed).toEqual([]);
      expect(outcome.conflicts).toEqual(["email"]);
    });
  });

  describe("a DomIQ value against a ResMan value", () => {
    const merge = (strategy: MergeStrategy) =>
      mergeValues({
        current: valuesWith({ lastName: "Roe" }),
        sources: { lastName: "resman" },
        incoming: valuesWith({ lastName: "Roe-Smith" }),
        source: "domiq",
        strategy,
      });

    it("keeps the ResMan value quietly under resman_wins", () => {
      const outcome = merge("resman_wins");
      expect(outcome.values.lastName).toBe("Roe");
      expect(outcome.conflicts).toEqual([]);
    });

    it("takes the DomIQ value under domiq_wins", () => {
      const outcome = merge("domiq_wins");
      expect(outcome.values.lastName).toBe("Roe-Smith");
      expect(outcome.sources.lastName).toBe("domiq");
    });

    it("reports a conflict under manual_review", () => {
      const outcome = merge("manual_review");
      expect(outcome.values.lastName).toBe("Roe");
      expect(outcome.conflicts).toEqual(["lastName"]);
    });
  });

  it("takes a field without a recorded source to be DomIQ's", () => {
    const keep = mergeValues({
      current: valuesWith({ firstName: "Mary" }),
      sources: {},
      incoming: valuesWith({ firstName: "Maria" }),
      source: "resman",
      strategy: "domiq_wins",
    });
    expect(keep.values.firstName).toBe("Mary");
    const take = mergeValues({
      current: valuesWith({ firstName: "Mary" }),
      sources: {},
      incoming: valuesWith({ firstName: "Maria" }),
      source: "resman",
      strategy: "resman_wins",
    });
    expect(take.before).toEqual({ firstName: { value: "Mary", source: "domiq" } });
    const domiqUpdate = mergeValues({
      current: valuesWith({ firstName: "Mary" }),
      sources: {},
      incoming: valuesWith({ firstName: "Maria" }),
      source: "domiq",
      strategy: "manual_review",
    });
    expect(domiqUpdate.values.firstName).toBe("Maria");
    expect(domiqUpdate.conflicts).toEqual([]);
  });

  it("replaces an address as a whole, never mixing parts of two addresses", () => {
    const outcome = mergeValues({
      current: valuesWith({ address: ELM }),
      sources: { address: "domiq" },
      incoming: valuesWith({ address: OAK }),
      source: "resman",
      strategy: "resman_wins",
    });
    expect(outcome.values.address).toEqual(OAK);
  });

  it("treats false as a value for the dependent flag, not as a blank", () => {
    const outcome = mergeValues({
      current: valuesWith({ isDependent: true }),
      sources: { isDependent: "resman" },
      incoming: valuesWith({ isDependent: false }),
      source: "resman",
      strategy: "resman_wins",
    });
    expect(outcome.values.isDependent).toBe(false);
    expect(outcome.changed).toEqual(["isDependent"]);
  });

  it("merges phones type by type", () => {
    const outcome = mergeValues({
      current: valuesWith({ phones: { home: { raw: "212 555 0188", e164: "+12125550188" } } }),
      sources: { "phones.home": "domiq" },
      incoming: valuesWith({
        phones: {
          home: { raw: "212 555 0199", e164: "+12125550199" },
          mobile: { raw: "415 555 0123", e164: "+14155550123" },
        },
      }),
      source: "resman",
      strategy: "manual_review",
    });
    expect(outcome.values.phones).toEqual({
      home: { raw: "212 555 0188", e164: "+12125550188" },
      mobile: { raw: "415 555 0123", e164: "+14155550123" },
    });
    expect(outcome.changed).toEqual(["phones.mobile"]);
    expect(outcome.conflicts).toEqual(["phones.home"]);
  });

  it("leaves its inputs untouched and shares no objects with them", () => {
    const current = deepFreeze(
      valuesWith({ address: ELM, phones: { home: { raw: "212 555 0188", e164: "+12125550188" } } }),
    );
    const incoming = deepFreeze(
      valuesWith({ address: OAK, phones: { home: { raw: "415 555 0123", e164: "+14155550123" } } }),
    );
    const sources = deepFreeze<FieldSources>({ address: "resman", "phones.home": "resman" });
    const outcome = mergeValues({
      current,
      sources,
      incoming,
      source: "resman",
      strategy: "resman_wins",
    });
    expect(outcome.values).toEqual(incoming);
    expect(outcome.values.address).not.toBe(incoming.address);
    expect(outcome.values.phones).not.toBe(current.phones);
    outcome.values.phones.mobile = { raw: "415 555 0124", e164: "+14155550124" };
    expect(current.phones.mobile).toBeUndefined();
  });

  it("defaults to resman_wins for a property without rules", () => {
    expect(DEFAULT_MERGE_STRATEGY).toBe("resman_wins");
  });
});

describe("mergeValues properties", () => {
  const phone = fc
    .integer({ min: 100, max: 199 })
    .map((line) => ({ raw: `415 555 0${line}`, e164: `+14155550${line}` }));
  const values: fc.Arbitrary<ContactValues> = fc.record({
    firstName: fc.constantFrom(null, "Mary", "MARY", "Maria"),
    middleName: fc.constantFrom(null, "Ann", "Lee"),
    lastName: fc.constantFrom(null, "Roe", "Roe-Smith"),
    email: fc.constantFrom(null, "mary.roe@mailbox.org", "m.roe@newmail.org"),
    phones: fc.record(
      { mobile: phone, home: phone, work: phone, fax: phone },
      { requiredKeys: [] },
    ),
    dateOfBirth: fc.constantFrom(null, "1990-05-17", "1991-05-17"),
    address: fc.constantFrom(null, ELM, OAK),
    isDependent: fc.constantFrom(null, true, false),
  });
  const source = fc.constantFrom<FieldSource>("resman", "domiq", "manual");
  /** Every field holding a value has a recorded source; empty fields may or may not. */
  const contactState = values.chain((current) =>
    fc.tuple(...contactFields.map(() => fc.option(source, { nil: undefined }))).map((picked) => {
      const sources: FieldSources = {};
      contactFields.forEach((field, i) => {
        const chosen = picked[i] ?? (fieldValue(current, field) === null ? undefined : "domiq");
        if (chosen !== undefined) sources[field] = chosen;
      });
      return { current, sources };
    }),
  );
  const merge = fc.record({
    state: contactState,
    incoming: values,
    source: fc.constantFrom("resman", "domiq") as fc.Arbitrary<"resman" | "domiq">,
    strategy: fc.constantFrom(...mergeStrategies),
  });

  it("never blanks a field and never invents a value", () => {
    fc.assert(
      fc.property(merge, ({ state, incoming, source, strategy }) => {
        const outcome = mergeValues({ ...state, incoming, source, strategy });
        for (const field of contactFields) {
          const was = fieldValue(state.current, field);
          const now = fieldValue(outcome.values, field);
          if (was !== null) expect(now).not.toBeNull();
          expect([was, fieldValue(incoming, field)]).toContainEqual(now);
        }
      }),
    );
  });

  it("never changes a locked field, empty or not", () => {
    fc.assert(
      fc.property(merge, ({ state, incoming, source, strategy }) => {
        const outcome = mergeValues({ ...state, incoming, source, strategy });
        for (const field of contactFields) {
          if (state.sources[field] === "manual") {
            expect(fieldValue(outcome.values, field)).toEqual(fieldValue(state.current, field));
            expect(outcome.sources[field]).toBe("manual");
          }
        }
      }),
    );
  });

  it("reports conflicts only under manual_review and never for a changed field", () => {
    fc.assert(
      fc.property(merge, ({ state, incoming, source, strategy }) => {
        const outcome = mergeValues({ ...state, incoming, source, strategy });
        if (strategy !== "manual_review") expect(outcome.conflicts).toEqual([]);
        for (const field of outcome.conflicts) expect(outcome.changed).not.toContain(field);
        expect(Object.keys(outcome.before).sort()).toEqual([...outcome.changed].sort());
      }),
    );
  });

  it("can be undone exactly from its before snapshot", () => {
    fc.assert(
      fc.property(merge, ({ state, incoming, source, strategy }) => {
        const outcome = mergeValues({ ...state, incoming, source, strategy });
        expect(undo(outcome)).toEqual({ values: state.current, sources: state.sources });
      }),
    );
  });
});

describe("record versions (rule 4 across records)", () => {
  const stamp = (record: string, at: string | null, digest = "a".repeat(64)): FieldVersion => ({
    record,
    at,
    digest,
  });

  it("orders versions by last_modified, then digest; dated above undated; two undated not at all", () => {
    const early = stamp("P-1", "2026-03-01T10:00:00.000Z");
    const late = stamp("P-2", "2026-03-02T10:00:00.000Z");
    expect(compareVersions(late, early)).toBe(1);
    expect(compareVersions(early, late)).toBe(-1);
    expect(compareVersions(stamp("P-1", early.at, "b".repeat(64)), early)).toBe(1);
    expect(compareVersions(early, early)).toBe(0);
    expect(compareVersions(early, stamp("P-1", null))).toBe(1);
    expect(compareVersions(stamp("P-1", null), stamp("P-2", null))).toBeNull();
  });

  const resman = (values: Partial<ContactValues>) => valuesWith(values);
  const fromRecord = (
    incoming: Partial<ContactValues>,
    version: FieldVersion,
    current: { values: ContactValues; sources: FieldSources; versions: FieldVersions },
  ) =>
    mergeValues({
      current: current.values,
      sources: current.sources,
      versions: current.versions,
      incoming: resman(incoming),
      source: "resman",
      strategy: "resman_wins",
      version,
      record: "other",
    });
  const held = (lastName: string, version: FieldVersion) => ({
    values: resman({ lastName }),
    sources: { lastName: "resman" } as FieldSources,
    versions: { lastName: version } as FieldVersions,
  });

  it("a newer version of another record replaces a value; an older one only fills blanks", () => {
    const current = held("Roe", stamp("P-1", "2026-03-02T10:00:00.000Z"));
    const newer = fromRecord(
      { lastName: "Rowe", email: "m@x.dev" },
      stamp("P-2", "2026-03-03T10:00:00.000Z"),
      current,
    );
    expect(newer.values).toMatchObject({ lastName: "Rowe", email: "m@x.dev" });
    expect(newer.versions.lastName?.record).toBe("P-2");
    expect(newer.before.lastName).toEqual({
      value: "Roe",
      source: "resman",
      version: stamp("P-1", "2026-03-02T10:00:00.000Z"),
    });
    const older = fromRecord(
      { lastName: "Rowe", email: "m@x.dev" },
      stamp("P-2", "2026-03-01T10:00:00.000Z"),
      current,
    );
    expect(older.values).toMatchObject({ lastName: "Roe", email: "m@x.dev" });
    expect(older.changed).toEqual(["email"]);
  });

  it("an undated version replaces its own record's values, dated or not, never another record's", () => {
    const current = held("Roe", stamp("P-1", "2026-03-02T10:00:00.000Z"));
    expect(fromRecord({ lastName: "Rowe" }, stamp("P-1", null), current).values.lastName).toBe(
      "Rowe",
    );
    expect(fromRecord({ lastName: "Rowe" }, stamp("P-2", null), current).values.lastName).toBe(
      "Roe",
    );
    const undated = held("Roe", stamp("P-1", null));
    expect(
      fromRecord({ lastName: "Rowe" }, stamp("P-2", "2026-01-01T00:00:00.000Z"), undated).values
        .lastName,
    ).toBe("Rowe");
  });

  it("a newer version saying the same moves the value's version, recorded for undoing", () => {
    const current = held("Roe", stamp("P-1", "2026-03-02T10:00:00.000Z"));
    const same = fromRecord({ lastName: "Roe" }, stamp("P-2", "2026-03-03T10:00:00.000Z"), current);
    expect(same.changed).toEqual([]);
    expect(same.restamped).toEqual(["lastName"]);
    expect(same.versions.lastName?.record).toBe("P-2");
    expect(same.before.lastName?.version).toEqual(current.versions.lastName);
  });

  it("ends with the newest value of every field whatever order the versions arrive in", () => {
    const version = fc.record({
      record: fc.constantFrom("P-1", "P-2", "P-3"),
      minute: fc.integer({ min: 0, max: 9 }),
      lastName: fc.constantFrom(null, "Roe", "Rowe", "Roe-Smith"),
      email: fc.constantFrom(null, "mary.roe@mailbox.org", "m.roe@newmail.org"),
      dateOfBirth: fc.constantFrom(null, "1990-05-17", "1990-05-18"),
    });
    const apply = (
      versions: readonly (typeof version extends fc.Arbitrary<infer V> ? V : never)[],
    ) => {
      let state = {
        values: emptyValues(),
        sources: {} as FieldSources,
        versions: {} as FieldVersions,
      };
      let displaced: SecondaryValues = emptySecondary();
      for (const v of versions) {
        const digest = createHash("sha256").update(JSON.stringify(v)).digest("hex");
        const outcome = fromRecord(
          { lastName: v.lastName, email: v.email, dateOfBirth: v.dateOfBirth },
          stamp(v.record, `2026-03-01T10:0${v.minute}:00.000Z`, digest),
          state,
        );
        state = { values: outcome.values, sources: outcome.sources, versions: outcome.versions };
        displaced = withDisplaced(displaced, outcome.displaced, outcome.values);
      }
      return { ...state, secondary: displaced };
    };
    fc.assert(
      fc.property(
        fc.array(version, { minLength: 1, maxLength: 6 }).chain((versions) =>
          fc
            .shuffledSubarray(versions, {
              minLength: versions.length,
              maxLength: versions.length,
            })
            .map((shuffled) => ({ versions, shuffled })),
        ),
        ({ versions, shuffled }) => {
          expect(apply(shuffled)).toEqual(apply(versions));
        },
      ),
    );
  });
});

describe("undated values of different records: the better supported one wins", () => {
  const undated = (record: string): FieldVersion => ({ record, at: null, digest: "c".repeat(64) });
  const card = (record: string, lastName: string) => ({
    ...variantOf(valuesWith({ firstName: "Lucas", lastName }), undated(record)),
  });

  it("replaces a value only more of the person's records carry the other one", () => {
    // The contact took "Svott" from the first card to name it; two later cards say "Scott".
    const current = {
      values: valuesWith({ firstName: "Lucas", lastName: "Svott" }),
      sources: { firstName: "resman", lastName: "resman" } as FieldSources,
      versions: { firstName: undated("P-1"), lastName: undated("P-1") } as FieldVersions,
    };
    const merge = (variants: ReturnType<typeof card>[], record: string) =>
      mergeValues({
        current: current.values,
        sources: current.sources,
        versions: current.versions,
        incoming: valuesWith({ firstName: "Lucas", lastName: "Scott" }),
        source: "resman",
        strategy: "resman_wins",
        version: undated(record),
        record: "other",
        support: supportAmong(variants),
      });
    // One card each: a tie keeps the value the contact has.
    expect(merge([card("P-1", "Svott"), card("P-2", "Scott")], "P-2").values.lastName).toBe(
      "Svott",
    );
    // Two against one: the value more records carry.
    const two = merge([card("P-1", "Svott"), card("P-2", "Scott"), card("P-3", "SCOTT")], "P-3");
    expect(two.values.lastName).toBe("Scott");
    expect(two.versions.lastName?.record).toBe("P-3");
    // Without support the other record only fills blanks, as before.
    expect(
      mergeValues({
        current: current.values,
        sources: current.sources,
        versions: current.versions,
        incoming: valuesWith({ lastName: "Scott" }),
        source: "resman",
        strategy: "resman_wins",
        version: undated("P-3"),
        record: "other",
      }).values.lastName,
    ).toBe("Svott");
  });
});
