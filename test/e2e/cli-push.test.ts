/**
 * `contact-sync property set|sources|agents` and `contact-sync push` against the ResMan stand-in
 * over HTTP, on real Postgres: a captured lead becomes exactly one guest card and a `success`
 * link with its PersonID, which the next reconciliation leaves alone; a lead matching an existing
 * prospect becomes an event on it; a lead matching a resident sends nothing; an answer that never
 * came does not make a second card; a property with the push off sends nothing; a refused card is
 * `failed` with ResMan's reason; names, emails and credentials never show.
 * (Over 400 lines as one thing: the push commands against the one stand-in and database, each case
 * on the state the ones before left.)
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../lib/adapters/db/client.js";
import { createStores } from "../../lib/adapters/db/stores.js";
import { enrichContact } from "../../lib/app/enrichContact.js";
import type { ChatbotEvent } from "../../lib/domain/events.js";
import { type ResmanStub, startResmanStub } from "../../lib/local/resmanStub/server.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import { databaseEnv, expectOneLineError, runInProcess, withClient } from "./harness.js";

const PARTNER_ID = "partner-push-e2e";
const API_KEY = "key-push-must-never-show";

let stub: ResmanStub;
let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;
const printed: string[] = [];

async function run(args: string[]) {
  const result = await runInProcess(args, env);
  printed.push(result.stdout, result.stderr);
  return result;
}

function property(index: number) {
  const p = stub.properties[index];
  if (p === undefined) throw new Error("no stand-in property");
  return p;
}

/** contact-sync's id of a registered ResMan property. */
async function propertyIdOf(resmanPropertyId: string): Promise<string> {
  return withClient(scratch.url, async (client) => {
    const result = await client.query<{ id: string }>(
      "select id from property where resman_property_id = $1",
      [resmanPropertyId],
    );
    return result.rows[0]?.id as string;
  });
}

interface Lead {
  first_name?: string;
  last_name?: string;
  email?: string;
  phone?: string;
}

/** A chatbot conversation: captured, preferences, a summary. Returns the lead's contact id. */
async function converse(resmanPropertyId: string, lead: Lead): Promise<string> {
  const handle = await openDatabase({ driver: "pg", url: scratch.url, maxConnections: 1 });
  try {
    const stores = createStores(handle.db);
    const deps = {
      store: stores.contacts,
      properties: stores.properties,
      clock: { now: () => new Date() },
    };
    const propertyId = await propertyIdOf(resmanPropertyId);
    const conversation = randomUUID();
    const base = {
      property_id: propertyId,
      conversation_id: conversation,
      occurred_at: new Date().toISOString(),
      contact: lead,
    };
    const events: ChatbotEvent[] = [
      { detail_type: "Contact Captured", detail: { ...base, event_id: randomUUID() } },
      {
        detail_type: "Preferences Updated",
        detail: {
          ...base,
          event_id: randomUUID(),
          preferences: { bedrooms: 2, move_in_date: "2027-02-01", budget_max: 1850 },
        },
      },
      {
        detail_type: "Conversation Completed",
        detail: { ...base, event_id: randomUUID(), summary: "Asked about two-bedroom units." },
      },
    ] as ChatbotEvent[];
    let contactId = "";
    for (const event of events) contactId = (await enrichContact(deps, event)).contactId ?? "";
    return contactId;
  } finally {
    await handle.close();
  }
}

async function linkOf(contactId: string) {
  return withClient(scratch.url, async (client) => {
    const result = await client.query<{
      resman_contact_id: string | null;
      sync_status: string;
      last_error: string | null;
    }>("select resman_contact_id, sync_status, last_error from contact_sync where user_id = $1", [
      contactId,
    ]);
    return result.rows;
  });
}

interface PushJson {
  user_id: string;
  outcome: string;
  resman_prospect_id: string | null;
  resman_contact_id: string | null;
  error: string | null;
}

async function push(resmanPropertyId: string, ...flags: string[]) {
  const result = await run(["push", "--property", resmanPropertyId, "--json", ...flags]);
  return { code: result.code, lines: JSON.parse(result.stdout || "[]") as PushJson[] };
}

