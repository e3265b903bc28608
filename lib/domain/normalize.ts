/**
 * Normalisation of a ResMan person into contact values and exact match keys.
 *
 * Placeholders are treated as blanks: they are never stored over a real value and never used
 * as match keys (design §6 invariant 7). Every value dropped is reported as a warning naming the
 * field and the reason, never the value.
 */
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/core";
import {
  type ContactAddress,
  type ContactKind,
  type ContactValues,
  emptyValues,
  type MatchKeys,
} from "./contact.js";
import { memoized } from "./memo.js";
import type { PersonStatus, ResmanPerson } from "./person.js";
import { phoneMetadata } from "./refdata/phoneMetadata.js";
import * as z from "./zod.js";

export type WarningReason = "invalid" | "placeholder" | "duplicate_type";

/** A value dropped during normalisation. `field` is a path such as `phones[1]`. */
export interface NormalisationWarning {
  field: string;
  reason: WarningReason;
}

export interface NormalisationContext {
  /** Region for numbers written without a country code. */
  countryCode: string;
  /** The property's own phone (E.164 or raw): never a resident's key. */
  officePhone?: string | null | undefined;
  /** Today, for rejecting birth dates in the future. */
  now: Date;
}

export interface NormalisedPerson {
  personId: string;
  status: PersonStatus;
  kind: ContactKind;
  values: ContactValues;
  keys: MatchKeys;
  lastModified: Date | null;
  warnings: NormalisationWarning[];
}

/** Trims and collapses inner whitespace; blank becomes null. */
export function cleanText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const cleaned = value.normalize("NFC").replace(/\s+/gu, " ").trim();
  return cleaned === "" ? null : cleaned;
}

// --- email ---------------------------------------------------------------------------------

const emailShape = z.email();

/** Local parts people type when they have no email or will not give it. */
const placeholderLocalParts = new Set([
  "none",
  "noemail",
  "no-email",
  "no.email",
  "no_email",
  "noreply",
  "no-reply",
  "donotreply",
  "do-not-reply",
  "dontemail",
  "test",
  "testing",
  "na",
  "n/a",
  "null",
  "nil",
  "unknown",
  "email",
  "nobody",
  "fake",
  "asdf",
  "declined",
  "refused",
]);

/** Domains that never receive mail for a real applicant. */
const placeholderDomains = new Set([
  "none.com",
  "noemail.com",
  "no-email.com",
  "test.com",
  "example.com",
  "example.org",
  "example.net",
  "fake.com",
  "nowhere.com",
  "noreply.com",
  "unknown.com",
  "na.com",
  "null.com",
]);

/** Reserved top-level names (RFC 2606) and their kin. */
const placeholderTlds = new Set(["test", "example", "invalid", "localhost", "local"]);

export type EmailCheck = { email: string } | { reason: WarningReason };

/** Lower-cases and trims an email; rejects malformed addresses and placeholders. */
export function normaliseEmail(raw: string | null | undefined): EmailCheck | null {
  const cleaned = cleanText(raw)?.toLowerCase() ?? null;
  if (cleaned === null) return null;
  if (!emailShape.safeParse(cleaned).success) return { reason: "invalid" };
  const at = cleaned.lastIndexOf("@");
  const local = cleaned.slice(0, at);
  const domain = cleaned.slice(at + 1);
  const tld = domain.slice(domain.lastIndexOf(".") + 1);
  const compactLocal = local.replace(/[._-]/gu, "");
  // "xxx@…", and "abc@abc.com"-style addresses where the local part repeats the domain name.
  const filler =
    (compactLocal.length > 1 && /^(.)\1*$/u.test(compactLocal)) ||
    local === domain.slice(0, domain.lastIndexOf("."));
  if (
    filler ||
    placeholderLocalParts.has(local) ||
    placeholderDomains.has(domain) ||
    placeholderTlds.has(tld)
  ) {
    return { reason: "placeholder" };
  }
  return { email: cleaned };
}

