/**
 * ResMan's records read into the person contract (`lib/domain/resmanRecords.ts`): the status
 * mapping and each v2 and v1 read. (Over 400 lines as one thing: the cases of one module.)
 */
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { parseV1Xml } from "../../lib/adapters/resman/v1Client.js";
import { personStatuses } from "../../lib/domain/person.js";
import {
  peopleFromV1Prospects,
  peopleFromV1Roster,
  peopleFromV2Leases,
  peopleFromV2Prospects,
  peopleFromV2Roster,
  unitLine,
  XML_ATTRIBUTE_PREFIX,
  xmlList,
} from "../../lib/domain/resmanRecords.js";
import { personStatusOf, phoneTypeOf } from "../../lib/domain/resmanStatus.js";
import { combinePeople, unreadableReasons } from "../../lib/domain/resmanTally.js";

const PERSON_A = "6f1c2a4e-0b7d-4c1e-9a55-3d2f8e7b9c01";
const PERSON_B = "6f1c2a4e-0b7d-4c1e-9a55-3d2f8e7b9c02";
const PROSPECT = "0a0b0c0d-1111-4222-8333-444455556666";
const LEASE = "0a0b0c0d-1111-4222-8333-444455557777";
const MODIFIED = "2025-03-01T10:00:00Z";

describe("ResMan status mapping", () => {
  it.each([
    ["Prospect", "prospect"],
    ["prospect", "prospect"],
    ["Lost", "lost"],
    ["lost", "lost"],
    ["Applicant", "applicant"],
    ["applicant", "applicant"],
    ["Pending", "applicant"],
    ["Approved", "applicant"],
    ["Resident", "resident"],
    ["current_resident", "resident"],
    ["Current", "resident"],
    ["Notice to Vacate", "resident"],
    ["Month to Month", "resident"],
    ["Under Eviction", "resident"],
    ["Former", "former"],
    ["Evicted", "former"],
  ])("maps %s to %s", (raw, status) => {
    expect(personStatusOf(raw)).toBe(status);
  });

  it("ignores case, surrounding blanks and the spelling of word breaks", () => {
    expect(personStatusOf("  NOTICE TO VACATE ")).toBe("resident");
    expect(personStatusOf("Current Resident")).toBe("resident");
    expect(personStatusOf("month-to-month")).toBe("resident");
  });

  it("knows no other status", () => {
    for (const raw of ["", "  ", "Denied", "Canceled", "resident!", undefined, null]) {
      expect(personStatusOf(raw)).toBeUndefined();
    }
  });

  it.each([
    ["Mobile", "mobile"],
    ["Home", "home"],
    ["Work", "work"],
    ["Fax", "fax"],
    ["cell", "mobile"],
    ["office", "work"],
    ["HOME", "home"],
    ["Pager", "mobile"],
    [undefined, "mobile"],
  ])("reads phone type %s as %s", (raw, type) => {
    expect(phoneTypeOf(raw)).toBe(type);
  });
});

