/**
 * The ResMan stand-in (`lib/local/resmanStub/`) over HTTP with plain `fetch`: docs/resman.md's shapes
 * field for field, authentication and errors, inclusive modification windows, the admin API (in
 * process and over HTTP), every fault kind, the call log (never a credential), deterministic
 * seeding, 10,000 people per property, and the `resman-stub` command. Nothing here prints a
 * person's data: the seeded people are fictional, and assertions compare values, never log them.
 * (Over 400 lines as one thing: the stand-in's contract, case by case against the one server.)
 */
import { Command } from "commander";
import { XMLParser } from "fast-xml-parser";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { registerResmanStub } from "../../lib/cli/commands/resmanStub.js";
import type { CommandContext } from "../../lib/cli/context.js";
import {
  MAIL_DOMAINS,
  PLACEHOLDER_EMAILS,
  PLACEHOLDER_PHONES,
} from "../../lib/local/peopleGenerator.js";
import { StubAdminError } from "../../lib/local/resmanStub/adminInputs.js";
import { SEED_BASE_DATE } from "../../lib/local/resmanStub/seed.js";
import { type ResmanStub, startResmanStub } from "../../lib/local/resmanStub/server.js";

type Json = Record<string, unknown> & { people?: Json[]; prospects?: Json[]; leases?: Json[] };

const CLOCK = "2026-11-30T12:00:00.000Z";
const STAMP = "2026-11-15T10:00:00.000Z";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const EPOCH = "2000-01-01T00:00:00Z";

/** docs/resman.md's fields of each record, space-separated. */
const SHAPES = {
  prospect:
    "prospectId propertyId mainPersonId status lastModified firstContactDate prospectSourceName people",
  prospectPerson:
    "personId firstName middleName lastName email phone phoneType isMainContact isDependent",
  lease: "leaseId leaseStatus unitNumber lastModified people",
  leasePerson:
    "personId firstName middleName lastName email phone phoneType residencyStatus moveInDate moveOutDate isDependent lastModified",
  rosterPerson:
    "personId leaseId firstName middleName lastName email mobilePhone homePhone workPhone birthdate streetAddress unit city state zip residencyStatus isDependent",
  v1Person:
    "PersonID FirstName LastName Email MobilePhone HomePhone WorkPhone Status LeaseStartDate LeaseEndDate",
};

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

const basic = (on: ResmanStub, key = on.apiKey) =>
  `Basic ${Buffer.from(`${on.partnerId}:${key}`).toString("base64")}`;

interface V2Options {
  on?: ResmanStub;
  index?: number;
  account?: number | null;
  auth?: string | null;
  method?: string;
}

/** A v2 call; `{id}` in the path is the property's GUID. */
async function v2(path: string, options: V2Options = {}) {
  const on = options.on ?? stub;
  const target = property(options.index ?? 0, on);
  const headers: Record<string, string> = {};
  const auth = options.auth === undefined ? basic(on) : options.auth;
  if (auth !== null) headers.authorization = auth;
  const account = options.account === undefined ? target.accountId : options.account;
  if (account !== null) headers["resman-account-id"] = String(account);
  const response = await fetch(`${on.v2Url}${path.replace("{id}", target.propertyId)}`, {
    method: options.method ?? "GET",
    headers,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: () => JSON.parse(text) as Json,
  };
}

const since = (at: string, resource = "/Prospects") =>
  `${resource}?propertyId={id}&modifiedSince=${encodeURIComponent(at)}`;

/** A v1 call with the right credentials, AccountID and PropertyID unless overridden. */
async function v1(method: string, fields: Record<string, string> = {}, on = stub, index = 0) {
  const target = property(index, on);
  const body = new URLSearchParams({
    IntegrationPartnerID: on.partnerId,
    ApiKey: on.apiKey,
    AccountID: String(target.accountId),
    PropertyID: target.propertyId,
    ...fields,
  });
  const response = await fetch(`${on.v1Url}/${method}`, { method: "POST", body });
  return { status: response.status, text: await response.text() };
}

const SEARCH = "MITS/SearchProspects";
const ROSTER = "Leasing/GetApplicantsAndCurrentResidents";
const window = (start: string, end: string) => ({
  ModifiedStartDateTime: start,
  ModifiedEndDateTime: end,
});

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  isArray: (name) => ["Prospect", "Customer", "Phone", "Identification"].includes(name),
});
type Customer = {
  Type: string;
  Identification: { IDType: string; IDValue: string }[];
  Email: string;
};
function customers(text: string): Customer[] {
  const prospects = xml.parse(text).ResMan.Response.LeadManagement.Prospects;
  const list = (prospects === "" ? [] : prospects.Prospect) as {
    Customers: { Customer: Customer[] };
  }[];
  return list.flatMap((prospect) => prospect.Customers.Customer);
}
const personIdOf = (customer: Customer) =>
  customer.Identification.find((id) => id.IDType === "PersonID")?.IDValue;

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stub.url}/_admin${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Json & Json[] };
}

