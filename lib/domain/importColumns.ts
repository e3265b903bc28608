/**
 * Which import column a CSV header name or a JSONL key means.
 *
 * Names are compared without regard to case, spaces, dashes and underscores (`First Name`,
 * `first-name`, `FirstName` and `first_name` are one name), then looked up among the canonical
 * column names (`importColumns`) and the aliases below, which are the names ResMan exports and
 * spreadsheets give the same things. A name that is neither is an unknown column: ignored, and
 * reported with the nearest known name when one is a typo away (`Emial` → `email`).
 */
import damerauLevenshtein from "damerau-levenshtein";
import { type ImportColumn, importColumns } from "./importRow.js";

/**
 * Other names of the columns, as files write them (README "Import files" lists them). Only names
 * whose compared form differs from the canonical one need to be here: `FirstName`, `First Name`
 * and `first-name` already are `first_name`.
 */
export const columnAliases: Readonly<Record<ImportColumn, readonly string[]>> = {
  external_id: ["PersonID", "ResManPersonID"],
  first_name: ["FirstName"],
  middle_name: ["MiddleName"],
  last_name: ["LastName", "Surname"],
  email: ["E-mail", "EmailAddress"],
  phone: ["Phone Number", "Mobile", "MobilePhone", "Mobile Number", "Cell", "Cell Phone"],
  date_of_birth: ["Date of Birth", "DOB", "Birthdate"],
  address_line1: ["Address", "Address1", "Street", "Street Address"],
  address_line2: ["Address2", "Unit", "Apt"],
  city: [],
  state: [],
  postal_code: ["Postal Code", "Zip", "ZipCode", "Postcode"],
  status: [],
  last_modified: ["LastModified", "Modified"],
};

/** The form names are compared in: NFKC, lower case, no spaces, dashes or underscores. */
export function columnKey(name: string): string {
  return name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s_-]+/gu, "");
}

const columnByKey = new Map<string, ImportColumn>();
for (const column of importColumns) {
  for (const name of [column, ...columnAliases[column]]) columnByKey.set(columnKey(name), column);
}

/** The column a header name or key means, or `undefined` for an unknown one. */
export function columnOf(name: string): ImportColumn | undefined {
  return columnByKey.get(columnKey(name));
}

/** At most this many edits (a transposition is one) away from a known name: "did you mean". */
const MAX_TYPO_STEPS = 2;
/** …and at least this similar (1 − steps / length), so a short name is not "near" everything. */
const MIN_TYPO_SIMILARITY = 0.7;

/**
 * The known name an unknown one is most likely a typo of, if any is close: `byKey` maps the
 * compared forms (`columnKey`) of the known names to what they mean.
 */
export function nearestKnown<T>(name: string, byKey: ReadonlyMap<string, T>): T | undefined {
  const key = columnKey(name);
  let best: { known: T; steps: number } | undefined;
  for (const [compared, known] of byKey) {
    const { steps, similarity } = damerauLevenshtein(key, compared);
    if (steps > MAX_TYPO_STEPS || similarity < MIN_TYPO_SIMILARITY) continue;
    if (best === undefined || steps < best.steps) best = { known, steps };
  }
  return best?.known;
}

/** The known column an unknown name is most likely a typo of, if any is close. */
export function nearestColumn(name: string): ImportColumn | undefined {
  return nearestKnown(name, columnByKey);
}

/** A name of a file that no known column has, with the one it is most likely a typo of. */
export interface ColumnSuggestion<T extends string> {
  /** The name as the file writes it. */
  name: string;
  /** The known name it is most likely a typo of. */
  nearest: T | null;
}

/** A column of an import file that the importer ignores. */
export type UnknownColumn = ColumnSuggestion<ImportColumn>;

export function unknownColumn(name: string): UnknownColumn {
  return { name, nearest: nearestColumn(name) ?? null };
}

/** A CSV header resolved: each field's column (`undefined`: ignored) and the unknown names. */
export type HeaderColumns =
  | { ok: true; columns: (ImportColumn | undefined)[]; unknown: UnknownColumn[] }
  | { ok: false; reason: string };

/** A separator other than the comma that a spreadsheet may have saved the file with. */
const OTHER_SEPARATORS = [
  [";", "semicolons"],
  ["\t", "tabs"],
  ["|", "vertical bars"],
] as const;

/**
 * Resolves a CSV header. Fails when two names mean one column (`E-mail` and `email`), when
 * there is no `external_id`, or when the header is one field holding another separator (a
 * file saved with semicolons or tabs). Blank names (a trailing comma) are ignored without a
 * word.
 */
export function headerColumns(names: readonly string[]): HeaderColumns {
  const only = names.length === 1 ? (names[0] ?? "") : "";
  const separator = OTHER_SEPARATORS.find(([character]) => only.includes(character));
  if (separator !== undefined) {
    return {
      ok: false,
      reason: `the CSV header is separated by ${separator[1]}, not commas: save the file as comma-separated CSV (in Excel: CSV UTF-8)`,
    };
  }
  const columns: (ImportColumn | undefined)[] = [];
  const unknown: UnknownColumn[] = [];
  const seen = new Map<ImportColumn, string>();
  for (const raw of names) {
    const name = raw.trim();
    const column = name === "" ? undefined : columnOf(name);
    columns.push(column);
    if (column === undefined) {
      if (name !== "") unknown.push(unknownColumn(name));
      continue;
    }
    const earlier = seen.get(column);
    if (earlier !== undefined) {
      return {
        ok: false,
        reason: `the CSV header names ${column} twice: ${quoted(earlier)} and ${quoted(name)}`,
      };
    }
    seen.set(column, name);
  }
  if (!seen.has("external_id")) {
    return {
      ok: false,
      reason:
        `the CSV header has no external_id column (nor ${columnAliases.external_id.map(quoted).join(", ")}; ` +
        `known columns: ${importColumns.join(", ")})`,
    };
  }
  return { ok: true, columns, unknown };
}

/** Keys of one JSONL object mapped onto columns: the fields, or the two keys that collide. */
export type KeyedFields =
  | { ok: true; fields: Record<string, unknown>; unknown: string[] }
  | { ok: false; reason: string };

/**
 * Maps one JSONL object's keys onto columns. Two keys meaning one column reject the row (which
 * value is meant?); unknown keys are returned for the warning and dropped.
 */
export function keyedFields(
  object: Readonly<Record<string, unknown>>,
  columnOfKey: (key: string) => ImportColumn | undefined = columnOf,
): KeyedFields {
  const fields: Record<string, unknown> = {};
  const keyOf = new Map<ImportColumn, string>();
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(object)) {
    const column = columnOfKey(key);
    if (column === undefined) {
      if (key.trim() !== "") unknown.push(key);
      continue;
    }
    const earlier = keyOf.get(column);
    if (earlier !== undefined) {
      return {
        ok: false,
        reason: `the keys ${quoted(earlier)} and ${quoted(key)} both name ${column}`,
      };
    }
    keyOf.set(column, key);
    fields[column] = value;
  }
  return { ok: true, fields, unknown };
}

/** A column name as messages quote it. */
export function quoted(name: string): string {
  return `\`${name}\``;
}
