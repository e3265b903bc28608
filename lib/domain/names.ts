/**
 * Names in their comparison form, and the name evidence the matcher weighs: nickname pairs, a
 * phonetic code and a string similarity. Pure: the nickname table is code
 * (`refdata/nicknames.ts`, generated from the vendored CSV).
 *
 * Comparison forms are for comparing and blocking only; the contact keeps names as written.
 *
 * Over 500 lines as one thing: everything the matcher may say about two names — folded forms,
 * full-name parsing, generational suffixes, the nickname table and its exclusions, typo checks,
 * phonetic codes and similarity — each a few functions over the same comparison form, which
 * must not drift apart.
 */
import { jaroWinkler } from "@skyra/jaro-winkler";
import damerauLevenshtein from "damerau-levenshtein";
import { doubleMetaphone } from "double-metaphone";
import { memoized } from "./memo.js";
import { cleanText } from "./normalize.js";
import { NICKNAMES } from "./refdata/nicknames.js";

// --- text folding ----------------------------------------------------------------------------

/** Apostrophes and the marks people type for them: removed, so `O'Neil` reads `oneil`. */
const APOSTROPHES = /['`\u00b4\u2018\u2019\u02bc\u2032]/gu;

/** Latin letters that Unicode decomposition leaves alone, and their usual ASCII spelling. */
const LETTER_FOLDS: Readonly<Record<string, string>> = {
  ø: "o",
  æ: "ae",
  œ: "oe",
  ß: "ss",
  ł: "l",
  đ: "d",
  ð: "d",
  þ: "th",
  ı: "i",
  ħ: "h",
};
const FOLDED_LETTERS = new RegExp(`[${Object.keys(LETTER_FOLDS).join("")}]`, "gu");

/**
 * Combining marks, and runs of anything but letters and digits: module constants, since the
 * bundles' target makes esbuild rebuild a `\p{…}` literal on every call.
 */
const COMBINING_MARKS = /\p{M}/gu;
const NOT_LETTERS_OR_DIGITS = /[^\p{L}\p{N}]+/gu;

/**
 * The comparison form of free text (a name, a street): compatibility-decomposed (NFKD) with
 * diacritics removed, lower case, apostrophes removed, every other run of characters that are
 * not letters or digits (hyphens, dots, commas, slashes) turned into one space, trimmed. Null
 * when nothing is left.
 */
export function foldText(raw: string | null | undefined): string | null {
  return raw === null || raw === undefined ? null : foldOnce(raw);
}

const foldOnce = /* @__PURE__ */ memoized((raw: string): string | null => {
  const cleaned = cleanText(raw);
  if (cleaned === null) return null;
  const folded = cleaned
    .replace(APOSTROPHES, "")
    .toLowerCase()
    .normalize("NFKD")
    .replace(COMBINING_MARKS, "")
    // Decomposition can produce capitals (ℌ → H) and apostrophes (＇ → ').
    .toLowerCase()
    .replace(APOSTROPHES, "")
    .replace(FOLDED_LETTERS, (letter) => LETTER_FOLDS[letter] ?? letter)
    .replace(NOT_LETTERS_OR_DIGITS, " ")
    .trim();
  return folded === "" ? null : folded;
});

// --- names -----------------------------------------------------------------------------------

/** Honorifics written before a name; never part of it. */
const TITLES = new Set([
  "mr",
  "mrs",
  "ms",
  "miss",
  "mx",
  "mstr",
  "dr",
  "doctor",
  "prof",
  "professor",
  "rev",
  "revd",
  "reverend",
  "fr",
  "sir",
  "dame",
]);

/**
 * Generational and professional suffixes. `junior` is also a name people go by, so a suffix is
 * dropped only after another word: "Junior Smith" keeps it, "John Smith Junior" does not.
 * (Initials that spell one, "J.R." after a first name, are dropped too: rare, and harmless.)
 */
const SUFFIXES = new Set([
  "jr",
  "jnr",
  "junior",
  "sr",
  "snr",
  "senior",
  "ii",
  "iii",
  "iv",
  "2nd",
  "3rd",
  "4th",
  "phd",
  "md",
  "dds",
  "dvm",
  "esq",
  "cpa",
  "rn",
]);

type WordKind = "title" | "suffix" | "name";

/** What a word is, by its folded form: "M.D." and "Ph.D." are suffixes like "md" and "phd". */
function kindOf(folded: string): WordKind {
  const compact = folded.replaceAll(" ", "");
  if (TITLES.has(compact)) return "title";
  return SUFFIXES.has(compact) ? "suffix" : "name";
}

/** Titles are never part of a name; a suffix is, only as the first word ("Junior Smith"). */
const isDropped = (kind: WordKind, keptBefore: number): boolean =>
  kind === "title" || (kind === "suffix" && keptBefore > 0);

/** The words of a name as written: split at whitespace and commas. */
const writtenWords = (raw: string | null | undefined): string[] =>
  cleanText(raw)?.split(/[\s,]+/u) ?? [];

/**
 * The comparison form of a name: `foldText` (accents, case, apostrophes, punctuation), then
 * titles (mr, mrs, dr, prof, rev, …) and suffixes (jr, sr, iii, phd, md, esq, …) removed as
 * whole words, dotted ("M.D.") or not, a suffix only after another word. Null if nothing is
 * left. Idempotent.
 *
 * @example normaliseName("  Dr. Seán O'Neil-Smith, Jr. ") === "sean oneil smith"
 */
export function normaliseName(raw: string | null | undefined): string | null {
  return raw === null || raw === undefined ? null : normaliseNameOnce(raw);
}

const normaliseNameOnce = /* @__PURE__ */ memoized((raw: string): string | null => {
  const kept: string[] = [];
  for (const word of writtenWords(raw)) {
    const folded = foldText(word);
    if (folded === null) continue;
    const kind = kindOf(folded);
    if (kind !== "name") {
      // A suffix kept as the first word, in one piece ("M.D." → "md"), so it reads as one again.
      if (!isDropped(kind, kept.length)) kept.push(folded.replaceAll(" ", ""));
      continue;
    }
    // Each part of a joined word too ("Smith-Jr"), so that the result reads the same again.
    for (const part of folded.split(" ")) {
      if (!isDropped(kindOf(part), kept.length)) kept.push(part);
    }
  }
  return kept.length === 0 ? null : kept.join(" ");
});

/** Generational suffixes, by folded form, to the generation they name. */
const GENERATIONS = new Map([
  ["jr", "jr"],
  ["jnr", "jr"],
  ["junior", "jr"],
  ["sr", "sr"],
  ["snr", "sr"],
  ["senior", "sr"],
  ["ii", "ii"],
  ["2nd", "ii"],
  ["iii", "iii"],
  ["3rd", "iii"],
  ["iv", "iv"],
  ["4th", "iv"],
]);

/**
 * The generation a person's names carry ("John Smith Jr." → `jr`, "Smith, III" → `iii`), from a
 * suffix after another word of either name (`normaliseName` drops it from the name itself);
 * null when none does. A father and the son named after him differ only by it (and their birth
 * dates), so the matcher compares it (`scoring.ts`).
 */
export function generationOf(...names: (string | null | undefined)[]): string | null {
  for (const name of names) {
    if (name === null || name === undefined) continue;
    const generation = generationOfName(name);
    if (generation !== null) return generation;
  }
  return null;
}

/** The generation one name carries after its first word (remembered: names repeat). */
const generationOfName = /* @__PURE__ */ memoized((name: string): string | null => {
  const words = writtenWords(name);
  for (let i = 1; i < words.length; i += 1) {
    const generation = GENERATIONS.get((foldText(words[i]) ?? "").replaceAll(" ", ""));
    if (generation !== undefined) return generation;
  }
  return null;
});

/** A full name split into its parts, as written (whitespace cleaned); null when absent. */
export interface FullNameParts {
  first: string | null;
  middle: string | null;
  last: string | null;
}

/**
 * Words that start a surname rather than end the given names ("Maria de la Cruz", "Ludwig van
 * Beethoven", "John St. Clair", "Omar Al Said"). Compared in folded form.
 */
const SURNAME_PARTICLES = new Set([
  "al",
  "bin",
  "da",
  "das",
  "de",
  "del",
  "della",
  "den",
  "der",
  "des",
  "di",
  "do",
  "dos",
  "du",
  "el",
  "ibn",
  "la",
  "le",
  "lo",
  "mac",
  "saint",
  "st",
  "ste",
  "ten",
  "ter",
  "van",
  "von",
]);

/** The words of one comma-separated part of a full name that belong to the name, as written. */
function partWords(part: string): string[] {
  const kept: string[] = [];
  for (const word of writtenWords(part)) {
    const folded = foldText(word);
    if (folded !== null && !isDropped(kindOf(folded), kept.length)) kept.push(word);
  }
  return kept;
}

const joined = (words: readonly string[]): string | null =>
  words.length === 0 ? null : words.join(" ");

/**
 * Splits a full name into first, middle and last names, keeping the words as written (compare
 * them with `normaliseName`). Two forms are read:
 * - "Last, First Middle" (a comma): the part before the first comma is the surname; a part that
 *   holds only a suffix ("John Smith, Jr.") is dropped before deciding.
 * - "First Middle Last": the last word is the surname, together with the surname particles just
 *   before it ("Maria de la Cruz" → last "de la Cruz"); a single word is a first name, the way
 *   people introduce themselves to the chatbot.
 * Titles and suffixes are dropped as in `normaliseName`.
 */
export function parseFullName(raw: string | null | undefined): FullNameParts {
  const parts = (cleanText(raw)?.split(",") ?? []).map(partWords);
  const named = parts.filter((words) => words.some((word) => !isSuffix(word)));
  const [surname, ...given] = named.length > 0 ? named : parts.filter((w) => w.length > 0);
  if (surname === undefined) return { first: null, middle: null, last: null };
  if (given.length > 0) {
    const [first, ...middle] = given.flat();
    return { first: first ?? null, middle: joined(middle), last: joined(surname) };
  }
  const words = surname;
  const [first] = words;
  if (words.length < 2) return { first: first ?? null, middle: null, last: null };
  let start = words.length - 1;
  while (start > 1 && SURNAME_PARTICLES.has(foldText(words[start - 1]) ?? "")) start -= 1;
  return {
    first: first ?? null,
    middle: joined(words.slice(1, start)),
    last: joined(words.slice(start)),
  };
}

function isSuffix(word: string): boolean {
  return kindOf(foldText(word) ?? "") === "suffix";
}

// --- nicknames -------------------------------------------------------------------------------

/**
 * Pairs of the vendored table (either direction) that are not evidence of one person. The table
 * is genealogy-derived; these pairs would let a shared phone or email merge two members of one
 * household, so they are dropped. Three reasons:
 * 1. the two names belong to different sexes (a couple, or brother and sister): Aaron/Erin,
 *    Andrew/Andrea, Louis/Louise, Jacqueline/Jack;
 * 2. both are established given names borne by different people, linked only through a shared
 *    origin, a translation or another name (Ian/John, Jane/Jean, Helen/Ellen, Emily/Emma,
 *    Susan/Hannah, Patrick/Peter);
 * 3. plain noise (Robert/Bill, and Wilfred's "Fred" carried over to Will, Willie, Bill, Billy).
 * Every pair here must be in the table (a test checks), so the list cannot rot silently.
 */
export const untrustedNicknamePairs: readonly (readonly [string, string])[] = [
  // 1. different sexes
  ["aaron", "erin"],
  ["aron", "erin"],
  ["andrea", "andrew"],
  ["alexandria", "alexander"],
  ["frederica", "frederick"],
  ["ernestine", "ernest"],
  ["earnest", "ernestine"],
  ["emil", "emily"],
  ["wilma", "william"],
  ["edwina", "edwin"],
  ["clementine", "clement"],
  ["georgine", "george"],
  ["justin", "justina"],
  ["lucia", "lucius"],
  ["felicia", "felix"],
  ["laverne", "vernon"],
  ["laurinda", "lawrence"],
  ["theodosia", "theodosius"],
  ["paul", "polly"],
  ["junior", "june"],
  ["patrick", "patsy"],
  ["lyndon", "lynn"],
  ["lyndon", "lindy"],
  ["martha", "mat"],
  ["chick", "caroline"],
  ["chick", "charlotte"],
  ["veronica", "franky"],
  ["veronica", "ron"],
  ["veronica", "ronny"],
  ["kendra", "kenny"],
  ["kendra", "kenji"],
  ["mckenna", "ken"],
  ["henrietta", "hank"],
  ["jacqueline", "jack"],
  ["antoinette", "tony"],
  ["antonia", "tony"],
  ["nicholette", "cole"],
  ["nicole", "cole"],
  ["louis", "louise"],
  ["catherine", "casey"],
  ["cathleen", "casey"],
  // 2. distinct established names
  ["agnes", "inez"],
  ["amos", "moses"],
  ["casper", "jasper"],
  ["ian", "john"],
  ["ivan", "john"],
  ["jane", "jean"],
  ["jeanne", "jane"],
  ["genevieve", "jean"],
  ["jane", "jessie"],
  ["janet", "jessie"],
  ["jeanette", "janet"],
  ["virginia", "jane"],
  ["eileen", "helen"],
  ["elaine", "helen"],
  ["elena", "helen"],
  ["ellen", "helen"],
  ["ellender", "helen"],
  ["helena", "aileen"],
  ["helena", "eileen"],
  ["helena", "elaine"],
  ["helena", "eleanor"],
  ["helena", "ellen"],
  ["eleanor", "elaine"],
  ["eleanor", "ellen"],
  ["ella", "ellen"],
  ["helen", "ella"],
  ["helene", "ella"],
  ["helene", "ellen"],
  ["lena", "ellen"],
  ["susan", "hannah"],
  ["susannah", "hannah"],
  ["joanna", "hannah"],
  ["johannah", "hannah"],
  ["hannah", "anna"],
  ["savannah", "anna"],
  ["bryanna", "anna"],
  ["emily", "emma"],
  ["amelia", "emily"],
  ["patrick", "peter"],
  ["sheila", "cecilia"],
  ["kenneth", "kendrick"],
  ["kent", "kendrick"],
  ["floyd", "lloyd"],
  ["raphael", "ralph"],
  ["derrick", "eric"],
  ["frederick", "erick"],
  ["roderick", "erick"],
  ["frederica", "erica"],
  ["frederica", "erika"],
  ["fredericka", "ericka"],
  ["garrett", "barrett"],
  ["louisa", "eliza"],
  ["louise", "eliza"],
  ["alice", "lisa"],
  ["alicia", "lisa"],
  ["alice", "elsie"],
  ["alicia", "elsie"],
  ["eloise", "louise"],
  ["elouise", "louise"],
  ["ashley", "leah"],
  ["catherine", "lena"],
  ["cathleen", "lena"],
  ["katherine", "lena"],
  ["kathleen", "lena"],
  ["margarita", "megan"],
  ["maureen", "mary"],
  ["marietta", "maureen"],
  ["marilyn", "mary"],
  ["marsha", "mary"],
  ["marion", "mary"],
  ["mariah", "mary"],
  ["mary", "marie"],
  ["rosemary", "mary"],
  ["rosemary", "marie"],
  ["nancy", "ann"],
  ["stephanie", "annie"],
  ["julia", "jill"],
  ["benjamin", "jamie"],
  ["andrew", "randy"],
  ["gwen", "wendy"],
  ["leo", "leon"],
  ["leonard", "leon"],
  ["lionel", "leon"],
  // 3. noise
  ["robert", "bill"],
  ["robert", "billy"],
  ["bill", "fred"],
  ["billy", "fred"],
  ["will", "fred"],
  ["willie", "fred"],
  ["bert", "bob"],
  ["bert", "bobby"],
  ["rodger", "bobby"],
  ["roger", "bobby"],
  ["gilbert", "wilber"],
  ["shelton", "tony"],
  ["clifton", "tony"],
  ["luther", "luke"],
];

interface NicknameIndex {
  /** Name → the canonical names that list it as a nickname. */
  canonicalsOf: Map<string, Set<string>>;
  /** Name → every name it is a trusted nickname pair with (symmetric). */
  related: Map<string, Set<string>>;
  /** Every name of the table (canonical names and nicknames), in comparison form. */
  listed: Set<string>;
}

/** Adds `value` to the set under `key`. */
function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}

