/**
 * A property's registration for the reconciliation (`contact-sync property add`), and a
 * portfolio's registrations as a file (`property add --file`): the entries of a CSV, JSON Lines
 * or JSON file, each one property to register, checked all together before any is written.
 *
 * The fields are the keys `property list --json` prints (so its output can be given back, in
 * another environment: its `id`, this database's own, is ignored), compared like import columns
 * (without regard to case, spaces, dashes and underscores), with ResMan's names as aliases. An entry's problems name the entry and the field, never a value.
 */
import {
  type ColumnSuggestion,
  columnKey,
  columnOf,
  nearestKnown,
  quoted,
} from "./importColumns.js";
import { isGuid } from "./person.js";
import { type ResmanApi, resmanApis } from "./reconcileRun.js";

/** The fields of an entry, as `property list --json` names them. */
export const registryFields = [
  "resman_property_id",
  "resman_account_id",
  "name",
  "api",
  "enabled",
] as const;
export type RegistryField = (typeof registryFields)[number];

/**
 * Other names of the fields: ResMan's (`ResManPropertyID` already compares equal to
 * `resman_property_id`). Not `Property` or `Account`: spreadsheets give those columns names.
 */
export const registryFieldAliases: Readonly<Record<RegistryField, readonly string[]>> = {
  resman_property_id: ["PropertyID"],
  resman_account_id: ["AccountID"],
  name: ["PropertyName"],
  api: [],
  enabled: ["reconciled"],
};

/** Keys read and ignored without a word: `property list --json`'s id of this database. */
const IGNORED_KEYS = new Set([columnKey("id")]);

const fieldByKey = new Map<string, RegistryField>();
for (const field of registryFields) {
  for (const name of [field, ...registryFieldAliases[field]])
    fieldByKey.set(columnKey(name), field);
}

/** One entry of the file: where it is (`line 4`, `entry 2`) and its keys' values. */
export interface RegistryEntry {
  where: string;
  fields: Readonly<Record<string, unknown>>;
}

/** What the operator's flags say for entries that do not say it themselves. */
export interface RegistryDefaults {
  api: ResmanApi;
  enabled: boolean;
}

/** One property to register (`ReconcileStore.register`). */
export interface PropertyRegistration {
  resmanPropertyId: string;
  resmanAccountId: number;
  /** Kept as it is when absent (a new property is named after its GUID). */
  name?: string | undefined;
  api: ResmanApi;
  enabled: boolean;
}

/** The file's entries checked: the properties, or every problem found (then none is written). */
export interface CheckedRegistry {
  properties: PropertyRegistration[];
  problems: string[];
  /** Keys no field has, with the field each is most likely a typo of. */
  unknown: ColumnSuggestion<RegistryField>[];
}

/** ResMan AccountIDs are positive 32-bit integers. */
const MAX_ACCOUNT_ID = 2_147_483_647;

/** A ResMan AccountID given as a number or as digits, or `undefined`. */
export function resmanAccountIdOf(value: unknown): number | undefined {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\d+$/.test(value.trim())
        ? Number(value.trim())
        : Number.NaN;
  return Number.isSafeInteger(n) && n >= 1 && n <= MAX_ACCOUNT_ID ? n : undefined;
}

const TRUE_WORDS = new Set(["true", "yes", "1"]);
const FALSE_WORDS = new Set(["false", "no", "0"]);

/** A value left out: no key, JSON null, or an empty CSV field. */
function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && !value.trim());
}

/** One field's value read, or why it cannot be. */
type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

const readers = {
  resman_property_id: (value: unknown): Read<string> =>
    typeof value === "string" && isGuid(value.trim())
      ? { ok: true, value: value.trim().toLowerCase() }
      : { ok: false, reason: "must be a GUID (the ResMan PropertyID)" },
  resman_account_id: (value: unknown): Read<number> => {
    const id = resmanAccountIdOf(value);
    return id === undefined
      ? { ok: false, reason: "must be a ResMan AccountID (a positive integer)" }
      : { ok: true, value: id };
  },
  name: (value: unknown): Read<string> =>
    typeof value === "string"
      ? { ok: true, value: value.trim() }
      : { ok: false, reason: "must be text" },
  api: (value: unknown): Read<ResmanApi> => {
    const api = typeof value === "string" ? value.trim().toLowerCase() : "";
    return (resmanApis as readonly string[]).includes(api)
      ? { ok: true, value: api as ResmanApi }
      : { ok: false, reason: `must be ${resmanApis.join(" or ")}` };
  },
  enabled: (value: unknown): Read<boolean> => {
    if (typeof value === "boolean") return { ok: true, value };
    const word = typeof value === "string" ? value.trim().toLowerCase() : "";
    if (TRUE_WORDS.has(word)) return { ok: true, value: true };
    if (FALSE_WORDS.has(word)) return { ok: true, value: false };
    return { ok: false, reason: "must be true or false (yes/no, 1/0)" };
  },
} as const;

