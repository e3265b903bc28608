/**
 * The ResMan stand-in's guest-card writes and lookups over HTTP with plain `fetch`: v1
 * `MITS/PostLeadManagement4_0` creating a guest card (ids answered, found by every search and by
 * both incremental reads) or adding an event to an existing prospect (no contact field changed),
 * every refusal with its `ErrorDescription` (a resident never touched), the write log (in process
 * and over `/_admin/writes`, never a credential), the `drop_after_write` fault, and
 * `Leasing/GetProspectSources` and `Leasing/GetEmployees`. The people are fictional; assertions
 * compare values and never print them.
 * (Over 400 lines as one thing: the stand-in's one write and the reads that must see it.)
 */
import { XMLParser } from "fast-xml-parser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ResmanStub, startResmanStub } from "../../lib/local/resmanStub/server.js";

const CLOCK = "2026-11-30T12:00:00.000Z";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const POST = "MITS/PostLeadManagement4_0";

let stub: ResmanStub;

beforeAll(async () => {
  stub = await startResmanStub({ now: () => new Date(CLOCK) });
});
afterEach(() => stub.admin.reset());
afterAll(async () => {
  await stub?.close();
});

function property(index = 0, on: ResmanStub = stub) {
  const found = on.properties[index];
  if (found === undefined) throw new Error(`no property ${index}`);
  return found;
}

/** A v1 call with the right credentials, AccountID and PropertyID unless overridden. */
async function v1(method: string, fields: Record<string, string> = {}, init: RequestInit = {}) {
  const target = property();
  const body = new URLSearchParams({
    IntegrationPartnerID: stub.partnerId,
    ApiKey: stub.apiKey,
    AccountID: String(target.accountId),
    PropertyID: target.propertyId,
    ...fields,
  });
  const response = await fetch(`${stub.v1Url}/${method}`, { method: "POST", body, ...init });
  return { status: response.status, text: await response.text() };
}

const ids = () => {
  const { propertyId } = property();
  const source = stub.admin.prospectSources(propertyId).find((s) => s.Name === "DomIQ");
  const agent = stub.admin.employees(propertyId).find((e) => e.Name === "DomIQ Leasing Agent");
  if (source === undefined || agent === undefined) throw new Error("no DomIQ lookups");
  return { source: source.ID, agent: agent.ID };
};

interface Lead {
  prospectId?: string;
  personId?: string;
  first?: string;
  last?: string;
  email?: string;
  phone?: string;
  phoneAttribute?: string;
  eventType?: string | null;
  eventDate?: string | null;
  source?: string | null;
  agent?: string | null;
  comments?: string;
  noName?: boolean;
}

/** A Lead Management 4.0 document; the default is a valid create with the DomIQ source. */
function leadXml(lead: Lead = {}): string {
  const known = ids();
  const identification = [
    lead.prospectId === undefined
      ? ""
      : `<Identification IDType="ProspectID" IDValue="${lead.prospectId}" OrganizationName="ResMan"/>`,
    lead.personId === undefined
      ? ""
      : `<Identification IDType="PersonID" IDValue="${lead.personId}" OrganizationName="ResMan"/>`,
  ].join("");
  const name = lead.noName
    ? ""
    : `<Name><FirstName>${lead.first ?? "Quillon"}</FirstName><LastName>${lead.last ?? "Marrowby"}</LastName></Name>`;
  const eventType = lead.eventType === null ? "" : ` EventType="${lead.eventType ?? "Other"}"`;
  const eventDate =
    lead.eventDate === null ? "" : ` EventDate="${lead.eventDate ?? "2026-11-30T11:00:00Z"}"`;
  const agent =
    lead.agent === null ? "" : `<Agent><AgentID IDValue="${lead.agent ?? known.agent}"/></Agent>`;
  const source =
    lead.source === null
      ? ""
      : `<TransactionSource>${lead.source ?? known.source}</TransactionSource>`;
  return `<LeadManagement><Prospects><Prospect>
  <Customers><Customer Type="prospect">${identification}${name}
    <Phone ${lead.phoneAttribute ?? "PhoneType"}="cell"><PhoneNumber>${lead.phone ?? "(555) 010-4477"}</PhoneNumber></Phone>
    <Email>${lead.email ?? "quillon.marrowby@example.com"}</Email>
  </Customer></Customers>
  <CustomerPreferences><TargetMoveInDate>2027-01-15</TargetMoveInDate><DesiredNumBedrooms>2</DesiredNumBedrooms><DesiredRent Exact="1450"/></CustomerPreferences>
  <Events><Event${eventType}${eventDate}>${agent}
    <FirstContact>true</FirstContact>${source}
    <Comments>${lead.comments ?? "Asked about parking"}</Comments>
  </Event></Events>
</Prospect></Prospects></LeadManagement>`;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  isArray: (name) => ["Prospect", "Customer", "Phone", "Identification"].includes(name),
});

