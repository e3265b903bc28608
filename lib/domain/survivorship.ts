/**
 * Survivorship: which value a contact keeps, field by field, when a source brings new values.
 *
 * Rules, in order, for every field:
 * 1. a blank (or placeholder, already dropped by normalisation) never overwrites a value;
 * 2. a field locked by staff (`manual`) never changes automatically, even when empty;
 * 3. a field without a value takes the incoming one;
 * 4. a newer value from the same source replaces the older one (the record evolved);
 * 5. a value from the other source is settled by the property's merge strategy:
 *    `resman_wins` takes it, `domiq_wins` keeps the current value, `manual_review` keeps the
 *    current value and reports the field as a conflict for a person to settle.
 * An email or phone that loses (or is replaced) is not dropped: it becomes a secondary value.
 */
import { isDeepStrictEqual } from "node:util";
import {
  type ContactField,
  type ContactPhone,
  type ContactValues,
  emptySecondary,
  type FieldSource,
  type FieldSources,
  type RecordVariant,
  type SecondaryValues,
} from "./contact.js";
import { phoneTypes } from "./person.js";

export const mergeStrategies = ["resman_wins", "domiq_wins", "manual_review"] as const;
export type MergeStrategy = (typeof mergeStrategies)[number];

/** The strategy of a property without a rules row: ResMan is the system of record. */
export const DEFAULT_MERGE_STRATEGY: MergeStrategy = "resman_wins";

export const contactFields: readonly ContactField[] = [
  "firstName",
  "middleName",
  "lastName",
  "email",
  ...phoneTypes.map((type) => `phones.${type}` as const),
  "dateOfBirth",
  "address",
  "isDependent",
];

/** The value of one field, in a form that compares by JSON. */
export function fieldValue(values: ContactValues, field: ContactField): unknown {
  if (field.startsWith("phones.")) {
    const type = field.slice("phones.".length) as keyof ContactValues["phones"];
    return values.phones[type] ?? null;
  }
  return values[field as Exclude<ContactField, `phones.${string}`>];
}

/** Sets one field of `values` in place (`null` removes a phone of that type). */
export function setFieldValue(values: ContactValues, field: ContactField, value: unknown): void {
  if (field.startsWith("phones.")) {
    const type = field.slice("phones.".length) as keyof ContactValues["phones"];
    if (value === null) delete values.phones[type];
    else values.phones[type] = value as ContactValues["phones"][typeof type] & object;
    return;
  }
  (values as unknown as Record<string, unknown>)[field] = value;
}

/**
 * Whether two values say the same thing although written differently: text compared
 * case-insensitively, phones by E.164, everything else exactly.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  if (a !== null && typeof a === "object" && b !== null && typeof b === "object") {
    if ("e164" in a && "e164" in b) return a.e164 === b.e164;
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return a === b;
}

export interface MergeOutcome {
  /** The contact's values after the merge. */
  values: ContactValues;
  sources: FieldSources;
  /** Fields whose value changed. */
  changed: ContactField[];
  /** Previous values and sources of the changed fields: enough to undo the merge. */
  before: Partial<Record<ContactField, { value: unknown; source: FieldSource | null }>>;
  /** Fields kept against a differing incoming value because of `manual_review`. */
  conflicts: ContactField[];
  /** Fields kept because staff locked them. */
  locked: ContactField[];
  /**
   * Emails and phones that are no longer (or never became) the contact's current value: the
   * replaced ones and the incoming ones that lost. Kept as secondary values, never dropped.
   */
  displaced: SecondaryValues;
}

/** Record variants a contact keeps (newest first): enough for typo'd duplicates, bounded cost. */
const MAX_VARIANTS = 4;

/** Whether a variant says nothing the current values do not already say. */
function sameVariant(variant: RecordVariant, current: ContactValues): boolean {
  return (
    (variant.firstName === null || variant.firstName === current.firstName) &&
    (variant.lastName === null || variant.lastName === current.lastName) &&
    (variant.dateOfBirth === null || variant.dateOfBirth === current.dateOfBirth) &&
    (variant.address === null || isDeepStrictEqual(variant.address, current.address))
  );
}

/** The identifying values of a record, as a variant. */
export function variantOf(values: ContactValues): RecordVariant {
  return {
    firstName: values.firstName,
    lastName: values.lastName,
    dateOfBirth: values.dateOfBirth,
    address: values.address,
  };
}

