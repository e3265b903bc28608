/**
 * The enrichment decision, pure: which contact a chatbot event belongs to, and what the chatbot
 * adds to it. It uses the same normalisation, matcher (with its household guard) and
 * survivorship as the ResMan sync path, so both sources agree on who is who.
 *
 * Order of preference for the contact:
 * 1. a live contact the matcher accepts on the event's email/phone (exact keys, household guard);
 * 2. the contact an earlier event of the same conversation went to (events of one conversation
 *    may arrive in any order, and later ones often carry no contact details);
 * 3. a new `lead` contact (with a `pending` link, no ResMan person yet).
 */
import type { Contact, ContactValues } from "./contact.js";
import { emptyValues } from "./contact.js";
import type { ChatbotEvent } from "./events.js";
import { enrichmentTypeOf } from "./events.js";
import { exactKeyMatcher, type MatchEvidence, type Matcher } from "./matching.js";
import {
  matchKeysOf,
  type NormalisationContext,
  type NormalisationWarning,
  normalisePerson,
} from "./normalize.js";
import { type MergeStrategy, mergeValues } from "./survivorship.js";
import type { ContactWrite } from "./syncDecision.js";

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
  matcher?: Matcher;
}

export interface EnrichmentDecision {
  contact: ContactWrite;
  /** How the contact was found. */
  foundBy: "match" | "conversation" | "created";
  evidence: MatchEvidence;
  enrichmentType: (typeof enrichmentTypeOf)[keyof typeof enrichmentTypeOf];
  data: Record<string, unknown>;
}

/** Decides which contact an event enriches and the contact's values afterwards. */
export function decideEnrichment(input: EnrichmentDecisionInput): EnrichmentDecision {
  const { identity, strategy } = input;
  const matcher = input.matcher ?? exactKeyMatcher;
  const match = matcher(
    { keys: identity.keys, firstName: identity.values.firstName, dateOfBirth: null },
    input.candidates,
  );
  const existing = match.contact ?? input.conversationContact;
  const foundBy = match.contact !== null ? "match" : existing !== null ? "conversation" : "created";
  const merged = mergeValues({
    current: existing?.values ?? emptyValues(),
    sources: existing?.sources ?? {},
    incoming: identity.values,
    source: "domiq",
    strategy,
  });
  const kind = existing?.kind ?? "lead";
  return {
    contact: {
      id: existing?.id ?? input.newContactId,
      isNew: existing === null,
      kind,
      values: merged.values,
      sources: merged.sources,
      keys: matchKeysOf(merged.values),
      changed: existing === null || merged.changed.length > 0,
    },
    foundBy,
    evidence: match.evidence,
    enrichmentType: enrichmentTypeOf[input.event.detail_type],
    data: enrichmentData(input.event),
  };
}