beforeAll(async () => {
  stub = await startResmanStub({
    properties: 2,
    people: 30,
    partnerId: PARTNER_ID,
    apiKey: API_KEY,
  });
  scratch = await createScratchDatabase("e2e_push");
  env = {
    ...databaseEnv(scratch.url),
    RESMAN_V2_URL: stub.v2Url,
    RESMAN_V1_URL: stub.v1Url,
    RESMAN_INTEGRATION_PARTNER_ID: PARTNER_ID,
    RESMAN_API_KEY: API_KEY,
    RESMAN_TIMEOUT_MS: "500",
  };
  expect((await run(["migrate"])).code).toBe(0);
  for (const index of [0, 1]) {
    const p = property(index);
    const added = await run([
      "property",
      "add",
      "--property",
      p.propertyId,
      "--account",
      String(p.accountId),
    ]);
    expect(added.code).toBe(0);
  }
  // Property 0 has the push on with the stand-in's DomIQ source and agent; property 1 off.
  const { propertyId } = property(0);
  const source = stub.admin.prospectSources(propertyId).find((s) => s.Name === "DomIQ");
  const agent = stub.admin.employees(propertyId).find((e) => e.Name.startsWith("DomIQ"));
  const set = await run([
    "property",
    "set",
    "--property",
    propertyId,
    "--push-guest-cards",
    "on",
    "--source-id",
    source?.ID ?? "",
    "--agent-id",
    agent?.ID ?? "",
  ]);
  expect(set).toMatchObject({ code: 0, stderr: "" });
  expect(set.stdout).toContain("guest-card push on");
  // The first reconciliation links everyone ResMan already has.
  expect((await run(["reconcile", "--all"])).code).toBe(0);
});

afterAll(async () => {
  await stub?.close();
  await scratch?.drop();
});

describe("contact-sync property set|sources|agents", () => {
  it("lists the property's prospect sources and agents", async () => {
    const { propertyId } = property(0);
    const sources = JSON.parse(
      (await run(["property", "sources", "--property", propertyId, "--json"])).stdout,
    );
    expect(sources).toEqual(expect.arrayContaining([expect.objectContaining({ name: "DomIQ" })]));
    const agents = await run(["property", "agents", "--property", propertyId]);
    expect(agents.stdout).toContain("DomIQ");
  });

  it("refuses to turn the push on without a source and an agent", async () => {
    const { propertyId } = property(1);
    const refused = await run([
      "property",
      "set",
      "--property",
      propertyId,
      "--push-guest-cards",
      "on",
    ]);
    expectOneLineError(refused, 2, /needs --source-id and --agent-id/);
  });
});