/** Lower-case ASCII letters: `normaliseName` keeps such a word as is, unless a title or suffix. */
const PLAIN_WORD = /^[a-z]+$/u;

/**
 * The trusted pairs of the table, by name, and the names it lists. Names are taken in
 * `normaliseName` form, so lookups of any spelling agree with the table (`k.c.` → `k c`). The
 * table lists some pairs both ways (`bob → robert` and `robert → bob`); there the longer name is
 * the canonical one, then the first in alphabetical order.
 */
function buildNicknameIndex(): NicknameIndex {
  const untrusted = new Set(untrustedNicknamePairs.flatMap(([a, b]) => [`${a}|${b}`, `${b}|${a}`]));
  // ~3,800 names in the table, ~2,200 distinct: each normalised once. Most are one plain
  // lower-case word, which is its own comparison form unless it is a title or a suffix.
  const normalised = new Map<string, string | null>();
  const normalise = (name: string): string | null => {
    let form = normalised.get(name);
    if (form === undefined) {
      form = PLAIN_WORD.test(name) && kindOf(name) === "name" ? name : normaliseName(name);
      normalised.set(name, form);
    }
    return form;
  };
  const index: NicknameIndex = { canonicalsOf: new Map(), related: new Map(), listed: new Set() };
  const listed: [string, string][] = [];
  const seen = new Set<string>();
  for (const [name, nicknames] of Object.entries(NICKNAMES)) {
    const canonical = normalise(name);
    if (canonical !== null) index.listed.add(canonical);
    for (const nickname of nicknames.split(" ").map(normalise)) {
      if (nickname !== null) index.listed.add(nickname);
      if (canonical === null || nickname === null || canonical === nickname) continue;
      if (untrusted.has(`${canonical}|${nickname}`)) continue;
      listed.push([canonical, nickname]);
      seen.add(`${canonical}|${nickname}`);
    }
  }
  for (const [canonical, nickname] of listed) {
    // Listed both ways: the longer name (then the first in alphabetical order) is canonical.
    const reversed =
      seen.has(`${nickname}|${canonical}`) &&
      (nickname.length > canonical.length ||
        (nickname.length === canonical.length && nickname < canonical));
    if (!reversed) addTo(index.canonicalsOf, nickname, canonical);
    addTo(index.related, canonical, nickname);
    addTo(index.related, nickname, canonical);
  }
  return index;
}

