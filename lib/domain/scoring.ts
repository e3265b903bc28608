/**
 * Scoring a person against one candidate contact (Fellegi–Sunter style, weights from
 * `rules.ts`): every field lands in one comparison level, the levels' weights add up to a score,
 * and the thresholds turn it into one of three outcomes. Pure; the evidence names fields,
 * levels and weights only, never a compared value.
 *
 * Guards override the arithmetic where independent weights mislead. Surname, address, email
 * and phone are a household's as much as a person's (families and roommates share them, all
 * at once), so they add up to a high score between two members of one household; only the
 * first name and the date of birth tell the members apart. A pair held back by a guard never
 * auto-merges, however strong the rest; at most it goes to review (`guard` says why):
 *   - `first_name_differs`: they share an email or phone, and the first names disagree (a
 *     name that only sounds alike counts as disagreeing: Jon/Jan, Jean/Joan; so does a typo
 *     only the edit distance sees, Sara/Tara, see `givenNamesDiffer`);
 *   - `date_of_birth_differs`: they share an email or phone, and the birth dates disagree;
 *   - `nickname_in_household`: the email or phone they share is held by several contacts (a
 *     household's), and the first names are only nicknames of each other (a John and a
 *     Jonathan, an Elizabeth and a Betty live together): the birth date must agree;
 *   - `person_unconfirmed`: nothing confirms the person: the first names are neither equal,
 *     nor nicknames, nor one typing error apart (missing, or two names as Paula/Paul and
 *     Michael/Michelle are), and the birth dates do not agree;
 *   - `names_only`: nothing but the names agrees (see `corroborated`): not even a review item —
 *     a new contact (a reviewer would have nothing but the names to go on).
 */
import { compactStreet, type NormalisedAddress, normaliseAddress } from "./address.js";
import type { ContactValues } from "./contact.js";
import { emailMatchKey } from "./emailKey.js";
import {
  areNicknames,
  isFirstNameTypo,
  isSurnameTypo,
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
export type IdentifierLevel = "exact" | "shared" | "disagree" | "missing";
export type AddressLevel = "exact" | "near" | "partial" | "disagree" | "missing";

export interface FieldEvidence<L extends string> {
  level: L;
  /** This level's weight (0 when missing). */
  weight: number;
}

/** Why an auto-merge score was held back to review (see the module comment). */
export type GuardReason =
  | "first_name_differs"
  | "date_of_birth_differs"
  | "nickname_in_household"
  | "person_unconfirmed"
  | "names_only";

/**
 * The guards that see two members of one household (a contact point they share, with another
 * given name or birth date) rather than a reading that merely lacks confirmation. A contact
 * read as one of its other records (`scoredMatcher.ts`) keeps these from its current reading.
 */
export const HOUSEHOLD_GUARDS: ReadonlySet<GuardReason> = new Set([
  "first_name_differs",
  "date_of_birth_differs",
  "nickname_in_household",
]);

export interface ScoreEvidence {
  fields: {
    first_name: FieldEvidence<NameLevel>;
    last_name: FieldEvidence<NameLevel>;
    date_of_birth: FieldEvidence<DateLevel>;
    email: FieldEvidence<IdentifierLevel>;
    phone: FieldEvidence<IdentifierLevel>;
    address: FieldEvidence<AddressLevel>;
  };
  /** First and last name compared crosswise (a record with the two swapped). */
  swapped_names: boolean;
  score: number;
  thresholds: MatchingCriteria["thresholds"];
  outcome: ScoreOutcome;
  /** Why an auto-merge score was held back to review. */
  guard: GuardReason | null;
}

export type ScoreOutcome = "merge" | "review" | "new";

/** How many contacts of the property hold a value (for the shared-value demotion). */
export interface SharedCounts {
  email: number;
  /** The most-shared of the phones the two have in common. */
  phone: number;
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
  };
}

type NameRule = MatchingCriteria["fields"]["first_name"];

/** Levels at which two names agree (a name only sounding alike does not). */
const NAME_AGREES: ReadonlySet<NameLevel> = new Set([
  "exact",
  "nickname",
  "similar_high",
  "similar",
]);

