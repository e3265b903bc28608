/**
 * ResMan's words for a person's status and a phone's type, mapped onto the person contract's
 * (`PersonStatus`, `PhoneType`). v2 spells statuses in title case ("Notice to Vacate"), v1 in
 * snake case (`current_resident`); both are read case-insensitively, with spaces, underscores
 * and hyphens treated alike. A status not listed here is unknown: the record is unreadable.
 */
import type { PersonStatus, PhoneType } from "./person.js";

/** docs/resman.md "Statuses", keyed by the folded spelling (see `foldWord`). */
const STATUSES: Readonly<Record<string, PersonStatus>> = {
  prospect: "prospect",
  lost: "lost",
  applicant: "applicant",
  pending: "applicant",
  approved: "applicant",
  resident: "resident",
  "current resident": "resident",
  current: "resident",
  "notice to vacate": "resident",
  "month to month": "resident",
  "under eviction": "resident",
  former: "former",
  evicted: "former",
};

/**
 * Phone types of both APIs: v2 `Mobile | Home | Work | Fax`, v1 `cell | home | office | fax`
 * (written in a `PhoneType` or a `Type` attribute).
 */
const PHONE_TYPES: Readonly<Record<string, PhoneType>> = {
  mobile: "mobile",
  cell: "mobile",
  home: "home",
  work: "work",
  office: "work",
  fax: "fax",
};

/** Lower case, trimmed, every run of spaces, underscores and hyphens one space. */
function foldWord(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/gu, " ");
}

/** The contract status of a ResMan status, or undefined when it is absent or unknown. */
export function personStatusOf(value: string | null | undefined): PersonStatus | undefined {
  if (value === null || value === undefined) return undefined;
  return STATUSES[foldWord(value)];
}

/**
 * The contract type of a ResMan phone type. An absent or unknown type is `mobile`: ResMan's
 * guest cards default to the number a prospect typed, which is almost always a cell phone.
 */
export function phoneTypeOf(value: string | null | undefined): PhoneType {
  if (value === null || value === undefined) return "mobile";
  return PHONE_TYPES[foldWord(value)] ?? "mobile";
}
