/**
 * Field comparisons of the scored matcher: two records' values of one field put into one
 * comparison level (exact, nickname, similar, near, partial, shared, disagree, missing) with
 * that level's weight from `rules.ts`. `scoring.ts` adds the levels up and applies the guards.
 * Pure; a level names what agreed, never the values compared. (Over 400 lines as one thing: one
 * level function a field, sharing the comparison forms and the weights they look up.)
 */
import { compactStreet, type NormalisedAddress, normaliseAddress } from "./address.js";
import type { ContactValues } from "./contact.js";
import { emailMatchKey } from "./emailKey.js";
import { memoizedPerObject } from "./memo.js";
import {
  areNicknames,
  generationOf,
  isFirstNameTypo,
  isSurnameTypo,
  mayBeFirstNameTypo,
  mayBeNicknameTypo,
  nameSimilarity,
  normaliseName,
  phoneticKey,
  withinOneEdit,
} from "./names.js";
import type { MatchingCriteria } from "./rules.js";

export type NameLevel =
  | "exact"
  | "nickname"
  | "similar_high"
  | "similar"
  | "phonetic"
  | "disagree"
  | "missing";
export type DateLevel = "exact" | "near" | "partial" | "disagree" | "missing";
export type IdentifierLevel = "exact" | "shared" | "near" | "disagree" | "missing";
export type AddressLevel = "exact" | "near" | "partial" | "shared" | "disagree" | "missing";

export interface FieldEvidence<L extends string> {
  level: L;
  /** This level's weight (0 when missing), with `adjustment` included. */
  weight: number;
  /**
   * What the value's frequency took off the level's weight (a full name many contacts of the
   * property carry); absent when nothing.
   */
  adjustment?: number;
}

/**
 * A record's values in comparison form, computed once per record rather than once per pair
 * (`chooseCandidate` compares one person with every candidate).
 */
export interface ComparisonForm {
  first: string | null;
  last: string | null;
  dateOfBirth: string | null;
  /** `emailMatchKey` of the email. */
  email: string | null;
  /** E.164 forms. */
  phones: readonly string[];
  /** Null when there is no address, or nothing in it to compare (no street, no postal code). */
  address: NormalisedAddress | null;
  /** The generation the names carry (`generationOf`: jr, sr, ii, …), or null. */
  generation: string | null;
}

/** The comparison form of a person's or a contact's values. */
export function comparisonForm(values: ContactValues): ComparisonForm {
  const address = values.address === null ? null : normaliseAddress(values.address);
  return {
    first: normaliseName(values.firstName),
    last: normaliseName(values.lastName),
    dateOfBirth: values.dateOfBirth,
    email: values.email === null ? null : emailMatchKey(values.email),
    phones: Object.values(values.phones).map((phone) => phone.e164),
    address:
      address === null || (address.postalCode === null && address.street === null) ? null : address,
    generation: generationOf(values.firstName, values.lastName),
  };
}

type Fields = MatchingCriteria["fields"];
type NameRule = Fields["first_name"];

/**
 * The weight of every name level under a rule. `nickname` without a weight of its own takes
 * `similar_high`'s: the scorer never assigns the level then, but a re-scoring of stored
 * evidence under such a rule (`ruleSimulation.ts`) gives a nickname pair the nearest level's.
 */
export function nameWeights(rule: Fields["first_name"]): Record<NameLevel, number> {
  return {
    exact: rule.exact,
    nickname: rule.nickname ?? rule.similar_high,
    similar_high: rule.similar_high,
    similar: rule.similar,
    phonetic: rule.phonetic,
    disagree: rule.disagree,
    missing: 0,
  };
}

/** The weight of every birth-date level. */
export function dateWeights(rule: Fields["date_of_birth"]): Record<DateLevel, number> {
  return {
    exact: rule.exact,
    near: rule.near,
    partial: rule.partial,
    disagree: rule.disagree,
    missing: 0,
  };
}

/** The weight of every email or phone level: `near` is 0 when the rule gives it none. */
export function identifierWeights(rule: Fields["email"]): Record<IdentifierLevel, number> {
  return {
    exact: rule.exact,
    shared: rule.shared,
    near: rule.near ?? 0,
    disagree: rule.disagree,
    missing: 0,
  };
}

