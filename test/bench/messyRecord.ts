/**
 * A person of the messy benchmark set (`messyContacts.ts`) and one record of them: each field
 * copied from the person's true identity and corrupted independently, at the rates of
 * `messyRates`, with the corruptions applied listed beside the row (value-level noise in
 * `messyNoise.ts`). Placeholders are the people generator's.
 */
import type { PersonStatus } from "../../lib/domain/person.js";
import {
  formatPhone,
  generatedColumns,
  type PersonCsvRow,
  PLACEHOLDER_EMAILS,
  PLACEHOLDER_PHONES,
  type PostalAddress,
  type Random,
} from "../../lib/local/peopleGenerator.js";
import {
  dobDayMonthSwap,
  dobDayShift,
  dobYearShift,
  emailDomainTypo,
  emailFormat,
  emailLocalTypo,
  phoneTypo,
  typo,
} from "./messyNoise.js";
import { oneEdit } from "./syntheticContacts.js";

/** Per record and field, independently; see the header of `messyContacts.ts` for why. */
export const messyRates = Object.freeze({
  /** Each of first name, last name, email, phone, birth date and the whole address. */
  missing: 0.25,
  firstNameTypo: 0.15,
  lastNameTypo: 0.15,
  /** Of the name typos, the share with a second edit. */
  secondEdit: 0.3,
  /** Per record of a person whose first name has a short form. */
  nickname: 0.25,
  swappedNames: 0.04,
  nameCase: 0.1,
  /** "Jr" after the son's surname, "Sr" after the father's, of a father and son of one name. */
  juniorSuffix: 0.3,
  seniorSuffix: 0.15,
  /** Per record with the person's email. */
  emailLocalTypo: 0.06,
  emailDomainTypo: 0.05,
  emailFormat: 0.15,
  placeholderEmail: 0.02,
  /** Per record with the person's phone. */
  phoneTypo: 0.03,
  /** A format other than the person's usual one. */
  otherPhoneFormat: 0.4,
  officePhone: 0.02,
  placeholderPhone: 0.02,
  /** Per record with a birth date, one at most (a swap only when the day is 12 or less). */
  dobDayMonthSwap: 0.04,
  dobDayShift: 0.04,
  dobYearShift: 0.04,
  compactDob: 0.25,
  /** Per record with an address. */
  cityTypo: 0.08,
  /** City, postal code and unit, each. */
  missingAddressPart: 0.1,
});

/** A person of the set: the truth behind their records. */
export interface MessyPerson {
  personId: string;
  householdId: string;
  household: "single" | "family" | "roommates";
  /** Unrelated people given one full name share it; null for everyone else. */
  namesakeGroup: string | null;
  /** A twin, or father (`senior`) and son (`junior`) of one first name in one family. */
  tie: "twin" | "junior" | "senior" | null;
  firstName: string;
  lastName: string;
  /** The short form the person goes by on some cards, if their name has one. */
  nickname: string | null;
  /** `YYYY-MM-DD`. */
  dateOfBirth: string;
  email: string;
  /** Ten digits. */
  phone: string;
  /** Which of the eight phone formats the person usually writes. */
  phoneStyle: number;
  address: PostalAddress;
  status: PersonStatus;
  sharesPhone: boolean;
  sharesEmail: boolean;
}

/** A corruption put into a record (several may apply). */
export type MessyCorruption =
  | "missing_first_name"
  | "missing_last_name"
  | "missing_email"
  | "missing_phone"
  | "missing_dob"
  | "missing_address"
  | "first_name_typo"
  | "last_name_typo"
  /** A name typo of two edits rather than one. */
  | "two_edits"
  | "nickname"
  | "swapped_names"
  | "name_case"
  /** "Jr" or "Sr" after the surname. */
  | "name_suffix"
  | "email_local_typo"
  | "email_domain_typo"
  | "email_format"
  | "placeholder_email"
  | "phone_typo"
  | "office_phone"
  | "placeholder_phone"
  | "dob_day_month_swap"
  | "dob_day_shift"
  | "dob_year_shift"
  | "city_typo";

/** What a record needs besides the person. */
export interface RecordContext {
  random: Random;
  /** Which of the person's records this is (1-based), of how many. */
  card: number;
  count: number;
  officePhone: string;
}

const UNIT_STYLES = [
  (n: string) => `Apt ${n}`,
  (n: string) => `Apt. ${n}`,
  (n: string) => `#${n}`,
  (n: string) => `Unit ${n}`,
  (n: string) => `APT ${n}`,
];

