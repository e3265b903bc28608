/**
 * The guest-card push's state: each property's push settings, the chatbot leads waiting to
 * reach ResMan (a lead whose link has no ResMan person yet, on a property with the push on: the
 * enrichment that created the lead committed the job with it), and the record of what was sent
 * (`guest_card_push`), written together with the lead's link when ResMan answered.
 */
import type { PersonStatus } from "../../domain/person.js";
import type { LeadCustomer, LeadPreferences } from "./guestCards.js";

export interface PushSettings {
  enabled: boolean;
  /** ResMan ProspectSource ID sent as the first contact's `TransactionSource`. */
  sourceId: string | null;
  /** ResMan employee ID sent as the event's agent. */
  agentId: string | null;
}

/** A push that was tried before, as recorded. */
export interface PushAttempt {
  status: "sending" | "sent" | "unknown" | "failed";
  attempts: number;
}

/** A chatbot lead waiting to become a guest card. */
export interface WaitingLead {
  propertyId: string;
  contactId: string;
  linkId: string;
  /** The lead's values: what the guest card says about the person. */
  customer: LeadCustomer;
  /** The latest preferences the chatbot learned, if any. */
  preferences: LeadPreferences | null;
  /** The latest conversation summary, if any (the first contact's comments). */
  summary: string | null;
  /** When DomIQ first heard from the lead (ISO-8601). */
  firstContactAt: string;
  /** The record of an earlier attempt, if any. */
  previous: PushAttempt | null;
}

/** How a push ended, as recorded with the lead's link. */
export type PushResult =
  | {
      status: "sent";
      /** `created`: a new guest card; `event`: an event on a prospect it matched; `linked`: a match ResMan must not be written to (an applicant, a resident). */
      outcome: "created" | "event" | "linked";
      prospectId: string;
      personId: string;
      /** ResMan's status of the person, for the link. */
      resmanStatus: PersonStatus;
    }
  | { status: "unknown"; error: string }
  | { status: "failed"; error: string };

/** A later conversation of a pushed prospect, waiting to be sent to ResMan as an event. */
export interface WaitingEvent {
  propertyId: string;
  contactId: string;
  linkId: string;
  /** The enrichment it comes from (one event per enrichment, ever). */
  enrichmentId: string;
  kind: "conversation_data" | "preferences" | "interaction_history";
  data: Record<string, unknown>;
  /** When the chatbot heard it (ISO-8601). */
  occurredAt: string;
  /** The prospect the lead's guest card is (or the push matched). */
  prospect: { prospectId: string; personId: string };
  previous: PushAttempt | null;
}

/** `sent` with `skipped`: the enrichment said nothing worth an event; it is done all the same. */
export type EventPushResult =
  | { status: "sent"; skipped: boolean }
  | { status: "unknown" | "failed"; error: string };

export interface PushStore {
  /** The property's push settings (null for a property it does not know). */
  pushSettings(propertyId: string): Promise<PushSettings | null>;
  /** Changes a property's push settings; the property by either id, null when unknown. */
  setPushSettings(
    property: string,
    settings: Partial<PushSettings>,
  ): Promise<(PushSettings & { propertyId: string; resmanPropertyId: string | null }) | null>;
  /**
   * The property's leads waiting to reach ResMan, oldest first: no ResMan person on their link,
   * and no push recorded as `sent` (`failed` ones only when `includeFailed`, an operator's retry).
   */
  waitingLeads(
    propertyId: string,
    options: { includeFailed: boolean; limit: number },
  ): Promise<WaitingLead[]>;
  /**
   * Records that the lead's push starts (`sending`, one more attempt); false when another push of
   * it is under way or it was sent meanwhile.
   */
  startPush(lead: WaitingLead): Promise<boolean>;
  /**
   * Records how the push ended, in one transaction with the lead's link: on `sent` the link gets
   * the ResMan PersonID (status `success` for a created card, `merged` for a match) unless the
   * person is linked already; on `failed` the link is `failed` with the reason.
   */
  finishPush(lead: WaitingLead, result: PushResult): Promise<void>;
  /**
   * The enrichments of pushed prospects made after their guest card was sent and not sent as an
   * event yet, oldest first; only while the link still says prospect (or lost): an applicant or
   * a resident gets nothing.
   */
  waitingEvents(propertyId: string, options: { limit: number }): Promise<WaitingEvent[]>;
  /** As `startPush`, for an event (`event:<enrichment id>`). */
  startEventPush(event: WaitingEvent): Promise<boolean>;
  finishEventPush(event: WaitingEvent, result: EventPushResult): Promise<void>;
}
