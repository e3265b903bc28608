/**
 * The JSON Schemas in `schemas/` are what other teams read: they must be the zod contracts, not
 * a stale copy. Each file is regenerated in memory and compared byte for byte; each schema is
 * checked against its zod schema (property names, required fields, enum values) and, with a
 * deliberately tiny validator (no JSON Schema library), against examples that zod accepts or
 * rejects — each invalid example breaks exactly one thing.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { outboundEventTypes } from "../../lib/domain/events.js";
import { isGuid } from "../../lib/domain/person.js";
import type * as z from "../../lib/domain/zod.js";
import {
  type Contract,
  contracts,
  GUID_PATTERN,
  generateSchemaFiles,
  jsonSchemaOf,
  schemasFolder,
} from "../../scripts/generateSchemas.js";

type JsonSchema = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// A tiny structural validator: the keywords the generated schemas use, nothing more.

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

/** Why `value` does not match `schema` (empty when it does). */
function violations(schema: JsonSchema, value: unknown, path = "$"): string[] {
  const found: string[] = [];
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (types.length > 0 && !types.some((type) => typeMatches(String(type), value))) {
    return [`${path}: not ${types.join("|")}`];
  }
  if ("const" in schema && value !== schema.const) found.push(`${path}: not the constant`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    found.push(`${path}: not in enum`);
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength)
      found.push(`${path}: too short`);
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength)
      found.push(`${path}: too long`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value))
      found.push(`${path}: pattern`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) found.push(`${path}: min`);
    if (typeof schema.maximum === "number" && value > schema.maximum) found.push(`${path}: max`);
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum)
      found.push(`${path}: exclusive min`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
      found.push(`${path}: too many items`);
    if (schema.items !== undefined) {
      for (const [i, item] of value.entries())
        found.push(...violations(schema.items as JsonSchema, item, `${path}[${i}]`));
    }
  }
  if (typeMatches("object", value)) {
    const record = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!(key in record)) found.push(`${path}.${key}: required`);
    }
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const [key, item] of Object.entries(record)) {
      const property = properties[key];
      if (property !== undefined) found.push(...violations(property, item, `${path}.${key}`));
      else if (schema.additionalProperties === false) found.push(`${path}.${key}: not allowed`);
    }
  }
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (branches !== undefined) {
    const matching = branches.filter((branch) => violations(branch, value, path).length === 0);
    if (matching.length === 0 || (schema.oneOf !== undefined && matching.length > 1))
      found.push(`${path}: ${matching.length} branches match`);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// The zod side: what a schema says about property names, required fields and enums.

type Def = {
  type: string;
  innerType?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  entries?: Record<string, string>;
  element?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  values?: unknown[];
};

const defOf = (schema: z.core.$ZodType) => schema._zod.def as unknown as Def;

/** Asserts that the JSON Schema says what the zod schema says, at every depth. */
function expectSameShape(schema: z.core.$ZodType, json: JsonSchema, path: string): void {
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "default":
      if (def.innerType) expectSameShape(def.innerType, json, path);
      return;
    case "nullable": {
      const branches = (json.anyOf as JsonSchema[] | undefined) ?? [];
      const nonNull = branches.find((branch) => branch.type !== "null");
      if (nonNull !== undefined && def.innerType) {
        expect(
          branches.some((branch) => branch.type === "null"),
          `${path} nullable`,
        ).toBe(true);
        expectSameShape(def.innerType, nonNull, path);
      } else {
        expect([json.type].flat(), `${path} nullable`).toContain("null");
      }
      return;
    }
    case "object": {
      const shape = def.shape ?? {};
      const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
      expect(Object.keys(properties).sort(), `${path} properties`).toEqual(
        Object.keys(shape).sort(),
      );
      // What a sender must send: neither optional nor defaulted (zod's `optin`).
      const required = Object.keys(shape).filter((key) => shape[key]?._zod.optin === undefined);
      expect(
        [...((json.required as string[] | undefined) ?? [])].sort(),
        `${path} required`,
      ).toEqual(required.sort());
      for (const [key, field] of Object.entries(shape)) {
        expectSameShape(field, properties[key] ?? {}, `${path}.${key}`);
      }
      return;
    }
    case "enum":
      expect(json.enum, `${path} enum`).toEqual(Object.values(def.entries ?? {}));
      return;
    case "literal":
      expect(json.const ?? (json.enum as unknown[] | undefined)?.[0], `${path} literal`).toBe(
        def.values?.[0],
      );
      return;
    case "array":
      if (def.element) expectSameShape(def.element, json.items as JsonSchema, `${path}[]`);
      return;
    case "union": {
      const branches = (json.oneOf ?? json.anyOf) as JsonSchema[];
      expect(branches, `${path} union`).toHaveLength(def.options?.length ?? 0);
      for (const [i, option] of (def.options ?? []).entries()) {
        expectSameShape(option, branches[i] ?? {}, `${path}|${i}`);
      }
      return;
    }
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Examples: one valid value per file, and invalid ones that each break one thing.

const GUID = "0b7f3c1e-9d4a-4e6b-8f21-5a3c7d9e1f02";
const chatbotBase = {
  event_id: "evt_01HZX",
  property_id: GUID,
  conversation_id: "conv-42",
  occurred_at: "2025-03-01T12:00:00Z",
};
const webhook = {
  type: "person.upserted",
  occurred_at: "2025-03-01T12:00:00Z",
  account_id: 1234,
  property_id: GUID,
  person: {
    person_id: "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
    status: "applicant",
    first_name: "Ana",
    email: "ana@example.com",
    phones: [{ type: "mobile", number: "+1 555 0100" }],
    address: { city: "Austin", postal_code: "78701" },
    last_modified: "2025-03-01T11:59:00.123Z",
  },
};
const outbound = {
  event_id: "4c1f0b9e-2d3a-4b5c-9d8e-7f6a5b4c3d2e",
  property_id: GUID,
  contact_id: "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d",
  link_id: null,
  resman_person_id: "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
  status: "merged",
  match_score: 0.97,
  occurred_at: "2025-03-01T12:00:00Z",
};

/** `value` with `path` replaced (or removed, for `undefined`): each breaks one thing. */
function changed(value: unknown, path: readonly (string | number)[], to: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (to === undefined) delete target[last];
  else target[last] = to;
  return copy;
}

const outboundCases: { valid: unknown[]; invalid: [string, unknown][] } = {
  valid: [outbound, { ...outbound, link_id: GUID, match_score: null }],
  invalid: [
    ["an unknown status", changed(outbound, ["status"], "deleted")],
    ["no link_id (it is null, never absent)", changed(outbound, ["link_id"], undefined)],
    ["an event_id that is not a GUID", changed(outbound, ["event_id"], "evt-1")],
  ],
};

/** `contact.review_required` → `contact-review-required.json`. */
const outboundFiles = outboundEventTypes.map((type) => `${type.replace(/[._]/g, "-")}.json`);

const examples: Record<string, { valid: unknown[]; invalid: [string, unknown][] }> = {
  "resman-webhook.json": {
    valid: [webhook, { ...webhook, type: "person.deactivated", extra_field: "ignored" }],
    invalid: [
      ["an unknown type", changed(webhook, ["type"], "person.deleted")],
      ["an unknown person status", changed(webhook, ["person", "status"], "tenant")],
      ["no last_modified", changed(webhook, ["person", "last_modified"], undefined)],
      ["a property id that is not a GUID", changed(webhook, ["property_id"], "prop-1")],
      ["account id 0", changed(webhook, ["account_id"], 0)],
      ["an unknown phone type", changed(webhook, ["person", "phones", 0, "type"], "pager")],
    ],
  },
  "chatbot-contact-captured.json": {
    valid: [chatbotBase, { ...chatbotBase, contact: { email: "ana@example.com" }, channel: "sms" }],
    invalid: [
      ["no event_id", changed(chatbotBase, ["event_id"], undefined)],
      ["a property id that is not a GUID", changed(chatbotBase, ["property_id"], "p-1")],
      ["an email that is not a string", { ...chatbotBase, contact: { email: 42 } }],
    ],
  },
  "chatbot-preferences-updated.json": {
    valid: [{ ...chatbotBase, preferences: { bedrooms: 2, move_in_date: "2025-05-01" } }],
    invalid: [
      ["no preferences", chatbotBase],
      ["half a bedroom", { ...chatbotBase, preferences: { bedrooms: 2.5 } }],
    ],
  },
  "chatbot-conversation-completed.json": {
    valid: [{ ...chatbotBase, summary: "Asked about 2-bedroom units", message_count: 12 }],
    invalid: [["a negative message count", { ...chatbotBase, message_count: -1 }]],
  },
  "chatbot-interaction-logged.json": {
    valid: [{ ...chatbotBase, interaction: { type: "tour_scheduled" } }],
    invalid: [
      ["an unknown interaction type", { ...chatbotBase, interaction: { type: "tour_booked" } }],
    ],
  },
  "reconcile-message.json": {
    valid: [
      {
        property_id: "3f6b8a52-6c1e-4d7a-9b2f-0a1c2d3e4f50",
        resman_property_id: "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
      },
      {
        property_id: "3f6b8a52-6c1e-4d7a-9b2f-0a1c2d3e4f50",
        resman_property_id: "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
        full: true,
        extra_field: "ignored",
      },
    ],
    invalid: [
      ["no ResMan property id", { property_id: "3f6b8a52-6c1e-4d7a-9b2f-0a1c2d3e4f50" }],
      [
        "a property id that is not a GUID",
        { property_id: "p-1", resman_property_id: "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b" },
      ],
      [
        "full that is not a boolean",
        {
          property_id: "3f6b8a52-6c1e-4d7a-9b2f-0a1c2d3e4f50",
          resman_property_id: "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
          full: "yes",
        },
      ],
    ],
  },
  "sync-message.json": {
    valid: [
      { kind: "resman", event_id: "msg_2Z", envelope: webhook },
      { kind: "chatbot", event: { detail_type: "Contact Captured", detail: chatbotBase } },
    ],
    invalid: [
      ["an unknown kind", { kind: "other", event_id: "msg_2Z", envelope: webhook }],
      [
        "a detail that does not fit its detail-type",
        { kind: "chatbot", event: { detail_type: "Preferences Updated", detail: chatbotBase } },
      ],
      ["a resman message without its event id", { kind: "resman", envelope: webhook }],
    ],
  },
  // Every outbound event type carries the same detail.
  ...Object.fromEntries(outboundFiles.map((file) => [file, outboundCases])),
};

// ---------------------------------------------------------------------------------------------

const all: Contract[] = contracts();

describe("schemas/", () => {
  const generated = generateSchemaFiles();

  it.each([...generated.keys()])("%s is up to date (else run `npm run schemas`)", (file) => {
    let committed: string | undefined;
    try {
      committed = readFileSync(join(schemasFolder, file), "utf8");
    } catch {
      committed = undefined;
    }
    expect(committed, `schemas/${file} is missing or stale: run \`npm run schemas\``).toBe(
      generated.get(file),
    );
  });

  it("holds no schema that is not generated any more", () => {
    const committed = readdirSync(schemasFolder).filter((name) => name.endsWith(".json"));
    expect(committed.sort(), "stale files in schemas/: run `npm run schemas`").toEqual(
      [...generated.keys()].sort(),
    );
  });

  it("has one file per contract: the webhook, each chatbot detail-type, the queue messages, each outbound event", () => {
    expect([...generated.keys()]).toEqual(
      [
        "resman-webhook.json",
        "reconcile-message.json",
        "chatbot-contact-captured.json",
        "chatbot-preferences-updated.json",
        "chatbot-conversation-completed.json",
        "chatbot-interaction-logged.json",
        "sync-message.json",
        ...outboundFiles,
      ].sort(),
    );
    // Every file has examples below, so a new contract cannot slip in untested.
    expect(Object.keys(examples).sort()).toEqual([...generated.keys()].sort());
  });

  it("is stable: generating twice gives the same text, ending with a newline", () => {
    const again = generateSchemaFiles();
    for (const [file, text] of generated) {
      expect(again.get(file)).toBe(text);
      expect(text.endsWith("}\n")).toBe(true);
    }
  });

  it.each(all.map((contract) => [contract.file, contract] as const))(
    "%s names itself: draft 2020-12, a unique $id, a title and a description",
    (_file, contract) => {
      const schema = jsonSchemaOf(contract);
      expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(schema.$id).toMatch(/^urn:contact-sync:schema:[a-z-]+$/);
      expect(typeof schema.title).toBe("string");
      expect(String(schema.description).length).toBeGreaterThan(20);
      const ids = all.map((other) => jsonSchemaOf(other).$id);
      expect(ids.filter((id) => id === schema.$id)).toHaveLength(1);
    },
  );

  it.each(all.map((contract) => [contract.file, contract] as const))(
    "%s has the zod schema's properties, required fields and enum values",
    (file, contract) => {
      expectSameShape(contract.schema, jsonSchemaOf(contract), file);
    },
  );

  it("writes the GUID refinement as a pattern that agrees with isGuid", () => {
    const pattern = new RegExp(GUID_PATTERN, "u");
    for (const candidate of [
      GUID,
      GUID.toUpperCase(),
      "00000000-0000-0000-0000-000000000000",
      "0b7f3c1e9d4a4e6b8f215a3c7d9e1f02",
      `${GUID}0`,
      "0b7f3c1e-9d4a-4e6b-8f21-5a3c7d9e1f0g",
      ` ${GUID}`,
    ]) {
      expect(pattern.test(candidate), candidate).toBe(isGuid(candidate));
    }
  });
});

describe.each(all.map((contract) => [contract.file, contract] as const))(
  "schemas/%s on examples",
  (file, contract) => {
    const schema = jsonSchemaOf(contract);
    const cases = examples[file] ?? { valid: [], invalid: [] };

    it.each(cases.valid.map((value, i) => [i, value] as const))(
      "accepts valid example %i, like zod",
      (_i, value) => {
        expect(contract.schema.safeParse(value).success).toBe(true);
        expect(violations(schema, value)).toEqual([]);
      },
    );

    it.each(cases.invalid)("rejects %s, like zod", (_name, value) => {
      expect(contract.schema.safeParse(value).success).toBe(false);
      expect(violations(schema, value)).not.toEqual([]);
    });
  },
);