describe("v2 guest cards (GET /Prospects)", () => {
  const household = {
    prospectId: PROSPECT,
    propertyId: "ignored",
    mainPersonId: PERSON_A,
    status: "Prospect",
    lastModified: MODIFIED,
    firstContactDate: "2025-02-01T10:00:00Z",
    prospectSourceName: "Website",
    people: [
      {
        personId: PERSON_A,
        firstName: "Ada",
        middleName: "",
        lastName: "Testperson",
        email: "ada.testperson@example.test",
        phone: "(415) 555-0100",
        phoneType: "Home",
        isMainContact: true,
        isDependent: false,
        unknownField: { nested: true },
      },
      {
        personId: PERSON_B,
        firstName: "Kid",
        lastName: "Testperson",
        email: null,
        phone: "",
        phoneType: "Mobile",
        isDependent: true,
      },
    ],
  };

  it("gives each person of a household with the guest card's status, id and time", () => {
    const result = peopleFromV2Prospects([household]);
    expect(result).toEqual({
      people: [
        {
          person_id: PERSON_A,
          prospect_id: PROSPECT,
          status: "prospect",
          first_name: "Ada",
          last_name: "Testperson",
          email: "ada.testperson@example.test",
          phones: [{ type: "home", number: "(415) 555-0100" }],
          is_dependent: false,
          last_modified: MODIFIED,
        },
        {
          person_id: PERSON_B,
          prospect_id: PROSPECT,
          status: "prospect",
          first_name: "Kid",
          last_name: "Testperson",
          is_dependent: true,
          last_modified: MODIFIED,
        },
      ],
      unreadable: 0,
      reasons: {},
    });
  });

  it("reads an unknown phone type as mobile", () => {
    const card = {
      ...household,
      people: [{ personId: PERSON_A, phone: "555-0101", phoneType: "Satellite" }],
    };
    expect(peopleFromV2Prospects([card]).people[0]?.phones).toEqual([
      { type: "mobile", number: "555-0101" },
    ]);
  });

  it("passes placeholders through: normalisation drops them downstream", () => {
    const card = {
      ...household,
      people: [{ personId: PERSON_A, email: "none@none.com", phone: "0000000000" }],
    };
    const [person] = peopleFromV2Prospects([card]).people;
    expect(person?.email).toBe("none@none.com");
    expect(person?.phones).toEqual([{ type: "mobile", number: "0000000000" }]);
  });

  it("counts, by reason only, the people it cannot read", () => {
    const result = peopleFromV2Prospects([
      { ...household, status: "Denied" },
      { ...household, people: [{ firstName: "No Id" }, { personId: "  " }] },
      { ...household, people: [{ personId: PERSON_A, firstName: 42 }] },
      { ...household, people: [{ personId: PERSON_A, lastName: "x".repeat(201) }] },
      { ...household, lastModified: "yesterday" },
      "not a guest card",
      { ...household, people: "not a list" },
    ]);
    expect(result.people).toEqual([]);
    expect(result.reasons).toEqual({
      unknown_status: 2,
      missing_person_id: 2,
      invalid_record: 6,
    });
    expect(result.unreadable).toBe(10);
    expect(JSON.stringify(result.reasons)).not.toMatch(/Denied|No Id|Testperson/);
  });

  it("reads a guest card without people as nobody", () => {
    expect(peopleFromV2Prospects([{ ...household, people: null }])).toEqual({
      people: [],
      unreadable: 0,
      reasons: {},
    });
  });
});

describe("v2 leases (GET /Leasing/Leases)", () => {
  const lease = {
    leaseId: LEASE,
    leaseStatus: "Current",
    unitNumber: "12",
    lastModified: "2025-03-02T08:00:00Z",
    people: [
      {
        personId: PERSON_A,
        firstName: "Ada",
        lastName: "Testperson",
        phone: "555-0100",
        phoneType: "Work",
        residencyStatus: "Notice to Vacate",
        moveInDate: "2024-01-01",
        moveOutDate: null,
        isDependent: false,
        lastModified: MODIFIED,
      },
      { personId: PERSON_B, firstName: "Bo", residencyStatus: null, lastModified: null },
    ],
  };

  it("takes status and time from the person, else from the lease", () => {
    const { people } = peopleFromV2Leases([lease]);
    expect(people).toEqual([
      {
        person_id: PERSON_A,
        lease_id: LEASE,
        status: "resident",
        first_name: "Ada",
        last_name: "Testperson",
        phones: [{ type: "work", number: "555-0100" }],
        is_dependent: false,
        last_modified: MODIFIED,
      },
      {
        person_id: PERSON_B,
        lease_id: LEASE,
        status: "resident",
        first_name: "Bo",
        last_modified: "2025-03-02T08:00:00Z",
      },
    ]);
  });

  it("maps former and pending leases", () => {
    const former = { ...lease, leaseStatus: "Evicted", people: [{ personId: PERSON_A }] };
    const pending = { ...lease, leaseStatus: "Pending", people: [{ personId: PERSON_B }] };
    expect(peopleFromV2Leases([former, pending]).people.map((p) => p.status)).toEqual([
      "former",
      "applicant",
    ]);
  });
});

