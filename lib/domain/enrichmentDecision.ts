/**
 * The enrichment decision, pure: which contact a chatbot event belongs to, and what the chatbot
 * adds to it. It uses the same normalisation, matcher (with its household guard) and
 * survivorship as the ResMan sync path, so both sources agree on who is who.
 *
 * Order of preference for the contact:
 * 1. a live contact the scored matcher merges with (household guard included), or — for an
 *    event that names nobody — the one contact holding its email or phone;
 * 2. the contact an earlier event of the same conversation went to (events of one conversation
 *    may arrive in any order, and later ones often carry no contact details);
 * 3. a new `lead` contact (with a `pending` link, no ResMan person yet) — with a review item when
 *    the best candidate scored in the review band.
 */
import { emailBlockingKey, phoneBlockingKey } from "./blocking.js";
import { emailsOf, phonesOf } from "./chooseCandidate.js";
import type { Contact, ContactValues } from "./contact.js";
import { emptyValues } from "./contact.js";
import { emailMatchKey } from "./emailKey.js";
import type { ChatbotEvent } from "./events.js";
import { enrichmentTypeOf } from "./events.js";
import { type MatchEvidence, type Matcher, scoredMatcher } from "./matching.js";
import {
  type matchKeysOf,
  type NormalisationContext,
  type NormalisationWarning,
  normalisePerson,
} from "./normalize.js";
import type { MatchingCriteria } from "./rules.js";
import { type MergeStrategy, mergeValues } from "./survivorship.js";
import {
  type ContactWrite,
  contactWrite,
  type ReviewWrite,
  reviewProposal,
} from "./syncDecision.js";

/** The chatbot's contact block, normalised like a ResMan person's values. */
export interface ChatbotIdentity {
  values: ContactValues;
  keys: ReturnType<typeof matchKeysOf>;
  warnings: NormalisationWarning[];
}

/** Normalises the event's contact block (placeholders, the office phone and bad values drop). */
export function chatbotIdentity(
  event: ChatbotEvent,
  context: NormalisationContext,
): ChatbotIdentity {
  const { contact } = event.detail;
  const normalised = normalisePerson(
    {
      person_id: "chatbot",
      status: "prospect",
      ...(contact.first_name !== undefined ? { first_name: contact.first_name } : {}),
      ...(contact.last_name !== undefined ? { last_name: contact.last_name } : {}),
      ...(contact.email !== undefined ? { email: contact.email } : {}),
      ...(contact.phone !== undefined
        ? { phones: [{ type: "mobile" as const, number: contact.phone }] }
        : {}),
    },
    context,
  );
  return { values: normalised.values, keys: normalised.keys, warnings: normalised.warnings };
}

/** What the enrichment log row holds: the event's own data, without the contact block. */
export function enrichmentData(event: ChatbotEvent): Record<string, unknown> {
  const { contact: _contact, property_id: _property, ...rest } = event.detail;
  return { detail_type: event.detail_type, ...rest };
}

export interface EnrichmentDecisionInput {
  event: ChatbotEvent;
  identity: ChatbotIdentity;
  /** Live contacts sharing an email or phone key with the event. */
  candidates: readonly Contact[];
  /** The contact an earlier event of the same conversation went to, if it is still live. */
  conversationContact: Contact | null;
  strategy: MergeStrategy;
  newContactId: string;
  criteria?: MatchingCriteria;
  /** The event's blocking keys too common to read their holders. */
  commonKeys?: readonly string[] | undefined;
  matcher?: Matcher;
}

export interface EnrichmentDecision {
  contact: ContactWrite;
  /** How the contact was found. */
  foundBy: "match" | "conversation" | "created";
  evidence: MatchEvidence;
  /** A new lead whose best candidate scored in the review band: the pair to review. */
  review: ReviewWrite | null;
  enrichmentType: (typeof enrichmentTypeOf)[keyof typeof enrichmentTypeOf];
  data: Record<string, unknown>;
}

/**
 * The one contact holding the event's email or phone, when the event names nobody. A chatbot
 * event often carries only the email or phone the visitor typed: its score (one contact point)
 * stays below auto-merge, and nothing in it can disagree — no name, no birth date. If exactly
 * one contact of the property holds that value (not a household's or an office's), the event
 * is that contact's; otherwise the scored outcome stands (a review item or a new lead).
 */
function soleHolder(
  identity: ChatbotIdentity,
  candidates: readonly Contact[],
  commonKeys: readonly string[],
): Contact | null {
  const { values } = identity;
  if (values.firstName !== null || values.lastName !== null) return null;
  const email = values.email === null ? null : emailMatchKey(values.email);
  const phones = Object.values(values.phones).map((p) => p.e164);
  if (email === null && phones.length === 0) return null;
  // Held by too many contacts to read them all: never one contact's.
  const common = new Set(commonKeys);
  const commonEmail = email !== null && common.has(emailBlockingKey(email));
  if (commonEmail || phones.some((p) => common.has(phoneBlockingKey(p)))) {
    return null;
  }
  const holders = candidates.filter(
    (c) =>
      (email !== null && emailsOf(c).includes(email)) ||
      phonesOf(c).some((p) => phones.includes(p)),
  );
  return holders.length === 1 ? (holders[0] ?? null) : null;
}

/** Decides which contact an event enriches and the contact's values afterwards. */
export function decideEnrichment(input: EnrichmentDecisionInput): EnrichmentDecision {
  const { identity, strategy } = input;
  const matcher = input.matcher ?? scoredMatcher(input.criteria);
  const match = matcher(identity.values, input.candidates, { commonKeys: input.commonKeys });
  const matched =
    match.outcome === "merge"
      ? match.contact
      : soleHolder(identity, input.candidates, input.commonKeys ?? []);
  const existing = matched ?? input.conversationContact;
  const foundBy = matched !== null ? "match" : existing !== null ? "conversation" : "created";
  const merged = mergeValues({
    current: existing?.values ?? emptyValues(),
    sources: existing?.sources ?? {},
    incoming: identity.values,
    source: "domiq",
    strategy,
  });
  const review = existing === null ? reviewProposal(match) : null;
  return {
    contact: contactWrite(
      existing?.id ?? input.newContactId,
      existing,
      merged,
      existing?.kind ?? "lead",
    ),
    foundBy,
    evidence: match.evidence,
    review,
    enrichmentType: enrichmentTypeOf[input.event.detail_type],
    data: enrichmentData(input.event),
  };
}