let builtIndex: NicknameIndex | undefined;

/**
 * The index, built on first use (~9 ms in a Lambda bundle; at import it cost every cold start
 * ~25 ms before the plain-word shortcut), not at import: a function that never compares first
 * names (the reconcile worker without a guest-card push, the console's pages) never pays for it.
 */
function nicknameIndex(): NicknameIndex {
  builtIndex ??= buildNicknameIndex();
  return builtIndex;
}

/**
 * The canonical names a first name may stand for according to the trusted nickname table,
 * sorted, followed by the name itself (in `normaliseName` form): `bob` → […, `robert`, `bob`],
 * `robert` → [`robert`]. Empty for a blank name. Suits blocking: two names for which
 * `areNicknames` holds always share an entry.
 */
export function nicknameGroups(first: string | null | undefined): readonly string[] {
  const name = normaliseName(first);
  if (name === null) return [];
  return [...[...(nicknameIndex().canonicalsOf.get(name) ?? [])].sort(), name];
}

/**
 * Whether two first names may be the same person's: equal in `normaliseName` form, or one is a
 * trusted nickname of the other (either direction of the table). Symmetric and reflexive.
 *
 * Two nicknames of the same canonical name do not count unless the table pairs them directly
 * (it pairs `bob`/`rob`, `bill`/`will`): counting them would add about 2,400 pairs such as
 * Alex/Sandy (Alexander), Tony/Ann (Antoinette) and Chris/Tina (Christina), names two people
 * in one household often carry. String and phonetic similarity still score close siblings.
 * Blank names are never nicknames.
 */
