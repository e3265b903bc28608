/**
 * The ResMan stand-in's guest-card writes: a v1 `MITS/PostLeadManagement4_0` document
 * (`leadDocument.ts`) checked against the property and applied.
 *
 * Without `Identification` elements the write creates a guest card (status Prospect) holding one
 * new person, with a new ProspectID and PersonID from the stand-in's seeded id stream; with both
 * a ProspectID and a PersonID it adds the event to that existing prospect and changes nothing
 * else: names, email and phones of an existing person are never written. Either way the card's
 * `lastModified` is stamped (the stand-in's clock), so incremental reads return it, and the event
 * is kept (`writes.ts`). The answer echoes the document with the two ids as `Identification`s.
 *
 * Checks, in this order, each refusing with an `ErrorDescription`: the document's structure;
 * the `TransactionSource` must be one of the property's prospect sources ("Transaction Source
 * could not be found"); an `AgentID`, when given, one of its employees ("Agent could not be
 * found"); the ProspectID must be a card of the property and the PersonID one of its people; and
 * that person must be a prospect or lost ("Customer is not a prospect"): applicants and
 * residents are never touched. Every write, made or refused, goes to the write log.
 */
import { parseInstant } from "./dates.js";
import { type LeadDocument, readLead, structuralError } from "./leadDocument.js";
import { findEmployee, findProspectSource } from "./lookups.js";
import type { PropertyRecords, StubPerson, StubPhoneType, StubProspect } from "./model.js";
import { statusOf } from "./model.js";
import { guidFrom } from "./random.js";
import type { StubState } from "./state.js";
import type { LeadFields, LeadPhone, StubWriteKind } from "./writes.js";

export const LEAD_METHOD = "PostLeadManagement4_0";

/** A write's outcome: the `Response` element's content, or the `ErrorDescription`. */
export type LeadOutcome = { response: unknown } | { error: string };

const PHONE_TYPES: Record<string, StubPhoneType> = {
  cell: "Mobile",
  mobile: "Mobile",
  home: "Home",
  office: "Work",
  work: "Work",
  fax: "Fax",
};

/** A phone's model type (no type attribute: Mobile), or undefined when it is not one. */
const phoneTypeOf = (phone: LeadPhone): StubPhoneType | undefined =>
  phone.type === null ? "Mobile" : PHONE_TYPES[phone.type.toLowerCase()];

interface Entry {
  kind: StubWriteKind;
  prospectId?: string | null;
  personId?: string | null;
  error?: string | null;
  fields: LeadFields | null;
}

function log(state: StubState, propertyId: string | null, entry: Entry): void {
  state.writes.record({
    at: state.clock().toISOString(),
    method: LEAD_METHOD,
    propertyId,
    kind: entry.kind,
    prospectId: entry.prospectId ?? null,
    personId: entry.personId ?? null,
    error: entry.error ?? null,
    fields: entry.fields,
  });
}

/** Logs a write refused before its document was looked at (credentials, property, account). */
export function logRefusedLead(state: StubState, form: URLSearchParams, error: string): void {
  const document = readLead(form.get("Xml"));
  const propertyId = form.get("PropertyID")?.trim() || null;
  log(state, propertyId, {
    kind: "rejected",
    error,
    fields: typeof document === "string" ? null : document.fields,
    prospectId: typeof document === "string" ? null : document.prospectId,
    personId: typeof document === "string" ? null : document.personId,
  });
}

/** The existing prospect and person the document names, or the `ErrorDescription`. */
function existing(
  state: StubState,
  records: PropertyRecords,
  prospectId: string,
  personId: string,
): { prospect: StubProspect; person: StubPerson } | string {
  const prospect = records.prospects.get(prospectId.trim().toLowerCase());
  if (prospect === undefined) return "Prospect could not be found";
  const person = records.people.get(personId.trim().toLowerCase());
  if (person === undefined || !prospect.personIds.includes(person.personId)) {
    return "Person could not be found on the prospect";
  }
  const status = statusOf(state.data.placesOf(person));
  if (prospect.status === "Applicant" || prospect.status === "Resident") {
    return "Customer is not a prospect";
  }
  if (status !== "prospect" && status !== "lost") return "Customer is not a prospect";
  return { prospect, person };
}