async function everything(on = stub, index = 0) {
  const prospects = (await v2(since(EPOCH), { on, index })).json().prospects ?? [];
  const leases = (await v2(since(EPOCH, "/Leasing/Leases"), { on, index })).json().leases ?? [];
  const roster =
    (await v2("/CreditReporting/Residents?propertyId={id}", { on, index })).json().people ?? [];
  return { prospects, leases, roster };
}
const peopleOf = (records: Json[]) => records.flatMap((record) => record.people ?? []);
const keys = (value: unknown) => Object.keys(value as object).sort();

function aResident() {
  const found = stub.admin
    .people(property().propertyId)
    .find((p) => p.status === "resident" && p.prospectId !== null);
  if (found === undefined) throw new Error("no resident with a guest card");
  return found;
}

describe("seeded data", () => {
  it("announces two properties, one AccountID each, with GUIDs and names", () => {
    expect(stub.properties.map((p) => p.accountId)).toEqual([400, 401]);
    for (const p of stub.properties) expect(p.propertyId).toMatch(GUID);
    expect(new Set(stub.properties.map((p) => p.name)).size).toBe(2);
    expect(stub.v2Url).toBe(`${stub.url}/v2`);
    expect(stub.v1Url).toBe(`${stub.url}/v1`);
  });

  it("is byte-identical for one seed, different for another; more properties leave the first alike", async () => {
    const [a, b, c, d] = await Promise.all([
      startResmanStub({ seed: 7 }),
      startResmanStub({ seed: 7 }),
      startResmanStub({ seed: 8 }),
      startResmanStub({ seed: 7, properties: 3 }),
    ]);
    try {
      const bodies = async (on: ResmanStub) => [
        (await v2(since(EPOCH), { on })).text,
        (await v2(since(EPOCH, "/Leasing/Leases"), { on })).text,
        (await v2("/CreditReporting/Residents?propertyId={id}", { on })).text,
        (await v1(SEARCH, window(EPOCH, CLOCK), on)).text,
        (await v1(ROSTER, {}, on)).text,
      ];
      expect(await bodies(b)).toEqual(await bodies(a));
      expect(await bodies(d)).toEqual(await bodies(a));
      expect(d.properties.slice(0, 2)).toEqual(a.properties);
      expect(c.properties[0]?.propertyId).not.toBe(a.properties[0]?.propertyId);
      const card = { people: [{ firstName: "Ida", lastName: "Same" }] };
      expect(b.admin.addProspect(property(0, b).propertyId, card)).toEqual(
        a.admin.addProspect(property(0, a).propertyId, card),
      );
    } finally {
      await Promise.all([a, b, c, d].map((s) => s.close()));
    }
  });

  it("holds the field's problems: lost cards, roommates, duplicates, placeholders, dependents, shared phones, former and moved residents", async () => {
    const { prospects, leases, roster } = await everything();
    expect(prospects.some((p) => p.status === "Lost")).toBe(true);
    expect(prospects.some((p) => (p.people?.length ?? 0) >= 2 && p.status === "Prospect")).toBe(
      true,
    );
    const cardPeople = peopleOf(prospects);
    const byEmail = new Map<string, Set<unknown>>();
    for (const person of cardPeople) {
      const email = String(person.email ?? "").toLowerCase();
      if (email.endsWith(".app") || email.endsWith(".dev"))
        byEmail.set(email, (byEmail.get(email) ?? new Set()).add(person.personId));
    }
    expect([...byEmail.values()].some((ids) => ids.size === 2)).toBe(true);
    expect(cardPeople.some((p) => p.email === "none@none.com")).toBe(true);
    expect(cardPeople.some((p) => p.phone === "000-000-0000")).toBe(true);
    expect(
      roster.some((p) => p.isDependent === true && p.email === null && p.birthdate !== null),
    ).toBe(true);
    const homes = roster
      .filter((p) => p.homePhone !== null)
      .map((p) => `${p.leaseId} ${p.homePhone}`);
    expect(homes.length).toBeGreaterThan(new Set(homes).size);
    expect(
      leases.some(
        (l) => l.leaseStatus === "Former" && l.people?.every((p) => p.moveOutDate !== null),
      ),
    ).toBe(true);
    const leaseIdsOf = new Map<unknown, number>();
    for (const person of peopleOf(leases))
      leaseIdsOf.set(person.personId, (leaseIdsOf.get(person.personId) ?? 0) + 1);
    expect([...leaseIdsOf.values()].some((count) => count === 2)).toBe(true);
    expect(roster.every((p) => p.residencyStatus !== "Former")).toBe(true);
  });

  it("is fictional, stamped in the two years before its base date, birth dates on the roster only", async () => {
    const { prospects, leases, roster } = await everything();
    const base = Date.parse(SEED_BASE_DATE);
    const stamps = [...prospects, ...leases, ...peopleOf(leases)].map((r) =>
      Date.parse(String(r.lastModified)),
    );
    expect(stamps.every((s) => s <= base && s >= base - 731 * 86_400_000)).toBe(true);
    const people = [...peopleOf(prospects), ...peopleOf(leases)];
    for (const person of people) expect(person).not.toHaveProperty("birthdate");
    expect(roster.some((p) => typeof p.birthdate === "string")).toBe(true);
    const phones = [
      ...people.map((p) => p.phone),
      ...roster.flatMap((p) => [p.mobilePhone, p.homePhone, p.workPhone]),
    ];
    for (const phone of phones.filter((p): p is string => typeof p === "string")) {
      expect(
        PLACEHOLDER_PHONES.includes(phone) || /55501\d\d$/.test(phone.replace(/\D/g, "")),
      ).toBe(true);
    }
    for (const email of people
      .map((p) => p.email)
      .filter((e): e is string => typeof e === "string")) {
      const domain = email.toLowerCase().split("@")[1] ?? "";
      expect(PLACEHOLDER_EMAILS.includes(email) || MAIL_DOMAINS.includes(domain)).toBe(true);
    }
  });

  it("starts with 10,000 people in a few seconds and lists a property in one response", async () => {
    const started = performance.now();
    const big = await startResmanStub({ properties: 1, people: 10_000 });
    try {
      expect(performance.now() - started).toBeLessThan(5_000);
      const { prospects, leases } = await everything(big);
      const ids = new Set([...peopleOf(prospects), ...peopleOf(leases)].map((p) => p.personId));
      expect(ids.size).toBeGreaterThanOrEqual(10_000);
      expect(ids.size).toBe(big.admin.people(property(0, big).propertyId).length);
    } finally {
      await big.close();
    }
  });
});