// biome-ignore lint/suspicious/noExplicitAny: a parsed XML tree, read field by field.
const envelope = (text: string): any => parser.parse(text).ResMan;

/** The ProspectID and PersonID of the first customer of a v1 XML answer. */
function idsOf(text: string): { prospectId: string | undefined; personId: string | undefined } {
  const customer = envelope(text).Response.LeadManagement.Prospects.Prospect[0].Customers
    .Customer[0] as { Identification: { IDType: string; IDValue: string }[] };
  const find = (type: string) => customer.Identification.find((i) => i.IDType === type)?.IDValue;
  return { prospectId: find("ProspectID"), personId: find("PersonID") };
}

async function post(lead: Lead = {}, init: RequestInit = {}) {
  return v1(POST, { Xml: leadXml(lead) }, init);
}

async function created() {
  const answer = await post();
  expect(envelope(answer.text).Status).toBe("Success");
  const found = idsOf(answer.text);
  if (found.prospectId === undefined || found.personId === undefined) throw new Error("no ids");
  return { prospectId: found.prospectId, personId: found.personId };
}

async function searchPersonIds(fields: Record<string, string>): Promise<string[]> {
  const answer = await v1("MITS/SearchProspects", fields);
  const root = envelope(answer.text);
  expect(root.Status).toBe("Success");
  const prospects = root.Response.LeadManagement.Prospects;
  const list = (prospects === "" ? [] : prospects.Prospect) as {
    Customers: { Customer: { Identification: { IDType: string; IDValue: string }[] }[] };
  }[];
  return list.flatMap((p) =>
    p.Customers.Customer.flatMap(
      (c) => c.Identification.find((i) => i.IDType === "PersonID")?.IDValue ?? [],
    ),
  );
}

async function v2Prospects(since: string) {
  const target = property();
  const response = await fetch(
    `${stub.v2Url}/Prospects?propertyId=${target.propertyId}&modifiedSince=${encodeURIComponent(since)}`,
    {
      headers: {
        authorization: `Basic ${Buffer.from(`${stub.partnerId}:${stub.apiKey}`).toString("base64")}`,
        "resman-account-id": String(target.accountId),
      },
    },
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { prospects: Record<string, unknown>[] }).prospects;
}

const personOf = (personId: string) =>
  stub.admin.people(property().propertyId).find((p) => p.personId === personId);

