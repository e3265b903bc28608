/**
 * Survivorship: which value a contact keeps, field by field, when a source brings new values.
 *
 * Rules, in order, for every field:
 * 1. a blank (or placeholder, already dropped by normalisation) never overwrites a value;
 * 2. a field locked by staff (`manual`) never changes automatically, even when empty;
 * 3. a field without a value takes the incoming one;
 * 4. between two ResMan values the newest record version wins, whichever of the person's
 *    records it belongs to (design §6 invariant 11): each ResMan value remembers the version it
 *    came from (`FieldVersion`: PersonID, `last_modified`, digest); a newer one replaces it, an
 *    older one never does. Versions order by `last_modified`, then digest. A version without
 *    `last_modified` (a file row) replaces its own record's values, as the record's latest
 *    word, and is older than another record's dated value; against another record's undated
 *    value (which of two cards is newer cannot be known) it wins only when more of the
 *    person's records carry it than the current value (`FieldSupport`, where the caller passes
 *    `support`), else it only fills blanks. The result is the same for every arrival order of the same set of dated
 *    versions: per field, the newest value;
 * 5. a ResMan value against a DomIQ one (either way round) is settled by the property's merge
 *    strategy: `resman_wins` keeps or takes the ResMan value, `domiq_wins` the DomIQ value,
 *    `manual_review` keeps the current value and reports the field as a conflict for a person
 *    to settle; DomIQ's own values replace each other (the chatbot learned something newer),
 *    except another record's (`record: "other"`), which only fill blanks.
 * An email or phone that loses (or is replaced) is not dropped: it becomes a secondary value;
 * how each record wrote the person is kept as that record's variant (`withVariant`).
 *
 * One concept, over 400 lines: what a contact keeps when a source brings values — the current
 * value of each field and, for what is not current, its secondary values and record variants.
 * Each merge decides all of them at once, by the same version order.
 */
import { isDeepStrictEqual } from "node:util";
import { normaliseAddress } from "./address.js";
import {
  type ContactAddress,
  type ContactField,
  type ContactPhone,
  type ContactValues,
  copyValues,
  emptySecondary,
  type FieldSource,
  type FieldSources,
  type FieldVersion,
  type FieldVersions,
  type RecordVariant,
  type SecondaryValues,
} from "./contact.js";
import { normaliseName } from "./names.js";
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

/** A field as it was before a merge changed it: enough to put it back. */
export interface FieldBefore {
  value: unknown;
  source: FieldSource | null;
  /** The ResMan version the value came from (absent: none, or not recorded). */
  version?: FieldVersion | null;
}