describe("v2", () => {
  it("answers in docs/resman.md's shapes, field for field", async () => {
    const { prospects, leases, roster } = await everything();
    const expectShape = (records: Json[], shape: string) => {
      for (const record of records) expect(keys(record)).toEqual(shape.split(" ").sort());
    };
    expectShape(prospects, SHAPES.prospect);
    expectShape(peopleOf(prospects), SHAPES.prospectPerson);
    expectShape(leases, SHAPES.lease);
    expectShape(peopleOf(leases), SHAPES.leasePerson);
    expectShape(roster, SHAPES.rosterPerson);
    expect(
      prospects.every((p) =>
        ["Prospect", "Lost", "Applicant", "Resident"].includes(String(p.status)),
      ),
    ).toBe(true);
    expect(
      peopleOf(prospects).every(
        (p) => p.phone === null || ["Mobile", "Home", "Work"].includes(String(p.phoneType)),
      ),
    ).toBe(true);
  });

  it.each<[string, string, V2Options, number, string]>([
    ["no credentials", since(EPOCH), { auth: null }, 401, "unauthorized"],
    ["a wrong key", since(EPOCH), { auth: "Basic d3Jvbmc6d3Jvbmc=" }, 401, "unauthorized"],
    ["no account header", since(EPOCH), { account: null }, 403, "forbidden"],
    ["another account", since(EPOCH), { account: 401 }, 403, "forbidden"],
    ["no propertyId", "/Prospects?modifiedSince=2000-01-01", {}, 400, "missing_property_id"],
    [
      "an unknown property",
      "/Prospects?propertyId=5d0c4a2e-0000-4000-8000-000000000000&modifiedSince=2000-01-01",
      {},
      404,
      "property_not_found",
    ],
    ["no modifiedSince", "/Leasing/Leases?propertyId={id}", {}, 400, "missing_modified_since"],
    ["a modifiedSince that is no date", since("last week"), {}, 400, "invalid_modified_since"],
    [
      "a modifiedSince in the future",
      since("2999-01-01T00:00:00Z"),
      {},
      400,
      "invalid_modified_since",
    ],
    ["an unknown path", "/Residents?propertyId={id}", {}, 404, "not_found"],
    ["a POST", since(EPOCH), { method: "POST" }, 405, "method_not_allowed"],
  ])("refuses %s", async (_what, path, options, status, code) => {
    const answer = await v2(path, options);
    expect(answer.status).toBe(status);
    expect(answer.json()).toEqual({ message: expect.any(String), code });
    expect(stub.admin.calls().map((call) => call.status)).toEqual([status]);
  });

  it("lists a card modified exactly at modifiedSince, not one a millisecond earlier; a date or no zone is UTC", async () => {
    const { personIds } = stub.admin.addProspect(property().propertyId, {
      people: [{ firstName: "Edge", lastName: "Case" }],
      lastModified: STAMP,
    });
    const listed = async (at: string) =>
      peopleOf((await v2(since(at))).json().prospects ?? []).map((p) => p.personId);
    expect(await listed(STAMP)).toEqual(personIds);
    expect(await listed("2026-11-15T10:00:00.001Z")).toEqual([]);
    expect(await listed("2026-11-15T10:00:00")).toEqual(personIds);
    expect(await listed("2026-11-15T11:00:00+01:00")).toEqual(personIds);
    expect((await listed("2026-11-15")).length).toBe(1);
  });

  it("lists a lease when one of its people changed, with all its people", async () => {
    const resident = aResident();
    stub.admin.changePerson(
      resident.personId,
      { email: "moved.on@postbox.app" },
      { lastModified: STAMP },
    );
    const leases = (await v2(since(STAMP, "/Leasing/Leases"))).json().leases ?? [];
    expect(leases.map((l) => l.leaseId)).toEqual([resident.leaseId]);
    expect(Date.parse(String(leases[0]?.lastModified))).toBeLessThan(Date.parse(STAMP));
    const changed = peopleOf(leases).find((p) => p.personId === resident.personId);
    expect(changed).toMatchObject({ email: "moved.on@postbox.app", lastModified: STAMP });
    const cards = (await v2(since(STAMP))).json().prospects ?? [];
    expect(cards.map((c) => c.prospectId)).toEqual([resident.prospectId]);
  });
});