describe("PostLeadManagement4_0: create", () => {
  it("answers the new ids in the echoed document and holds a Prospect", async () => {
    const answer = await post();
    expect(answer.status).toBe(200);
    const root = envelope(answer.text);
    expect(root).toMatchObject({ MethodName: "PostLeadManagement4_0", Status: "Success" });
    const { prospectId, personId } = idsOf(answer.text);
    expect(prospectId).toMatch(GUID);
    expect(personId).toMatch(GUID);
    const customer = root.Response.LeadManagement.Prospects.Prospect[0].Customers.Customer[0];
    expect(customer.Name).toEqual({ FirstName: "Quillon", LastName: "Marrowby" });
    expect(customer.Identification[0].OrganizationName).toBe("ResMan");
    const person = personOf(personId ?? "");
    expect(person).toMatchObject({
      prospectId,
      firstName: "Quillon",
      lastName: "Marrowby",
      email: "quillon.marrowby@example.com",
      mobilePhone: "(555) 010-4477",
      status: "prospect",
      prospectStatus: "Prospect",
      lastModified: CLOCK,
    });
    expect(stub.admin.events(prospectId ?? "")).toEqual([
      expect.objectContaining({ personId, eventType: "Other", comments: "Asked about parking" }),
    ]);
  });

  it("draws ids from the seeded stream: the same writes give the same ids", async () => {
    const first = await created();
    stub.admin.reset();
    expect(await created()).toEqual(first);
  });

  it("is found by Email, Phone, FirstName+LastName and the Modified window", async () => {
    const { personId } = await created();
    expect(await searchPersonIds({ Email: "QUILLON.marrowby@example.com" })).toContain(personId);
    expect(await searchPersonIds({ Phone: "555-010-4477" })).toContain(personId);
    expect(await searchPersonIds({ FirstName: "quillon", LastName: "MARROWBY" })).toContain(
      personId,
    );
    expect(
      await searchPersonIds({
        ModifiedStartDateTime: "2026-11-30T11:59:00Z",
        ModifiedEndDateTime: "2026-11-30T12:01:00Z",
      }),
    ).toEqual([personId]);
  });

  it("is read by v2 /Prospects with modifiedSince", async () => {
    const { prospectId, personId } = await created();
    const listed = await v2Prospects("2026-11-30T11:59:00Z");
    expect(listed).toEqual([
      expect.objectContaining({
        prospectId,
        mainPersonId: personId,
        status: "Prospect",
        lastModified: CLOCK,
        prospectSourceName: "DomIQ",
        firstContactDate: "2026-11-30T11:00:00.000Z",
      }),
    ]);
  });

  it("accepts a Phone with a Type attribute instead of PhoneType", async () => {
    const answer = await post({ phoneAttribute: "Type", phone: "555 010 9911" });
    const { personId } = idsOf(answer.text);
    expect(personOf(personId ?? "")?.mobilePhone).toBe("555 010 9911");
  });
});

describe("PostLeadManagement4_0: event on an existing prospect", () => {
  it("adds the event, stamps the card and changes no contact field", async () => {
    const { propertyId } = property();
    const before = stub.admin.people(propertyId).find((p) => p.status === "prospect");
    if (before === null || before === undefined || before.prospectId === null) {
      throw new Error("no seeded prospect");
    }
    const answer = await post({
      prospectId: before.prospectId,
      personId: before.personId.toUpperCase(),
      first: "Changed",
      last: "Name",
      email: "changed@example.com",
      phone: "555-010-0000",
      eventType: "Email",
      comments: "Follow-up",
    });
    expect(envelope(answer.text).Status).toBe("Success");
    expect(idsOf(answer.text)).toEqual({
      prospectId: before.prospectId,
      personId: before.personId,
    });
    const after = personOf(before.personId);
    const contact = (p: typeof before) => [
      p.firstName,
      p.middleName,
      p.lastName,
      p.email,
      p.mobilePhone,
      p.homePhone,
      p.workPhone,
      p.phone,
    ];
    expect(after && contact(after)).toEqual(contact(before));
    expect(after?.lastModified).toBe(CLOCK);
    expect(stub.admin.events(before.prospectId)).toEqual([
      expect.objectContaining({ eventType: "Email", comments: "Follow-up" }),
    ]);
    expect(stub.admin.writes()).toEqual([
      expect.objectContaining({ kind: "event", prospectId: before.prospectId }),
    ]);
    expect(await v2Prospects("2026-11-30T11:59:00Z")).toHaveLength(1);
  });

  it("appends events to a created card", async () => {
    const made = await created();
    await post({ ...made, eventType: "Appointment" });
    const events = stub.admin.events(made.prospectId);
    expect(events.map((e) => e.eventType)).toEqual(["Other", "Appointment"]);
  });
});

