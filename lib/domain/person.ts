/**
 * A ResMan person as the sync path receives it, whatever the source (webhook envelope, file
 * import, reconciliation pull). Field names follow the webhook contract (design §5). Unknown
 * fields are ignored. Values are checked for shape here; whether an email, phone or date is
 * usable is decided by normalisation, which drops unusable values with a warning.
 */
import { createHash } from "node:crypto";
import * as z from "./zod.js";

export const personStatuses = ["prospect", "lost", "applicant", "resident", "former"] as const;
export type PersonStatus = (typeof personStatuses)[number];

export const phoneTypes = ["mobile", "home", "work", "fax"] as const;
export type PhoneType = (typeof phoneTypes)[number];

/** Longest accepted text per field; longer input is a bad row, not something to truncate. */
export const MAX_TEXT = 200;
/** `contact_sync.resman_contact_id` is `varchar(100)` in the seed. */
export const MAX_PERSON_ID = 100;

const text = z.string().check(z.maxLength(MAX_TEXT));

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a value is a GUID (ResMan's property and person ids), any version, any case. */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** A GUID as the contracts take it (lenient: ResMan GUIDs need not carry version bits). */
export const guidSchema = z.string().check(z.refine(isGuid, { message: "must be a GUID" }));

export const personPhoneSchema = z.object({
  type: z.enum(phoneTypes),
  number: z.string().check(z.maxLength(40)),
});

export const personAddressSchema = z.object({
  line1: z.optional(text),
  line2: z.optional(text),
  city: z.optional(text),
  state: z.optional(text),
  postal_code: z.optional(z.string().check(z.maxLength(20))),
});

export const resmanPersonSchema = z.object({
  /** ResMan PersonID. A GUID from ResMan; any non-blank string from a file import. */
  person_id: z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_PERSON_ID)),
  prospect_id: z.optional(z.string().check(z.maxLength(MAX_PERSON_ID))),
  lease_id: z.optional(z.string().check(z.maxLength(MAX_PERSON_ID))),
  status: z.enum(personStatuses),
  first_name: z.optional(text),
  middle_name: z.optional(text),
  last_name: z.optional(text),
  email: z.optional(z.string().check(z.maxLength(320))),
  phones: z.optional(z.array(personPhoneSchema).check(z.maxLength(10))),
  /** `YYYY-MM-DD` (or `YYYYMMDD`); an unusable date is dropped with a warning. */
  birthdate: z.optional(z.string().check(z.maxLength(40))),
  address: z.optional(personAddressSchema),
  is_dependent: z.optional(z.boolean()),
  /** ResMan's modification time: orders versions of the same person (design §6 invariant 3). */
  last_modified: z.optional(z.iso.datetime({ offset: true })),
});

export type ResmanPerson = z.infer<typeof resmanPersonSchema>;
export type PersonPhone = z.infer<typeof personPhoneSchema>;

/** Canonical JSON: object keys sorted at every depth, so equal persons digest equally. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** SHA-256 (hex) of a person version: equal digests mean a replay of the same version. */
export function personDigest(person: ResmanPerson): string {
  return createHash("sha256")
    .update(JSON.stringify(canonical(person)))
    .digest("hex");
}