export function areNicknames(a: string | null | undefined, b: string | null | undefined): boolean {
  const left = normaliseName(a);
  const right = normaliseName(b);
  if (left === null || right === null) return false;
  return left === right || (nicknameIndex().related.get(left)?.has(right) ?? false);
}

/** Two names in comparison form, or null when either is blank or they are the same name. */
function differentNames(
  a: string | null | undefined,
  b: string | null | undefined,
): [string, string] | null {
  const left = normaliseName(a);
  const right = normaliseName(b);
  return left === null || right === null || left === right ? null : [left, right];
}

/** Whether a name in comparison form is on the nickname table (a canonical name or a nickname). */
const isListed = (name: string): boolean => nicknameIndex().listed.has(name);

/**
 * Whether a name is on the given-name list: the 2,000-odd names of the vendored nickname table
 * (English given names and their short forms). Absence means little (the list is English:
 * Zoe, Mia, Wei are not on it); presence means the name is a real one.
 */
export function isListedGivenName(name: string | null | undefined): boolean {
  const normalised = normaliseName(name);
  return normalised !== null && isListed(normalised);
}

/**
 * Whether two different first names are one typing error apart rather than two names: one
 * edit (`withinOneEdit`), both at least four letters (among short names one letter is often
 * another name: Ana/Ava, Jon/Jan, Mia/Mila), and not both on the given-name list (Paul/Paula,
 * Eric/Erica, Marie/Maria, Carl/Carol are pairs of names). `Josehp`/`Joseph`, `Mrak`/`Mark`,
 * `Akren`/`Karen` are typos. A name the list lacks is taken for a typo of a one-edit neighbour
 * (`Mario`/`Maria`: the list is English); that matters only where nothing else, such as a
 * birth date, tells two people apart.
 */