describe("v2 roster (GET /CreditReporting/Residents)", () => {
  const resident = {
    personId: PERSON_A,
    leaseId: LEASE,
    firstName: "Ada",
    middleName: "Q",
    lastName: "Testperson",
    email: "",
    mobilePhone: "415-555-0100",
    homePhone: "",
    workPhone: "415-555-0199",
    birthdate: "1990-05-17",
    streetAddress: "12 Elm St",
    unit: "4B",
    city: "Springfield",
    state: "OR",
    zip: "97477",
    residencyStatus: "Current",
    isDependent: false,
  };

  it("gives typed phones, the birth date and the unit address, with no modification time", () => {
    expect(peopleFromV2Roster([resident]).people).toEqual([
      {
        person_id: PERSON_A,
        lease_id: LEASE,
        status: "resident",
        first_name: "Ada",
        middle_name: "Q",
        last_name: "Testperson",
        phones: [
          { type: "mobile", number: "415-555-0100" },
          { type: "work", number: "415-555-0199" },
        ],
        birthdate: "1990-05-17",
        address: {
          line1: "12 Elm St",
          line2: "Unit 4B",
          city: "Springfield",
          state: "OR",
          postal_code: "97477",
        },
        is_dependent: false,
      },
    ]);
  });

  it("leaves out an address with no part", () => {
    const bare = { personId: PERSON_A, residencyStatus: "Approved", streetAddress: "", unit: "" };
    expect(peopleFromV2Roster([bare]).people).toEqual([
      { person_id: PERSON_A, status: "applicant" },
    ]);
  });

  it.each([
    ["12", "Unit 12"],
    ["4B", "Unit 4B"],
    ["#7", "Unit 7"],
    ["B-204", "Unit B-204"],
    ["Unit 12", "Unit 12"],
    ["Apt 4B", "Apt 4B"],
    ["Penthouse", "Penthouse"],
    ["", undefined],
  ])("writes unit %s as line 2 %s", (unit, line2) => {
    expect(unitLine(unit)).toBe(line2);
  });
});

describe("v1 roster (Leasing/GetApplicantsAndCurrentResidents)", () => {
  it("gives people with typed phones and no modification time", () => {
    const result = peopleFromV1Roster([
      {
        PersonID: PERSON_A,
        FirstName: "Ada",
        LastName: "Testperson",
        Email: "ada.testperson@example.test",
        MobilePhone: "",
        HomePhone: "415-555-0100",
        WorkPhone: null,
        Status: "Current",
        LeaseStartDate: "2024-01-01",
      },
      { PersonID: PERSON_B, FirstName: "Bo", Status: "Pending" },
      { PersonID: "", Status: "Current" },
      { PersonID: PERSON_B, Status: "Waitlisted" },
    ]);
    expect(result.people).toEqual([
      {
        person_id: PERSON_A,
        status: "resident",
        first_name: "Ada",
        last_name: "Testperson",
        email: "ada.testperson@example.test",
        phones: [{ type: "home", number: "415-555-0100" }],
      },
      { person_id: PERSON_B, status: "applicant", first_name: "Bo" },
    ]);
    expect(result.reasons).toEqual({ missing_person_id: 1, unknown_status: 1 });
  });
});

/** A SearchProspects answer with the given `Prospect` elements. */
function searchProspectsXml(prospects: string): string {
  return (
    "<ResMan><MethodName>SearchProspects</MethodName><Status>Success</Status><ErrorDescription/>" +
    `<Response><LeadManagement><Prospects>${prospects}</Prospects></LeadManagement></Response></ResMan>`
  );
}

function prospectsOf(document: unknown): unknown[] {
  const root = document as {
    ResMan: { Response: { LeadManagement: { Prospects: { Prospect?: unknown } } } };
  };
  return xmlList(root.ResMan.Response.LeadManagement.Prospects.Prospect);
}

const roommates = `<Prospect><Customers>
  <Customer Type="prospect">
    <Identification IDType="ProspectID" IDValue="${PROSPECT}"/>
    <Identification IDType="PersonID" IDValue="${PERSON_A}"/>
    <Name><FirstName>Ada</FirstName><MiddleName/><LastName>Testperson</LastName></Name>
    <Phone PhoneType="cell"><PhoneNumber>0005550100</PhoneNumber></Phone>
    <Phone Type="office"><PhoneNumber>415-555-0199</PhoneNumber></Phone>
    <Phone PhoneType="fax"><PhoneNumber/></Phone>
    <Email>ada.testperson@example.test</Email>
    <LastModified>${MODIFIED}</LastModified>
  </Customer>
  <Customer Type="current_resident">
    <Identification IDType="PersonID" IDValue="${PERSON_B}"/>
    <Identification IDType="ProspectID" IDValue="${PROSPECT}"/>
    <Name><FirstName>Bo</FirstName></Name>
    <Phone Type="home"><PhoneNumber>415-555-0102</PhoneNumber></Phone>
    <Email/>
    <LastModified>${MODIFIED}</LastModified>
  </Customer>
</Customers></Prospect>`;

const loner = `<Prospect><Customers><Customer Type="Lost">
  <Identification IDType="PersonID" IDValue="${PERSON_A}"/>
  <Name><FirstName>Solo</FirstName></Name>
  <Phone PhoneType="home"><PhoneNumber>415-555-0103</PhoneNumber></Phone>
  <LastModified>${MODIFIED}</LastModified>
</Customer></Customers></Prospect>`;

