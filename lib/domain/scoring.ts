/**
 * Scoring a person against one candidate contact (Fellegi–Sunter style, weights from
 * `rules.ts`): every field lands in one comparison level (`comparisons.ts`), the levels'
 * weights add up to a score, and the thresholds turn it into one of three outcomes. Pure; the
 * evidence names fields, levels and weights only, never a compared value.
 *
 * Frequency. A value many contacts of the property hold says little about which of them this
 * is: an email or phone held by more than `shared_value_limit` contacts is `shared` (an office,
 * a household), so is an address part (the property's own postal code, its building, a
 * one-building street: `blocking.ts` counts them); a full name several contacts carry loses
 * log2 of how many off the surname's weight (`adjustment`).
 *
 * Guards override the arithmetic where independent weights mislead (`guardOf`; the evidence
 * keeps the guard that applies as `hold`, and `outcomeOf` says what it allows). Surname,
 * address, email and phone are a household's as much as a person's (families and roommates
 * share them, all at once), so they add up to a high score between two members of one
 * household; only the first name, the birth date and a Jr/Sr tell the members apart.
 * Household guards — the pair shares an email or phone, or a dwelling (or at least a street
 * in one postal code):
 *   - `first_name_differs` (a shared email or phone): the first names disagree (a name that
 *     only sounds alike counts as disagreeing: Jon/Jan; so does a typo only the edit distance
 *     sees, Sara/Tara, see `givenNamesDiffer`), unless the birth date agrees (or nearly) and the
 *     names may be one mistyped (Amy/Ary, Robfrt/Bob);
 *   - `date_of_birth_differs`: the birth dates differ by more than one slip (a father and the
 *     son named after him at one dwelling);
 *   - `generation_differs`: one card says Jr and the other Sr (whatever they share), or, in a
 *     household, one says Jr (or Sr) and the birth date cannot tell;
 *   - `nickname_in_household`: the email or phone they share is held by several contacts and
 *     the first names are only nicknames of each other (a John and a Jonathan): the birth date
 *     must agree.
 * A household pair never merges; it is a review item only if it reaches the review threshold
 * without what the household shares (twins: surname and birth date), else a new contact — a
 * reviewer's queue is no place for every sibling. Other guards:
 *   - `contact_points_differ` (design §6 invariant 12): both carry an email and a phone and all
 *     differ: never merged unless the full name and the birth date agree; a review item at most
 *     when the full name agrees, else a new contact;
 *   - `person_unconfirmed`: nothing confirms the person — the first names neither equal, nor
 *     nicknames, nor one typing error apart, and the birth dates not agreeing: a review item at
 *     most, a new contact when one side has neither a first name nor a birth date (whoever
 *     shares the household's phone could have written that card);
 *   - `names_only`: nothing but the names agrees (`corroborated`): a new contact (a reviewer
 *     would have nothing but the names to go on).
 *
 * Over 400 lines as one thing: one pair's score, the guards that hold it back and `outcomeOf`,
 * which the rule simulation shares; the field levels themselves are in `comparisons.ts`.
 */
import {
  type AddressLevel,
  type AddressPart,
  addressWeights,
  type ComparisonForm,
  compareAddresses,
  compareDates,
  compareIdentifier,
  compareNames,
  comparisonForm,
  type DateLevel,
  emailsNear,
  type FieldEvidence,
  type IdentifierLevel,
  NAME_AGREES,
  type NameLevel,
  phonesNear,
} from "./comparisons.js";
import type { ContactValues } from "./contact.js";
import { isFirstNameTypo, mayBeFirstNameTypo, mayBeNicknameTypo, nameSimilarity } from "./names.js";
import type { MatchingCriteria } from "./rules.js";

export {
  type AddressLevel,
  type AddressPart,
  type ComparisonForm,
  compareDates,
  comparisonForm,
  type DateLevel,
  type FieldEvidence,
  type IdentifierLevel,
  type NameLevel,
} from "./comparisons.js";

/** Why a pair is held back from merging (see the module comment). */
export type GuardReason =
  | "first_name_differs"
  | "date_of_birth_differs"
  | "nickname_in_household"
  | "generation_differs"
  | "contact_points_differ"
  | "person_unconfirmed"
  | "names_only";