export function isFirstNameTypo(
  a: string | null | undefined,
  b: string | null | undefined,
): boolean {
  const names = differentNames(a, b);
  if (names === null) return false;
  const [left, right] = names;
  if (Math.min(left.length, right.length) < 4) return false;
  if (isListed(left) && isListed(right)) return false;
  return withinOneEdit(left, right);
}

/**
 * Whether two different first names may be one name mistyped (once or twice) rather than two
 * names: one edit (substitution, insertion, deletion, or two adjacent letters swapped: the
 * restricted Damerau–Levenshtein distance) for names of three letters or more (`Amy`/`Ary`,
 * `Gary`/`Jary`), two for names of five or more on the shorter side (`Jamal`/`Jmaaj` is,
 * `Jacob`/`Ccob` is not), and not both on the given-name list (two listed names are two names).
 * Looser than `isFirstNameTypo`: such names score `similar`, but on a contact point two people
 * share they count as two names unless the birth date agrees, or nearly (`scoring.ts`).
 */
export function mayBeFirstNameTypo(
  a: string | null | undefined,
  b: string | null | undefined,
): boolean {
  const names = differentNames(a, b);
  if (names === null) return false;
  const [left, right] = names;
  if (isListed(left) && isListed(right)) return false;
  const shorter = Math.min(left.length, right.length);
  if (shorter < 3) return false;
  return damerauLevenshtein(left, right).steps <= (shorter >= 5 ? 2 : 1);
}