describe("v1 guest cards (MITS/SearchProspects XML)", () => {
  it("gives one person per Customer, ids from Identification, phones from either attribute", () => {
    const result = peopleFromV1Prospects(prospectsOf(parseV1Xml(searchProspectsXml(roommates))));
    expect(result).toEqual({
      people: [
        {
          person_id: PERSON_A,
          prospect_id: PROSPECT,
          status: "prospect",
          first_name: "Ada",
          last_name: "Testperson",
          email: "ada.testperson@example.test",
          phones: [
            { type: "mobile", number: "0005550100" },
            { type: "work", number: "415-555-0199" },
          ],
          last_modified: MODIFIED,
        },
        {
          person_id: PERSON_B,
          prospect_id: PROSPECT,
          status: "resident",
          first_name: "Bo",
          phones: [{ type: "home", number: "415-555-0102" }],
          last_modified: MODIFIED,
        },
      ],
      unreadable: 0,
      reasons: {},
    });
  });

  it("reads a lone Prospect, Customer, Identification or Phone as a list of one", () => {
    // The client's parser makes repeatable elements arrays; a parser that does not gives
    // single objects, which the mapping reads the same.
    const plain = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: XML_ATTRIBUTE_PREFIX,
      parseTagValue: false,
    });
    const xml = searchProspectsXml(loner);
    const fromPlain = peopleFromV1Prospects(prospectsOf(plain.parse(xml)));
    const fromClient = peopleFromV1Prospects(prospectsOf(parseV1Xml(xml)));
    expect(fromPlain).toEqual(fromClient);
    expect(fromClient.people).toEqual([
      {
        person_id: PERSON_A,
        status: "lost",
        first_name: "Solo",
        phones: [{ type: "home", number: "415-555-0103" }],
        last_modified: MODIFIED,
      },
    ]);
  });

  it("reads both prospects of an answer, and none of an empty one", () => {
    const both = parseV1Xml(searchProspectsXml(`${roommates}${loner}`));
    expect(peopleFromV1Prospects(prospectsOf(both)).people).toHaveLength(3);
    expect(prospectsOf(parseV1Xml(searchProspectsXml("")))).toEqual([]);
  });

  it("counts customers without a PersonID or with an unknown type", () => {
    const xml = searchProspectsXml(`<Prospect><Customers>
      <Customer Type="prospect"><Identification IDType="ProspectID" IDValue="${PROSPECT}"/></Customer>
      <Customer Type="guarantor"><Identification IDType="PersonID" IDValue="${PERSON_A}"/></Customer>
      <Customer><Identification IDType="PersonID" IDValue="${PERSON_B}"/></Customer>
    </Customers></Prospect>`);
    const result = peopleFromV1Prospects(prospectsOf(parseV1Xml(xml)));
    expect(result.people).toEqual([]);
    expect(result.reasons).toEqual({ missing_person_id: 1, unknown_status: 2 });
  });
});

describe("combinePeople", () => {
  const person = { person_id: PERSON_A, status: "prospect" as const, last_modified: MODIFIED };

  it("keeps each person version once and sums what could not be read", () => {
    const first = { people: [person], unreadable: 1, reasons: { unknown_status: 1 } };
    const second = {
      people: [{ ...person }, { ...person, prospect_id: PROSPECT }],
      unreadable: 2,
      reasons: { unknown_status: 1, invalid_record: 1 },
    };
    expect(combinePeople([first, second])).toEqual({
      people: [person, { ...person, prospect_id: PROSPECT }],
      unreadable: 3,
      reasons: { unknown_status: 2, invalid_record: 1 },
    });
  });
});

describe("every mapping, whatever the records", () => {
  const mappings = [
    peopleFromV2Prospects,
    peopleFromV2Leases,
    peopleFromV2Roster,
    peopleFromV1Roster,
    peopleFromV1Prospects,
  ];

  it("never throws, gives contract people and counts only known reasons", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 5 }), (records) => {
        for (const mapping of mappings) {
          const result = mapping(records);
          const counted = Object.values(result.reasons).reduce((sum, n) => sum + n, 0);
          expect(counted).toBe(result.unreadable);
          for (const reason of Object.keys(result.reasons)) {
            expect(unreadableReasons).toContain(reason);
          }
          for (const person of result.people) expect(personStatuses).toContain(person.status);
        }
      }),
    );
  });
});