describe("PostLeadManagement4_0: refusals", () => {
  const resident = () => {
    const found = stub.admin
      .people(property().propertyId)
      .find((p) => p.status === "resident" && p.prospectId !== null);
    if (found === undefined || found.prospectId === null) throw new Error("no resident card");
    return { prospectId: found.prospectId, personId: found.personId, before: found };
  };
  const cases: [string, () => string, string][] = [
    ["unparseable XML", () => "<LeadManagement><Prospects>", "Xml could not be parsed"],
    ["no Xml", () => "", "Xml is required"],
    ["no Name", () => leadXml({ noName: true }), "Customer Name with FirstName or LastName"],
    ["no EventType", () => leadXml({ eventType: null }), "Event EventType is required"],
    ["no EventDate", () => leadXml({ eventDate: null }), "Event EventDate is required"],
    ["no TransactionSource", () => leadXml({ source: null }), "TransactionSource is required"],
    [
      "an unknown TransactionSource",
      () => leadXml({ source: "00000000-0000-4000-8000-000000000000" }),
      "Transaction Source could not be found",
    ],
    [
      "an unknown AgentID",
      () => leadXml({ agent: "00000000-0000-4000-8000-000000000000" }),
      "Agent could not be found",
    ],
    [
      "an unknown ProspectID",
      () =>
        leadXml({
          prospectId: "00000000-0000-4000-8000-000000000000",
          personId: "00000000-0000-4000-8000-000000000001",
        }),
      "Prospect could not be found",
    ],
    [
      "a PersonID not on the prospect",
      () => leadXml({ prospectId: resident().prospectId, personId: "0000" }),
      "Person could not be found on the prospect",
    ],
    [
      "only a ProspectID",
      () => leadXml({ prospectId: resident().prospectId }),
      "Identification needs both a ProspectID and a PersonID",
    ],
    ["a resident", () => leadXml(resident()), "Customer is not a prospect"],
  ];

  it.each(cases)("refuses %s", async (_name, document, description) => {
    const before = stub.admin.people(property().propertyId);
    const answer = await v1(POST, { Xml: document() });
    expect(answer.status).toBe(200);
    const root = envelope(answer.text);
    expect(root.Status).toBe("Error");
    expect(root.ErrorDescription).toContain(description);
    expect(stub.admin.people(property().propertyId)).toEqual(before);
    expect(stub.admin.writes()).toEqual([
      expect.objectContaining({ kind: "rejected", error: root.ErrorDescription }),
    ]);
  });

  it("never touches a resident named in an event", async () => {
    const { before, ...named } = resident();
    await post({ ...named, first: "Other", email: "other@example.com" });
    expect(personOf(before.personId)).toEqual(before);
    expect(stub.admin.events(named.prospectId)).toEqual([]);
  });

  it("refuses and logs bad credentials (HTTP 401) and a wrong AccountID", async () => {
    expect((await v1(POST, { Xml: leadXml(), ApiKey: "wrong" })).status).toBe(401);
    const wrongAccount = await v1(POST, { Xml: leadXml(), AccountID: "1" });
    expect(envelope(wrongAccount.text).Status).toBe("Error");
    expect(stub.admin.writes().map((w) => [w.kind, w.error])).toEqual([
      ["rejected", "Invalid IntegrationPartnerID or ApiKey"],
      ["rejected", "The property does not belong to this AccountID"],
    ]);
  });
});

