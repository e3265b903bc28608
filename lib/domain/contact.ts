/**
 * The golden contact as the domain sees it: personal values, their provenance and the exact
 * match keys derived from them. No database or driver types here.
 */
import type { PersonStatus, PhoneType } from "./person.js";

export const contactKinds = ["prospect", "applicant", "resident", "former", "lead"] as const;
export type ContactKind = (typeof contactKinds)[number];

/** Who last wrote a field. `domiq` covers the chatbot and DomIQ itself; `manual` is a lock. */
export type FieldSource = "resman" | "domiq" | "manual";

export interface ContactPhone {
  raw: string;
  /** E.164 form; the phone is only ever stored when it is valid. */
  e164: string;
}

export interface ContactAddress {
  line1: string | null;
  line2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
}

/** Personal values of a contact; `null` means unknown. */
export interface ContactValues {
  firstName: string | null;
  middleName: string | null;
  lastName: string | null;
  email: string | null;
  phones: Partial<Record<PhoneType, ContactPhone>>;
  /** `YYYY-MM-DD`. */
  dateOfBirth: string | null;
  /** Kept as one unit: parts of two different addresses are never mixed. */
  address: ContactAddress | null;
  isDependent: boolean | null;
}

/** The fields survivorship decides one by one; phones count per type. */
export type ContactField =
  | "firstName"
  | "middleName"
  | "lastName"
  | "email"
  | `phones.${PhoneType}`
  | "dateOfBirth"
  | "address"
  | "isDependent";

export type FieldSources = Partial<Record<ContactField, FieldSource>>;

/** Exact, normalised match keys of a contact or person; `null`/empty when unusable. */
export interface MatchKeys {
  email: string | null;
  phones: string[];
  nameDob: string | null;
}

/**
 * Emails and phones a contact held before, or that lost to its current ones (survivorship keeps
 * them): still used to find the contact, never shown as its current value.
 */
export interface SecondaryValues {
  emails: string[];
  phones: ContactPhone[];
  /**
   * How other records linked to the contact by matching wrote the person's names, birth date
   * and address where they differ from the contact's (a duplicate card's typo, a maiden name):
   * still used to find and score the contact, never its current values. Newest first, a few.
   */
  variants?: RecordVariant[];
}

/** One record's identifying values, as kept in `SecondaryValues.variants`. */
export interface RecordVariant {
  firstName: string | null;
  lastName: string | null;
  dateOfBirth: string | null;
  address: ContactAddress | null;
}

/** The contact's values as one of its other records wrote them (variant fields over values). */
export function valuesWithVariant(values: ContactValues, variant: RecordVariant): ContactValues {
  return {
    ...values,
    firstName: variant.firstName ?? values.firstName,
    lastName: variant.lastName ?? values.lastName,
    dateOfBirth: variant.dateOfBirth ?? values.dateOfBirth,
    address: variant.address ?? values.address,
  };
}

export const emptySecondary = (): SecondaryValues => ({ emails: [], phones: [] });

export interface Contact {
  id: string;
  kind: ContactKind;
  values: ContactValues;
  sources: FieldSources;
  keys: MatchKeys;
  /** Blocking keys as stored (empty for a contact written before they existed). */
  blockKeys: string[];
  secondary: SecondaryValues;
  /** ResMan statuses of the contact's links other than the person being synced. */
  linkedStatuses: PersonStatus[];
  createdAt: Date;
}

export const emptyValues = (): ContactValues => ({
  firstName: null,
  middleName: null,
  lastName: null,
  email: null,
  phones: {},
  dateOfBirth: null,
  address: null,
  isDependent: null,
});
