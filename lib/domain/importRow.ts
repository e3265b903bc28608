/**
 * One row of an import file (CSV header or JSONL keys, design §5) mapped onto a ResMan person.
 *
 * A row is rejected, with a reason naming the field, when it cannot be a person at all (no
 * external id, a value of the wrong type or absurd length). A value that is merely unusable
 * (an unknown status, an unreadable timestamp) is dropped with a warning and the row goes on;
 * emails, phones and birth dates are judged later by normalisation, the same for every source.
 */
import { isCalendarDate } from "./normalize.js";
import {
  MAX_PERSON_ID,
  MAX_TEXT,
  type PersonStatus,
  personStatuses,
  type ResmanPerson,
} from "./person.js";

/** Columns the importer reads (other names for them: `importColumns.ts`); any others are ignored. */
export const importColumns = [
  "external_id",
  "first_name",
  "middle_name",
  "last_name",
  "email",
  "phone",
  "date_of_birth",
  "address_line1",
  "address_line2",
  "city",
  "state",
  "postal_code",
  "status",
  "last_modified",
] as const;
export type ImportColumn = (typeof importColumns)[number];

export interface RowWarning {
  field: string;
  reason: string;
}

export type ImportRowResult =
  | { ok: true; person: ResmanPerson; warnings: RowWarning[] }
  | { ok: false; reason: string };

const maxLength: Partial<Record<ImportColumn, number>> = {
  external_id: MAX_PERSON_ID,
  email: 320,
  phone: 40,
  date_of_birth: 40,
  postal_code: 20,
  last_modified: 40,
};

/** Status used when a row has none: a person in a file with no status is a prospect. */
export const DEFAULT_IMPORT_STATUS: PersonStatus = "prospect";

class RowRejection extends Error {}

/**
 * Columns a JSON whole number may fill, read as its digits: ids and phone numbers are digit
 * strings that exports write unquoted. Every other column wants text (JSON `null` is a blank):
 * a number there (`"first_name": 123`, a postal code that lost its leading zero) is a mistake.
 */
const numberColumns: ReadonlySet<ImportColumn> = new Set(["external_id", "phone"]);

/** The JSON type of a value, for a rejection (never the value itself). */
function typeName(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "number" && Number.isFinite(value) && !Number.isInteger(value))
    return "a fraction";
  if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value))
    return "a number too large to be exact";
  if (typeof value === "number" || typeof value === "bigint") return "a number";
  if (typeof value === "boolean") return "true or false";
  return `a ${typeof value}`;
}

function textOf(
  fields: Readonly<Record<string, unknown>>,
  column: ImportColumn,
): string | undefined {
  const value = fields[column];
  if (value === undefined || value === null) return undefined;
  let text: string;
  if (typeof value === "string") text = value.trim();
  else if (typeof value === "number" && numberColumns.has(column) && Number.isSafeInteger(value))
    text = String(value);
  else if (numberColumns.has(column))
    throw new RowRejection(`${column} must be text or a whole number, not ${typeName(value)}`);
  else throw new RowRejection(`${column} must be text, not ${typeName(value)}`);
  if (text === "") return undefined;
  const limit = maxLength[column] ?? MAX_TEXT;
  if (text.length > limit) throw new RowRejection(`${column} is longer than ${limit} characters`);
  return text;
}

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Maps one import row; never throws. */
export function personFromImportRow(fields: Readonly<Record<string, unknown>>): ImportRowResult {
  try {
    const warnings: RowWarning[] = [];
    const personId = textOf(fields, "external_id");
    if (personId === undefined) return { ok: false, reason: "external_id is missing" };

    let status: PersonStatus = DEFAULT_IMPORT_STATUS;
    const rawStatus = textOf(fields, "status")?.toLowerCase();
    if (rawStatus !== undefined) {
      if ((personStatuses as readonly string[]).includes(rawStatus))
        status = rawStatus as PersonStatus;
      else warnings.push({ field: "status", reason: "invalid" });
    }

    const person: ResmanPerson = { person_id: personId, status };
    const first = textOf(fields, "first_name");
    const middle = textOf(fields, "middle_name");
    const last = textOf(fields, "last_name");
    const email = textOf(fields, "email");
    const phone = textOf(fields, "phone");
    const birthdate = textOf(fields, "date_of_birth");
    if (first !== undefined) person.first_name = first;
    if (middle !== undefined) person.middle_name = middle;
    if (last !== undefined) person.last_name = last;
    if (email !== undefined) person.email = email;
    // The file has one untyped phone column; prospects give a mobile number far more often.
    if (phone !== undefined) person.phones = [{ type: "mobile", number: phone }];
    if (birthdate !== undefined) person.birthdate = birthdate;

    const address = {
      line1: textOf(fields, "address_line1"),
      line2: textOf(fields, "address_line2"),
      city: textOf(fields, "city"),
      state: textOf(fields, "state"),
      postal_code: textOf(fields, "postal_code"),
    };
    const parts = Object.entries(address).filter(([, v]) => v !== undefined);
    if (parts.length > 0) person.address = Object.fromEntries(parts);

    const lastModified = textOf(fields, "last_modified");
    if (lastModified !== undefined) {
      // Date.parse rolls an impossible day over (Feb 30 → Mar 1), so the date is checked first;
      // the webhook schema rejects such a timestamp too.
      const parts = ISO_TIMESTAMP.exec(lastModified);
      if (
        parts !== null &&
        isCalendarDate(Number(parts[1]), Number(parts[2]), Number(parts[3])) &&
        !Number.isNaN(Date.parse(lastModified))
      ) {
        person.last_modified = new Date(lastModified).toISOString();
      } else {
        warnings.push({ field: "last_modified", reason: "invalid" });
      }
    }
    return { ok: true, person, warnings };
  } catch (error) {
    if (error instanceof RowRejection) return { ok: false, reason: error.message };
    throw error;
  }
}

/** Import column names for the fields normalisation reports (`phones[0]` → `phone`). */
export function importFieldOf(personField: string): string {
  if (personField.startsWith("phones")) return "phone";
  if (personField === "birthdate") return "date_of_birth";
  return personField;
}
