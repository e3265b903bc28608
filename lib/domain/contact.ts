/**
 * The golden contact as the domain sees it: personal values, their provenance and the exact
 * match keys derived from them. No database or driver types here.
 */
import { type PersonStatus, type PhoneType, phoneTypes } from "./person.js";

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

/**
 * A copy of `values` sharing no object with it (its phones, their map, its address): what
 * `structuredClone` gives for these flat records, without its serialisation.
 */
export function copyValues(values: ContactValues): ContactValues {
  const phones: ContactValues["phones"] = {};
  for (const type in values.phones) {
    const phone = values.phones[type as keyof ContactValues["phones"]];
    if (phone !== undefined) phones[type as keyof ContactValues["phones"]] = { ...phone };
  }
  return { ...values, phones, address: values.address === null ? null : { ...values.address } };
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

/**
 * The ResMan record version a field's value came from (survivorship compares them: the newest
 * ResMan value wins, across all the records of the person).
 */
export interface FieldVersion {
  /** The record's ResMan PersonID. */
  record: string;
  /** The version's `last_modified` (ISO 8601); null when it carried none (most file rows). */
  at: string | null;
  /** The version's digest: orders two versions with the same `last_modified`. */
  digest: string;
}

/** Per field, the version its ResMan value came from (fields of other sources have none). */
export type FieldVersions = Partial<Record<ContactField, FieldVersion>>;

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
   * How each record of the person wrote it: one variant per ResMan record linked to the
   * contact (its newest version), plus a merged-away contact's own values when an approval
   * merged in a contact without record variants (a lead, a contact from before variants were
   * kept). Still used to find and score the contact, each read as a whole (one record's own
   * values, never mixed with another's); never the contact's current values.
   */
  variants?: RecordVariant[];
}

/** One record's identifying values, as kept in `SecondaryValues.variants`. */
export interface RecordVariant {
  /**
   * The record version the values are from. Absent for a merged-away contact's values and for
   * variants stored before records were named (those are kept until the contact has more
   * record variants than it keeps).
   */
  version?: FieldVersion;
  firstName: string | null;
  lastName: string | null;
  dateOfBirth: string | null;
  address: ContactAddress | null;
  /** The record's email (absent on variants stored before contact points were kept). */
  email?: string | null;
  /** The record's phones (absent on variants stored before contact points were kept). */
  phones?: ContactPhone[];
}

/**
 * A variant read as a record of its own: its names, birth date, address, email and phones,
 * and nothing of the contact's current values (a blank stays blank).
 */
export function variantValues(variant: RecordVariant): ContactValues {
  const phones: ContactValues["phones"] = {};
  (variant.phones ?? []).forEach((phone, i) => {
    const type = phoneTypes[i];
    if (type !== undefined) phones[type] = phone;
  });
  return {
    ...emptyValues(),
    firstName: variant.firstName,
    lastName: variant.lastName,
    dateOfBirth: variant.dateOfBirth,
    address: variant.address,
    email: variant.email ?? null,
    phones,
  };
}

export const emptySecondary = (): SecondaryValues => ({ emails: [], phones: [] });

export interface Contact {
  id: string;
  kind: ContactKind;
  values: ContactValues;
  sources: FieldSources;
  keys: MatchKeys;
  /** The record version each ResMan-sourced field came from. */
  versions: FieldVersions;
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