describe("v1", () => {
  it("answers SearchProspects in docs/resman.md's XML", async () => {
    const { prospectId, personIds } = stub.admin.addProspect(property().propertyId, {
      people: [
        {
          firstName: "Ada",
          lastName: "Quill",
          email: "ada.quill@quillmail.dev",
          phone: "(512) 555-0142",
        },
      ],
      lastModified: STAMP,
    });
    const answer = await v1(SEARCH, window(STAMP, STAMP));
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(
      "<ResMan><MethodName>SearchProspects</MethodName><Status>Success</Status><ErrorDescription/>" +
        '<Response><LeadManagement><Prospects><Prospect><Customers><Customer Type="prospect">' +
        `<Identification IDType="ProspectID" IDValue="${prospectId}"/><Identification IDType="PersonID" IDValue="${personIds[0]}"/>` +
        "<Name><FirstName>Ada</FirstName><MiddleName/><LastName>Quill</LastName></Name>" +
        '<Phone PhoneType="cell"><PhoneNumber>(512) 555-0142</PhoneNumber></Phone><Email>ada.quill@quillmail.dev</Email>' +
        `<LastModified>${STAMP}</LastModified></Customer></Customers></Prospect></Prospects></LeadManagement></Response></ResMan>`,
    );
    expect(customers((await v1(SEARCH, window("2026-11-15T10:00:01Z", CLOCK))).text)).toEqual([]);
  });

  it("includes both ends of a window and lists roommates as Customers of one Prospect", async () => {
    const id = property().propertyId;
    const start = stub.admin.addProspect(id, {
      people: [
        { firstName: "Rae", lastName: "One" },
        { firstName: "Sol", lastName: "Two" },
      ],
      status: "Lost",
      lastModified: STAMP,
    });
    const end = stub.admin.addProspect(id, {
      people: [{ firstName: "Tam", lastName: "Three" }],
      status: "Resident",
      lastModified: "2026-11-15T11:00:00Z",
    });
    stub.admin.addProspect(id, {
      people: [{ firstName: "Uma", lastName: "Late" }],
      lastModified: "2026-11-15T11:00:01Z",
    });
    const found = customers((await v1(SEARCH, window(STAMP, "2026-11-15T11:00:00Z"))).text);
    expect(found.map(personIdOf)).toEqual([...start.personIds, ...end.personIds]);
    expect(found.map((c) => c.Type)).toEqual(["lost", "lost", "current_resident"]);
  });

  it("searches by Email, Phone or FirstName and LastName, in any case and punctuation", async () => {
    const { personIds } = stub.admin.addProspect(property().propertyId, {
      people: [
        {
          firstName: "Bea",
          lastName: "Marsh",
          email: "bea.marsh@lettercrate.dev",
          phone: "512-555-0177",
        },
      ],
    });
    for (const fields of [
      { Email: " BEA.Marsh@lettercrate.dev" },
      { Phone: "+1 (512) 555 0177" },
      { FirstName: "bea", LastName: "MARSH" },
    ]) {
      expect(customers((await v1(SEARCH, fields)).text).map(personIdOf)).toEqual(personIds);
    }
    const none = await v1(SEARCH, {});
    expect(none.status).toBe(200);
    expect(xml.parse(none.text).ResMan).toMatchObject({
      MethodName: "SearchProspects",
      Status: "Error",
      ErrorDescription: expect.any(String),
    });
  });

  it("answers GetApplicantsAndCurrentResidents in docs/resman.md's JSON, the same people as the v2 roster", async () => {
    const answer = await v1(ROSTER);
    const body = JSON.parse(answer.text) as Json & { People: Json[] };
    expect(body).toMatchObject({
      MethodName: "GetApplicantsAndCurrentResidents",
      Status: "Success",
      ErrorDescription: null,
      AccountID: 400,
      PropertyID: property().propertyId,
    });
    for (const p of body.People) expect(keys(p)).toEqual(SHAPES.v1Person.split(" ").sort());
    expect(new Set(body.People.map((p) => p.Status))).toEqual(new Set(["Current", "Pending"]));
    const { roster } = await everything();
    expect(body.People.map((p) => p.PersonID)).toEqual(roster.map((p) => p.personId));
  });

  it("refuses bad credentials with 401, a wrong account or property with an error envelope on 200", async () => {
    expect((await v1(SEARCH, { ApiKey: "wrong", ...window(EPOCH, CLOCK) })).status).toBe(401);
    expect((await v1(ROSTER, { IntegrationPartnerID: "someone" })).status).toBe(401);
    const account = await v1(SEARCH, { AccountID: "401", ...window(EPOCH, CLOCK) });
    expect(account.status).toBe(200);
    expect(xml.parse(account.text).ResMan.Status).toBe("Error");
    const unknown = await v1(ROSTER, { PropertyID: "5d0c4a2e-0000-4000-8000-000000000000" });
    expect([unknown.status, JSON.parse(unknown.text).Status]).toEqual([200, "Failed"]);
    expect((await fetch(`${stub.v1Url}/${ROSTER}`)).status).toBe(405);
    expect((await v1("MITS/PostLeadManagement3_0")).status).toBe(404);
  });
});