/** The entry's keys by field; a field named twice (`PropertyID`, `resman_property_id`) is a problem. */
function fieldsOf(
  entry: RegistryEntry,
  unknown: Map<string, ColumnSuggestion<RegistryField>>,
): { values: Partial<Record<RegistryField, unknown>>; problems: string[] } {
  const values: Partial<Record<RegistryField, unknown>> = {};
  const keyOf = new Map<RegistryField, string>();
  const problems: string[] = [];
  for (const [key, value] of Object.entries(entry.fields)) {
    const compared = columnKey(key);
    const field = fieldByKey.get(compared);
    if (field === undefined) {
      if (compared !== "" && !IGNORED_KEYS.has(compared) && !unknown.has(key)) {
        unknown.set(key, { name: key, nearest: nearestKnown(key, fieldByKey) ?? null });
      }
      continue;
    }
    const earlier = keyOf.get(field);
    if (earlier !== undefined) {
      problems.push(`${entry.where}: ${quoted(earlier)} and ${quoted(key)} both name ${field}`);
      continue;
    }
    keyOf.set(field, key);
    values[field] = value;
  }
  return { values, problems };
}

/**
 * Checks every entry: the two ids present and well-formed, the optional fields readable, no
 * ResMan property twice. A field no entry has at all is said once, not once an entry (a file
 * of people given by mistake is one problem, not thousands).
 */
export function checkRegistryEntries(
  entries: readonly RegistryEntry[],
  defaults: RegistryDefaults,
): CheckedRegistry {
  const unknown = new Map<string, ColumnSuggestion<RegistryField>>();
  const read = entries.map((entry) => ({ entry, ...fieldsOf(entry, unknown) }));
  const problems: string[] = [];
  const missingEverywhere = (["resman_property_id", "resman_account_id"] as const).filter((field) =>
    read.every(({ values }) => isBlank(values[field])),
  );
  if (entries.length === 0) problems.push("the file has no entries");
  else {
    for (const field of missingEverywhere) {
      const names = [field, ...registryFieldAliases[field]].map(quoted).join(", ");
      problems.push(
        `no entry has ${field} (named ${names}; known fields: ${registryFields.join(", ")})`,
      );
    }
    const people = [...unknown.keys()].some((key) => columnOf(key) === "external_id");
    if (missingEverywhere.length > 0 && people) {
      problems.push(
        "this looks like a file of people: they are imported with `contact-sync import`",
      );
    }
  }
  const properties: PropertyRegistration[] = [];
  const firstSeen = new Map<string, string>();
  for (const { entry, values, problems: keyProblems } of read) {
    const own = [...keyProblems];
    const take = <T>(
      field: RegistryField,
      reader: (raw: unknown) => Read<T>,
      required = false,
    ): T | undefined => {
      const raw = values[field];
      if (isBlank(raw)) {
        if (required && !missingEverywhere.some((missing) => missing === field)) {
          own.push(`${entry.where}: ${field} is missing`);
        }
        return undefined;
      }
      const result = reader(raw);
      if (result.ok) return result.value;
      own.push(`${entry.where}: ${field} ${result.reason}`);
      return undefined;
    };
    const resmanPropertyId = take("resman_property_id", readers.resman_property_id, true);
    const resmanAccountId = take("resman_account_id", readers.resman_account_id, true);
    const name = take("name", readers.name);
    const api = take("api", readers.api);
    const enabled = take("enabled", readers.enabled);
    if (resmanPropertyId !== undefined) {
      const earlier = firstSeen.get(resmanPropertyId);
      if (earlier !== undefined) own.push(`${entry.where}: resman_property_id repeats ${earlier}`);
      else firstSeen.set(resmanPropertyId, entry.where);
    }
    problems.push(...own);
    if (own.length > 0 || resmanPropertyId === undefined || resmanAccountId === undefined) continue;
    properties.push({
      resmanPropertyId,
      resmanAccountId,
      ...(name === undefined || name === "" ? {} : { name }),
      api: api ?? defaults.api,
      enabled: enabled ?? defaults.enabled,
    });
  }
  return {
    properties: problems.length === 0 ? properties : [],
    problems,
    unknown: [...unknown.values()],
  };
}