export interface MergeOutcome {
  /** The contact's values after the merge. */
  values: ContactValues;
  sources: FieldSources;
  /** The ResMan version of each ResMan-sourced field after the merge. */
  versions: FieldVersions;
  /** Fields whose value changed. */
  changed: ContactField[];
  /** Fields whose value stayed but whose version moved (a newer version said the same). */
  restamped: ContactField[];
  /**
   * Previous values, sources and versions of the changed and restamped fields: enough to undo
   * the merge.
   */
  before: Partial<Record<ContactField, FieldBefore>>;
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

/** A merge that changed nothing yet: the given values, sources and versions, every list empty. */
export function unchangedOutcome(
  state: Pick<MergeOutcome, "values" | "sources" | "versions">,
): MergeOutcome {
  return {
    values: state.values,
    sources: state.sources,
    versions: state.versions,
    changed: [],
    restamped: [],
    before: {},
    conflicts: [],
    locked: [],
    displaced: emptySecondary(),
  };
}

/**
 * Record variants a contact keeps: one per record, for the messiest people (FEBRL and the
 * messy benchmark set hold up to 6 and 8 records of one person), at a bounded cost per read.
 */
export const MAX_VARIANTS = 8;

/**
 * How two record versions order: by `last_modified`, then by digest (as the link's own version
 * order, `skipReason`); a dated version is newer than an undated one. Null for two undated
 * versions: nothing says which is newer.
 */
export function compareVersions(a: FieldVersion, b: FieldVersion): number | null {
  if (a.at !== null && b.at !== null) {
    const diff = Date.parse(a.at) - Date.parse(b.at);
    if (diff !== 0) return Math.sign(diff);
    return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
  }
  if (a.at !== null) return 1;
  if (b.at !== null) return -1;
  return null;
}

/**
 * Whether a ResMan value of version `incoming` replaces a ResMan value of version `current`
 * (rule 4): `newer`, `older`, or `unknown` for two values of different records neither of which
 * is dated (nor known to be: a value written before versions were kept). An undated version (a
 * file row) is a record's own latest word on itself: it replaces that record's values, dated or
 * not; against another record's dated value it is older.
 */
function ageOf(
  incoming: FieldVersion | undefined,
  current: FieldVersion | undefined,
  record: "same" | "other",
): "newer" | "older" | "unknown" {
  if (incoming === undefined || current === undefined)
    return record === "same" ? "newer" : "unknown";
  if (incoming.at === null) {
    if (incoming.record === current.record) return "newer";
    return current.at === null ? "unknown" : "older";
  }
  return (compareVersions(incoming, current) ?? 1) > 0 ? "newer" : "older";
}

/**
 * How many of a contact's records carry a field's value (`RecordVariant`s, one per record),
 * compared as the matcher compares them (names folded, emails by case, phones by E.164,
 * addresses as dwellings). Between two values of unknown age the better supported one wins:
 * the one more of the person's records agree on is the person's, the other a typo.
 */
export type FieldSupport = (field: ContactField, value: unknown) => number;

/** The support of values among `variants` (see `FieldSupport`). */
export function supportAmong(variants: readonly RecordVariant[]): FieldSupport {
  const same = (field: ContactField, value: unknown, variant: RecordVariant): boolean => {
    if (value === null) return false;
    switch (field) {
      case "firstName":
      case "lastName": {
        const name = normaliseName(value as string);
        return name !== null && normaliseName(variant[field]) === name;
      }
      case "dateOfBirth":
        return variant.dateOfBirth === value;
      case "email":
        return variant.email?.toLowerCase() === (value as string).toLowerCase();
      case "address": {
        if (variant.address === null) return false;
        const key = (a: ContactAddress) => JSON.stringify(normaliseAddress(a));
        return key(variant.address) === key(value as ContactAddress);
      }
      default:
        if (!field.startsWith("phones.")) return false;
        return (variant.phones ?? []).some((p) => p.e164 === (value as ContactPhone).e164);
    }
  };
  return (field, value) => variants.filter((variant) => same(field, value, variant)).length;
}

/** The identifying values and contact points of a record, as a variant. */
export function variantOf(values: ContactValues, version?: FieldVersion): RecordVariant {
  return {
    ...(version === undefined ? {} : { version }),
    firstName: values.firstName,
    lastName: values.lastName,
    dateOfBirth: values.dateOfBirth,
    address: values.address,
    email: values.email,
    phones: phoneTypes.flatMap((type) => {
      const phone = values.phones[type];
      return phone === undefined ? [] : [phone];
    }),
  };
}

/** Whether an unnamed variant says nothing the current values do not already say. */
function sameVariant(variant: RecordVariant, current: ContactValues): boolean {
  return (
    (variant.firstName === null || variant.firstName === current.firstName) &&
    (variant.lastName === null || variant.lastName === current.lastName) &&
    (variant.dateOfBirth === null || variant.dateOfBirth === current.dateOfBirth) &&
    (variant.address === null || isDeepStrictEqual(variant.address, current.address)) &&
    (variant.email === undefined ||
      variant.email === null ||
      variant.email.toLowerCase() === current.email?.toLowerCase()) &&
    (variant.phones ?? []).every((p) =>
      Object.values(current.phones).some((q) => q.e164 === p.e164),
    )
  );
}

/**
 * Variants in their canonical order: records' variants newest version first (ties by PersonID),
 * then unnamed ones as they came. The order, and so which variants the limit keeps, depends
 * only on the versions, never on the order they arrived in.
 */
function canonicalVariants(variants: readonly RecordVariant[]): RecordVariant[] {
  const named = variants.filter((v) => v.version !== undefined);
  const unnamed = variants.filter((v) => v.version === undefined);
  named.sort((a, b) => {
    const va = a.version as FieldVersion;
    const vb = b.version as FieldVersion;
    const order = compareVersions(vb, va);
    if (order !== null && order !== 0) return order;
    return va.record < vb.record ? -1 : va.record > vb.record ? 1 : 0;
  });
  return [...named, ...unnamed].slice(0, MAX_VARIANTS);
}

/**
 * Adds a variant to a contact's variants: a record's variant replaces that record's older one
 * (and loses to a newer one), so each record is kept once, as its newest version wrote it; an
 * unnamed variant is added unless the same one is already there.
 */
export function withVariant(
  variants: readonly RecordVariant[],
  variant: RecordVariant,
): RecordVariant[] {
  const incoming = variant.version;
  if (incoming === undefined) {
    if (variants.some((v) => isDeepStrictEqual(v, variant))) return [...variants];
    return [...variants, variant];
  }
  const existing = variants.find((v) => v.version?.record === incoming.record);
  if (existing === undefined) return [...variants, variant];
  if (ageOf(incoming, existing.version, "same") !== "newer") return [...variants];
  return variants.map((v) => (v === existing ? variant : v));
}

const byLowerCase = (a: string, b: string) => {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Adds displaced values to a contact's secondary values: distinct, never its current ones,
 * sorted (the same values make the same secondary values whatever order they were seen in);
 * displaced variants join the variants (`withVariant`).
 */
export function withDisplaced(
  secondary: SecondaryValues,
  displaced: SecondaryValues,
  current: ContactValues,
): SecondaryValues {
  const currentPhones = new Set(Object.values(current.phones).map((p) => p.e164));
  const emails: string[] = [];
  for (const email of [...secondary.emails, ...displaced.emails]) {
    const key = email.toLowerCase();
    if (current.email?.toLowerCase() === key) continue;
    if (!emails.some((e) => e.toLowerCase() === key)) emails.push(email);
  }
  const phones: ContactPhone[] = [];
  for (const phone of [...secondary.phones, ...displaced.phones]) {
    if (currentPhones.has(phone.e164)) continue;
    if (!phones.some((p) => p.e164 === phone.e164)) phones.push(phone);
  }
  const result: SecondaryValues = {
    emails: emails.sort(byLowerCase),
    phones: phones.sort((a, b) => (a.e164 < b.e164 ? -1 : a.e164 > b.e164 ? 1 : 0)),
  };
  let variants = [...(secondary.variants ?? [])];
  for (const variant of displaced.variants ?? []) variants = withVariant(variants, variant);
  variants = canonicalVariants(
    variants.filter((v) => v.version !== undefined || !sameVariant(v, current)),
  );
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
 * ResMan values carry their record version (`version` for every field, or `incomingVersions`
 * per field, as a merged-away contact's values do) and replace ResMan values by rule 4.
 * `record` settles what versions cannot: `same` (default) when the incoming values are the
 * record that wrote the contact's undated values, `other` when they come from another record
 * (a duplicate guest card, an approved review item's contact), which then only fills blanks
 * against undated values unless `support` says more of the person's records carry it — and,
 * for DomIQ values, does not replace the contact's own DomIQ values. What is not taken is kept
 * as secondary values (emails, phones).
 */
export function mergeValues(params: {
  current: ContactValues;
  sources: FieldSources;
  /** The current values' ResMan versions. */
  versions?: FieldVersions;
  incoming: ContactValues;
  source: Exclude<FieldSource, "manual">;
  strategy: MergeStrategy;
  /** The version of every incoming ResMan value (unless `incomingVersions` names the field). */
  version?: FieldVersion;
  incomingVersions?: FieldVersions;
  record?: "same" | "other";
  /** How many of the contact's records carry a value, for values of unknown age. */
  support?: FieldSupport;
}): MergeOutcome {
  const { current, incoming, source, strategy } = params;
  const record = params.record ?? "same";
  const values = copyValues(current);
  const sources: FieldSources = { ...params.sources };
  const versions: FieldVersions = { ...params.versions };
  const outcome = unchangedOutcome({ values, sources, versions });
  const versionOf = (field: ContactField) =>
    source === "resman" ? (params.incomingVersions?.[field] ?? params.version) : undefined;

  for (const field of contactFields) {
    const next = fieldValue(incoming, field);
    if (next === null) continue;
    const now = fieldValue(current, field);
    const owner: FieldSource = params.sources[field] ?? "domiq";
    const nextVersion = versionOf(field);
    // A staff lock holds even on an empty field: staff may have cleared a wrong value on purpose.
    if (params.sources[field] === "manual") {
      if (now === null || !sameValue(now, next)) {
        outcome.locked.push(field);
        displace(outcome, field, next);
      }
      continue;
    }
    let take: boolean;
    if (now === null) {
      take = true;
    } else if (owner === "resman" && source === "resman") {
      // Rule 4: the newer version wins, even when it only spells the value differently, so
      // that the value (and its version) is the newest one whatever the arrival order.
      const age = ageOf(nextVersion, versions[field], record);
      take =
        age === "newer" ||
        (age === "unknown" &&
          params.support !== undefined &&
          // The current value was written by some record, known as a variant or not.
          params.support(field, next) > Math.max(1, params.support(field, now)));
      if (take && isDeepStrictEqual(now, next)) {
        const previous = versions[field];
        if (nextVersion !== undefined && !isDeepStrictEqual(previous, nextVersion)) {
          // Recorded like a change, so that undoing the merge puts the version back too.
          outcome.before[field] = {
            value: now,
            source: owner,
            ...(previous === undefined ? {} : { version: previous }),
          };
          versions[field] = nextVersion;
          outcome.restamped.push(field);
        }
        continue;
      }
      if (!take && sameValue(now, next)) continue;
    } else {
      // Another source writing the same value differently (case, phone layout) changes nothing
      // and raises no conflict; DomIQ's own respelling is the chatbot learning it anew.
      const otherRecord = record === "other" && owner === source;
      if (
        isDeepStrictEqual(now, next) ||
        ((owner !== source || otherRecord) && sameValue(now, next))
      ) {
        continue;
      }
      take =
        !otherRecord &&
        (owner === source ||
          (strategy === "resman_wins" && source === "resman") ||
          (strategy === "domiq_wins" && source === "domiq"));
      if (!take && strategy === "manual_review" && !otherRecord) outcome.conflicts.push(field);
    }
    if (!take) {
      displace(outcome, field, next);
      continue;
    }
    displace(outcome, field, now);
    const previous = versions[field];
    outcome.before[field] = {
      value: now,
      source: now === null ? (params.sources[field] ?? null) : owner,
      ...(previous === undefined ? {} : { version: previous }),
    };
    setFieldValue(values, field, typeof next === "object" ? { ...next } : next);
    sources[field] = source;
    if (nextVersion === undefined) delete versions[field];
    else versions[field] = nextVersion;
    outcome.changed.push(field);
  }
  return outcome;
}