describe("admin", () => {
  it("adds guest cards and roommates, changes and touches people, stamping every record holding them", async () => {
    const id = property().propertyId;
    const card = stub.admin.addProspect(id, {
      people: [{ firstName: "Cy", lastName: "Reed", email: "cy.reed@mailbox.dev" }],
    });
    const mate = stub.admin.addRoommate(
      card.prospectId,
      { firstName: "Di", lastName: "Reed", isDependent: true },
      { lastModified: STAMP },
    );
    const listed = stub.admin.people(id).filter((p) => p.prospectId === card.prospectId);
    expect(listed.map((p) => [p.personId, p.status, p.lastModified])).toEqual([
      [card.personIds[0], "prospect", STAMP],
      [mate.personId, "prospect", STAMP],
    ]);
    const changed = stub.admin.changePerson(mate.personId, {
      lastName: "Reed-Lowe",
      phone: "(303) 555-0111",
      phoneType: "Home",
      email: null,
    });
    expect(changed).toMatchObject({
      lastName: "Reed-Lowe",
      phone: "(303) 555-0111",
      phoneType: "Home",
      homePhone: "(303) 555-0111",
      email: null,
      lastModified: CLOCK,
    });
    const resident = aResident();
    expect(stub.admin.touch(resident.personId, { lastModified: STAMP })).toEqual({
      ...resident,
      lastModified: STAMP,
    });
    const cards = (await v2(since(STAMP))).json().prospects ?? [];
    expect(cards.map((c) => c.prospectId).sort()).toEqual(
      [card.prospectId, resident.prospectId].sort(),
    );
    expect(
      cards
        .find((c) => c.prospectId === card.prospectId)
        ?.people?.map((p) => [p.isMainContact, p.isDependent]),
    ).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it("moves a resident out (off both rosters, the lease Former when empty) and removes a person everywhere", async () => {
    const resident = aResident();
    const moved = stub.admin.moveOut(resident.personId, { moveOutDate: "2026-11-01" });
    expect(moved).toMatchObject({
      status: "former",
      residencyStatus: "Former",
      onRoster: false,
      lastModified: CLOCK,
    });
    const { roster, leases } = await everything();
    expect(roster.some((p) => p.personId === resident.personId)).toBe(false);
    expect(
      JSON.parse((await v1(ROSTER)).text).People.some(
        (p: Json) => p.PersonID === resident.personId,
      ),
    ).toBe(false);
    const lease = leases.find((l) => l.leaseId === resident.leaseId);
    expect(lease?.people?.find((p) => p.personId === resident.personId)).toMatchObject({
      residencyStatus: "Former",
      moveOutDate: "2026-11-01",
    });
    if (lease?.people?.length === 1) expect(lease.leaseStatus).toBe("Former");
    expect(() => stub.admin.moveOut(resident.personId)).toThrow(StubAdminError);

    const card = stub.admin.addProspect(property().propertyId, {
      people: [
        { firstName: "Ed", lastName: "Gone" },
        { firstName: "Flo", lastName: "Stays" },
      ],
    });
    stub.admin.removePerson(card.personIds[0] ?? "");
    const after = await everything();
    const ids = [...peopleOf(after.prospects), ...peopleOf(after.leases), ...after.roster].map(
      (p) => p.personId,
    );
    expect(ids).not.toContain(card.personIds[0]);
    expect(after.prospects.find((p) => p.prospectId === card.prospectId)?.mainPersonId).toBe(
      card.personIds[1],
    );
  });

  it("adds residents and applicants to the roster, with birth date and unit", async () => {
    const id = property().propertyId;
    const added = stub.admin.addResident(id, {
      firstName: "Gil",
      lastName: "Hart",
      birthdate: "1990-04-02",
      mobilePhone: "720-555-0190",
      unit: "B12",
    });
    const joined = stub.admin.addResident(id, {
      firstName: "Hal",
      lastName: "Hart",
      leaseId: added.leaseId,
      residencyStatus: "Pending",
    });
    expect(joined.leaseId).toBe(added.leaseId);
    const { roster } = await everything();
    expect(roster.find((p) => p.personId === added.personId)).toMatchObject({
      birthdate: "1990-04-02",
      unit: "B12",
      mobilePhone: "720-555-0190",
      residencyStatus: "Current",
    });
    expect(stub.admin.people(id).find((p) => p.personId === joined.personId)?.status).toBe(
      "applicant",
    );
  });

  it("refuses unknown ids and bad input, and resets to the seed", async () => {
    expect(() => stub.admin.touch("5d0c4a2e-0000-4000-8000-000000000000")).toThrow(
      expect.objectContaining({ status: 404 }),
    );
    expect(() =>
      stub.admin.changePerson(aResident().personId, { first_name: "x" } as never),
    ).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => stub.admin.addProspect(property().propertyId, { people: [] })).toThrow(
      StubAdminError,
    );
    const before = stub.admin.people(property().propertyId);
    stub.admin.removePerson(aResident().personId);
    stub.admin.fault({ kind: "slow", delayMs: 1 });
    stub.admin.reset();
    expect(stub.admin.people(property().propertyId)).toEqual(before);
    expect([stub.admin.faults(), stub.admin.calls()]).toEqual([[], []]);
  });

  it("serves every operation over HTTP under /_admin, unrecorded", async () => {
    const id = property().propertyId;
    expect((await admin("GET", "/properties")).json).toEqual(stub.properties);
    const card = await admin("POST", `/properties/${id}/prospects`, {
      people: [{ firstName: "Ivy", lastName: "Lane" }],
      lastModified: STAMP,
    });
    expect(card.status).toBe(201);
    const prospectId = String(card.json.prospectId);
    const mate = await admin("POST", `/prospects/${prospectId}/roommates`, {
      person: { firstName: "Jo", lastName: "Lane" },
    });
    expect(mate.status).toBe(201);
    const personId = String(mate.json.personId);
    expect(
      (
        await admin("PATCH", `/people/${personId}`, {
          patch: { firstName: "Joan" },
          lastModified: STAMP,
        })
      ).json,
    ).toMatchObject({ firstName: "Joan", lastModified: STAMP });
    expect((await admin("POST", `/people/${personId}/touch`, {})).json).toMatchObject({
      lastModified: CLOCK,
    });
    const resident = await admin("POST", `/properties/${id}/residents`, {
      person: { firstName: "Kit", lastName: "Moss" },
      lastModified: STAMP,
    });
    expect(
      (
        await admin("POST", `/people/${resident.json.personId}/move-out`, {
          moveOutDate: "2026-11-20",
        })
      ).json,
    ).toMatchObject({ status: "former" });
    expect((await admin("DELETE", `/people/${personId}`)).status).toBe(200);
    const people = (await admin("GET", `/properties/${id}/people`)).json;
    expect(people.map((p) => p.personId)).toEqual(stub.admin.people(id).map((p) => p.personId));
    expect(people.some((p) => p.personId === personId)).toBe(false);
    const fault = await admin("POST", "/faults", { kind: "status", status: 503 });
    expect([fault.status, (await admin("GET", "/faults")).json.length]).toEqual([201, 1]);
    expect((await admin("DELETE", `/faults/${fault.json.id}`)).status).toBe(200);
    expect((await admin("DELETE", "/faults/none")).status).toBe(404);
    expect((await admin("GET", "/calls")).json).toEqual([]);
    expect((await admin("POST", "/reset")).status).toBe(200);
    expect((await admin("DELETE", "/calls")).status).toBe(200);
  });

  it.each<[string, string, string, unknown, number]>([
    ["an unknown route", "GET", "/nothing", undefined, 404],
    ["a wrong method", "PUT", "/faults", undefined, 405],
    ["a body that is no JSON", "POST", "/faults", "{", 400],
    ["an invalid fault", "POST", "/faults", { kind: "error_on_200", match: { api: "v2" } }, 400],
    ["an unknown person", "POST", "/people/5d0c4a2e-0000-4000-8000-000000000000/touch", {}, 404],
  ])("answers %s with a JSON error", async (_what, method, path, body, status) => {
    const answer = await admin(method, path, body);
    expect(answer.status).toBe(status);
    expect(answer.json).toEqual({ message: expect.any(String), code: expect.any(String) });
  });
});

describe("faults", () => {
  it("answers a status, with Retry-After on 429, as often as told, then normally", async () => {
    stub.admin.fault({
      kind: "status",
      status: 429,
      retryAfterSeconds: 2,
      times: 1,
      match: { api: "v2", path: "/Leasing/Leases" },
    });
    const limited = await v2(since(EPOCH, "/Leasing/Leases"));
    expect([limited.status, limited.headers.get("retry-after"), keys(limited.json())]).toEqual([
      429,
      "2",
      ["code", "message"],
    ]);
    expect((await v2(since(EPOCH, "/Leasing/Leases"))).status).toBe(200);
    expect(stub.admin.faults()).toEqual([]);
    stub.admin.fault({
      kind: "status",
      status: 502,
      match: { path: "/mits/searchprospects", propertyId: property(1).propertyId },
    });
    expect((await v1(SEARCH, window(EPOCH, CLOCK), stub, 1)).status).toBe(502);
    expect((await v1(SEARCH, window(EPOCH, CLOCK))).status).toBe(200);
    expect((await v1(ROSTER, {}, stub, 1)).status).toBe(200);
    expect(stub.admin.calls().map((call) => call.fault)).toEqual([
      "status",
      null,
      "status",
      null,
      null,
    ]);
  });

  it("delays an answer (slow)", async () => {
    stub.admin.fault({ kind: "slow", delayMs: 200, times: 1 });
    const started = performance.now();
    expect((await v2("/CreditReporting/Residents?propertyId={id}")).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(stub.admin.calls()[0]).toMatchObject({
      fault: "slow",
      status: 200,
      ms: expect.any(Number),
    });
    expect(stub.admin.calls()[0]?.ms).toBeGreaterThanOrEqual(190);
  });

  it("answers a v1 error envelope on HTTP 200 (error_on_200), in the method's format, and never on v2", async () => {
    stub.admin.fault({ kind: "error_on_200", message: "Database timeout" });
    const search = await v1(SEARCH, window(EPOCH, CLOCK));
    expect([search.status, xml.parse(search.text).ResMan]).toEqual([
      200,
      { MethodName: "SearchProspects", Status: "Error", ErrorDescription: "Database timeout" },
    ]);
    const roster = await v1(ROSTER);
    expect([roster.status, JSON.parse(roster.text)]).toEqual([
      200,
      {
        MethodName: "GetApplicantsAndCurrentResidents",
        Status: "Failed",
        ErrorDescription: "Database timeout",
      },
    ]);
    expect((await v2(since(EPOCH))).json()).toHaveProperty("prospects");
  });

  it("answers 502 'buffer overflow' to a SearchProspects window longer than allowed (overflow)", async () => {
    stub.admin.fault({ kind: "overflow", maxWindowSeconds: 3600, times: 2 });
    const long = await v1(SEARCH, window("2026-01-01T00:00:00Z", "2026-01-01T01:00:01Z"));
    expect([long.status, long.text.includes("buffer overflow")]).toEqual([502, true]);
    expect((await v1(SEARCH, window("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"))).status).toBe(
      200,
    );
    expect((await v1(SEARCH, { Email: "none@none.com" })).status).toBe(200);
    expect((await v1(ROSTER)).status).toBe(200);
    expect(stub.admin.faults()[0]?.remaining).toBe(1);
    expect(() => stub.admin.fault({ kind: "overflow" })).toThrow(StubAdminError);
    stub.admin.clearFaults();
    expect((await v1(SEARCH, window(EPOCH, CLOCK))).status).toBe(200);
  });
});

describe("the call log", () => {
  it("records every API request with its outcome and never a credential", async () => {
    await v2(since(EPOCH), { auth: basic(stub, "not-the-key") });
    await v1(SEARCH, window(EPOCH, CLOCK));
    await fetch(`${stub.url}/elsewhere`);
    const calls = stub.admin.calls();
    expect(calls.map(({ at, ms, ...rest }) => rest)).toEqual([
      {
        method: "GET",
        api: "v2",
        path: "/Prospects",
        propertyId: property().propertyId,
        accountId: 400,
        params: { propertyId: property().propertyId, modifiedSince: EPOCH },
        status: 401,
        fault: null,
      },
      {
        method: "POST",
        api: "v1",
        path: "/MITS/SearchProspects",
        propertyId: property().propertyId,
        accountId: 400,
        params: { AccountID: "400", PropertyID: property().propertyId, ...window(EPOCH, CLOCK) },
        status: 200,
        fault: null,
      },
      {
        method: "GET",
        api: null,
        path: "/elsewhere",
        propertyId: null,
        accountId: null,
        params: {},
        status: 404,
        fault: null,
      },
    ]);
    const text = JSON.stringify(calls);
    for (const secret of [stub.apiKey, stub.partnerId, "not-the-key", basic(stub)])
      expect(text).not.toContain(secret);
  });
});

describe("contact-sync resman-stub", () => {
  function program(stdout: string[]) {
    const context: CommandContext = {
      io: {
        stdout: { write: (text) => stdout.push(text) },
        stderr: { write: (text) => stdout.push(text) },
        env: {},
      },
      config: () => {
        throw new Error("resman-stub needs no configuration");
      },
    };
    const root = new Command("contact-sync")
      .exitOverride()
      .configureOutput({ writeErr: (text) => stdout.push(text) });
    registerResmanStub(root, context);
    return root;
  }

  it("prints the URLs, the local credentials and the properties, logs requests with --verbose, stops on SIGINT", async () => {
    const stops: ((signal: NodeJS.Signals) => void)[] = [];
    const once = process.once.bind(process);
    const spy = vi.spyOn(process, "once").mockImplementation(((
      event: string,
      listener: (signal: NodeJS.Signals) => void,
    ) => {
      if (event === "SIGINT" || event === "SIGTERM") stops.push(listener);
      else once(event, listener);
      return process;
    }) as typeof process.once);
    const out: string[] = [];
    try {
      const run = program(out).parseAsync(
        ["resman-stub", "--port", "0", "--seed", "3", "--people", "20", "--verbose"],
        { from: "user" },
      );
      await vi.waitFor(() => expect(out.join("")).toContain("Ctrl-C"), { timeout: 5_000 });
      const text = out.join("");
      const v2Url = /v2 URL.*?(http:\/\/\S+)/.exec(text)?.[1] ?? "";
      expect(text).toContain("domiq-local");
      expect(text).toContain("local-api-key");
      expect(text).toMatch(/admin URL:\s+http:\/\/127\.0\.0\.1:\d+\/_admin/);
      // A line to paste into another terminal's shell, with the four variables the CLI reads.
      expect(text).toContain(
        `  export RESMAN_V2_URL=${v2Url} RESMAN_V1_URL=${v2Url.replace(/\/v2$/, "/v1")} ` +
          "RESMAN_INTEGRATION_PARTNER_ID=domiq-local RESMAN_API_KEY=local-api-key\n",
      );
      const lines = text.split("\n").filter((line) => /^\s+40[01]\s/.test(line));
      expect(lines).toHaveLength(2);
      expect((await fetch(`${v2Url}/Nowhere`)).status).toBe(404);
      await vi.waitFor(() => expect(out.join("")).toMatch(/^GET \/v2\/Nowhere 404 \d+ms$/m));
      stops[0]?.("SIGINT");
      await run;
      expect(out.join("")).toContain("Stopping (SIGINT)");
    } finally {
      spy.mockRestore();
    }
  });

  it("refuses a port that is not one", async () => {
    const out: string[] = [];
    await expect(
      program(out).parseAsync(["resman-stub", "--port", "70000"], { from: "user" }),
    ).rejects.toThrow();
    expect(out.join("")).toContain("must be a whole number from 0 to 65535");
  });
});