/** The weight of every address level: `near` falls back to `partial`, `shared` to 0. */
export function addressWeights(rule: Fields["address"]): Record<AddressLevel, number> {
  return {
    exact: rule.exact,
    near: rule.near ?? rule.partial,
    partial: rule.partial,
    shared: rule.shared ?? 0,
    disagree: rule.disagree,
    missing: 0,
  };
}

/** Levels at which two names agree (a name only sounding alike does not). */
export const NAME_AGREES: ReadonlySet<NameLevel> = new Set([
  "exact",
  "nickname",
  "similar_high",
  "similar",
]);

/**
 * Two names' level. A typing error Jaro–Winkler rates low (near the start of a short name:
 * `Rysn`/`Ryan`, `Akren`/`Karen`) is still `similar`: for given names when `isFirstNameTypo`
 * or `mayBeFirstNameTypo`/`mayBeNicknameTypo` say so (two listed names such as Sara/Tara are
 * not typos of each other), for surnames when `isSurnameTypo` does.
 */
export function compareNames(
  x: string | null,
  y: string | null,
  rule: NameRule,
  similarity: MatchingCriteria["similarity"],
  kind: "given" | "surname",
): FieldEvidence<NameLevel> {
  if (x === null || y === null) return { level: "missing", weight: 0 };
  const level = x === y ? "exact" : nameLevel(x, y, rule.nickname !== undefined, similarity, kind);
  return { level, weight: ruleNameWeights(rule)[level] };
}

/** `nameWeights` of a rule, made once per rule object (criteria are never changed in place). */
const ruleNameWeights = /* @__PURE__ */ memoizedPerObject(nameWeights);

type DifferentNameLevel = Exclude<NameLevel, "missing" | "exact">;

/**
 * Levels of name pairs already compared, by cut-offs, then by one name and the other: a
 * property's people share a few hundred names, so the same pairs come back with every candidate
 * (string distances and the nickname table are the matcher's largest cost); nested maps, so
 * that a pair found again costs no key to build. Cleared when it holds `MAX_REMEMBERED` pairs.
 */
const rememberedLevels = new Map<string, Map<string, Map<string, DifferentNameLevel>>>();
let rememberedPairs = 0;
const MAX_REMEMBERED = 100_000;

/** The keys of a comparison's kind and cut-offs, made once per similarity object. */
const comparisonKeys = /* @__PURE__ */ memoizedPerObject(
  (similarity: MatchingCriteria["similarity"]) => {
    const cutOffs = `${similarity.high}|${similarity.low}`;
    return {
      given: `given|${cutOffs}`,
      givenWithNicknames: `given+nicknames|${cutOffs}`,
      surname: `surname|${cutOffs}`,
    };
  },
);

function nameLevel(
  x: string,
  y: string,
  nicknames: boolean,
  similarity: MatchingCriteria["similarity"],
  kind: "given" | "surname",
): DifferentNameLevel {
  const keys = comparisonKeys(similarity);
  const config =
    kind === "surname" ? keys.surname : nicknames ? keys.givenWithNicknames : keys.given;
  let byFirst = rememberedLevels.get(config);
  const known = byFirst?.get(x)?.get(y);
  if (known !== undefined) return known;
  const level = compareDifferentNames(x, y, nicknames, similarity, kind);
  if (rememberedPairs >= MAX_REMEMBERED) {
    rememberedLevels.clear();
    rememberedPairs = 0;
    byFirst = undefined;
  }
  if (byFirst === undefined) {
    byFirst = new Map();
    rememberedLevels.set(config, byFirst);
  }
  let bySecond = byFirst.get(x);
  if (bySecond === undefined) {
    bySecond = new Map();
    byFirst.set(x, bySecond);
  }
  bySecond.set(y, level);
  rememberedPairs += 1;
  return level;
}

