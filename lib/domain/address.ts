/**
 * The comparison form of a postal address, light on purpose: enough to compare two addresses
 * of one person and to block on postal code + street number (+ unit), not an address
 * standardiser. It knows no country: the same rules read US addresses ("123 Main St Apt 4B",
 * ZIP+4) and Australian ones ("1/23 Miller Place", four-digit postcodes).
 */

import { memoized } from "./memo.js";
import { foldText } from "./names.js";
import { cleanText } from "./normalize.js";

/** The parts of an address as a contact or a source holds them; all optional. */
export interface AddressInput {
  line1?: string | null | undefined;
  line2?: string | null | undefined;
  city?: string | null | undefined;
  state?: string | null | undefined;
  postalCode?: string | null | undefined;
}

/** An address in comparison form (lower case); null when a part is absent. */
export interface NormalisedAddress {
  /** `123`, `12b`, `12-14`. */
  streetNumber: string | null;
  /** Street name with its type and directions abbreviated: `miller pl`, `n main st`. */
  street: string | null;
  /** Apartment, unit, suite or flat designator without its label: `4b`. */
  unit: string | null;
  /** ZIP 5 digits, other digit codes as given, anything else lower case without spaces. */
  postalCode: string | null;
}

/**
 * Street types and directions, every spelling mapped to one form (the USPS abbreviations of
 * Publication 28: street suffixes in Appendix C1, directionals; Australia Post's for the types
 * the USPS does not list: close, parade, esplanade, circuit), so
 * "Miller Place" and "Miller Pl." compare equal. Applied to every word: "St" is also "Saint",
 * which maps to the same form, so the two readings cannot disagree.
 */
const STREET_TYPES: Readonly<Record<string, string>> = {
  street: "st",
  str: "st",
  saint: "st",
  avenue: "ave",
  av: "ave",
  avn: "ave",
  road: "rd",
  drive: "dr",
  drv: "dr",
  lane: "ln",
  court: "ct",
  crt: "ct",
  boulevard: "blvd",
  boul: "blvd",
  bvd: "blvd",
  place: "pl",
  terrace: "ter",
  terr: "ter",
  tce: "ter",
  circle: "cir",
  circ: "cir",
  crescent: "cres",
  highway: "hwy",
  parkway: "pkwy",
  pky: "pkwy",
  square: "sq",
  trail: "trl",
  close: "cl",
  parade: "pde",
  esplanade: "esp",
  grove: "grv",
  gr: "grv",
  circuit: "cct",
  point: "pt",
};

const DIRECTIONS: Readonly<Record<string, string>> = {
  north: "n",
  south: "s",
  east: "e",
  west: "w",
  northeast: "ne",
  northwest: "nw",
  southeast: "se",
  southwest: "sw",
};

const ABBREVIATIONS: Readonly<Record<string, string>> = { ...STREET_TYPES, ...DIRECTIONS };

/**
 * Each street type's full word (the longest spelling that maps to it): `st` → `street`,
 * `cres` → `crescent`. For `compactStreet`. Directions stay single letters: spelled out, the
 * `n` of a street split by a typo ("Rya n Garden") would become `north`.
 */
const FULL_WORDS: ReadonlyMap<string, string> = (() => {
  const full = new Map<string, string>();
  for (const [word, short] of Object.entries(STREET_TYPES)) {
    const known = full.get(short);
    if (known === undefined || word.length > known.length) full.set(short, word);
  }
  return full;
})();

/**
 * A normalised street (`NormalisedAddress.street`) with its type spelled out and its spaces
 * removed: `alston st`, `alstonstreet` and `alstons treet` all read `alstonstreet`. A
 * space typed in the wrong place, or left out, does not make another street; this form is
 * what two streets compare by (a typo then costs one edit, however the words were split).
 */
export const compactStreet: (street: string) => string = memoized((street) =>
  street
    .split(" ")
    .map((word) => FULL_WORDS.get(word) ?? word)
    .join(""),
);

/** Words that introduce a unit designator; `#` is read as one. */
const UNIT_LABELS = new Set(["apt", "apartment", "unit", "suite", "ste", "flat", "rm", "room"]);

/** A house number as people write it: `12`, `12b`, `12-14`. */
const HOUSE_NUMBER = /^\d+[a-z]?(?:-\d+[a-z]?)?$/u;

/** Australian and NZ `unit/number` (`1/23`, `4b/7`, `a/7`). */
const UNIT_SLASH_NUMBER = /^(\d+[a-z]?|[a-z])\/(\d+[a-z]?)$/u;