/** A version-4-shaped GUID, as ResMan writes PersonIDs. */
function guid(random: Random): string {
  const hex = (digits: number) =>
    Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join("");
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(random() * 4)).toString(16)}${hex(3)}-${hex(12)}`;
}

/** One record of `person`, every field corrupted independently. */
export function messyRecord(
  person: Readonly<MessyPerson>,
  context: RecordContext,
): { row: PersonCsvRow; corruptions: MessyCorruption[] } {
  const { random } = context;
  const r = messyRates;
  const chance = (probability: number) => random() < probability;
  const done: MessyCorruption[] = [];
  const missing = (what: MessyCorruption) => {
    if (!chance(r.missing)) return false;
    done.push(what);
    return true;
  };

  // Names: short form, typos, suffix, case; then blanks and a swap.
  let first = person.firstName;
  if (person.nickname !== null && chance(r.nickname)) {
    first = person.nickname;
    done.push("nickname");
  }
  let last = person.lastName;
  for (const [which, rate, label] of [
    ["first", r.firstNameTypo, "first_name_typo"],
    ["last", r.lastNameTypo, "last_name_typo"],
  ] as const) {
    if (!chance(rate)) continue;
    const typed = typo(which === "first" ? first : last, random, r.secondEdit);
    if (which === "first") first = typed.value;
    else last = typed.value;
    done.push(label);
    if (typed.edits === 2 && !done.includes("two_edits")) done.push("two_edits");
  }
  const suffix =
    person.tie === "junior" ? r.juniorSuffix : person.tie === "senior" ? r.seniorSuffix : 0;
  if (chance(suffix)) {
    const word = person.tie === "junior" ? "Jr" : "Sr";
    last = `${last} ${pick(random, [word, `${word}.`, word.toUpperCase()])}`;
    done.push("name_suffix");
  }
  if (chance(r.nameCase)) {
    const recase = chance(0.5) ? (s: string) => s.toUpperCase() : (s: string) => s.toLowerCase();
    [first, last] = [recase(first), recase(last)];
    done.push("name_case");
  }
  const lastKept = last;
  // A record keeps what tells its person from the household member who shares everything else:
  // a twin's first name (twins share the birth date), a father's or son's birth date (they
  // share the first name, below). Without it no reader could say whose card it is, and the
  // benchmark would count the data's own ambiguity as the matcher's false merge.
  if (person.tie !== "twin" && missing("missing_first_name")) first = "";
  if (missing("missing_last_name")) last = "";
  if (first !== "" && last !== "" && chance(r.swappedNames)) {
    [first, last] = [last, first];
    done.push("swapped_names");
  }

  // Email.
  let email = "";
  let usableEmail = false;
  if (!missing("missing_email")) {
    if (chance(r.placeholderEmail)) {
      email = pick(random, PLACEHOLDER_EMAILS);
      done.push("placeholder_email");
    } else {
      email = person.email;
      usableEmail = true;
      if (chance(r.emailLocalTypo)) {
        email = emailLocalTypo(email, random);
        done.push("email_local_typo");
      }
      if (chance(r.emailDomainTypo)) {
        email = emailDomainTypo(email, random);
        done.push("email_domain_typo");
      }
      if (chance(r.emailFormat)) {
        email = emailFormat(email, random);
        done.push("email_format");
      }
    }
  }

  // Phone.
  let phone = "";
  let usablePhone = false;
  const style = chance(r.otherPhoneFormat)
    ? person.phoneStyle + 1 + Math.floor(random() * 7)
    : person.phoneStyle;
  if (!missing("missing_phone")) {
    if (chance(r.placeholderPhone)) {
      phone = pick(random, PLACEHOLDER_PHONES);
      done.push("placeholder_phone");
    } else if (chance(r.officePhone)) {
      phone = formatPhone(context.officePhone, style);
      done.push("office_phone");
    } else {
      let digits = person.phone;
      if (chance(r.phoneTypo)) {
        digits = phoneTypo(digits, random);
        done.push("phone_typo");
      }
      phone = formatPhone(digits, style);
      usablePhone = true;
    }
  }

  // Birth date: at most one of swap, day, year; sometimes written YYYYMMDD.
  let dob = "";
  const keepsDob = person.tie === "junior" || person.tie === "senior";
  if (keepsDob || !missing("missing_dob")) {
    dob = person.dateOfBirth;
    const roll = random();
    if (roll < r.dobDayMonthSwap) {
      dob = dobDayMonthSwap(dob);
      if (dob !== person.dateOfBirth) done.push("dob_day_month_swap");
    } else if (roll < r.dobDayMonthSwap + r.dobDayShift) {
      dob = dobDayShift(dob, random);
      done.push("dob_day_shift");
    } else if (roll < r.dobDayMonthSwap + r.dobDayShift + r.dobYearShift) {
      dob = dobYearShift(dob, random);
      done.push("dob_year_shift");
    }
    if (chance(r.compactDob)) dob = dob.replaceAll("-", "");
  }

  // Address: all or nothing, then its parts.
  const address = { line1: "", line2: "", city: "", state: "", postal: "" };
  if (!missing("missing_address")) {
    const home = person.address;
    const unit = home.line2?.replace(/^Apt /, "") ?? null;
    address.line1 = home.line1;
    if (unit !== null && !chance(r.missingAddressPart)) {
      address.line2 = pick(random, UNIT_STYLES)(unit);
    }
    address.state = home.state;
    if (!chance(r.missingAddressPart)) {
      address.city = home.city;
      if (chance(r.cityTypo)) {
        address.city = oneEdit(home.city, random);
        done.push("city_typo");
      }
    }
    if (!chance(r.missingAddressPart)) address.postal = home.postalCode;
  }

  // The import rejects a record with no name and no usable email or phone: give a name back.
  if (first === "" && last === "" && !usableEmail && !usablePhone) {
    last = lastKept;
    done.splice(done.indexOf("missing_last_name"), 1);
  }

  const row = Object.fromEntries(generatedColumns.map((column) => [column, ""])) as PersonCsvRow;
  return {
    row: {
      ...row,
      external_id: guid(random),
      first_name: first,
      last_name: last,
      email,
      phone,
      date_of_birth: dob,
      address_line1: address.line1,
      address_line2: address.line2,
      city: address.city,
      state: address.state,
      postal_code: address.postal,
      // Earlier cards of a person are guest cards; the last carries the person's status.
      status: context.card < context.count ? (chance(0.7) ? "prospect" : "lost") : person.status,
    },
    corruptions: done,
  };
}

function pick<T>(random: Random, choices: readonly T[]): T {
  return choices[Math.floor(random() * choices.length)] as T;
}
