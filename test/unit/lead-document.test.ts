/**
 * The MITS Lead Management 4.0 documents (`lib/domain/leadDocument.ts`): a new guest card's
 * document parsed back element by element, absent values left out, user text escaped; the event
 * document holding the two ids and the event only, whatever it is given; the ids read from
 * ResMan's echo; the customers of a SearchProspects answer. The people are fictional.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { parseV1Xml } from "../../lib/adapters/resman/v1Client.js";
import type { LeadEvent } from "../../lib/app/ports/guestCards.js";
import {
  createDocument,
  eventDocument,
  foundProspects,
  idsFromAnswer,
  type NewGuestCard,
} from "../../lib/domain/leadDocument.js";

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  parseAttributeValue: false,
});

// biome-ignore lint/suspicious/noExplicitAny: a parsed XML tree, read field by field.
const parse = (xml: string): any => {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml);
};

// biome-ignore lint/suspicious/noExplicitAny: as above.
const prospectOf = (xml: string): any => parse(xml).LeadManagement.Prospects.Prospect;

const EVENT: LeadEvent = {
  type: "TextFromProspect",
  date: "2026-11-30T11:00:00.000Z",
  sourceId: "6f1c2e8a-0000-4000-8000-000000000001",
  agentId: "6f1c2e8a-0000-4000-8000-000000000002",
  firstContact: true,
  comments: "Asked about parking",
};

const CARD: NewGuestCard = {
  customer: {
    firstName: "Quillon",
    lastName: "Marrowby",
    email: "quillon.marrowby@example.com",
    phone: { number: "(555) 010-4477", type: "cell" },
  },
  preferences: { moveInDate: "2027-01-15", bedrooms: 2, rent: 1450 },
  event: EVENT,
};

describe("createDocument", () => {
  it("builds every element of a new guest card", () => {
    const prospect = prospectOf(createDocument(CARD));
    expect(prospect).toEqual({
      Customers: {
        Customer: {
          "@Type": "prospect",
          Name: { FirstName: "Quillon", LastName: "Marrowby" },
          Phone: { "@PhoneType": "cell", PhoneNumber: "(555) 010-4477" },
          Email: "quillon.marrowby@example.com",
        },
      },
      CustomerPreferences: {
        TargetMoveInDate: "2027-01-15",
        DesiredNumBedrooms: "2",
        DesiredRent: { "@Exact": "1450" },
      },
      Events: {
        Event: {
          "@EventType": "TextFromProspect",
          "@EventDate": "2026-11-30T11:00:00.000Z",
          Agent: { AgentID: { "@IDValue": EVENT.agentId } },
          FirstContact: "true",
          TransactionSource: EVENT.sourceId,
          Comments: "Asked about parking",
        },
      },
    });
  });

  it("leaves absent and blank values out, and writes FirstContact false", () => {
    const prospect = prospectOf(
      createDocument({
        customer: { firstName: "Quillon", lastName: "  ", email: null, phone: null },
        preferences: { moveInDate: null, bedrooms: null, rent: 1200 },
        event: { ...EVENT, comments: null, firstContact: false },
      }),
    );
    expect(prospect.Customers.Customer).toEqual({
      "@Type": "prospect",
      Name: { FirstName: "Quillon" },
    });
    expect(prospect.CustomerPreferences).toEqual({ DesiredRent: { "@Exact": "1200" } });
    expect(prospect.Events.Event.FirstContact).toBe("false");
    expect(prospect.Events.Event).not.toHaveProperty("Comments");
  });

  it("leaves out CustomerPreferences when there are none, and Name when both names are absent", () => {
    for (const preferences of [null, { moveInDate: null, bedrooms: null, rent: null }]) {
      const prospect = prospectOf(
        createDocument({
          ...CARD,
          customer: { ...CARD.customer, firstName: null, lastName: null },
          preferences,
        }),
      );
      expect(prospect).not.toHaveProperty("CustomerPreferences");
      expect(prospect.Customers.Customer).not.toHaveProperty("Name");
      expect(prospect.Customers.Customer.Email).toBe(CARD.customer.email);
    }
  });

  it("escapes user text in elements and attributes, and drops characters XML cannot carry", () => {
    const nasty = `O'Brien <&> "Q"`;
    const xml = createDocument({
      ...CARD,
      customer: { ...CARD.customer, firstName: nasty, lastName: "</Name><Email>x</Email>" },
      event: { ...EVENT, comments: `a<b & c>"d"'e'\u0001\u0008 ok`, agentId: `"><x y="` },
    });
    expect(xml).not.toContain("<x ");
    const prospect = prospectOf(xml);
    expect(prospect.Customers.Customer.Name).toEqual({
      FirstName: nasty,
      LastName: "</Name><Email>x</Email>",
    });
    expect(prospect.Customers.Customer.Email).toBe(CARD.customer.email);
    expect(prospect.Events.Event.Comments).toBe(`a<b & c>"d"'e' ok`);
    expect(prospect.Events.Event.Agent.AgentID["@IDValue"]).toBe(`"><x y="`);
  });
});

describe("eventDocument", () => {
  const ids = { prospectId: "p-1", personId: "q-2" };

  it("holds the two Identifications and the event", () => {
    const prospect = prospectOf(eventDocument(ids, EVENT));
    expect(prospect).toEqual({
      Customers: {
        Customer: {
          Identification: [
            { "@IDType": "ProspectID", "@IDValue": "p-1", "@OrganizationName": "ResMan" },
            { "@IDType": "PersonID", "@IDValue": "q-2", "@OrganizationName": "ResMan" },
          ],
        },
      },
      Events: { Event: prospectOf(createDocument(CARD)).Events.Event },
    });
  });

  it("has no Name, Email, Phone or CustomerPreferences whatever it is passed", () => {
    // Extra fields a careless caller might pass along: the function has nowhere to put them.
    const loaded = { ...ids, ...CARD.customer, ...CARD.preferences } as typeof ids;
    const event = { ...EVENT, ...CARD.customer, customer: CARD.customer } as LeadEvent;
    const xml = eventDocument(loaded, event);
    for (const element of ["Name", "FirstName", "LastName", "Email", "Phone", "PhoneNumber"]) {
      expect(xml).not.toContain(`<${element}`);
    }
    expect(xml).not.toContain("CustomerPreferences");
    expect(xml).not.toContain('Type="prospect"');
    for (const value of ["Quillon", "Marrowby", "example.com", "010-4477", "1450"]) {
      expect(xml).not.toContain(value);
    }
  });
});

describe("idsFromAnswer", () => {
  const echo = (customers: string) =>
    `<ResMan><MethodName>PostLeadManagement4_0</MethodName><Status>Success</Status><Response><LeadManagement><Prospects><Prospect><Customers>${customers}</Customers></Prospect></Prospects></LeadManagement></Response></ResMan>`;
  const id = (type: string, value: string) =>
    `<Identification IDType="${type}" IDValue="${value}" OrganizationName="ResMan"/>`;

  it("reads the first ProspectID and PersonID of the echo", () => {
    const xml = echo(
      `<Customer Type="prospect">${id("PersonID", "person-1")}${id("ProspectID", "prospect-1")}${id("PersonID", "person-2")}<Name><FirstName>Q</FirstName></Name></Customer>`,
    );
    expect(idsFromAnswer(xml)).toEqual({ prospectId: "prospect-1", personId: "person-1" });
  });

  it("reads ids spread over customers, in any IDType case", () => {
    const xml = echo(
      `<Customer>${id("prospectid", "prospect-1")}</Customer><Customer>${id("PERSONID", "person-9")}</Customer>`,
    );
    expect(idsFromAnswer(xml)).toEqual({ prospectId: "prospect-1", personId: "person-9" });
  });

  it("is null without both ids, or when the answer is not XML", () => {
    expect(idsFromAnswer(echo(`<Customer>${id("ProspectID", "p")}</Customer>`))).toBeNull();
    expect(idsFromAnswer(echo(""))).toBeNull();
    expect(idsFromAnswer("<ResMan><Status>Error</Status></ResMan>")).toBeNull();
    expect(idsFromAnswer("not xml at all <<<")).toBeNull();
  });
});

describe("foundProspects", () => {
  const answer = `<ResMan><Status>Success</Status><Response><LeadManagement><Prospects>
    <Prospect><Customers>
      <Customer Type="prospect"><Identification IDType="ProspectID" IDValue="p1"/><Identification IDType="PersonID" IDValue="a1"/>
        <Name><FirstName>Quillon</FirstName><MiddleName/><LastName>Marrowby</LastName></Name><Email>q@example.com</Email></Customer>
      <Customer Type="prospect"><Identification IDType="ProspectID" IDValue="p1"/><Identification IDType="PersonID" IDValue="a2"/>
        <Name><FirstName>0042</FirstName><LastName/></Name></Customer>
    </Customers></Prospect>
    <Prospect><Customers>
      <Customer Type="current_resident"><Identification IDType="ProspectID" IDValue="p2"/><Identification IDType="PersonID" IDValue="b1"/></Customer>
      <Customer Type="prospect"><Identification IDType="ProspectID" IDValue="p3"/></Customer>
    </Customers></Prospect>
  </Prospects></LeadManagement></Response></ResMan>`;

  const prospectsOf = (xml: string) =>
    // biome-ignore lint/suspicious/noExplicitAny: a parsed XML tree.
    (parseV1Xml(xml) as any).ResMan.Response.LeadManagement.Prospects.Prospect as unknown[];

  it("lists every customer with both ids, its Type as given and its name", () => {
    expect(foundProspects(prospectsOf(answer))).toEqual([
      {
        prospectId: "p1",
        personId: "a1",
        type: "prospect",
        firstName: "Quillon",
        lastName: "Marrowby",
      },
      { prospectId: "p1", personId: "a2", type: "prospect", firstName: "0042", lastName: null },
      {
        prospectId: "p2",
        personId: "b1",
        type: "current_resident",
        firstName: null,
        lastName: null,
      },
    ]);
  });

  it("is empty for no prospects and for elements that are not customers", () => {
    expect(foundProspects([])).toEqual([]);
    expect(foundProspects(["", null, 3, { Customers: "" }])).toEqual([]);
  });
});
