/**
 * The guest-card client (`lib/adapters/resman/guestCardClient.ts`) against the ResMan stand-in:
 * a card created is found by every search, an event added carries no name, email or phone, the
 * lookups, ResMan's refusals readable as `resman_error`, a write never sent twice once it may
 * have landed (`outcome_unknown`), a write retried only after answers that say nothing was done,
 * v2 properties written through v1, and no credential or person's value in any error. The
 * stand-in's write log and call log prove what was sent. The people are fictional; assertions
 * compare values and never print them.
 */
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ResmanError } from "../../lib/adapters/resman/errors.js";
import {
  createGuestCardClient,
  type GuestCardClientOptions,
} from "../../lib/adapters/resman/guestCardClient.js";
import type { LeadCustomer, LeadEvent } from "../../lib/app/ports/guestCards.js";
import type { ResmanPropertyAccess } from "../../lib/app/ports/resmanSource.js";
import { InvalidInputError } from "../../lib/domain/errors.js";
import { startResmanStub } from "../../lib/local/resmanStub/server.js";
import { FAKE_API_KEY, FAKE_PARTNER_ID } from "../fixtures/resmanCredentials.js";

type Stub = Awaited<ReturnType<typeof startResmanStub>>;

const POST = "/MITS/PostLeadManagement4_0";
const CLOCK = "2026-11-30T12:00:00.000Z";

let stub: Stub;
/** Every error a call threw during this file (for the credentials check). */
const everyError: unknown[] = [];

beforeAll(async () => {
  stub = await startResmanStub({
    now: () => new Date(CLOCK),
    partnerId: FAKE_PARTNER_ID,
    apiKey: FAKE_API_KEY,
  });
});
afterEach(() => stub.admin.reset());
afterAll(async () => {
  await stub?.close();
});

function client(options: Partial<GuestCardClientOptions> = {}) {
  return createGuestCardClient({
    v1Url: stub.v1Url,
    partnerId: stub.partnerId,
    apiKey: stub.apiKey,
    retryBaseMs: 5,
    timeoutMs: 5_000,
    ...options,
  });
}

function access(api: "v1" | "v2" = "v1", index = 0): ResmanPropertyAccess {
  const property = stub.properties[index];
  if (property === undefined) throw new Error(`the stand-in has no property ${index}`);
  return { resmanPropertyId: property.propertyId, resmanAccountId: property.accountId, api };
}

/** The DomIQ source and agent of the property. */
function domiq(index = 0) {
  const propertyId = access("v1", index).resmanPropertyId;
  const source = stub.admin.prospectSources(propertyId).find((s) => s.Name === "DomIQ");
  const agent = stub.admin.employees(propertyId).find((e) => e.Name === "DomIQ Leasing Agent");
  if (source === undefined || agent === undefined) throw new Error("no DomIQ lookups");
  return { sourceId: source.ID, agentId: agent.ID };
}

const CUSTOMER: LeadCustomer = {
  firstName: "Quillon",
  lastName: "Marrowby",
  email: "quillon.marrowby@example.com",
  phone: { number: "(555) 010-4477", type: "cell" },
};

function event(overrides: Partial<LeadEvent> = {}): LeadEvent {
  return {
    type: "TextFromProspect",
    date: "2026-11-30T11:00:00.000Z",
    ...domiq(),
    firstContact: true,
    comments: "Asked about parking",
    ...overrides,
  };
}

const card = (overrides: Partial<LeadEvent> = {}) => ({
  customer: CUSTOMER,
  preferences: { moveInDate: "2027-01-15", bedrooms: 2, rent: 1450 },
  event: event(overrides),
});

/** The error a call fails with (recorded for the credentials check). */
async function failure(call: Promise<unknown>): Promise<ResmanError & { detail?: string }> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  everyError.push(error);
  expect(error).toBeInstanceOf(ResmanError);
  return error as ResmanError & { detail?: string };
}

const callsTo = (path: string) =>
  stub.admin.calls().filter((call) => call.path.toLowerCase() === path.toLowerCase());

/** Polls until `condition` holds (the stand-in logs a dropped call only once it is dropped). */
async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A seeded resident who has a guest card (applicants and residents are never written to). */
function resident() {
  const found = stub.admin
    .people(access().resmanPropertyId)
    .find((person) => person.status === "resident" && person.prospectId !== null);
  if (found === undefined || found.prospectId === null) throw new Error("no resident card");
  return { prospectId: found.prospectId, personId: found.personId, before: found };
}