/** The document's checks against the property; null when it may be applied. */
function checkLead(records: PropertyRecords, document: LeadDocument): string | null {
  const structural = structuralError(document);
  if (structural !== null) return structural;
  const { fields } = document;
  const propertyId = records.property.propertyId;
  if (findProspectSource(propertyId, fields.source ?? "") === undefined) {
    return "Transaction Source could not be found";
  }
  if (fields.agent !== null && findEmployee(propertyId, fields.agent) === undefined) {
    return "Agent could not be found";
  }
  const unknownPhone = fields.phones.find((phone) => phoneTypeOf(phone) === undefined);
  if (unknownPhone !== undefined) {
    return `Phone type ${unknownPhone.type} is not one of cell, home, office, fax`;
  }
  return null;
}

/** A new person from the document's contact fields (not yet added to the data). */
function newPerson(state: StubState, propertyId: string, fields: LeadFields): StubPerson {
  const person: StubPerson = {
    personId: guidFrom(state.ids),
    propertyId,
    firstName: fields.firstName ?? "",
    middleName: null,
    lastName: fields.lastName ?? "",
    email: fields.email,
    phones: {},
    phoneType: "Mobile",
    birthdate: null,
    isDependent: false,
  };
  for (const phone of [...fields.phones].reverse()) {
    const type = phoneTypeOf(phone) ?? "Mobile";
    person.phones[type] = phone.number;
    person.phoneType = type;
  }
  return person;
}

/** The document echoed with the card's ids as the customer's `Identification`s. */
function echo(document: LeadDocument, prospectId: string, personId: string): unknown {
  const customer = document.customers[0] ?? {};
  const { Identification: _ids, ...rest } = customer;
  const withIds = {
    Identification: [
      { "@_IDType": "ProspectID", "@_IDValue": prospectId, "@_OrganizationName": "ResMan" },
      { "@_IDType": "PersonID", "@_IDValue": personId, "@_OrganizationName": "ResMan" },
    ],
    ...rest,
  };
  const prospect = document.prospects[0] ?? {};
  prospect.Customers = { Customer: [withIds] };
  return { LeadManagement: document.root };
}

/** Applies a `PostLeadManagement4_0` write to the property, logging it. */
export function writeLead(
  state: StubState,
  records: PropertyRecords,
  form: URLSearchParams,
): LeadOutcome {
  const propertyId = records.property.propertyId;
  const document = readLead(form.get("Xml"));
  if (typeof document === "string") {
    log(state, propertyId, { kind: "rejected", error: document, fields: null });
    return { error: document };
  }
  const { fields } = document;
  const refuse = (error: string): LeadOutcome => {
    log(state, propertyId, {
      kind: "rejected",
      error,
      fields,
      prospectId: document.prospectId,
      personId: document.personId,
    });
    return { error };
  };
  const problem = checkLead(records, document);
  if (problem !== null) return refuse(problem);

  const stamp = state.clock().toISOString();
  let prospect: StubProspect;
  let person: StubPerson;
  let kind: StubWriteKind;
  if (document.prospectId !== null && document.personId !== null) {
    const found = existing(state, records, document.prospectId, document.personId);
    if (typeof found === "string") return refuse(found);
    ({ prospect, person } = found);
    prospect.lastModified = stamp;
    kind = "event";
  } else {
    person = newPerson(state, propertyId, fields);
    const eventDate = new Date(parseInstant(fields.eventDate ?? "") ?? Date.parse(stamp));
    prospect = {
      prospectId: guidFrom(state.ids),
      propertyId,
      mainPersonId: person.personId,
      status: "Prospect",
      lastModified: stamp,
      firstContactDate: eventDate.toISOString(),
      prospectSourceName: findProspectSource(propertyId, fields.source ?? "")?.Name ?? "",
      personIds: [person.personId],
    };
    state.data.addPerson(person);
    state.data.addProspect(prospect);
    kind = "create";
  }
  state.writes.addEvent({
    prospectId: prospect.prospectId,
    personId: person.personId,
    eventType: fields.eventType ?? "",
    eventDate: fields.eventDate ?? "",
    source: fields.source ?? "",
    agent: fields.agent,
    firstContact: fields.firstContact,
    comments: fields.comments,
    recordedAt: stamp,
  });
  log(state, propertyId, {
    kind,
    fields,
    prospectId: prospect.prospectId,
    personId: person.personId,
  });
  return { response: echo(document, prospect.prospectId, person.personId) };
}
