/**
 * The labelled synthetic contact set of the quality benchmark (`npm run bench:quality`).
 *
 * Built by composition on the project's people generator (`lib/local/peopleGenerator.ts`),
 * which already writes what a ResMan export gets wrong: duplicate cards of one person, email
 * case and spaces, phones in eight formats (`(512) 555-0147`, `512.555.0147`,
 * `+1 512 555 0147`, `5125550147`, …) over hundreds of area codes, nicknames, name case,
 * missing values, placeholder emails and phones, the office phone, and households (families
 * often with one last name and one address, roommates) sharing a phone or an email. Its rates
 * are turned up here so that a few thousand rows hold enough of each; on top of them this file
 * adds what a matcher with fuzzy comparisons must also survive and the generator does not make:
 *
 * - `name_typo`: one edit (substitution, deletion, insertion or adjacent transposition) in the
 *   first or the last name;
 * - `swapped_names`: first and last name in each other's column;
 * - `gmail_dots` / `gmail_plus`: a Gmail address written with its dots moved or a `+tag`, which
 *   Gmail delivers to the same mailbox (and only Gmail-style providers do, so only `gmail.com`
 *   addresses get them).
 *
 * Deterministic: the same seed gives the same rows and labels. Every value is fictional: names
 * are drawn from common-name lists and combined at random, phones are 555-01xx numbers, mail
 * domains are made up, except `gmail.com`, needed for the dot rule, on made-up local parts.
 */
import {
  type DataProblem,
  type DataProblemRates,
  generatePeople,
  mulberry32,
  type PersonCsvRow,
  type Random,
} from "../../lib/local/peopleGenerator.js";

/** A problem put into a row: the generator's, or one added here. */
export type ContactProblem =
  | DataProblem
  | "name_typo"
  | "swapped_names"
  | "gmail_dots"
  | "gmail_plus";

/** One import row and the truth about it. */
export interface LabelledContactRow {
  row: PersonCsvRow;
  /** The real person the row is a record of. */
  personId: string;
  /** The person's household (family or roommates); a person living alone has their own. */
  householdId: string;
  problems: readonly ContactProblem[];
}

/**
 * The generator's rates for this set: most people have two or three cards (about 2.4 rows a
 * person, so 5,000 rows hold some 2,000 people), a third of households are shared and share
 * phones and emails often, and nicknames, placeholders and the office phone are common enough
 * to be counted. Rows the import must reject (no external id, a repeated one, no identity) are
 * left out: the import benchmark covers them, and here every row must be a labelled record
 * with its own external id.
 */
export const syntheticContactRates: Readonly<Partial<DataProblemRates>> = Object.freeze({
  duplicateCards: 0.9,
  thirdCard: 0.6,
  sharedHousehold: 0.35,
  familySharesPhone: 0.6,
  familySharesEmail: 0.35,
  roommateSharesPhone: 0.3,
  nickname: 0.3,
  emailFormat: 0.3,
  placeholderEmail: 0.06,
  placeholderPhone: 0.05,
  officePhone: 0.02,
  missingExternalId: 0,
  repeatedExternalId: 0,
  noIdentity: 0,
});

/** Rates of the problems added here, per row. */
const NAME_TYPO = 0.12;
const SWAPPED_NAMES = 0.04;
/** Share of personal addresses moved to `gmail.com`, and of their rows written as a variant. */
const GMAIL_SHARE = 0.35;
const GMAIL_VARIANT = 0.4;
const PLUS_TAGS = ["rent", "apts", "leasing", "home", "move"];

/** Mixed into the seed so these draws do not repeat the generator's sequence. */
const SALT = 0x5bd1e995;

export interface SyntheticContactsOptions {
  seed: number;
  rows: number;
  /**
   * Ten digits of the property office's phone, which some rows carry instead of the person's.
   * The property imported into must have the same office phone, or the import cannot know it.
   */
  officePhone: string;
}

