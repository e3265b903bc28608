/**
 * Matching a person against candidate contacts of the same property.
 *
 * This is the seam for the scored matcher: a `Matcher` is a pure function of the normalised
 * person and the candidates. The one here compares exact normalised keys (email, E.164 phone,
 * first name + last name + date of birth) and refuses a match that rests only on a shared email
 * or phone when names or birth dates disagree (households share phones and emails).
 */
import type { Contact, MatchKeys } from "./contact.js";
import { nameKey } from "./normalize.js";

export type MatchedKey = "email" | "phone" | "name_dob";

export type BlockReason = "first_name_differs" | "date_of_birth_differs";

/** Why a decision was taken: field names, key kinds and ids only, never personal values. */
export interface MatchEvidence {
  method: "exact_keys";
  /** Keys shared with the chosen contact. */
  matched: MatchedKey[];
  /** Candidates that shared at least one key. */
  candidates: number;
  /** Candidates refused by the household guard. */
  blocked: { contactId: string; reason: BlockReason }[];
}

export interface MatchResult {
  /** The contact to link to, or null to create a new one. */
  contact: Contact | null;
  /** 1 for an exact-key match; null when there is no match. */
  score: number | null;
  evidence: MatchEvidence;
}

export interface MatchInput {
  keys: MatchKeys;
  firstName: string | null;
  dateOfBirth: string | null;
}

export type Matcher = (person: MatchInput, candidates: readonly Contact[]) => MatchResult;

/** Which keys of `person` a contact shares. */
export function sharedKeys(person: MatchKeys, contact: MatchKeys): MatchedKey[] {
  const shared: MatchedKey[] = [];
  if (person.nameDob !== null && person.nameDob === contact.nameDob) shared.push("name_dob");
  if (person.email !== null && person.email === contact.email) shared.push("email");
  if (person.phones.some((phone) => contact.phones.includes(phone))) shared.push("phone");
  return shared;
}

function householdBlock(person: MatchInput, contact: Contact): BlockReason | null {
  const mine = nameKey(person.firstName);
  const theirs = nameKey(contact.values.firstName);
  if (mine !== null && theirs !== null && mine !== theirs) return "first_name_differs";
  const dob = person.dateOfBirth;
  if (dob !== null && contact.values.dateOfBirth !== null && dob !== contact.values.dateOfBirth) {
    return "date_of_birth_differs";
  }
  return null;
}

/**
 * The exact-key matcher. Among acceptable candidates it prefers the most shared keys, then the
 * oldest contact (the one other links most likely point at), then the smallest id, so the
 * choice never depends on the order the database returned rows in.
 */
export const exactKeyMatcher: Matcher = (person, candidates) => {
  const blocked: MatchEvidence["blocked"] = [];
  const acceptable: { contact: Contact; matched: MatchedKey[] }[] = [];
  let sharing = 0;
  for (const contact of candidates) {
    const matched = sharedKeys(person.keys, contact.keys);
    if (matched.length === 0) continue;
    sharing += 1;
    // A name + birth date match already says the names agree; email or phone alone does not.
    const reason = matched.includes("name_dob") ? null : householdBlock(person, contact);
    if (reason !== null) blocked.push({ contactId: contact.id, reason });
    else acceptable.push({ contact, matched });
  }
  acceptable.sort(
    (a, b) =>
      b.matched.length - a.matched.length ||
      a.contact.createdAt.getTime() - b.contact.createdAt.getTime() ||
      (a.contact.id < b.contact.id ? -1 : 1),
  );
  const best = acceptable[0];
  return {
    contact: best?.contact ?? null,
    score: best === undefined ? null : 1,
    evidence: { method: "exact_keys", matched: best?.matched ?? [], candidates: sharing, blocked },
  };
};