/**
 * Two names' level. A typing error Jaro–Winkler rates low (near the start of a short name:
 * `Rysn`/`Ryan`, `Akren`/`Karen`) is still `similar`: for given names when `isFirstNameTypo`
 * says so (two listed names such as Sara/Tara are not typos of each other), for surnames when
 * `isSurnameTypo` does.
 */
function compareNames(
  x: string | null,
  y: string | null,
  rule: NameRule,
  similarity: MatchingCriteria["similarity"],
  kind: "given" | "surname",
): FieldEvidence<NameLevel> {
  if (x === null || y === null) return { level: "missing", weight: 0 };
  if (x === y) return { level: "exact", weight: rule.exact };
  if (kind === "given" && rule.nickname !== undefined && areNicknames(x, y)) {
    return { level: "nickname", weight: rule.nickname };
  }
  const jw = nameSimilarity(x, y);
  if (jw >= similarity.high) return { level: "similar_high", weight: rule.similar_high };
  if (jw >= similarity.low || (kind === "given" ? isFirstNameTypo(x, y) : isSurnameTypo(x, y))) {
    return { level: "similar", weight: rule.similar };
  }
  const px = phoneticKey(x);
  if (px !== null && px === phoneticKey(y)) return { level: "phonetic", weight: rule.phonetic };
  return { level: "disagree", weight: rule.disagree };
}

function compareDates(
  a: string | null,
  b: string | null,
  rule: MatchingCriteria["fields"]["date_of_birth"],
): FieldEvidence<DateLevel> {
  if (a === null || b === null) return { level: "missing", weight: 0 };
  if (a === b) return { level: "exact", weight: rule.exact };
  // `YYYY-MM-DD` (normalised by `normaliseBirthDate`). One typing error is near: a digit
  // wrong, two adjacent digits swapped (01 for 10), or day and month swapped.
  const [ya, ma, da] = a.split("-");
  const [yb, mb, db] = b.split("-");
  const swapped = ya === yb && ma === db && da === mb;
  if (swapped || withinOneEdit(a, b)) return { level: "near", weight: rule.near };
  if (ya === yb || (ma === mb && da === db)) return { level: "partial", weight: rule.partial };
  return { level: "disagree", weight: rule.disagree };
}

