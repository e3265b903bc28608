/**
 * Value-level noise for the messy benchmark set (`messyContacts.ts`, `messyRecord.ts`): the
 * ways one value gets mistyped on a guest card, and the tests that keep household members and
 * namesakes apart from each other's noise. Each corruption takes the clean value and the set's
 * random source and returns the corrupted value, or the value unchanged when the corruption
 * cannot apply (a day/month swap needs a day of 12 or less).
 *
 * Every output stays fictional: phone typos touch only the last two digits, so a 555-01xx
 * number stays a 555-01xx number; mail-domain typos are misspellings of the domain the person
 * really gave.
 */
import type { Random } from "../../lib/local/peopleGenerator.js";
import { oneEdit } from "./syntheticContacts.js";

function pick<T>(random: Random, choices: readonly T[]): T {
  return choices[Math.floor(random() * choices.length)] as T;
}

/**
 * One or two typing errors (`oneEdit`): the name and how many edits went in. A second error
 * only in a name of five letters or more: two in `Jon` leave no name to speak of.
 */
export function typo(
  value: string,
  random: Random,
  secondEdit: number,
): { value: string; edits: 1 | 2 } {
  const once = oneEdit(value, random);
  const letters = value.replace(/\P{L}/gu, "").length;
  if (letters < 5 || random() >= secondEdit) return { value: once, edits: 1 };
  return { value: oneEdit(once, random), edits: 2 };
}

/** How people misspell the big providers' domains, seen in bounce logs everywhere. */
const DOMAIN_TYPOS: Readonly<Record<string, readonly string[]>> = {
  "gmail.com": ["gmial.com", "gmai.com", "gmail.co", "gnail.com", "gmaill.com", "gamil.com"],
  "yahoo.com": ["yaho.com", "yahooo.com", "yahoo.co", "yhoo.com", "tahoo.com"],
  "hotmail.com": ["hotmial.com", "hotmal.com", "hotmail.co", "hotmaill.com"],
  "outlook.com": ["outlok.com", "outloo.com", "outlook.co", "oulook.com"],
  "icloud.com": ["iclod.com", "icoud.com", "icloud.co"],
};

/** The address with one typing error in the local part (letters only: dots and digits stay). */
export function emailLocalTypo(email: string, random: Random): string {
  const at = email.lastIndexOf("@");
  return `${oneEdit(email.slice(0, at), random)}${email.slice(at)}`;
}

/**
 * The address with a misspelt domain: a known misspelling of a big provider, else one typing
 * error in the domain's first label (`postbox.app` → `postbx.app`).
 */
export function emailDomainTypo(email: string, random: Random): string {
  const at = email.lastIndexOf("@");
  const domain = email.slice(at + 1);
  const known = DOMAIN_TYPOS[domain];
  if (known !== undefined) return `${email.slice(0, at + 1)}${pick(random, known)}`;
  const dot = domain.indexOf(".");
  return `${email.slice(0, at + 1)}${oneEdit(domain.slice(0, dot), random)}${domain.slice(dot)}`;
}

/** `Maria.Lopez12@Gmail.Com`, `MARIA.LOPEZ12@GMAIL.COM`, maybe with spaces around. */
export function emailFormat(email: string, random: Random): string {
  const styled =
    random() < 0.6
      ? email.replace(/(^|[._@-])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase())
      : email.toUpperCase();
  return random() < 0.4 ? ` ${styled} ` : styled;
}

/**
 * Ten phone digits with one digit mistyped or two swapped, among the last two (the subscriber
 * number 01–99 of a 555-01xx number, never 00, the office's): still fictional, still valid.
 */
export function phoneTypo(digits: string, random: Random): string {
  const head = digits.slice(0, 8);
  const tail = digits.slice(8);
  const swapped = `${tail.charAt(1)}${tail.charAt(0)}`;
  if (random() < 0.3 && swapped !== tail && swapped !== "00") return `${head}${swapped}`;
  for (;;) {
    const at = Math.floor(random() * 2);
    const digit = String(Math.floor(random() * 10));
    const typed = at === 0 ? `${digit}${tail.charAt(1)}` : `${tail.charAt(0)}${digit}`;
    if (typed !== tail && typed !== "00") return `${head}${typed}`;
  }
}

// --- birth dates -------------------------------------------------------------------------------

const pad2 = (n: number) => String(n).padStart(2, "0");

/** `YYYY-MM-DD` of a UTC date. */
const isoDate = (date: Date) =>
  `${date.getUTCFullYear()}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}`;

function parts(date: string): [number, number, number] {
  const [year = 0, month = 0, day = 0] = date.split("-").map(Number);
  return [year, month, day];
}

/** Day and month exchanged (`1990-03-07` → `1990-07-03`); unchanged when that is no date. */
export function dobDayMonthSwap(date: string): string {
  const [year, month, day] = parts(date);
  if (day > 12 || day === month) return date;
  return `${year}-${pad2(day)}-${pad2(month)}`;
}

/** One day earlier or later. */
export function dobDayShift(date: string, random: Random): string {
  const [year, month, day] = parts(date);
  return isoDate(new Date(Date.UTC(year, month - 1, day + (random() < 0.5 ? -1 : 1))));
}

/** One year earlier or later (29 February becomes the 28th). */
export function dobYearShift(date: string, random: Random): string {
  const [year, month, day] = parts(date);
  const shifted = year + (random() < 0.5 ? -1 : 1);
  const last = new Date(Date.UTC(shifted, month, 0)).getUTCDate();
  return `${shifted}-${pad2(month)}-${pad2(Math.min(day, last))}`;
}

/** Days between two `YYYY-MM-DD` dates. */
function daysApart(a: string, b: string): number {
  const time = (date: string) => {
    const [year, month, day] = parts(date);
    return Date.UTC(year, month - 1, day);
  };
  return Math.abs(time(a) - time(b)) / 86_400_000;
}

/**
 * Whether two people's birth dates could meet after the noise above: within three days, the
 * same day and month within two years, or a day/month swap of each other. Household members and
 * namesakes are drawn apart from each other by this test (twins aside, on purpose), so that a
 * birth date still tells them apart after one corruption on each side.
 */
export function datesTooClose(a: string, b: string): boolean {
  if (daysApart(a, b) <= 3 || daysApart(dobDayMonthSwap(a), b) <= 3) return true;
  const [yearA, monthA, dayA] = parts(a);
  const [yearB, monthB, dayB] = parts(b);
  return monthA === monthB && dayA === dayB && Math.abs(yearA - yearB) <= 2;
}

/** Damerau–Levenshtein distance of two short strings (names), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? 0;
  for (let i = 1; i <= s.length; i += 1) {
    for (let j = 1; j <= t.length; j += 1) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      (d[i] as number[])[j] = best;
    }
  }
  return at(s.length, t.length);
}