/** Generates `options.rows` labelled rows, lazily. Same options, same rows. */
export function* generateSyntheticContacts(
  options: SyntheticContactsOptions,
): Generator<LabelledContactRow> {
  const random = mulberry32(options.seed ^ SALT);
  const chance = (probability: number) => random() < probability;
  // Decided once per address, so every card of a person, and every household member sharing
  // the address, moves to Gmail together.
  const gmailAddresses = new Map<string, boolean>();

  for (const labelled of generatePeople({
    seed: options.seed,
    rows: options.rows,
    label: "syn",
    officePhone: options.officePhone,
    rates: syntheticContactRates,
  })) {
    const row = { ...labelled.row };
    const problems: ContactProblem[] = [...labelled.problems];

    if (row.email !== "" && !labelled.problems.includes("placeholder_email")) {
      const address = row.email.trim().toLowerCase();
      let gmail = gmailAddresses.get(address);
      if (gmail === undefined) {
        gmail = chance(GMAIL_SHARE);
        gmailAddresses.set(address, gmail);
      }
      if (gmail) {
        row.email = onGmail(row.email);
        if (chance(GMAIL_VARIANT)) {
          const plus = chance(0.5);
          row.email = plus
            ? withLocalPart(row.email, (local) => `${local}+${pick(random, PLUS_TAGS)}`)
            : withLocalPart(row.email, (local) => movedDots(local, random));
          problems.push(plus ? "gmail_plus" : "gmail_dots");
        }
      }
    }

    const names = (["first_name", "last_name"] as const).filter((column) => row[column] !== "");
    if (names.length > 0 && chance(NAME_TYPO)) {
      const column = pick(random, names);
      row[column] = oneEdit(row[column], random);
      problems.push("name_typo");
    }
    if (names.length === 2 && chance(SWAPPED_NAMES)) {
      [row.first_name, row.last_name] = [row.last_name, row.first_name];
      problems.push("swapped_names");
    }

    yield {
      row,
      personId: labelled.person.personId,
      householdId: labelled.person.householdId,
      problems,
    };
  }
}

function pick<T>(random: Random, choices: readonly T[]): T {
  return choices[Math.floor(random() * choices.length)] as T;
}

/**
 * The address on `gmail.com`, in the case the row wrote its domain in (`Postbox.App` →
 * `Gmail.Com`), spaces kept: the generator's case and whitespace problems stay as they were.
 */
function onGmail(email: string): string {
  const at = email.lastIndexOf("@");
  const domain = email.slice(at + 1);
  const trimmed = domain.trimEnd();
  const trailing = domain.slice(trimmed.length);
  let gmail = "gmail.com";
  if (trimmed === trimmed.toUpperCase()) gmail = "GMAIL.COM";
  else if (/^[A-Z]/.test(trimmed)) gmail = "Gmail.Com";
  return `${email.slice(0, at + 1)}${gmail}${trailing}`;
}

/** Rewrites the local part (between any leading spaces and the `@`), keeping its case style. */
function withLocalPart(email: string, rewrite: (local: string) => string): string {
  const at = email.lastIndexOf("@");
  const local = email.slice(0, at);
  const trimmed = local.trimStart();
  const upper = trimmed === trimmed.toUpperCase();
  const rewritten = rewrite(trimmed);
  return `${local.slice(0, local.length - trimmed.length)}${upper ? rewritten.toUpperCase() : rewritten}${email.slice(at)}`;
}

/** The local part with its dots removed, or with one more between two letters. */
function movedDots(local: string, random: Random): string {
  if (local.includes(".")) return local.replaceAll(".", "");
  // Between positions 1 and length-1, so the dot never starts or ends the local part.
  const at = 1 + Math.floor(random() * Math.max(1, local.length - 1));
  return `${local.slice(0, at)}.${local.slice(at)}`;
}

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

/**
 * The name with one typing error at a letter: a substitution, deletion, insertion or swap with
 * the next letter (one Damerau-Levenshtein edit). A substituted letter keeps the case of the
 * one it replaces; an inserted one is lower case unless the whole name is upper case.
 */
export function oneEdit(name: string, random: Random): string {
  const isLetter = (char: string) => /\p{L}/u.test(char);
  const letters = name.split("").flatMap((char, i) => (isLetter(char) ? [i] : []));
  if (letters.length < 2) return name;
  const at = pick(random, letters);
  const char = name.charAt(at);
  const next = name.charAt(at + 1);
  const upper = (text: string) => text === text.toUpperCase();
  const caseOf = (model: string, letter: string) =>
    upper(model) ? letter.toUpperCase() : letter.toLowerCase();
  let other = pick(random, [...LETTERS]);
  if (other === char.toLowerCase()) other = LETTERS.charAt((LETTERS.indexOf(other) + 1) % 26);
  const substituted = `${name.slice(0, at)}${caseOf(char, other)}${name.slice(at + 1)}`;
  switch (Math.floor(random() * 4)) {
    case 0:
      return substituted;
    case 1:
      return `${name.slice(0, at)}${name.slice(at + 1)}`;
    case 2:
      return `${name.slice(0, at + 1)}${upper(name) ? other.toUpperCase() : other}${name.slice(at + 1)}`;
    default:
      // A swap with an equal letter or a non-letter would change nothing or the word breaks.
      if (!isLetter(next) || next.toLowerCase() === char.toLowerCase()) return substituted;
      // Letters swap, their places keep their case: `Smith` → `Msith`, not `mSith`.
      return `${name.slice(0, at)}${caseOf(char, next)}${caseOf(next, char)}${name.slice(at + 2)}`;
  }
}