interface ParsedLine {
  streetNumber: string | null;
  words: string[];
  unit: string | null;
}

/**
 * Reads one address line. House numbers and `unit/number` are recognised on the raw words
 * (folding would split `12-14`); every other word is folded like a name. A unit label and the
 * word after it are taken out wherever they stand; the first one found is the unit.
 */
function parseLine(raw: string | null | undefined): Readonly<ParsedLine> {
  return raw === null || raw === undefined ? NO_LINE : parseLineOnce(raw);
}

const NO_LINE: Readonly<ParsedLine> = Object.freeze({ streetNumber: null, words: [], unit: null });

/** `parseLine` of a line, remembered: the result is shared, never changed by its readers. */
const parseLineOnce = /* @__PURE__ */ memoized((raw: string): Readonly<ParsedLine> => {
  const parsed: ParsedLine = { streetNumber: null, words: [], unit: null };
  const cleaned = cleanText(raw)?.toLowerCase();
  if (cleaned === undefined) return parsed;
  const tokens: string[] = [];
  for (const [index, word] of cleaned.replaceAll("#", " # ").split(" ").entries()) {
    const bare = word.replace(/[.,;:]+$/u, "");
    const slash = index === 0 ? UNIT_SLASH_NUMBER.exec(bare) : null;
    if (slash?.[1] !== undefined && slash[2] !== undefined) {
      parsed.unit = slash[1];
      tokens.push(slash[2]);
    } else if (bare === "#" || HOUSE_NUMBER.test(bare)) {
      tokens.push(bare === "#" ? "unit" : bare);
    } else {
      tokens.push(...(foldText(bare)?.split(" ") ?? []));
    }
  }
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as string;
    if (!UNIT_LABELS.has(token)) {
      parsed.words.push(token);
      continue;
    }
    // Labels in a row ("Apt #4") share one designator.
    let next = i + 1;
    while (next < tokens.length && UNIT_LABELS.has(tokens[next] as string)) next += 1;
    const designator = tokens[next];
    if (designator !== undefined) parsed.unit ??= designator;
    i = next;
  }
  const [first] = parsed.words;
  if (first !== undefined && HOUSE_NUMBER.test(first)) {
    parsed.streetNumber = first;
    parsed.words.shift();
  }
  return parsed;
});

/**
 * A postal code for comparison: a US ZIP+4 (`12345-6789`, `12345 6789`, `123456789`) is cut to
 * its five-digit ZIP; other digit-only codes stay as given (Australian `2600`); anything else is
 * folded and loses its spaces (`SW1A 1AA` → `sw1a1aa`). All zeros is a placeholder: null.
 */
function postalKey(raw: string | null | undefined): string | null {
  const folded = foldText(raw)?.replaceAll(" ", "") ?? null;
  if (folded === null || /^0+$/u.test(folded)) return null;
  return /^\d{9}$/u.test(folded) ? folded.slice(0, 5) : folded;
}

/**
 * Normalises an address for comparison: lower case, punctuation gone, street types and
 * directions abbreviated one way, the unit (apt, unit, #, suite, ste, flat, or `1/23`) split
 * off, the postal code cut to what identifies it. `line1` is the street line and `line2` may hold
 * the unit (or only a designator, "4B"); other `line2` text (a building or park name) is not
 * part of the result, and when `line1` is blank `line2` is read as the street line. City and
 * state are not compared: the postal code says the same with one spelling. Idempotent when the
 * result is written back as `{ line1: "<number> <street>", line2: "unit <unit>" }`.
 */
export function normaliseAddress(address: AddressInput): NormalisedAddress {
  const first = parseLine(address.line1);
  const second = parseLine(address.line2);
  const firstHasStreet = first.streetNumber !== null || first.words.length > 0;
  const [street, other] = firstHasStreet ? [first, second] : [second, first];
  const words = street.words.map((word) => ABBREVIATIONS[word] ?? word);
  return {
    streetNumber: street.streetNumber,
    street: words.length === 0 ? null : words.join(" "),
    unit: street.unit ?? other.unit ?? bareDesignator(other),
    postalCode: postalKey(address.postalCode),
  };
}

/** A line that is nothing but a unit designator: one house number ("4B") or one or two letters. */
function bareDesignator(line: ParsedLine): string | null {
  const [only, ...more] = line.words;
  if (line.streetNumber !== null) return line.words.length === 0 ? line.streetNumber : null;
  return only !== undefined && more.length === 0 && only.length <= 2 ? only : null;
}