// --- phone ---------------------------------------------------------------------------------

export type PhoneCheck = { raw: string; e164: string } | { reason: WarningReason };

/** Digit strings that are filler, not a subscriber: all one digit, or counting up or down. */
function isFillerDigits(digits: string): boolean {
  if (/^(\d)\1*$/u.test(digits)) return true;
  return digits.length >= 7 && ("01234567890".includes(digits) || "09876543210".includes(digits));
}

/**
 * Parses a phone to E.164 with libphonenumber-js over the full numbering plans (`max` metadata
 * without its display formats, `refdata/phoneMetadata.ts`), so validity is checked against real
 * numbering plans, not just lengths. Invalid numbers, filler digits and the office's own number
 * are rejected.
 */
export function normalisePhone(
  raw: string | null | undefined,
  context: Pick<NormalisationContext, "countryCode" | "officePhone">,
): PhoneCheck | null {
  const cleaned = cleanText(raw);
  if (cleaned === null) return null;
  const digits = cleaned.replace(/\D/gu, "");
  if (digits === "") return { reason: "invalid" };
  const region = context.countryCode.toUpperCase() as CountryCode;
  const parsed = parsePhoneNumberFromString(cleaned, { defaultCountry: region }, phoneMetadata());
  if (parsed === undefined) return { reason: "invalid" };
  const national = parsed.nationalNumber.toString();
  // The subscriber part of a NANP number (last 7 digits) all zeros or one repeated digit is
  // filler even when the area code is real (e.g. 212-000-0000, 555-555-5555).
  if (isFillerDigits(national) || isFillerDigits(digits) || /^(\d)\1*$/u.test(national.slice(-7))) {
    return { reason: "placeholder" };
  }
  if (!parsed.isValid()) return { reason: "invalid" };
  const e164 = parsed.number.toString();
  if (context.officePhone && officeE164(`${region}\n${context.officePhone}`) === e164) {
    return { reason: "placeholder" };
  }
  return { raw: cleaned, e164 };
}

/**
 * A property's office number in E.164 (`region` and the number, a line apart), or null: parsed
 * once, not again for every phone compared with it (it was ~40 % of a phone's normalisation).
 */
const officeE164 = /* @__PURE__ */ memoized((key: string): string | null => {
  const [region = "", phone = ""] = key.split("\n");
  const office = parsePhoneNumberFromString(
    phone,
    { defaultCountry: region as CountryCode },
    phoneMetadata(),
  );
  return office?.number.toString() ?? null;
}, 1_000);

// --- dates ---------------------------------------------------------------------------------

export type DateCheck = { date: string } | { reason: WarningReason };

/**
 * Whether `year`, `month` (1–12) and `day` name a real calendar date (no Feb 30, no April 31).
 * `Date` rolls impossible days over into the next month instead of rejecting them.
 */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  // setUTCFullYear, unlike Date.UTC, does not map the years 0–99 onto 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

/**
 * Reads a birth date given as `YYYY-MM-DD`, `YYYYMMDD` or an ISO date-time (the date part is
 * used). Impossible dates (Feb 30), dates before 1900 and dates after `now` are invalid.
 */
export function normaliseBirthDate(raw: string | null | undefined, now: Date): DateCheck | null {
  const cleaned = cleanText(raw);
  if (cleaned === null) return null;
  const match = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?$/u.exec(cleaned);
  if (match === null) return { reason: "invalid" };
  const [, y, m, d] = match as unknown as [string, string, string, string];
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (!isCalendarDate(year, month, day) || year < 1900 || date.getTime() > now.getTime()) {
    return { reason: "invalid" };
  }
  return { date: `${y}-${m}-${d}` };
}

// --- names and keys ------------------------------------------------------------------------

/** Case- and space-insensitive form of a name, for comparison only. */
export function nameKey(name: string | null): string | null {
  if (name === null) return null;
  const key = name.normalize("NFKC").toLowerCase().replace(/\s+/gu, "");
  return key === "" ? null : key;
}