function compareIdentifier(
  shared: boolean,
  bothPresent: boolean,
  sharedBy: number,
  rule: MatchingCriteria["fields"]["email"],
  limit: number,
): FieldEvidence<IdentifierLevel> {
  if (!bothPresent) return { level: "missing", weight: 0 };
  if (!shared) return { level: "disagree", weight: rule.disagree };
  if (sharedBy > limit) return { level: "shared", weight: rule.shared };
  return { level: "exact", weight: rule.exact };
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
 */
function compareAddresses(
  x: NormalisedAddress | null,
  y: NormalisedAddress | null,
  rule: MatchingCriteria["fields"]["address"],
  similarity: MatchingCriteria["similarity"],
): FieldEvidence<AddressLevel> {
  if (x === null || y === null) return { level: "missing", weight: 0 };
  const parts = [
    // A one-digit number has no typo distance to speak of: 1 and 7 are two houses.
    comparePart(x.streetNumber, y.streetNumber, (a, b) => a.length > 1 && withinOneEdit(a, b)),
    compareStreets(x.street, y.street, similarity.high),
    comparePart(x.postalCode, y.postalCode, withinOneEdit),
  ];
  const present = parts.filter((p) => p !== "absent").length;
  const same = parts.filter((p) => p === "same").length;
  const agree = parts.filter((p) => p === "same" || p === "close").length;
  if (present === 0) return { level: "missing", weight: 0 };
  const disagree = { level: "disagree", weight: rule.disagree } as const;
  const partial = { level: "partial", weight: rule.partial } as const;
  if (x.unit !== null && y.unit !== null && x.unit !== y.unit) return disagree;
  const oneUnit = (x.unit === null) !== (y.unit === null);
  if (agree === present && present >= 2) {
    if (oneUnit) return partial;
    if (same === 3) return { level: "exact", weight: rule.exact };
    return { level: "near", weight: rule.near ?? rule.partial };
  }
  if (agree >= 2 || (present === 1 && agree === 1)) return partial;
  return disagree;
}

/** The levels at which a first name confirms the person (with `isFirstNameTypo`). */
const CONFIRMING_FIRST_NAME: ReadonlySet<NameLevel> = new Set(["exact", "nickname"]);
const CONFIRMING_BIRTH_DATE: ReadonlySet<DateLevel> = new Set(["exact", "near"]);
/** A first name at these levels tells two household members apart. */
const DIFFERING_FIRST_NAME: ReadonlySet<NameLevel> = new Set(["disagree", "phonetic"]);

const sharesPoint = (level: IdentifierLevel) => level === "exact" || level === "shared";

/**
 * Whether two given names, compared at `level`, tell two people apart: they disagree or only
 * sound alike, or they are `similar` only as a typing error that Jaro–Winkler rates below the
 * low cut-off. Such a typo (Akren/Karen) scores as similar, but the list that tells a typo from
 * a name is English (Sara/Tara: Tara is not on it), and sisters named so share a phone: on a
 * shared contact point it still counts as two names, as it did before it scored.
 */
function givenNamesDiffer(
  level: NameLevel,
  given: readonly [string | null, string | null],
  similarity: MatchingCriteria["similarity"],
): boolean {
  if (DIFFERING_FIRST_NAME.has(level)) return true;
  return level === "similar" && nameSimilarity(given[0], given[1]) < similarity.low;
}

/**
 * The household guard's verdict: why the pair may not auto-merge, or null.
 * - `sharesContactPoint`: the two share an email or a phone;
 * - `sharesHouseholdPoint`: one they share is held by more than one contact of the property,
 *   a household's (or an office's) rather than one person's.
 * - `firstDiffers`: the given names tell two people apart (see `givenNamesDiffer`).
 * A first name that is only similar confirms the person when it is a typing error of the
 * other (`isFirstNameTypo`), not when it is another name (Paula for Paul). A nickname confirms
 * the person, except on a household's contact point: families reuse name stems (a John and a
 * Jonathan, an Elizabeth and a Betty), so there a nickname needs the birth date to agree.
 */
function householdGuard(
  sharesContactPoint: boolean,
  sharesHouseholdPoint: boolean,
  first: NameLevel,
  firstDiffers: boolean,
  firstIsTypo: boolean,
  date: DateLevel,
): GuardReason | null {
  if (sharesContactPoint && firstDiffers) return "first_name_differs";
  if (sharesContactPoint && date === "disagree") return "date_of_birth_differs";
  const dateConfirms = CONFIRMING_BIRTH_DATE.has(date);
  if (sharesHouseholdPoint && first === "nickname" && !dateConfirms) {
    return "nickname_in_household";
  }
  if (!CONFIRMING_FIRST_NAME.has(first) && !firstIsTypo && !dateConfirms) {
    return "person_unconfirmed";
  }
  return null;
}

/**
 * Whether anything but the names agrees. Names alone never auto-merge: they are not
 * identifiers, and how common a name is varies far more than one weight can say (two John
 * Smiths of one property are two people more often than two Zoltan Kovacses are).
 */
function corroborated(
  date: DateLevel,
  email: IdentifierLevel,
  phone: IdentifierLevel,
  address: AddressLevel,
): boolean {
  return (
    CONFIRMING_BIRTH_DATE.has(date) ||
    email === "exact" ||
    phone === "exact" ||
    address === "exact" ||
    address === "near" ||
    address === "partial"
  );
}

/**
 * Scores `person` against `contact` under `criteria`. `sharedBy` says how many contacts of the
 * property hold the shared email and phone (1 when only this one).
 */
export function scorePair(
  person: ContactValues,
  contact: ContactValues,
  criteria: MatchingCriteria,
  sharedBy: SharedCounts = { email: 1, phone: 1 },
): ScoreEvidence {
  return scoreForms(comparisonForm(person), comparisonForm(contact), criteria, sharedBy);
}

/** `scorePair` on values already in comparison form. */
export function scoreForms(
  person: ComparisonForm,
  contact: ComparisonForm,
  criteria: MatchingCriteria,
  sharedBy: SharedCounts = { email: 1, phone: 1 },
): ScoreEvidence {
  const { fields, similarity } = criteria;
  let first = compareNames(person.first, contact.first, fields.first_name, similarity, "given");
  let last = compareNames(person.last, contact.last, fields.last_name, similarity, "surname");
  // A record with first and last name in each other's columns (or a name in the other column
  // with the given name left blank): compared crosswise when neither name agrees as written and
  // the crosswise reading agrees somewhere and weighs more. Which of the two records is the
  // swapped one cannot be told, so neither can which crosswise pair holds the given names: the
  // pair that agrees less is taken for them (household members share a surname, not a given
  // name), so the household guard still sees a given-name disagreement. Where that pair has a
  // blank side, the given names as written are what the guard sees: a crosswise reading may
  // add a surname's agreement, never hide two given names that disagree.
  let swapped = false;
  // The given names compared, and their level, for the guards.
  let given: [string | null, string | null] = [person.first, contact.first];
  let givenLevel = first.level;
  if (!NAME_AGREES.has(first.level) && !NAME_AGREES.has(last.level)) {
    const personSwapped = {
      first: compareNames(person.last, contact.first, fields.first_name, similarity, "given"),
      last: compareNames(person.first, contact.last, fields.last_name, similarity, "surname"),
    };
    const contactSwapped = {
      first: compareNames(person.first, contact.last, fields.first_name, similarity, "given"),
      last: compareNames(person.last, contact.first, fields.last_name, similarity, "surname"),
    };
    const personFirst = personSwapped.first.weight <= contactSwapped.first.weight;
    const cross = personFirst ? personSwapped : contactSwapped;
    if (
      (NAME_AGREES.has(cross.first.level) || NAME_AGREES.has(cross.last.level)) &&
      cross.first.weight + cross.last.weight > first.weight + last.weight
    ) {
      if (cross.first.level !== "missing" || !DIFFERING_FIRST_NAME.has(first.level)) {
        given = personFirst ? [person.last, contact.first] : [person.first, contact.last];
        givenLevel = cross.first.level;
      }
      first = cross.first;
      last = cross.last;
      swapped = true;
    }
  }
  const date = compareDates(person.dateOfBirth, contact.dateOfBirth, fields.date_of_birth);
  const email = compareIdentifier(
    person.email !== null && person.email === contact.email,
    person.email !== null && contact.email !== null,
    sharedBy.email,
    fields.email,
    criteria.shared_value_limit,
  );
  const phone = compareIdentifier(
    person.phones.some((p) => contact.phones.includes(p)),
    person.phones.length > 0 && contact.phones.length > 0,
    sharedBy.phone,
    fields.phone,
    criteria.shared_value_limit,
  );
  const address = compareAddresses(person.address, contact.address, fields.address, similarity);

  const score =
    first.weight + last.weight + date.weight + email.weight + phone.weight + address.weight;
  let outcome: ScoreOutcome =
    score >= criteria.thresholds.auto_merge
      ? "merge"
      : score >= criteria.thresholds.review
        ? "review"
        : "new";
  const firstIsTypo = given[0] !== null && given[1] !== null && isFirstNameTypo(given[0], given[1]);
  const sharesHouseholdPoint =
    (sharesPoint(email.level) && sharedBy.email > 1) ||
    (sharesPoint(phone.level) && sharedBy.phone > 1);
  const guard =
    householdGuard(
      sharesPoint(email.level) || sharesPoint(phone.level),
      sharesHouseholdPoint,
      givenLevel,
      givenNamesDiffer(givenLevel, given, similarity),
      firstIsTypo,
      date.level,
    ) ?? (corroborated(date.level, email.level, phone.level, address.level) ? null : "names_only");
  // Names alone are not worth a reviewer's time either: nothing in the pair could tell the
  // reviewer more than the names (two James Smiths of one property are two people far more
  // often than not), so such a pair is a new contact, whatever its score.
  const scored = outcome;
  if (guard === "names_only" && outcome !== "new") outcome = "new";
  else if (guard !== null && outcome === "merge") outcome = "review";
  return {
    fields: {
      first_name: first,
      last_name: last,
      date_of_birth: date,
      email,
      phone,
      address,
    },
    swapped_names: swapped,
    score: Math.round(score * 100) / 100,
    thresholds: criteria.thresholds,
    outcome,
    guard: outcome !== scored || (outcome === "review" && guard !== "names_only") ? guard : null,
  };
}