function compareDifferentNames(
  x: string,
  y: string,
  nicknames: boolean,
  similarity: MatchingCriteria["similarity"],
  kind: "given" | "surname",
): Exclude<NameLevel, "missing" | "exact"> {
  if (kind === "given" && nicknames && areNicknames(x, y)) return "nickname";
  const jw = nameSimilarity(x, y);
  if (jw >= similarity.high) return "similar_high";
  if (jw >= similarity.low || (kind === "given" ? isFirstNameTypo(x, y) : isSurnameTypo(x, y))) {
    return "similar";
  }
  if (kind === "given" && (mayBeFirstNameTypo(x, y) || mayBeNicknameTypo(x, y))) {
    return "similar";
  }
  const px = phoneticKey(x);
  return px !== null && px === phoneticKey(y) ? "phonetic" : "disagree";
}

const DAY_MS = 86_400_000;

/**
 * Two birth dates' level. `YYYY-MM-DD` (normalised by `normaliseBirthDate`). One slip is near:
 * a digit wrong, two adjacent digits swapped (01 for 10), day and month swapped, the day before
 * or after, or the same day a year before or after (a form's year or day picker one notch off).
 * Anything more is another date: `partial` when only the year, or only day and month, agree (a
 * parent and the child born on the parent's birthday), else `disagree`.
 */
export function compareDates(
  a: string | null,
  b: string | null,
  rule: MatchingCriteria["fields"]["date_of_birth"],
): FieldEvidence<DateLevel> {
  if (a === null || b === null) return { level: "missing", weight: 0 };
  if (a === b) return { level: "exact", weight: rule.exact };
  const [ya, ma, da] = a.split("-");
  const [yb, mb, db] = b.split("-");
  const swapped = ya === yb && ma === db && da === mb;
  const days = Math.abs(Date.parse(a) - Date.parse(b)) / DAY_MS;
  const yearApart = ma === mb && da === db && Math.abs(Number(ya) - Number(yb)) === 1;
  if (swapped || withinOneEdit(a, b) || days === 1 || yearApart) {
    return { level: "near", weight: rule.near };
  }
  if (ya === yb || (ma === mb && da === db)) return { level: "partial", weight: rule.partial };
  return { level: "disagree", weight: rule.disagree };
}

/**
 * Whether two email match keys are one mailbox mistyped: the same local part at a domain one
 * edit away (`gmial.com`, `yaho.com`). Local parts one edit apart are not: most addresses are
 * made of names, and two people of close names have close addresses (`eli.johnson`,
 * `eli.johnston`).
 */
export function emailsNear(a: string, b: string): boolean {
  const [la = "", da = ""] = a.split("@");
  const [lb = "", db = ""] = b.split("@");
  // Compared without dots and tags: the match key drops them only at the providers that ignore
  // them, and a mistyped domain (`gmial.com`) is no longer one of those.
  const bare = (local: string) => local.replaceAll(".", "").replace(/\+.*$/u, "");
  return bare(la) === bare(lb) && withinOneEdit(da, db);
}

/** Whether two E.164 phones differ by one digit or two adjacent digits swapped. */
export function phonesNear(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return withinOneEdit(a, b);
}

type IdentifierRule = MatchingCriteria["fields"]["email"];

/**
 * An email's or phone's level. `shared`: the value both hold is held by more than
 * `shared_value_limit` contacts. `near`: one typing error apart, neither agreeing nor telling
 * two people apart as two different values do.
 */
export function compareIdentifier(
  shared: boolean,
  near: boolean,
  bothPresent: boolean,
  sharedBy: number,
  rule: IdentifierRule,
  limit: number,
): FieldEvidence<IdentifierLevel> {
  if (!bothPresent) return { level: "missing", weight: 0 };
  if (shared) {
    return sharedBy > limit
      ? { level: "shared", weight: rule.shared }
      : { level: "exact", weight: rule.exact };
  }
  if (near) return { level: "near", weight: identifierWeights(rule).near };
  return { level: "disagree", weight: rule.disagree };
}

/** How one part of two addresses compares: equal, one typo apart, different, or not on both. */
type PartMatch = "same" | "close" | "differs" | "absent";

function comparePart(
  a: string | null,
  b: string | null,
  close: (x: string, y: string) => boolean,
): PartMatch {
  if (a === null || b === null) return "absent";
  if (a === b) return "same";
  return close(a, b) ? "close" : "differs";
}

/**
 * Streets compare in `compactStreet` form (spaces and abbreviations do not matter); a typo is
 * one edit of that form, or a Jaro–Winkler similarity of the written forms at or above `high`.
 */