describe("creating a guest card", () => {
  it("answers the new ids, and the write log shows one create with the values", async () => {
    const ids = await client().createGuestCard(access(), card());
    const writes = stub.admin.writes();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      kind: "create",
      propertyId: access().resmanPropertyId,
      prospectId: ids.prospectId,
      personId: ids.personId,
      error: null,
      fields: {
        firstName: "Quillon",
        lastName: "Marrowby",
        email: CUSTOMER.email,
        phones: [{ type: "cell", number: "(555) 010-4477" }],
        eventType: "TextFromProspect",
        eventDate: "2026-11-30T11:00:00.000Z",
        ...{ source: domiq().sourceId, agent: domiq().agentId },
        firstContact: true,
        comments: "Asked about parking",
        targetMoveInDate: "2027-01-15",
        desiredBedrooms: "2",
        desiredRent: "1450",
      },
    });
    expect(callsTo(POST)).toHaveLength(1);
  });

  it("is found by email, by phone and by name", async () => {
    const resman = client();
    const ids = await resman.createGuestCard(access(), card());
    const expected = {
      ...ids,
      type: "prospect",
      firstName: "Quillon",
      lastName: "Marrowby",
    };
    for (const search of [
      { email: "QUILLON.marrowby@example.com" },
      { phone: "555-010-4477" },
      { firstName: "quillon", lastName: "MARROWBY" },
    ]) {
      expect(await resman.searchProspects(access(), search)).toEqual([expected]);
    }
    expect(await resman.searchProspects(access(), { email: "nobody@example.com" })).toEqual([]);
    const sent = callsTo("/MITS/SearchProspects").map((call) => Object.keys(call.params).sort());
    expect(sent).toEqual([
      ["AccountID", "Email", "PropertyID"],
      ["AccountID", "Phone", "PropertyID"],
      ["AccountID", "FirstName", "LastName", "PropertyID"],
      ["AccountID", "Email", "PropertyID"],
    ]);
  });

  it("writes a property read through v2 through v1", async () => {
    const ids = await client().createGuestCard(access("v2"), card());
    expect(stub.admin.writes()).toEqual([expect.objectContaining({ kind: "create", ...ids })]);
    expect(stub.admin.calls().map((call) => [call.api, call.path])).toEqual([["v1", POST]]);
  });

  it("refuses a blank search before sending anything", async () => {
    await expect(client().searchProspects(access(), { email: "  " })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(stub.admin.calls()).toEqual([]);
  });
});

describe("adding an event to a prospect", () => {
  it("sends the ids and the event: the write log's entry has no name, email or phone", async () => {
    const resman = client();
    const ids = await resman.createGuestCard(access(), card());
    const person = () =>
      stub.admin.people(access().resmanPropertyId).find((p) => p.personId === ids.personId);
    const before = person();
    await resman.addProspectEvent(access(), ids, event({ firstContact: false, comments: "Later" }));
    const added = stub.admin.writes()[1];
    expect(added).toMatchObject({ kind: "event", ...ids, error: null });
    expect(added?.fields).toEqual({
      firstName: null,
      lastName: null,
      email: null,
      phones: [],
      eventType: "TextFromProspect",
      eventDate: "2026-11-30T11:00:00.000Z",
      source: domiq().sourceId,
      agent: domiq().agentId,
      firstContact: false,
      comments: "Later",
      targetMoveInDate: null,
      desiredBedrooms: null,
      desiredRent: null,
    });
    expect(person()).toEqual(before);
    expect(stub.admin.events(ids.prospectId).map((e) => e.comments)).toEqual([
      "Asked about parking",
      "Later",
    ]);
  });

  it("is refused for a resident: resman_error 'Customer is not a prospect'", async () => {
    const { before, ...ids } = resident();
    const error = await failure(client().addProspectEvent(access(), ids, event()));
    expect(error.code).toBe("resman_error");
    expect(error.retryable).toBe(false);
    expect(error.detail).toBe("Customer is not a prospect");
    expect(
      stub.admin.people(access().resmanPropertyId).find((p) => p.personId === before.personId),
    ).toEqual(before);
    expect(stub.admin.writes()).toEqual([expect.objectContaining({ kind: "rejected" })]);
  });
});

describe("lookups", () => {
  it("list the property's prospect sources and employees as id and name", async () => {
    const { resmanPropertyId } = access();
    const resman = client();
    expect(await resman.prospectSources(access())).toEqual(
      stub.admin.prospectSources(resmanPropertyId).map((s) => ({ id: s.ID, name: s.Name })),
    );
    expect(await resman.employees(access("v2"))).toEqual(
      stub.admin.employees(resmanPropertyId).map((e) => ({ id: e.ID, name: e.Name })),
    );
  });
});

describe("ResMan's refusals", () => {
  it("a bad source is resman_error with the ErrorDescription readable, not retried", async () => {
    const error = await failure(
      client().createGuestCard(
        access(),
        card({ sourceId: "00000000-0000-4000-8000-000000000000" }),
      ),
    );
    expect(error.code).toBe("resman_error");
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(200);
    expect(error.detail).toBe("Transaction Source could not be found");
    expect(error.message).toContain(`POST ${POST}`);
    expect(error.message).not.toContain("Transaction Source");
    expect(callsTo(POST)).toHaveLength(1);
  });

  it("an error envelope on HTTP 200 keeps ResMan's words without credentials or the person's values", async () => {
    stub.admin.fault({
      kind: "error_on_200",
      match: { path: POST },
      message: `Email ${CUSTOMER.email} refused for ${stub.apiKey}`,
    });
    const error = await failure(client().createGuestCard(access(), card()));
    expect(error.code).toBe("resman_error");
    expect(error.detail).toBe("Email [redacted] refused for [redacted]");
    expect(callsTo(POST)).toHaveLength(1);
  });
});