/**
 * Whether one first name may be the other's nickname mistyped, or a nickname of a mistyped form
 * of it (`Robfrt`/`Bob`, `Will`/`Wiliam`, `Cidny`/`Cynthia`): `mayBeFirstNameTypo` between one
 * name and a name the nickname table pairs with the other.
 */
export function mayBeNicknameTypo(
  a: string | null | undefined,
  b: string | null | undefined,
): boolean {
  const names = differentNames(a, b);
  if (names === null) return false;
  const [left, right] = names;
  const typoOfRelated = (x: string, y: string) => {
    for (const n of nicknameIndex().related.get(y) ?? []) if (mayBeFirstNameTypo(x, n)) return true;
    return false;
  };
  return typoOfRelated(left, right) || typoOfRelated(right, left);
}

/**
 * Whether two different surnames are one typing error apart: one edit (`withinOneEdit`), both
 * at least four letters. Jaro–Winkler rates such a typo low when it falls near the start of a
 * short name (`Ryan`/`Rysn`, `King`/`Kisg`); below four letters one edit is another name
 * (`Ho`/`Hu`, `Lee`/`Lei`). There is no surname list to tell typos from other names
 * (`Weller`/`Waller`): a surname typo weighs no more than a similar surname.
 */
export function isSurnameTypo(a: string | null | undefined, b: string | null | undefined): boolean {
  const names = differentNames(a, b);
  if (names === null) return false;
  const [left, right] = names;
  return Math.min(left.length, right.length) >= 4 && withinOneEdit(left, right);
}

/**
 * Whether `a` becomes `b` by at most one substitution, insertion, deletion or transposition of
 * two adjacent characters (Damerau–Levenshtein distance ≤ 1). Exact comparison: pass
 * comparison forms.
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

// --- phonetics and similarity ----------------------------------------------------------------

/**
 * The Double Metaphone primary code of a name's comparison form, written without spaces so
 * that "De la Cruz" and "Delacruz", "O Neil" and "O'Neil" agree; the full code, not cut to four
 * letters (sharper blocks). Null for a blank name or one with no Latin letters (Double
 * Metaphone only codes A–Z).
 */
export function phoneticKey(name: string | null | undefined): string | null {
  const normalised = normaliseName(name);
  if (normalised === null) return null;
  const [primary] = doubleMetaphone(normalised.replaceAll(" ", ""));
  return primary === "" ? null : primary;
}

/**
 * Jaro-Winkler similarity (0–1) of two names in `normaliseName` form; 0 when either is blank.
 * Symmetric: the pair is ordered before comparing, since the greedy character matching of
 * Jaro can depend on which string comes first.
 */
export function nameSimilarity(a: string | null | undefined, b: string | null | undefined): number {
  const left = normaliseName(a);
  const right = normaliseName(b);
  if (left === null || right === null) return 0;
  if (left === right) return 1;
  const [first, second] = left < right ? [left, right] : [right, left];
  return Math.min(1, jaroWinkler(first, second));
}