/** The exact match keys of a set of contact values. */
export function matchKeysOf(values: ContactValues): MatchKeys {
  const first = nameKey(values.firstName);
  const last = nameKey(values.lastName);
  const phones = [...new Set(Object.values(values.phones).map((phone) => phone.e164))].sort();
  return {
    email: values.email,
    phones,
    nameDob:
      first !== null && last !== null && values.dateOfBirth !== null
        ? `${first}|${last}|${values.dateOfBirth}`
        : null,
  };
}

/** Whether values say who the person is: a name, a usable email or a usable phone. */
export function hasIdentity(values: ContactValues): boolean {
  return (
    values.firstName !== null ||
    values.lastName !== null ||
    values.email !== null ||
    Object.keys(values.phones).length > 0
  );
}

/** ResMan's person status mapped onto the contact kind (a lost prospect is still a prospect). */
export function kindOfStatus(status: PersonStatus): ContactKind {
  return status === "lost" ? "prospect" : status;
}

/**
 * Which status describes a person best when several ResMan records are that person: a current
 * resident above an applicant, an active prospect above a former resident (they are looking
 * again), a former resident above a lost prospect.
 */
const statusRank: Record<PersonStatus, number> = {
  resident: 5,
  applicant: 4,
  prospect: 3,
  former: 2,
  lost: 1,
};

/** The contact kind given the statuses of all ResMan records linked to it. */
export function kindOfStatuses(
  statuses: readonly PersonStatus[],
  fallback: ContactKind,
): ContactKind {
  let best: PersonStatus | null = null;
  for (const status of statuses)
    if (best === null || statusRank[status] > statusRank[best]) best = status;
  return best === null ? fallback : kindOfStatus(best);
}

function cleanAddress(address: ResmanPerson["address"]): ContactAddress | null {
  if (address === undefined) return null;
  const cleaned: ContactAddress = {
    line1: cleanText(address.line1),
    line2: cleanText(address.line2),
    city: cleanText(address.city),
    state: cleanText(address.state),
    postalCode: cleanText(address.postal_code),
  };
  return Object.values(cleaned).every((part) => part === null) ? null : cleaned;
}

/** Normalises a validated ResMan person for the property described by `context`. */
export function normalisePerson(
  person: ResmanPerson,
  context: NormalisationContext,
): NormalisedPerson {
  const warnings: NormalisationWarning[] = [];
  const values = emptyValues();
  values.firstName = cleanText(person.first_name);
  values.middleName = cleanText(person.middle_name);
  values.lastName = cleanText(person.last_name);
  values.address = cleanAddress(person.address);
  values.isDependent = person.is_dependent ?? null;

  const email = normaliseEmail(person.email);
  if (email !== null) {
    if ("email" in email) values.email = email.email;
    else warnings.push({ field: "email", reason: email.reason });
  }

  for (const [index, phone] of (person.phones ?? []).entries()) {
    const checked = normalisePhone(phone.number, context);
    if (checked === null) continue;
    if (!("e164" in checked)) {
      warnings.push({ field: `phones[${index}]`, reason: checked.reason });
    } else if (values.phones[phone.type] !== undefined) {
      warnings.push({ field: `phones[${index}]`, reason: "duplicate_type" });
    } else {
      values.phones[phone.type] = checked;
    }
  }

  const birthDate = normaliseBirthDate(person.birthdate, context.now);
  if (birthDate !== null) {
    if ("date" in birthDate) values.dateOfBirth = birthDate.date;
    else warnings.push({ field: "birthdate", reason: birthDate.reason });
  }

  return {
    personId: person.person_id.trim(),
    status: person.status,
    kind: kindOfStatus(person.status),
    values,
    keys: matchKeysOf(values),
    lastModified: person.last_modified === undefined ? null : new Date(person.last_modified),
    warnings,
  };
}