describe("the write log", () => {
  it("holds the document's fields, never the credentials, in process and over HTTP", async () => {
    const { prospectId, personId } = await created();
    const known = ids();
    const writes = stub.admin.writes();
    expect(writes).toEqual([
      {
        at: CLOCK,
        method: "PostLeadManagement4_0",
        propertyId: property().propertyId,
        kind: "create",
        prospectId,
        personId,
        error: null,
        fields: {
          firstName: "Quillon",
          lastName: "Marrowby",
          email: "quillon.marrowby@example.com",
          phones: [{ type: "cell", number: "(555) 010-4477" }],
          eventType: "Other",
          eventDate: "2026-11-30T11:00:00Z",
          source: known.source,
          agent: known.agent,
          firstContact: true,
          comments: "Asked about parking",
          targetMoveInDate: "2027-01-15",
          desiredBedrooms: "2",
          desiredRent: "1450",
        },
      },
    ]);
    const text = JSON.stringify(writes);
    expect(text).not.toContain(stub.apiKey);
    expect(text).not.toContain(stub.partnerId);
    const overHttp = await fetch(`${stub.url}/_admin/writes`);
    expect(await overHttp.json()).toEqual(writes);
    expect((await fetch(`${stub.url}/_admin/writes`, { method: "DELETE" })).status).toBe(200);
    expect(stub.admin.writes()).toEqual([]);
    const events = await fetch(`${stub.url}/_admin/prospects/${prospectId}/events`);
    expect(await events.json()).toEqual(stub.admin.events(prospectId));
    expect((await fetch(`${stub.url}/_admin/prospects/nope/events`)).status).toBe(404);
  });

  it("is cleared by reset, as the created card is", async () => {
    const { personId } = await created();
    stub.admin.reset();
    expect(stub.admin.writes()).toEqual([]);
    expect(personOf(personId)).toBeUndefined();
  });
});

describe("the drop_after_write fault", () => {
  it("makes the write and drops the connection without an answer", async () => {
    stub.admin.fault({ kind: "drop_after_write", match: { path: `/${POST}` }, times: 1 });
    await expect(post()).rejects.toThrow();
    expect(stub.admin.writes()).toEqual([expect.objectContaining({ kind: "create" })]);
    const personId = stub.admin.writes()[0]?.personId ?? "";
    expect(await searchPersonIds({ Email: "quillon.marrowby@example.com" })).toEqual([personId]);
    expect(stub.admin.calls()[0]).toMatchObject({ fault: "drop_after_write", status: 0 });
  });

  it("with delayMs, outlasts a client timeout after the write landed", async () => {
    stub.admin.fault({ kind: "drop_after_write", delayMs: 400, times: 1 });
    await expect(post({}, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect(stub.admin.writes()).toEqual([expect.objectContaining({ kind: "create" })]);
  });
});

describe("lookups", () => {
  it("GetProspectSources and GetEmployees answer the property's lists", async () => {
    const { propertyId } = property();
    const sources = JSON.parse((await v1("Leasing/GetProspectSources")).text);
    expect(sources).toEqual({
      MethodName: "GetProspectSources",
      Status: "Success",
      ErrorDescription: null,
      ProspectSources: stub.admin.prospectSources(propertyId),
    });
    expect(sources.ProspectSources.map((s: { Name: string }) => s.Name)).toContain("DomIQ");
    const employees = JSON.parse((await v1("Leasing/GetEmployees")).text);
    expect(employees).toMatchObject({ MethodName: "GetEmployees", Status: "Success" });
    expect(employees.Employees).toEqual(stub.admin.employees(propertyId));
    for (const employee of employees.Employees) {
      expect(employee.ID).toMatch(GUID);
      expect(employee.Email).toMatch(/example\.com$/);
    }
    const overHttp = await fetch(`${stub.url}/_admin/properties/${propertyId}/employees`);
    expect(await overHttp.json()).toEqual(employees.Employees);
  });

  it("are the same for the same property and differ between properties", async () => {
    const other = await startResmanStub();
    try {
      const [a, b] = [property(0).propertyId, property(1).propertyId];
      expect(other.admin.prospectSources(a)).toEqual(stub.admin.prospectSources(a));
      const idsA = stub.admin.employees(a).map((e) => e.ID);
      const idsB = stub.admin.employees(b).map((e) => e.ID);
      expect(idsA.filter((id) => idsB.includes(id))).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("leave other v1 methods unknown (404)", async () => {
    expect((await v1("MITS/PostLeadManagement3_0")).status).toBe(404);
  });

  it("refuse bad credentials with the JSON error envelope", async () => {
    const answer = await v1("Leasing/GetEmployees", { ApiKey: "wrong" });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ Status: "Failed" });
  });
});
