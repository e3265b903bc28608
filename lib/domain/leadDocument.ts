/**
 * The MITS Lead Management 4.0 documents of ResMan's guest-card write (v1
 * `MITS/PostLeadManagement4_0`, docs/resman.md "Writing guest cards"), built and read:
 *
 * - `createDocument`: a new guest card: one `Customer` (Type prospect, `Name`, `Phone`, `Email`),
 *   its `CustomerPreferences` and its first `Event`;
 * - `eventDocument`: an event for an existing prospect: the customer's two `Identification`s
 *   and the `Event`, nothing else. It has no parameter that could carry a name, an email, a
 *   phone or a preference, so it can never write one onto anybody (design §6 invariant 8). The
 *   customer's `Type` is left out too: an event must not restate what kind of customer it is;
 * - `idsFromAnswer`: the ProspectID and PersonID ResMan echoes back;
 * - `foundProspects`: the customers of a `SearchProspects` answer.
 *
 * Pure: no I/O. Building escapes every value (the builder writes `&lt;`, `&amp;`, `&quot;`…) and
 * drops characters XML 1.0 cannot carry; a blank or absent value leaves its element out. Reading
 * keeps values as text (a phone "0005551234" stays a string) and reads attributes with the
 * prefix `resmanRecords.ts` uses.
 */
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { repeatedXmlElements, XML_ATTRIBUTE_PREFIX, xmlList } from "./resmanRecords.js";

/*
 * The shapes below match the guest-card port's (`lib/app/ports/guestCards.ts`) structurally: the
 * domain may not import from lib/app, and the port's values are accepted as they are.
 */

/** An event on a guest card: `Event` with its attributes and children. */
export interface LeadEventFields {
  type: string;
  /** ISO-8601. */
  date: string;
  /** `TransactionSource`: a prospect source's ID. */
  sourceId: string;
  /** `Agent/AgentID/@IDValue`: an employee's ID. */
  agentId: string;
  firstContact: boolean;
  comments: string | null;
}

/** What `createDocument` builds a new guest card from. */
export interface NewGuestCard {
  customer: {
    firstName: string | null;
    lastName: string | null;
    email: string | null;
    /** `type`: a MITS phone type (cell, home, office), written as `PhoneType`. */
    phone: { number: string; type: string } | null;
  };
  preferences: { moveInDate: string | null; bedrooms: number | null; rent: number | null } | null;
  event: LeadEventFields;
}

/** A guest card's ids: the ProspectID (the card) and the PersonID (the customer on it). */
export interface LeadIds {
  prospectId: string;
  personId: string;
}

/** A customer a search found: its ids, its MITS `Type` as written, and its name. */
export interface LeadSearchHit extends LeadIds {
  type: string;
  firstName: string | null;
  lastName: string | null;
}

type XmlTree = Record<string, unknown>;

// The builder and the parser are made on first use, not at import: a module that reaches this
// one without writing or reading a lead (the console's Retry, through the ResMan adapters) keeps
// no top-level code here, so its bundle drops fast-xml-parser's builder (issue 15).
let builder: XMLBuilder | undefined;
let parser: XMLParser | undefined;

function xmlBuilder(): XMLBuilder {
  builder ??= new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: XML_ATTRIBUTE_PREFIX,
    suppressEmptyNode: true,
    suppressBooleanAttributes: false,
  });
  return builder;
}

function xmlParser(): XMLParser {
  parser ??= new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: XML_ATTRIBUTE_PREFIX,
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: (name, _path, _isLeaf, isAttribute) => !isAttribute && repeatedXmlElements.has(name),
  });
  return parser;
}

const attr = (name: string) => `${XML_ATTRIBUTE_PREFIX}${name}`;

/** Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** A value as XML text; undefined when absent or blank (its element is then left out). */
function value(raw: string | number | null | undefined): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const text = String(raw).replace(NOT_XML, "");
  return text.trim() === "" ? undefined : text;
}

