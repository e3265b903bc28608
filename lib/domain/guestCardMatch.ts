/**
 * Whether a ResMan customer found by the guest-card push's search is the chatbot lead, and what
 * the push may then do. The search finds cards sharing an email, a phone or a name; a household
 * shares emails and phones, so the names decide (as the matcher's household guard does):
 *
 * - found by email or phone: the first names agree (equal, nicknames, or one typing slip apart)
 *   and the last names do not disagree (equal or a slip apart, or missing on one side);
 * - found by name: both sides give both names, and both agree.
 *
 * A match that is a prospect or a lost prospect gets the conversation as an event; one that is an
 * applicant or a resident gets nothing about the person (design §6 invariant 8): the lead is
 * linked to them in DomIQ only. ResMan's prospect search does not find people who are only on a
 * lease, so the applicants and residents are looked for on the roster first (`findOnRoster`).
 */
import { areNicknames, isFirstNameTypo, isSurnameTypo, normaliseName } from "./names.js";
import type { ResmanPerson } from "./person.js";

export interface PersonName {
  firstName: string | null;
  lastName: string | null;
}

/** How the customer was found. */
export type FoundBy = "email" | "phone" | "name";

/** What the push does with a customer that is the lead. */
export type MatchUse = "event" | "link_only";

function firstNamesAgree(a: string | null, b: string | null): boolean {
  const x = normaliseName(a);
  const y = normaliseName(b);
  if (x === null || y === null) return false;
  return x === y || areNicknames(x, y) || isFirstNameTypo(x, y);
}

/** Equal or a slip apart; `missing` says what an absent name on either side counts as. */
function lastNamesAgree(a: string | null, b: string | null, missing: boolean): boolean {
  const x = normaliseName(a);
  const y = normaliseName(b);
  if (x === null || y === null) return missing;
  return x === y || isSurnameTypo(x, y);
}

/** Whether the found customer is the lead (see the module header). */
export function isSameLead(lead: PersonName, found: PersonName, foundBy: FoundBy): boolean {
  if (!firstNamesAgree(lead.firstName, found.firstName)) return false;
  return lastNamesAgree(lead.lastName, found.lastName, foundBy !== "name");
}

/**
 * What the push may do with a customer that is the lead: add an event to a prospect or a lost
 * prospect; with anyone else (an applicant, a resident, a type it does not know) only link the
 * lead in DomIQ, sending nothing.
 */
export function useOfMatch(type: string): MatchUse {
  const folded = type.trim().toLowerCase();
  return folded === "prospect" || folded === "lost" ? "event" : "link_only";
}

/** The lead's contact values the roster is searched by. */
export interface LeadContact extends PersonName {
  email: string | null;
  phone: string | null;
}

const emailKey = (email: string | null | undefined) => email?.trim().toLowerCase() || null;
const phoneKey = (phone: string | null | undefined) => {
  const digits = phone?.replace(/\D/g, "").slice(-10) ?? "";
  return digits.length >= 7 ? digits : null;
};

/**
 * The applicant or resident on the roster who is the lead, if any: one sharing the lead's email
 * or phone whose names agree (`isSameLead`, found by email/phone), else one with both names the
 * same (found by name).
 */
export function findOnRoster(
  lead: LeadContact,
  roster: readonly ResmanPerson[],
): ResmanPerson | null {
  const email = emailKey(lead.email);
  const phone = phoneKey(lead.phone);
  const name = (person: ResmanPerson): PersonName => ({
    firstName: person.first_name ?? null,
    lastName: person.last_name ?? null,
  });
  const byContact = roster.find((person) => {
    const sharesEmail = email !== null && emailKey(person.email) === email;
    const sharesPhone =
      phone !== null && (person.phones ?? []).some((p) => phoneKey(p.number) === phone);
    return (sharesEmail || sharesPhone) && isSameLead(lead, name(person), "email");
  });
  if (byContact !== undefined) return byContact;
  return roster.find((person) => isSameLead(lead, name(person), "name")) ?? null;
}

/** Longest `Comments` contact-sync sends. */
export const MAX_COMMENTS = 2000;

/**
 * The comments of the event a later enrichment of a pushed prospect becomes: the conversation's
 * summary, the preferences in words, or the interaction and its details. Null when the
 * enrichment says nothing worth an event (a captured contact adds nothing ResMan lacks).
 */
export function followUpComments(
  kind: "conversation_data" | "preferences" | "interaction_history",
  data: Record<string, unknown>,
): string | null {
  const text = (value: unknown) =>
    typeof value === "string" && value.trim() !== "" ? value : null;
  if (kind === "conversation_data") {
    const summary = text(data.summary);
    return summary === null ? null : summary.slice(0, MAX_COMMENTS);
  }
  if (kind === "preferences") {
    const p = (data.preferences ?? {}) as Record<string, unknown>;
    const parts = [
      typeof p.bedrooms === "number" ? `${p.bedrooms} bedrooms` : null,
      typeof p.bathrooms === "number" ? `${p.bathrooms} bathrooms` : null,
      text(p.move_in_date) === null ? null : `move-in ${p.move_in_date}`,
      typeof p.budget_max === "number" ? `budget up to ${p.budget_max}` : null,
      typeof p.pets === "boolean" ? (p.pets ? "has pets" : "no pets") : null,
    ].filter((part) => part !== null);
    return parts.length === 0 ? null : `Preferences updated: ${parts.join(", ")}`;
  }
  const interaction = (data.interaction ?? {}) as Record<string, unknown>;
  const type = text(interaction.type);
  if (type === null) return null;
  const details = text(interaction.details);
  return `${type.replace(/_/g, " ")}${details === null ? "" : `: ${details}`}`.slice(
    0,
    MAX_COMMENTS,
  );
}