/** The fields whose agreement a household shares. */
export type HouseholdField = "email" | "phone" | "address";

/** The guard that applies to a pair, whatever its score (`outcomeOf` says what it allows). */
export interface GuardHold {
  guard: GuardReason;
  /** For a household guard: what the two share as a household (it does not make a review). */
  household?: HouseholdField[];
}

/**
 * The guards that see two members of one household (a contact point they share, with another
 * given name or birth date) rather than a reading that merely lacks confirmation. A contact
 * read as one of its other records (`chooseCandidate.ts`) keeps these from its current reading.
 */
export const HOUSEHOLD_GUARDS: ReadonlySet<GuardReason> = new Set([
  "first_name_differs",
  "date_of_birth_differs",
  "nickname_in_household",
  "generation_differs",
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
  /** Why the outcome is below what the score alone reached (or why a review is not a merge). */
  guard: GuardReason | null;
  /**
   * The guard that applies to the pair whatever its score (what a re-scoring under other
   * weights must apply too); absent in evidence stored before it was recorded.
   */
  hold?: GuardHold | null;
}

export type ScoreOutcome = "merge" | "review" | "new";

/** How many contacts of the property hold a value (for the shared-value demotion). */
export interface SharedCounts {
  email: number;
  /** The most-shared of the phones the two have in common. */
  phone: number;
  /**
   * How many contacts hold the person's dwelling, building, street (in its postal code) and
   * postal code (`blocking.ts` `countedKeys`); a part not given counts as held by one.
   */
  address?: Partial<Record<AddressPart, number>>;
  /** How many contacts carry the person's full name (first and last, as compared); 1 if unknown. */
  name?: number;
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

/** What the guards look at, besides the field levels. */
interface GuardFacts {
  /** The two share an email or a phone. */
  sharesContactPoint: boolean;
  /** One they share is held by more than one contact: a household's (or an office's). */
  sharesHouseholdPoint: boolean;
  /** They share a dwelling, or at least a street in one postal code. */
  sharesDwelling: boolean;
  /** The given names compared for the guards (crosswise for a swapped card), and their level. */
  first: NameLevel;
  last: NameLevel;
  /** The given names tell two people apart (`givenNamesDiffer`). */
  firstDiffers: boolean;
  /** The given names are one typing error apart (`isFirstNameTypo`). */
  firstIsTypo: boolean;
  date: DateLevel;
  /**
   * Both carry an email and a phone, the emails disagree (neither equal nor one typo apart) and
   * so do the phones (a phone one digit off counts as differing).
   */
  contactPointsDiffer: boolean;
  /** Something besides the names agrees (`corroborated`). */
  corroborated: boolean;
  /** The generations the names carry (Jr, Sr…): `differs`, on `one` side only, or null. */
  generation: "differs" | "one" | null;
}

/**
 * The guard that holds a pair back, whatever its score (see the module comment), or null.
 * Household guards first: where two share an email or a phone, a first name that tells two
 * people apart, and where they share an email, a phone or a dwelling (or a street), a birth
 * date further apart than one slip, is a household (a family, roommates, a father and the son
 * named after him), not one person. A first name that is only similar confirms the person when
 * it is a typing error of the other (`isFirstNameTypo`), not when it is another name (Paula for
 * Paul). A nickname confirms the person, except on a household's contact point: families reuse
 * name stems (a John and a Jonathan, an Elizabeth and a Betty), so there a nickname needs the
 * birth date to agree.
 */
function guardOf(facts: GuardFacts): GuardReason | null {
  const household = facts.sharesContactPoint || facts.sharesDwelling;
  if (facts.sharesContactPoint && facts.firstDiffers) return "first_name_differs";
  if (household && (facts.date === "disagree" || facts.date === "partial")) {
    return "date_of_birth_differs";
  }
  const dateConfirms = CONFIRMING_BIRTH_DATE.has(facts.date);
  // A Jr and a Sr are two people; a Jr (or Sr) on one card only, where the birth date cannot
  // tell, may be the son named after the father whose phone, email or home he shares.
  if (
    facts.generation === "differs" ||
    (facts.generation === "one" && household && !dateConfirms)
  ) {
    return "generation_differs";
  }
  if (facts.sharesHouseholdPoint && facts.first === "nickname" && !dateConfirms) {
    return "nickname_in_household";
  }
  // design §6 invariant 12: every email and phone differs, on both sides.
  const fullNameAgrees = CONFIRMING_FIRST_NAME.has(facts.first) && facts.last === "exact";
  if (facts.contactPointsDiffer && !(fullNameAgrees && facts.date === "exact")) {
    return "contact_points_differ";
  }
  if (!CONFIRMING_FIRST_NAME.has(facts.first) && !facts.firstIsTypo && !dateConfirms) {
    return "person_unconfirmed";
  }
  return facts.corroborated ? null : "names_only";
}

/**
 * Whether anything but the names agrees. Names alone never auto-merge: they are not
 * identifiers, and how common a name is varies far more than one weight can say (two John
 * Smiths of one property are two people more often than two Zoltan Kovacses are). A value
 * many contacts hold (`shared`) corroborates nothing.
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
    email === "near" ||
    phone === "exact" ||
    address === "exact" ||
    address === "near" ||
    address === "partial"
  );
}

const outcomeRank: Record<ScoreOutcome, number> = { merge: 2, review: 1, new: 0 };

/**
 * The outcome of a score under `thresholds`, held back by `hold` (the guard that applies to the
 * pair, if any):
 *   - `names_only`: a new contact (a reviewer would have nothing but the names to go on);
 *   - `contact_points_differ`: a review item when the full name agrees, else a new contact;
 *   - a household guard: a review item only if the pair would reach the review threshold
 *     without what the household shares (its email, phone, address), else a new contact — two
 *     household members are told apart by what they do not share, and a reviewer's queue is
 *     not the place for every sibling;
 *   - `person_unconfirmed`: at most a review item.
 * Pure, from the evidence alone: the rule simulation (`ruleSimulation.ts`) re-scores stored
 * evidence with it.
 */
export function outcomeOf(
  fields: ScoreEvidence["fields"],
  score: number,
  thresholds: MatchingCriteria["thresholds"],
  hold: GuardHold | null,
): ScoreOutcome {
  const scored: ScoreOutcome =
    score >= thresholds.auto_merge ? "merge" : score >= thresholds.review ? "review" : "new";
  if (hold === null) return scored;
  let cap: ScoreOutcome;
  if (hold.guard === "names_only") cap = "new";
  else if (hold.guard === "person_unconfirmed") {
    // Neither a first name nor a birth date on one side: nothing a reviewer could tell the
    // person by either (whoever shares the household's phone is as likely).
    const silent =
      fields.first_name.level === "missing" && fields.date_of_birth.level === "missing";
    cap = silent ? "new" : "review";
  } else if (hold.guard === "contact_points_differ") {
    const fullName =
      CONFIRMING_FIRST_NAME.has(fields.first_name.level) && fields.last_name.level === "exact";
    cap = fullName ? "review" : "new";
  } else {
    const shared = (hold.household ?? []).reduce(
      (sum, field) => sum + Math.max(0, fields[field].weight),
      0,
    );
    cap = score - shared >= thresholds.review ? "review" : "new";
  }
  return outcomeRank[cap] < outcomeRank[scored] ? cap : scored;
}

/** The person's values' frequency where the pair's agreement depends on it (`SharedCounts`). */
const holdersOf = (counts: SharedCounts, part: AddressPart | null): number =>
  part === null ? 1 : (counts.address?.[part] ?? 1);

/**
 * Scores `person` against `contact` under `criteria`. `sharedBy` says how many contacts of the
 * property hold the shared email and phone, and the person's address parts (1 when only this
 * one, or not known).
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
  const personEmail = person.email;
  const email = compareIdentifier(
    personEmail !== null && personEmail === contact.email,
    personEmail !== null && contact.email !== null && emailsNear(personEmail, contact.email),
    personEmail !== null && contact.email !== null,
    sharedBy.email,
    fields.email,
    criteria.shared_value_limit,
  );
  const phone = compareIdentifier(
    person.phones.some((p) => contact.phones.includes(p)),
    person.phones.some((p) => contact.phones.some((q) => phonesNear(p, q))),
    person.phones.length > 0 && contact.phones.length > 0,
    sharedBy.phone,
    fields.phone,
    criteria.shared_value_limit,
  );
  const compared = compareAddresses(person.address, contact.address, fields.address, similarity);
  // An address part many contacts of the property hold (its own postal code, the street of a
  // one-building community, a dwelling that has housed many) says little about who this is.
  const address: FieldEvidence<AddressLevel> =
    ["exact", "near", "partial"].includes(compared.evidence.level) &&
    holdersOf(sharedBy, compared.part) > criteria.shared_value_limit
      ? { level: "shared", weight: addressWeights(fields.address).shared }
      : compared.evidence;

  // A full name many contacts of the property carry says less about which of them this is: by
  // how many times more holders there are than one (log2), taken off the surname's weight.
  const namesakes = sharedBy.name ?? 1;
  if (namesakes > 1 && CONFIRMING_FIRST_NAME.has(first.level) && last.level === "exact") {
    const adjustment = -Math.round(Math.log2(namesakes) * 100) / 100;
    last = { ...last, weight: last.weight + adjustment, adjustment };
  }
  const score =
    first.weight + last.weight + date.weight + email.weight + phone.weight + address.weight;
  const sharesContactPoint = sharesPoint(email.level) || sharesPoint(phone.level);
  const sharesDwelling =
    compared.sameStreet ||
    compared.evidence.level === "exact" ||
    compared.evidence.level === "near";
  const guard = guardOf({
    sharesContactPoint,
    sharesHouseholdPoint:
      (sharesPoint(email.level) && sharedBy.email > 1) ||
      (sharesPoint(phone.level) && sharedBy.phone > 1),
    sharesDwelling,
    first: givenLevel,
    last: last.level,
    // A first name that may be one mistyped (Amy/Ary, Gary/Jary, Robfrt/Bob) does not tell two
    // people apart where the birth date agrees: household members other than twins differ in
    // both. Without the birth date it does: Tara and Sara may be sisters.
    firstDiffers:
      givenNamesDiffer(givenLevel, given, similarity) &&
      !(
        CONFIRMING_BIRTH_DATE.has(date.level) &&
        (mayBeFirstNameTypo(given[0], given[1]) || mayBeNicknameTypo(given[0], given[1]))
      ),
    firstIsTypo: given[0] !== null && given[1] !== null && isFirstNameTypo(given[0], given[1]),
    date: date.level,
    // A phone one digit off is no agreement: neighbouring numbers are common where numbers are
    // handed out in blocks.
    contactPointsDiffer:
      email.level === "disagree" && (phone.level === "disagree" || phone.level === "near"),
    corroborated: corroborated(date.level, email.level, phone.level, address.level),
    generation:
      person.generation === contact.generation
        ? null
        : person.generation !== null && contact.generation !== null
          ? "differs"
          : "one",
  });
  let hold: GuardHold | null = null;
  if (guard !== null) {
    hold = { guard };
    if (HOUSEHOLD_GUARDS.has(guard)) {
      hold.household = [
        ...(sharesPoint(email.level) ? (["email"] as const) : []),
        ...(sharesPoint(phone.level) ? (["phone"] as const) : []),
        ...(sharesDwelling ? (["address"] as const) : []),
      ];
    }
  }
  const evidenceFields = {
    first_name: first,
    last_name: last,
    date_of_birth: date,
    email,
    phone,
    address,
  };
  const rounded = Math.round(score * 100) / 100;
  const scored = outcomeOf(evidenceFields, rounded, criteria.thresholds, null);
  const outcome = outcomeOf(evidenceFields, rounded, criteria.thresholds, hold);
  return {
    fields: evidenceFields,
    swapped_names: swapped,
    score: rounded,
    thresholds: criteria.thresholds,
    outcome,
    guard: outcome !== scored || (outcome === "review" && guard !== "names_only") ? guard : null,
    hold,
  };
}
