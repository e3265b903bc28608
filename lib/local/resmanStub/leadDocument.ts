/**
 * The MITS Lead Management 4.0 document a v1 `MITS/PostLeadManagement4_0` write carries in its
 * `Xml` form field, as the ResMan stand-in reads it: one `Prospect` with one `Customer` (its
 * `Identification` elements, `Name`, repeatable `Phone`, `Email`), `CustomerPreferences` and one
 * `Event` (`EventType` and `EventDate` attributes, `Agent/AgentID/@IDValue`, `FirstContact`,
 * `TransactionSource`, `Comments`).
 *
 * `readLead` parses leniently: every field the document gives, null for the others, so even a
 * refused write is logged with what it sent. `structuralError` then names the first required
 * element missing, in ResMan's wording of an `ErrorDescription`. A phone's type is read from
 * `PhoneType` or, as some integrators write it, `Type`. Values stay text.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { parseInstant } from "./dates.js";
import type { LeadFields, LeadPhone } from "./writes.js";

type XmlNode = Record<string, unknown>;

const REPEATED = new Set(["Prospect", "Customer", "Identification", "Phone", "Event"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name, _path, _isLeaf, isAttribute) => !isAttribute && REPEATED.has(name),
});

/** A document as read: its tree (for the echo), its parts and its fields. */
export interface LeadDocument {
  /** The parsed `LeadManagement` element, changed in place by the echo. */
  root: XmlNode;
  prospects: XmlNode[];
  customers: XmlNode[];
  events: XmlNode[];
  /** The `Identification` ids, by `IDType` (ProspectID, PersonID), when given. */
  prospectId: string | null;
  personId: string | null;
  fields: LeadFields;
}

const isNode = (value: unknown): value is XmlNode =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The child elements of that name (none, one or several), as nodes; empty elements count. */
function children(node: unknown, name: string): XmlNode[] {
  if (!isNode(node)) return [];
  const value = node[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item) => (isNode(item) ? item : {}));
}

/** An element's or attribute's text, trimmed; null when absent or empty. */
function textOf(value: unknown): string | null {
  const raw = isNode(value) ? value["#text"] : value;
  if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") return null;
  const text = String(raw).trim();
  return text === "" ? null : text;
}

const child = (node: unknown, name: string) => (isNode(node) ? node[name] : undefined);
const attribute = (node: unknown, name: string) => textOf(child(node, `@_${name}`));

/** Parses the `Xml` field; a string is the `ErrorDescription` when it cannot be read. */
export function readLead(xml: string | null): LeadDocument | string {
  if (xml === null || xml.trim() === "") return "Xml is required";
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return `Xml could not be parsed: ${valid.err.msg}`;
  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch {
    return "Xml could not be parsed";
  }
  const root = child(parsed, "LeadManagement");
  if (!isNode(root)) return "LeadManagement is required";
  const prospects = children(child(root, "Prospects"), "Prospect");
  const customers = children(child(prospects[0], "Customers"), "Customer");
  const events = children(child(prospects[0], "Events"), "Event");
  const customer = customers[0];
  const event = events[0];
  const ids = new Map<string, string>();
  for (const identification of children(customer, "Identification")) {
    const type = attribute(identification, "IDType")?.toLowerCase();
    const value = attribute(identification, "IDValue");
    if (type !== undefined && value !== null) ids.set(type, value);
  }
  const name = child(customer, "Name");
  const preferences = child(prospects[0], "CustomerPreferences");
  const phones: LeadPhone[] = children(customer, "Phone").flatMap((phone) => {
    const number = textOf(child(phone, "PhoneNumber"));
    if (number === null) return [];
    return [{ type: attribute(phone, "PhoneType") ?? attribute(phone, "Type"), number }];
  });
  const firstContact = textOf(child(event, "FirstContact"))?.toLowerCase();
  return {
    root,
    prospects,
    customers,
    events,
    prospectId: ids.get("prospectid") ?? null,
    personId: ids.get("personid") ?? null,
    fields: {
      firstName: textOf(child(name, "FirstName")),
      lastName: textOf(child(name, "LastName")),
      email: textOf(child(customer, "Email")),
      phones,
      eventType: attribute(event, "EventType"),
      eventDate: attribute(event, "EventDate"),
      source: textOf(child(event, "TransactionSource")),
      agent: attribute(child(child(event, "Agent"), "AgentID"), "IDValue"),
      firstContact: firstContact === undefined ? null : firstContact === "true",
      comments: textOf(child(event, "Comments")),
      targetMoveInDate: textOf(child(preferences, "TargetMoveInDate")),
      desiredBedrooms: textOf(child(preferences, "DesiredNumBedrooms")),
      desiredRent:
        textOf(child(preferences, "DesiredRent")) ??
        attribute(child(preferences, "DesiredRent"), "Exact"),
    },
  };
}

/** The first required element the document lacks, as an `ErrorDescription`; null when whole. */
export function structuralError(document: LeadDocument): string | null {
  const { fields } = document;
  if (document.prospects.length === 0) return "Prospects/Prospect is required";
  if (document.prospects.length > 1) return "Only one Prospect can be posted at a time";
  if (document.customers.length === 0) return "Customers/Customer is required";
  if (document.customers.length > 1) return "Only one Customer can be posted at a time";
  // A new card needs a name; an event on an existing prospect names it by its ids alone.
  if (document.prospectId === null && fields.firstName === null && fields.lastName === null) {
    return "Customer Name with FirstName or LastName is required";
  }
  if (document.events.length === 0) return "Events/Event is required";
  if (document.events.length > 1) return "Only one Event can be posted at a time";
  if (fields.eventType === null) return "Event EventType is required";
  if (fields.eventDate === null) return "Event EventDate is required";
  if (parseInstant(fields.eventDate) === null) return "Event EventDate is not a date";
  if (fields.source === null) return "Event TransactionSource is required";
  if ((document.prospectId === null) !== (document.personId === null)) {
    return "Identification needs both a ProspectID and a PersonID";
  }
  return null;
}