describe("contact-sync push", () => {
  it("turns a captured lead into exactly one guest card, which the next reconciliation leaves alone", async () => {
    const { propertyId } = property(0);
    const contactId = await converse(propertyId, {
      first_name: "Marguerite",
      last_name: "Okonkwo",
      email: "marguerite.okonkwo@leadmail.org",
      phone: "512-555-0177",
    });
    stub.admin.clearWrites();
    const pushed = await push(propertyId);
    expect(pushed.code).toBe(0);
    expect(pushed.lines).toEqual([
      expect.objectContaining({ user_id: contactId, outcome: "created" }),
    ]);
    const [write, ...more] = stub.admin.writes();
    expect(more).toEqual([]);
    expect(write).toMatchObject({ kind: "create" });
    const personId = pushed.lines[0]?.resman_contact_id;
    expect(await linkOf(contactId)).toEqual([
      { resman_contact_id: personId, sync_status: "success", last_error: null },
    ]);
    // Nothing left to push; the reconciliation finds the person linked already.
    expect((await push(propertyId)).lines).toEqual([]);
    expect(stub.admin.writes()).toHaveLength(1);
    const reconcile = JSON.parse(
      (await run(["reconcile", "--property", propertyId, "--json"])).stdout,
    )[0];
    expect(reconcile).toMatchObject({ status: "ok", created: 0, merged: 0 });
    expect(await linkOf(contactId)).toEqual([
      expect.objectContaining({ resman_contact_id: personId }),
    ]);
  });

  it("sends a pushed prospect's later conversations as events, once each, never a card or a contact edit", async () => {
    const { propertyId } = property(0);
    const contactId = await converse(propertyId, {
      first_name: "Marguerite",
      last_name: "Okonkwo",
      email: "marguerite.okonkwo@leadmail.org",
    });
    // The chatbot found the same contact: no new lead.
    const [link] = await linkOf(contactId);
    expect(link?.sync_status).toBe("success");
    stub.admin.clearWrites();
    const pushed = await push(propertyId);
    expect(pushed.lines.map((l) => l.outcome)).toEqual(["event", "event"]);
    expect(new Set(pushed.lines.map((l) => l.resman_contact_id))).toEqual(
      new Set([link?.resman_contact_id]),
    );
    const writes = stub.admin.writes();
    expect(writes.map((w) => w.kind)).toEqual(["event", "event"]);
    for (const write of writes) {
      expect(write.fields).toMatchObject({
        firstName: null,
        lastName: null,
        email: null,
        phones: [],
      });
    }
    expect(writes.map((w) => w.fields?.comments)).toEqual([
      "Preferences updated: 2 bedrooms, move-in 2027-02-01, budget up to 1850",
      "Asked about two-bedroom units.",
    ]);
    // Once each.
    expect((await push(propertyId)).lines).toEqual([]);
    expect(stub.admin.writes()).toHaveLength(2);
  });

  it("adds the conversation to an existing prospect the lead matches, sending nothing about the person", async () => {
    const { propertyId } = property(0);
    const card = stub.admin.addProspect(propertyId, {
      people: [{ firstName: "Tobiah", lastName: "Lindqvist", email: "tobiah.l@cardmail.org" }],
    });
    const contactId = await converse(propertyId, {
      first_name: "Tobiah",
      email: "tobiah.l@cardmail.org",
    });
    stub.admin.clearWrites();
    const pushed = await push(propertyId);
    expect(pushed.lines).toEqual([
      expect.objectContaining({
        user_id: contactId,
        outcome: "event",
        resman_contact_id: card.personIds[0],
      }),
    ]);
    const writes = stub.admin.writes();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ kind: "event" });
    expect(writes[0]?.fields).toMatchObject({ firstName: null, lastName: null, email: null });
    expect(await linkOf(contactId)).toEqual([
      expect.objectContaining({ resman_contact_id: card.personIds[0], sync_status: "merged" }),
    ]);
  });

  it("writes nothing to ResMan for a lead that is a resident there, and links the lead to them", async () => {
    const { propertyId } = property(0);
    // A resident contact-sync has not read yet: the chatbot knows only a lead.
    const resident = stub.admin.addResident(propertyId, {
      firstName: "Elizabeth",
      lastName: "Nwachukwu",
      email: "elizabeth.n@residentmail.org",
    });
    const contactId = await converse(propertyId, {
      first_name: "Liz",
      email: "elizabeth.n@residentmail.org",
    });
    stub.admin.clearWrites();
    const pushed = await push(propertyId);
    expect(pushed.lines).toEqual([
      expect.objectContaining({
        user_id: contactId,
        outcome: "linked",
        resman_contact_id: resident.personId,
      }),
    ]);
    // Nothing at all was written to ResMan (no card, no event).
    expect(stub.admin.writes()).toEqual([]);
    expect(await linkOf(contactId)).toEqual([
      expect.objectContaining({ resman_contact_id: resident.personId, sync_status: "merged" }),
    ]);
  });

  it("never makes a second card when the answer to a create never came", async () => {
    const { propertyId } = property(0);
    const contactId = await converse(propertyId, {
      first_name: "Ysolde",
      last_name: "Ferreira",
      email: "ysolde.ferreira@leadmail.org",
    });
    stub.admin.clearWrites();
    stub.admin.fault({
      kind: "drop_after_write",
      times: 1,
      match: { path: "/MITS/PostLeadManagement4_0" },
    });
    const lost = await push(propertyId);
    expect(lost.code).toBe(1);
    expect(lost.lines).toEqual([
      expect.objectContaining({ user_id: contactId, outcome: "unknown" }),
    ]);
    const retried = await push(propertyId);
    expect(retried.lines).toEqual([
      expect.objectContaining({ user_id: contactId, outcome: "event" }),
    ]);
    expect(stub.admin.writes().filter((w) => w.kind === "create")).toHaveLength(1);
    const createdPerson = stub.admin.writes().find((w) => w.kind === "create")?.personId;
    expect(await linkOf(contactId)).toEqual([
      expect.objectContaining({ resman_contact_id: createdPerson }),
    ]);
  });

  it("sends nothing for a property with the push off", async () => {
    const { propertyId } = property(1);
    await converse(propertyId, {
      first_name: "Ansel",
      last_name: "Quade",
      email: "ansel.q@leadmail.org",
    });
    stub.admin.clearWrites();
    const all = await run(["push", "--all", "--json"]);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual([]);
    expect(stub.admin.writes()).toEqual([]);
    expectOneLineError(await run(["push", "--property", propertyId]), 2, /push is off/);
  });

  it("marks a refused card failed with ResMan's reason, and retries it on request", async () => {
    const { propertyId } = property(0);
    const contactId = await converse(propertyId, {
      first_name: "Corentin",
      last_name: "Abara",
      email: "corentin.abara@leadmail.org",
    });
    const source = stub.admin.prospectSources(propertyId).find((s) => s.Name === "DomIQ");
    await run(["property", "set", "--property", propertyId, "--source-id", "no-such-source"]);
    const refused = await push(propertyId);
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual([
      expect.objectContaining({ user_id: contactId, outcome: "failed" }),
    ]);
    expect(refused.lines[0]?.error).toContain("Transaction Source could not be found");
    expect(await linkOf(contactId)).toEqual([
      expect.objectContaining({ sync_status: "failed", resman_contact_id: null }),
    ]);
    // Not tried again on its own; once the source is fixed, --retry-failed sends it.
    await run(["property", "set", "--property", propertyId, "--source-id", source?.ID ?? ""]);
    expect((await push(propertyId)).lines).toEqual([]);
    const fixed = await push(propertyId, "--retry-failed");
    expect(fixed.lines).toEqual([expect.objectContaining({ outcome: "created" })]);
    expect(await linkOf(contactId)).toEqual([expect.objectContaining({ sync_status: "success" })]);
  });

  it("never prints names, emails or credentials", () => {
    const all = printed.join("\n");
    for (const secret of [API_KEY, PARTNER_ID, "Marguerite", "okonkwo", "leadmail.org", "Tobiah"]) {
      expect(all.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  });
});
