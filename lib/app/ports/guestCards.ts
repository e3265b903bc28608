/**
 * ResMan's guest cards as the guest-card push uses them (v1 only: v2 cannot create prospects):
 * find a prospect, create a card, add an event to a prospect, and list the property's prospect
 * sources and employees. The only writes contact-sync ever makes to ResMan are here, and an
 * event carries the prospect's ids and the event only: never a name, email or phone (design §6
 * invariant 8).
 */
import type { ResmanPropertyAccess } from "./resmanSource.js";

/** MITS phone types. */
export type LeadPhoneType = "cell" | "home" | "office";

/** The person a new guest card is for. */
export interface LeadCustomer {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: { number: string; type: LeadPhoneType } | null;
}

/** What the lead told the chatbot it is looking for (`CustomerPreferences`). */
export interface LeadPreferences {
  /** `YYYY-MM-DD`. */
  moveInDate: string | null;
  bedrooms: number | null;
  /** Monthly rent, whole currency units. */
  rent: number | null;
}

/** Event types contact-sync sends. */
export type LeadEventType = "Other" | "TextFromProspect";

/** One event on a guest card. */
export interface LeadEvent {
  type: LeadEventType;
  /** ISO-8601. */
  date: string;
  /** The property's ResMan ProspectSource ID (`TransactionSource`). */
  sourceId: string;
  /** The property's ResMan employee ID (`Agent/AgentID`). */
  agentId: string;
  firstContact: boolean;
  /** A short summary; never more than the chatbot's own summary. */
  comments: string | null;
}

/** A ResMan customer found by a search. */
export interface FoundProspect {
  prospectId: string;
  personId: string;
  /** The MITS customer type as ResMan wrote it (prospect, lost, applicant, current_resident…). */
  type: string;
  firstName: string | null;
  lastName: string | null;
}

/** How to search: by email, by phone, or by first and last name. */
export type ProspectSearch =
  | { email: string }
  | { phone: string }
  | { firstName: string; lastName: string };

export interface GuestCardIds {
  prospectId: string;
  personId: string;
}

export interface ResmanLookup {
  id: string;
  name: string;
}

export interface GuestCardPort {
  searchProspects(property: ResmanPropertyAccess, search: ProspectSearch): Promise<FoundProspect[]>;
  /**
   * Creates a guest card with its first-contact event; resolves with the new ids. Never retried
   * after a timeout or a dropped answer (`GuestCardOutcomeUnknown`): the card may exist, and
   * only a search can tell.
   */
  createGuestCard(
    property: ResmanPropertyAccess,
    card: { customer: LeadCustomer; preferences: LeadPreferences | null; event: LeadEvent },
  ): Promise<GuestCardIds>;
  /** Adds an event to an existing prospect: its ids and the event, nothing about the person. */
  addProspectEvent(
    property: ResmanPropertyAccess,
    prospect: GuestCardIds,
    event: LeadEvent,
  ): Promise<void>;
  prospectSources(property: ResmanPropertyAccess): Promise<ResmanLookup[]>;
  employees(property: ResmanPropertyAccess): Promise<ResmanLookup[]>;
}