/** Adds displaced values to a contact's secondary values: distinct, never its current ones. */
export function withDisplaced(
  secondary: SecondaryValues,
  displaced: SecondaryValues,
  current: ContactValues,
): SecondaryValues {
  const currentPhones = new Set(Object.values(current.phones).map((p) => p.e164));
  const emails = [...secondary.emails];
  for (const email of displaced.emails) {
    const key = email.toLowerCase();
    if (current.email?.toLowerCase() === key) continue;
    if (!emails.some((e) => e.toLowerCase() === key)) emails.push(email);
  }
  const phones = [...secondary.phones];
  for (const phone of displaced.phones) {
    if (currentPhones.has(phone.e164)) continue;
    if (!phones.some((p) => p.e164 === phone.e164)) phones.push(phone);
  }
  const result: SecondaryValues = {
    emails: emails.filter((e) => e.toLowerCase() !== current.email?.toLowerCase()),
    phones: phones.filter((p) => !currentPhones.has(p.e164)),
  };
  const variants = [...(displaced.variants ?? []), ...(secondary.variants ?? [])]
    .filter(
      (v, i, all) =>
        !sameVariant(v, current) && all.findIndex((w) => isDeepStrictEqual(w, v)) === i,
    )
    .slice(0, MAX_VARIANTS);
  if (variants.length > 0) result.variants = variants;
  return result;
}

function displace(outcome: MergeOutcome, field: ContactField, value: unknown): void {
  if (value === null) return;
  if (field === "email" && typeof value === "string") outcome.displaced.emails.push(value);
  else if (field.startsWith("phones.") && typeof value === "object" && "e164" in value) {
    outcome.displaced.phones.push(value as ContactPhone);
  }
}

/**
 * Merges `incoming` values from `source` into a contact's `current` values. Pure: the inputs
 * are not modified. A field without a recorded source is taken to come from DomIQ, which owns
 * contacts created outside the sync.
 *
 * `record`: `same` (default) when the incoming values are a newer version of the record that
 * wrote the contact (rule 4 applies); `other` when they come from another record of the same
 * source that matching linked to the contact (a duplicate guest card). Another record fills
 * blanks but does not replace the source's values: which of two duplicate cards is the better
 * one cannot be known, and letting each new duplicate overwrite the contact makes it drift away
 * from the records it was matched on. What it does not take is kept as secondary values
 * (emails, phones).
 */
export function mergeValues(params: {
  current: ContactValues;
  sources: FieldSources;
  incoming: ContactValues;
  source: Exclude<FieldSource, "manual">;
  strategy: MergeStrategy;
  record?: "same" | "other";
}): MergeOutcome {
  const { current, incoming, source, strategy } = params;
  const values = structuredClone(current);
  const sources: FieldSources = { ...params.sources };
  const outcome: MergeOutcome = {
    values,
    sources,
    changed: [],
    before: {},
    conflicts: [],
    locked: [],
    displaced: emptySecondary(),
  };

  for (const field of contactFields) {
    const next = fieldValue(incoming, field);
    if (next === null) continue;
    const now = fieldValue(current, field);
    const owner: FieldSource = params.sources[field] ?? "domiq";
    // Another source writing the same value differently (case, phone layout) changes nothing and
    // raises no conflict; the owning source's own respelling is the record evolving (rule 4), and
    // ignoring it would make the result depend on the order versions arrive in.
    const otherRecord = params.record === "other" && owner === source;
    if (
      now !== null &&
      (isDeepStrictEqual(now, next) || ((owner !== source || otherRecord) && sameValue(now, next)))
    ) {
      continue;
    }
    // A staff lock holds even on an empty field: staff may have cleared a wrong value on purpose.
    if (params.sources[field] === "manual") {
      outcome.locked.push(field);
      displace(outcome, field, next);
      continue;
    }
    const take =
      now === null ||
      (!otherRecord &&
        (owner === source ||
          (strategy === "resman_wins" && source === "resman") ||
          (strategy === "domiq_wins" && source === "domiq")));
    if (!take) {
      if (strategy === "manual_review" && !otherRecord) outcome.conflicts.push(field);
      displace(outcome, field, next);
      continue;
    }
    displace(outcome, field, now);
    outcome.before[field] = {
      value: now,
      source: now === null ? (params.sources[field] ?? null) : owner,
    };
    setFieldValue(values, field, structuredClone(next));
    sources[field] = source;
    outcome.changed.push(field);
  }
  return outcome;
}