/** The object without its undefined entries; undefined when none is left. */
function present(tree: XmlTree): XmlTree | undefined {
  const kept = Object.entries(tree).filter(([, entry]) => entry !== undefined);
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

function eventTree(event: LeadEventFields): XmlTree {
  const agentId = value(event.agentId);
  return {
    [attr("EventType")]: value(event.type),
    [attr("EventDate")]: value(event.date),
    Agent: agentId === undefined ? undefined : { AgentID: { [attr("IDValue")]: agentId } },
    FirstContact: event.firstContact ? "true" : "false",
    TransactionSource: value(event.sourceId),
    Comments: value(event.comments),
  };
}

function preferencesTree(preferences: NewGuestCard["preferences"]): XmlTree | undefined {
  if (preferences === null) return undefined;
  const rent = value(preferences.rent);
  return present({
    TargetMoveInDate: value(preferences.moveInDate),
    DesiredNumBedrooms: value(preferences.bedrooms),
    DesiredRent: rent === undefined ? undefined : { [attr("Exact")]: rent },
  });
}

/** One prospect's document around its customer, preferences and event. */
function leadDocument(customer: XmlTree, preferences: XmlTree | undefined, event: XmlTree) {
  const prospect = present({
    Customers: { Customer: present(customer) ?? {} },
    CustomerPreferences: preferences,
    Events: { Event: present(event) },
  });
  return xmlBuilder().build({ LeadManagement: { Prospects: { Prospect: prospect } } }) as string;
}

/** The document that creates a guest card (no `Identification`: ResMan assigns the ids). */
export function createDocument(card: NewGuestCard): string {
  const { customer } = card;
  const number = value(customer.phone?.number);
  const customerTree: XmlTree = {
    [attr("Type")]: "prospect",
    Name: present({ FirstName: value(customer.firstName), LastName: value(customer.lastName) }),
    Phone:
      number === undefined
        ? undefined
        : { [attr("PhoneType")]: customer.phone?.type, PhoneNumber: number },
    Email: value(customer.email),
  };
  return leadDocument(customerTree, preferencesTree(card.preferences), eventTree(card.event));
}

/** The document that adds `event` to an existing prospect: its ids and the event only. */
export function eventDocument(ids: LeadIds, event: LeadEventFields): string {
  const identification = (type: string, id: string) => ({
    [attr("IDType")]: type,
    [attr("IDValue")]: value(id),
    [attr("OrganizationName")]: "ResMan",
  });
  const customerTree: XmlTree = {
    Identification: [
      identification("ProspectID", ids.prospectId),
      identification("PersonID", ids.personId),
    ],
  };
  return leadDocument(customerTree, undefined, eventTree(event));
}

// --- reading --------------------------------------------------------------------------------

/** A named child of a parsed element; undefined for text-only or absent elements. */
function at(node: unknown, name: string): unknown {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
  return (node as XmlTree)[name];
}

/** Text of a parsed element or attribute, trimmed; null when absent or blank. */
function textOf(node: unknown): string | null {
  const raw = typeof node === "object" && node !== null ? at(node, "#text") : node;
  if (typeof raw !== "string" && typeof raw !== "number") return null;
  const text = String(raw).trim();
  return text === "" ? null : text;
}

/** Every `Customer` of the `Prospect` elements, in document order. */
function customersOf(prospects: readonly unknown[]): unknown[] {
  return prospects.flatMap((prospect) => xmlList(at(at(prospect, "Customers"), "Customer")));
}

/** The customer's `Identification` value of that `IDType` (any case), or null. */
function idOf(customer: unknown, type: string): string | null {
  const found = xmlList(at(customer, "Identification")).find(
    (node) => textOf(at(node, attr("IDType")))?.toLowerCase() === type,
  );
  return textOf(at(found, attr("IDValue")));
}

/** The `Prospect` elements of a parsed answer (`ResMan/Response/LeadManagement`) or document. */
function prospectsIn(tree: unknown): unknown[] {
  const root =
    at(at(at(tree, "ResMan"), "Response"), "LeadManagement") ?? at(tree, "LeadManagement");
  return xmlList(at(at(root, "Prospects"), "Prospect"));
}

/**
 * The ids ResMan assigned, from its answer to a write: the first ProspectID and the first
 * PersonID `Identification` of the echoed document. Null when the answer is not XML or lacks
 * either id.
 */
export function idsFromAnswer(xml: string): LeadIds | null {
  let tree: unknown;
  try {
    tree = xmlParser().parse(xml);
  } catch {
    return null;
  }
  const customers = customersOf(prospectsIn(tree));
  const first = (type: string) =>
    customers.map((customer) => idOf(customer, type)).find((id) => id !== null) ?? null;
  const prospectId = first("prospectid");
  const personId = first("personid");
  return prospectId === null || personId === null ? null : { prospectId, personId };
}

/**
 * The customers of a `SearchProspects` answer: its MITS `Prospect` elements as fast-xml-parser
 * reads them (`parseV1Xml`, attributes prefixed `@_`). A customer without both ids cannot be
 * written to and is left out; the `Type` is kept as ResMan wrote it (empty when absent).
 */
export function foundProspects(prospects: readonly unknown[]): LeadSearchHit[] {
  return customersOf(prospects).flatMap((customer) => {
    const prospectId = idOf(customer, "prospectid");
    const personId = idOf(customer, "personid");
    if (prospectId === null || personId === null) return [];
    const name = at(customer, "Name");
    return [
      {
        prospectId,
        personId,
        type: textOf(at(customer, attr("Type"))) ?? "",
        firstName: textOf(at(name, "FirstName")),
        lastName: textOf(at(name, "LastName")),
      },
    ];
  });
}
