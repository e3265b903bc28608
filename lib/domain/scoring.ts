/**
 * Scoring a person against one candidate contact (Fellegi–Sunter style, weights from
 * `rules.ts`): every field lands in one comparison level, the levels' weights add up to a score,
 * and the thresholds turn it into one of three outcomes. Pure; the evidence names fields,
 * levels and weights only, never a compared value.
 *
 * The household guard overrides the arithmetic: an email or phone shared by people whose first
 * names disagree (and are not nicknames of one another) or whose birth dates disagree never
 * auto-merges, however strong the rest; at most it goes to review.
 */
import { normaliseAddress } from "./address.js";
import type { ContactValues } from "./contact.js";
import { emailMatchKey } from "./emailKey.js";
import { areNicknames, nameSimilarity, normaliseName, phoneticKey } from "./names.js";
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
export type AddressLevel = "exact" | "partial" | "disagree" | "missing";

export interface FieldEvidence<L extends string> {
  level: L;
  /** This level's weight (0 when missing). */
  weight: number;
}

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
  guard: "first_name_differs" | "date_of_birth_differs" | null;
}

export type ScoreOutcome = "merge" | "review" | "new";

/** How many contacts of the property hold a value (for the shared-value demotion). */
export interface SharedCounts {
  email: number;
  /** The most-shared of the phones the two have in common. */
  phone: number;
}

function compareNames(
  a: string | null,
  b: string | null,
  rule: MatchingCriteria["fields"]["first_name"],
  similarity: MatchingCriteria["similarity"],
  nicknames: boolean,
): FieldEvidence<NameLevel> {
  const x = normaliseName(a);
  const y = normaliseName(b);
  if (x === null || y === null) return { level: "missing", weight: 0 };
  if (x === y) return { level: "exact", weight: rule.exact };
  if (nicknames && rule.nickname !== undefined && areNicknames(x, y)) {
    return { level: "nickname", weight: rule.nickname };
  }
  const jw = nameSimilarity(x, y);
  if (jw >= similarity.high) return { level: "similar_high", weight: rule.similar_high };
  if (jw >= similarity.low) return { level: "similar", weight: rule.similar };
  const px = phoneticKey(x);
  if (px !== null && px === phoneticKey(y)) return { level: "phonetic", weight: rule.phonetic };
  return { level: "disagree", weight: rule.disagree };
}

/** Positions where two equal-length strings differ. */
function differences(a: string, b: string): number {
  let count = 0;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) count += 1;
  return count;
}

function compareDates(
  a: string | null,
  b: string | null,
  rule: MatchingCriteria["fields"]["date_of_birth"],
): FieldEvidence<DateLevel> {
  if (a === null || b === null) return { level: "missing", weight: 0 };
  if (a === b) return { level: "exact", weight: rule.exact };
  // `YYYY-MM-DD` (normalised by `normaliseBirthDate`).
  const [ya, ma, da] = a.split("-");
  const [yb, mb, db] = b.split("-");
  const swapped = ya === yb && ma === db && da === mb;
  if (swapped || differences(a, b) === 1) return { level: "near", weight: rule.near };
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

function compareAddresses(
  a: ContactValues["address"],
  b: ContactValues["address"],
  rule: MatchingCriteria["fields"]["address"],
): FieldEvidence<AddressLevel> {
  if (a === null || b === null) return { level: "missing", weight: 0 };
  const x = normaliseAddress(a);
  const y = normaliseAddress(b);
  const postal = x.postalCode !== null && y.postalCode !== null;
  const number = x.streetNumber !== null && y.streetNumber !== null;
  const street = x.street !== null && y.street !== null;
  if (!postal && !street) return { level: "missing", weight: 0 };
  const samePostal = postal && x.postalCode === y.postalCode;
  const sameNumber = number && x.streetNumber === y.streetNumber;
  const sameStreet = street && x.street === y.street;
  if (samePostal && sameNumber && (!street || sameStreet)) {
    return { level: "exact", weight: rule.exact };
  }
  if (samePostal || (sameStreet && (!number || sameNumber))) {
    return { level: "partial", weight: rule.partial };
  }
  return { level: "disagree", weight: rule.disagree };
}

const phonesOf = (values: ContactValues) => Object.values(values.phones).map((phone) => phone.e164);

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
  const { fields, similarity } = criteria;
  let first = compareNames(
    person.firstName,
    contact.firstName,
    fields.first_name,
    similarity,
    true,
  );
  let last = compareNames(person.lastName, contact.lastName, fields.last_name, similarity, false);
  // A record with first and last name swapped: compare crosswise when that agrees better.
  let swapped = false;
  if (first.level === "disagree" && last.level === "disagree") {
    const crossFirst = compareNames(
      person.firstName,
      contact.lastName,
      fields.first_name,
      similarity,
      true,
    );
    const crossLast = compareNames(
      person.lastName,
      contact.firstName,
      fields.last_name,
      similarity,
      false,
    );
    if (crossFirst.weight + crossLast.weight > first.weight + last.weight) {
      first = crossFirst;
      last = crossLast;
      swapped = true;
    }
  }
  const date = compareDates(person.dateOfBirth, contact.dateOfBirth, fields.date_of_birth);

  const emailA = person.email === null ? null : emailMatchKey(person.email);
  const emailB = contact.email === null ? null : emailMatchKey(contact.email);
  const email = compareIdentifier(
    emailA !== null && emailA === emailB,
    emailA !== null && emailB !== null,
    sharedBy.email,
    fields.email,
    criteria.shared_value_limit,
  );
  const phonesA = phonesOf(person);
  const phonesB = phonesOf(contact);
  const phone = compareIdentifier(
    phonesA.some((p) => phonesB.includes(p)),
    phonesA.length > 0 && phonesB.length > 0,
    sharedBy.phone,
    fields.phone,
    criteria.shared_value_limit,
  );
  const address = compareAddresses(person.address, contact.address, fields.address);

  const score =
    first.weight + last.weight + date.weight + email.weight + phone.weight + address.weight;
  let outcome: ScoreOutcome =
    score >= criteria.thresholds.auto_merge
      ? "merge"
      : score >= criteria.thresholds.review
        ? "review"
        : "new";
  // The household guard: a shared contact point is not an identity.
  const sharesContactPoint =
    email.level === "exact" ||
    email.level === "shared" ||
    phone.level === "exact" ||
    phone.level === "shared";
  const guard =
    sharesContactPoint && first.level === "disagree"
      ? "first_name_differs"
      : sharesContactPoint && date.level === "disagree"
        ? "date_of_birth_differs"
        : null;
  if (guard !== null && outcome === "merge") outcome = "review";
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
    guard: outcome === "review" ? guard : null,
  };
}