describe("a write is never sent twice once it may have landed", () => {
  it("an answer lost after the write (timeout) is outcome_unknown, with exactly one write", async () => {
    stub.admin.fault({ kind: "drop_after_write", match: { path: POST }, delayMs: 600, times: 1 });
    const error = await failure(client({ timeoutMs: 150 }).createGuestCard(access(), card()));
    expect(error.code).toBe("outcome_unknown");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("timeout after 150 ms");
    await waitFor(() => callsTo(POST).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(callsTo(POST)).toHaveLength(1);
    expect(stub.admin.writes()).toEqual([expect.objectContaining({ kind: "create" })]);
    // The card exists: the caller's search finds it before any new try.
    const found = await client().searchProspects(access(), { email: CUSTOMER.email ?? "" });
    expect(found.map((p) => p.personId)).toEqual([stub.admin.writes()[0]?.personId]);
  });

  it("a connection dropped after the write is outcome_unknown, with exactly one write", async () => {
    const resman = client();
    const ids = await resman.createGuestCard(access(), card());
    stub.admin.fault({ kind: "drop_after_write", match: { path: POST }, times: 1 });
    const error = await failure(resman.addProspectEvent(access(), ids, event()));
    expect(error.code).toBe("outcome_unknown");
    expect(stub.admin.writes().map((w) => w.kind)).toEqual(["create", "event"]);
    expect(callsTo(POST)).toHaveLength(2);
  });

  it.each([500, 502])("HTTP %i is outcome_unknown after one call", async (status) => {
    stub.admin.fault({ kind: "status", status, match: { path: POST } });
    const error = await failure(client().createGuestCard(access(), card()));
    expect(error.code).toBe("outcome_unknown");
    expect(error.status).toBe(status);
    expect(callsTo(POST)).toHaveLength(1);
  });

  it.each([429, 503])(
    "HTTP %i before the write is retried, and one card is made",
    async (status) => {
      stub.admin.fault({ kind: "status", status, match: { path: POST }, times: 1 });
      const ids = await client().createGuestCard(access(), card());
      expect(callsTo(POST).map((call) => call.status)).toEqual([status, 200]);
      expect(stub.admin.writes()).toEqual([expect.objectContaining({ kind: "create", ...ids })]);
    },
  );

  it("HTTP 503 on every try is resman_unavailable (nothing was done), after three calls", async () => {
    stub.admin.fault({ kind: "status", status: 503, match: { path: POST } });
    const error = await failure(client().createGuestCard(access(), card()));
    expect(error.code).toBe("resman_unavailable");
    expect(callsTo(POST)).toHaveLength(3);
    expect(stub.admin.writes()).toEqual([]);
  });

  it("a connection that cannot be opened is retried: nothing left", async () => {
    let tries = 0;
    const refusing: typeof fetch = async (input, init) => {
      tries += 1;
      if (tries === 1) {
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
        });
      }
      return fetch(input, init);
    };
    const ids = await client({ fetch: refusing }).createGuestCard(access(), card());
    expect(tries).toBe(2);
    expect(stub.admin.writes()).toEqual([expect.objectContaining({ kind: "create", ...ids })]);
  });

  it("bad credentials are auth_failed after one call", async () => {
    const error = await failure(
      client({ apiKey: "not-the-key" }).createGuestCard(access(), card()),
    );
    expect(error.code).toBe("auth_failed");
    expect(callsTo(POST)).toHaveLength(1);
  });
});

describe("what the client leaks", () => {
  it("never puts a credential in an error, nor a credential in the write log", async () => {
    await client().createGuestCard(access(), card());
    const basic = Buffer.from(`${stub.partnerId}:${stub.apiKey}`).toString("base64");
    const secrets = [stub.partnerId, stub.apiKey, basic, "not-the-key"];
    const personal = ["Quillon", "Marrowby", CUSTOMER.email ?? "", "010-4477", "parking"];
    expect(everyError.length).toBeGreaterThanOrEqual(9);
    for (const error of everyError) {
      const renderings = [
        String((error as Error).message),
        JSON.stringify(error),
        inspect(error, { depth: 10 }),
      ];
      for (const text of renderings) {
        for (const value of [...secrets, ...personal]) expect(text.includes(value)).toBe(false);
      }
    }
    const log = JSON.stringify([stub.admin.writes(), stub.admin.calls()]);
    for (const secret of secrets) expect(log.includes(secret)).toBe(false);
  });
});
