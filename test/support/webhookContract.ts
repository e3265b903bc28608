/**
 * The ResMan webhook envelope contract written out by hand, field by field, as an oracle for the
 * fuzz tests: independent of the zod schema the handler validates with (`lib/domain/events.ts`),
 * so a change to that schema that breaks the contract fails a test instead of moving the
 * expectation with it.
 *
 * The contract is design §5 ("Body") and README "Event pipeline": unknown fields are ignored
 * (dropped, not forwarded), optional fields may be absent but not null, `person_id`,
 * `last_modified` and every top-level field are required. The bounds design §5 leaves implicit are
 * the ones the project documents elsewhere: ids are GUIDs of any version and case (ResMan's),
 * `account_id` a positive int4 (the `property.resman_account_id` integer column), text at most 200 characters
 * (person.ts `MAX_TEXT`), an email 320, a phone number 40, a postal code 20, a birth date 40 (any
 * string: an unusable date is dropped by normalisation with a warning, not refused), at most 10
 * phones; ISO-8601 date-times are RFC 3339 with seconds and a `Z` or `±hh:mm` offset.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A field's check: the value as forwarded, or `REJECT`. */
const REJECT = Symbol("reject");
type Check = (value: Json) => Json | typeof REJECT;

const isObject = (value: Json): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function isDateTime(text: string): boolean {
  const match = DATE_TIME.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

const accept = (ok: boolean, value: Json) => (ok ? value : REJECT);
const text =
  (max: number): Check =>
  (v) =>
    accept(typeof v === "string" && v.length <= max, v);
const guid: Check = (v) => accept(typeof v === "string" && GUID.test(v), v);
const dateTime: Check = (v) => accept(typeof v === "string" && isDateTime(v), v);
const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    accept(typeof v === "string" && allowed.includes(v), v);

/** An object of known fields: unknown ones dropped; `optional` ones may be absent. */
function object(fields: Record<string, Check>, optional: readonly string[] = []): Check {
  return (value) => {
    if (!isObject(value)) return REJECT;
    const kept: JsonObject = {};
    for (const [name, check] of Object.entries(fields)) {
      if (!Object.hasOwn(value, name)) {
        if (optional.includes(name)) continue;
        return REJECT;
      }
      const checked = check(value[name] as Json);
      if (checked === REJECT) return REJECT;
      kept[name] = checked;
    }
    return kept;
  };
}

const phone = object({
  type: oneOf("mobile", "home", "work", "fax"),
  number: text(40),
});

const phones: Check = (value) => {
  if (!Array.isArray(value) || value.length > 10) return REJECT;
  const kept: Json[] = [];
  for (const item of value) {
    const checked = phone(item);
    if (checked === REJECT) return REJECT;
    kept.push(checked);
  }
  return kept;
};

const address = object(
  { line1: text(200), line2: text(200), city: text(200), state: text(200), postal_code: text(20) },
  ["line1", "line2", "city", "state", "postal_code"],
);

const person = object(
  {
    person_id: guid,
    prospect_id: guid,
    lease_id: guid,
    status: oneOf("prospect", "lost", "applicant", "resident", "former"),
    first_name: text(200),
    middle_name: text(200),
    last_name: text(200),
    email: text(320),
    phones,
    birthdate: text(40),
    address,
    is_dependent: (v) => accept(typeof v === "boolean", v),
    last_modified: dateTime,
  },
  [
    "prospect_id",
    "lease_id",
    "first_name",
    "middle_name",
    "last_name",
    "email",
    "phones",
    "birthdate",
    "address",
    "is_dependent",
  ],
);

const envelope = object({
  type: oneOf("person.upserted", "person.deactivated"),
  occurred_at: dateTime,
  account_id: (v) =>
    accept(typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 2_147_483_647, v),
  property_id: guid,
  person,
});

/**
 * The envelope as the contract forwards it (unknown fields dropped), or null when the contract
 * refuses `body` (a parsed JSON value).
 */
export function envelopeAsAccepted(body: unknown): Json | null {
  const checked = envelope(body as Json);
  return checked === REJECT ? null : checked;
}