function compareStreets(a: string | null, b: string | null, high: number): PartMatch {
  if (a === null || b === null) return "absent";
  const [ca, cb] = [compactStreet(a), compactStreet(b)];
  if (ca === cb) return "same";
  return withinOneEdit(ca, cb) || nameSimilarity(a, b) >= high ? "close" : "differs";
}

/** Which of a property's address keys says how common the part two addresses share is. */
export type AddressPart = "dwelling" | "building" | "street" | "postal";

/** Two addresses compared: the level, and what the two share. */
export interface AddressComparison {
  evidence: FieldEvidence<AddressLevel>;
  /**
   * The part of the address the agreement rests on, for the shared-value demotion: the whole
   * dwelling (with its unit, on both sides or on neither), the building (a unit on one side
   * only), the street (in the postal code) without the number, or the postal code alone.
   */
  part: AddressPart | null;
  /** Whether they live at one dwelling, or at least on one street of one postal code. */
  sameStreet: boolean;
}

/**
 * Addresses compare as dwellings: street number, street and postal code (city and state say
 * what the postal code says), and the unit. Two units of one building are two addresses (an
 * apartment community is one street address with hundreds of households), so a unit on both
 * sides must agree for anything but `disagree`; a unit on one side only leaves at most
 * `partial`. Levels:
 *   - exact: number, street and postal code equal;
 *   - near: the same three with one typo (a street one edit apart however its words are split,
 *     or close by Jaro–Winkler; a postal code or house number one edit apart), or two equal and
 *     the third on one side only;
 *   - partial: two of the three agree (a typo allowed), or the only part both have;
 *   - disagree: anything else, a shared postal code alone included.
 * `scoreForms` demotes an agreement to `shared` when the part it rests on is held by more than
 * `shared_value_limit` contacts of the property (its postal code, a one-building street).
 */
export function compareAddresses(
  x: NormalisedAddress | null,
  y: NormalisedAddress | null,
  rule: MatchingCriteria["fields"]["address"],
  similarity: MatchingCriteria["similarity"],
): AddressComparison {
  const none = { part: null, sameStreet: false };
  if (x === null || y === null) return { evidence: { level: "missing", weight: 0 }, ...none };
  const [number, street, postal] = [
    // A one-digit number has no typo distance to speak of: 1 and 7 are two houses.
    comparePart(x.streetNumber, y.streetNumber, (a, b) => a.length > 1 && withinOneEdit(a, b)),
    compareStreets(x.street, y.street, similarity.high),
    comparePart(x.postalCode, y.postalCode, withinOneEdit),
  ];
  const parts = [number, street, postal];
  const agrees = (p: PartMatch) => p === "same" || p === "close";
  const present = parts.filter((p) => p !== "absent").length;
  const same = parts.filter((p) => p === "same").length;
  const agree = parts.filter(agrees).length;
  if (present === 0) return { evidence: { level: "missing", weight: 0 }, ...none };
  const sameStreet = agrees(street) && agrees(postal);
  const part: AddressPart | null =
    agrees(number) && agrees(street)
      ? (x.unit === null) !== (y.unit === null)
        ? "building"
        : "dwelling"
      : agrees(street)
        ? "street"
        : agrees(postal)
          ? "postal"
          : null;
  const disagree = { evidence: { level: "disagree", weight: rule.disagree }, part: null } as const;
  const partial = { evidence: { level: "partial", weight: rule.partial }, part } as const;
  if (x.unit !== null && y.unit !== null && x.unit !== y.unit) return { ...disagree, sameStreet };
  const oneUnit = (x.unit === null) !== (y.unit === null);
  if (agree === present && present >= 2) {
    if (oneUnit) return { ...partial, sameStreet };
    if (same === 3) {
      return { evidence: { level: "exact", weight: rule.exact }, part: "dwelling", sameStreet };
    }
    return {
      evidence: { level: "near", weight: addressWeights(rule).near },
      part: "dwelling",
      sameStreet,
    };
  }
  if (agree >= 2 || (present === 1 && agree === 1)) return { ...partial, sameStreet };
  return { ...disagree, sameStreet };
}
