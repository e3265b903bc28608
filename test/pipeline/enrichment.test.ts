/**
 * Chatbot enrichment through the sync worker, on real Postgres: matching by email/phone with
 * the sync path's matcher, new leads with a pending link, one log row per event, conversations
 * that find their contact again, and the household guard.
 */
import { randomUUID } from "node:crypto";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import "aws-sdk-client-mock-vitest/extend";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../lib/adapters/db/client.js";
import { contactEnrichmentLog, contactSync, user } from "../../lib/adapters/db/schema.js";
import type { ChatbotEvent } from "../../lib/domain/events.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";
import {
  chatbotMessage,
  counts,
  envelope,
  linkOf,
  PEOPLE,
  RESMAN_PROPERTY,
  record,
  resetPipelineTables,
  resmanMessage,
  sqsEvent,
  workerOn,
} from "./support.js";

let database: TestDatabase;
let db: Database;
let propertyId: string;

beforeAll(async () => {
  database = await openTestDatabase("pg");
  db = database.handle.db;
});
afterAll(() => database.cleanup());

beforeEach(async () => {
  await resetPipelineTables(db);
  const property = await workerOn(db).stores.properties.ensureResmanProperty({
    resmanPropertyId: RESMAN_PROPERTY,
    resmanAccountId: 4321,
  });
  propertyId = property.id;
});

function captured(
  contact: ChatbotEvent["detail"]["contact"],
  conversationId = randomUUID(),
): ChatbotEvent {
  return {
    detail_type: "Contact Captured",
    detail: {
      event_id: randomUUID(),
      property_id: propertyId,
      conversation_id: conversationId,
      occurred_at: "2026-11-24T18:00:00Z",
      contact,
      channel: "web",
    },
  };
}

function preferences(conversationId: string): ChatbotEvent {
  return {
    detail_type: "Preferences Updated",
    detail: {
      event_id: randomUUID(),
      property_id: propertyId,
      conversation_id: conversationId,
      occurred_at: "2026-11-24T18:05:00Z",
      contact: {},
      preferences: { bedrooms: 2, move_in_date: "2027-01-15", budget_max: 1850, pets: true },
    },
  };
}

async function logRows() {
  return db.select().from(contactEnrichmentLog).orderBy(contactEnrichmentLog.createdAt);
}

describe("chatbot enrichment", () => {
  it("a contact nobody knows becomes a lead with a pending link and one log row", async () => {
    const worker = workerOn(db);
    const event = captured({
      email: PEOPLE.tobias.email,
      first_name: PEOPLE.tobias.first_name,
      phone: PEOPLE.tobias.phone,
    });
    expect(await worker.run(sqsEvent(record(chatbotMessage(event))))).toEqual({
      batchItemFailures: [],
    });
    const [contact] = await db.select().from(user);
    expect(contact).toMatchObject({
      kind: "lead",
      email: PEOPLE.tobias.email,
      firstName: PEOPLE.tobias.first_name,
      propertyId,
    });
    expect(contact?.phoneKeys).toEqual(["+15125550148"]);
    expect(contact?.fieldSources).toMatchObject({ email: "domiq", firstName: "domiq" });
    const links = await db.select().from(contactSync);
    expect(links).toEqual([
      expect.objectContaining({
        userId: contact?.id,
        personId: null,
        syncStatus: "pending",
      }),
    ]);
    const rows = await logRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      contactId: contact?.id,
      enrichmentType: "conversation_data",
      source: "chatbot",
      eventId: event.detail.event_id,
      conversationId: event.detail.conversation_id,
    });
    // The log row holds what the chatbot learned, not the contact block (that is on the contact).
    expect(JSON.stringify(rows[0]?.enrichedData)).not.toContain(PEOPLE.tobias.email);
    expect(worker.eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it("matches the ResMan contact by email and enriches it, filling only what it lacks", async () => {
    const worker = workerOn(db);
    const personId = randomUUID();
    await worker.run(
      sqsEvent(record(resmanMessage(envelope({ person: { person_id: personId, phones: [] } })))),
    );
    const link = await linkOf(db, personId);
    const event = captured({
      email: PEOPLE.marisol.email.toUpperCase(),
      first_name: PEOPLE.marisol.first_name,
      last_name: "Someone-Else",
      phone: PEOPLE.marisol.phone,
    });
    await worker.run(sqsEvent(record(chatbotMessage(event))));
    expect(await counts(db)).toMatchObject({ contacts: 1, links: 1, enrichments: 1 });
    const [contact] = await db.select().from(user);
    expect(contact?.id).toBe(link?.userId);
    // ResMan's last name stays (resman_wins); the missing phone comes from the chatbot.
    expect(contact).toMatchObject({ lastName: PEOPLE.marisol.last_name });
    expect(contact?.phoneKeys).toEqual(["+15125550147"]);
    expect(contact?.fieldSources).toMatchObject({ lastName: "resman", "phones.mobile": "domiq" });
    expect((await logRows())[0]?.contactId).toBe(contact?.id);
  });

  it("the same event delivered 5× (in parallel) writes one log row", async () => {
    const worker = workerOn(db);
    const message = chatbotMessage(captured({ email: PEOPLE.tobias.email }));
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => worker.run(sqsEvent(record(message)))),
    );
    for (const response of responses) expect(response).toEqual({ batchItemFailures: [] });
    expect(await counts(db)).toMatchObject({ contacts: 1, links: 1, enrichments: 1, inbox: 1 });
  });

  it("later events of a conversation without contact details find the same contact", async () => {
    const worker = workerOn(db);
    const conversationId = randomUUID();
    await worker.run(
      sqsEvent(record(chatbotMessage(captured({ email: PEOPLE.tobias.email }, conversationId)))),
    );
    await worker.run(sqsEvent(record(chatbotMessage(preferences(conversationId)))));
    const rows = await logRows();
    expect(rows.map((r) => r.enrichmentType)).toEqual(["conversation_data", "preferences"]);
    expect(new Set(rows.map((r) => r.contactId)).size).toBe(1);
    expect(rows[1]?.enrichedData).toMatchObject({
      detail_type: "Preferences Updated",
      preferences: { bedrooms: 2, budget_max: 1850 },
    });
    expect(await counts(db)).toMatchObject({ contacts: 1 });
  });

  it("a shared email with a different first name never merges (household guard)", async () => {
    const worker = workerOn(db);
    await worker.run(sqsEvent(record(resmanMessage(envelope()))));
    // Tobias writes from the household's shared address.
    const event = captured({ email: PEOPLE.marisol.email, first_name: PEOPLE.tobias.first_name });
    await worker.run(sqsEvent(record(chatbotMessage(event))));
    const contacts = await db.select().from(user).orderBy(user.createdAt);
    expect(contacts.map((c) => c.firstName)).toEqual([
      PEOPLE.marisol.first_name,
      PEOPLE.tobias.first_name,
    ]);
    expect(contacts[1]?.kind).toBe("lead");
  });

  it("the property office's own phone is never a match key", async () => {
    const worker = workerOn(db);
    await db.execute(
      `update property set office_phone = '${PEOPLE.marisol.phone}' where id = '${propertyId}'`,
    );
    await worker.run(sqsEvent(record(resmanMessage(envelope({ person: { email: undefined } })))));
    await worker.run(
      sqsEvent(record(chatbotMessage(captured({ phone: PEOPLE.marisol.phone, first_name: "Jo" })))),
    );
    const contacts = await db.select().from(user);
    expect(contacts).toHaveLength(2);
    for (const contact of contacts) expect(contact.phoneKeys).toEqual([]);
  });

  it("an event for an unknown property is acknowledged and writes nothing", async () => {
    const worker = workerOn(db);
    const event = captured({ email: PEOPLE.tobias.email });
    event.detail.property_id = randomUUID();
    expect(await worker.run(sqsEvent(record(chatbotMessage(event))))).toEqual({
      batchItemFailures: [],
    });
    expect(await counts(db)).toMatchObject({ contacts: 0, links: 0, enrichments: 0, inbox: 0 });
  });

  it("a lead later linked by ResMan keeps its enrichment history", async () => {
    const worker = workerOn(db);
    await worker.run(
      sqsEvent(
        record(
          chatbotMessage(
            captured({ email: PEOPLE.marisol.email, first_name: PEOPLE.marisol.first_name }),
          ),
        ),
      ),
    );
    const personId = randomUUID();
    await worker.run(
      sqsEvent(record(resmanMessage(envelope({ person: { person_id: personId } })))),
    );
    const link = await linkOf(db, personId);
    expect(link?.syncStatus).toBe("merged");
    // The lead's placeholder link gave way to the ResMan link.
    expect(await db.select().from(contactSync)).toEqual([
      expect.objectContaining({ personId: personId, userId: link?.userId }),
    ]);
    const [row] = await logRows();
    expect(row?.contactId).toBe(link?.userId);
    const [contact] = await db
      .select()
      .from(user)
      .where(eq(user.id, String(link?.userId)));
    expect(contact?.kind).toBe("prospect");
  });

  it("an event costs two statements: one read and one guarded write", async () => {
    const worker = workerOn(db);
    const calls: string[] = [];
    const store = worker.pipeline.store;
    const read = store.readEnrichment.bind(store);
    const write = store.writeEnrichmentGuarded.bind(store);
    const transaction = store.transaction.bind(store);
    store.readEnrichment = (...args) => {
      calls.push("read");
      return read(...args);
    };
    store.writeEnrichmentGuarded = (...args) => {
      calls.push("write");
      return write(...args);
    };
    store.transaction = (work) => {
      calls.push("transaction");
      return transaction(work);
    };
    await worker.run(sqsEvent(record(chatbotMessage(captured({ email: PEOPLE.tobias.email })))));
    expect(calls).toEqual(["read", "write"]);
    expect(await counts(db)).toMatchObject({ contacts: 1, enrichments: 1 });
  });

  it("a chatbot event and a ResMan person for the same person, at once, end as one contact", async () => {
    for (let round = 0; round < 8; round += 1) {
      await resetPipelineTables(db);
      const worker = workerOn(db);
      const property = await worker.stores.properties.ensureResmanProperty({
        resmanPropertyId: RESMAN_PROPERTY,
        resmanAccountId: 4321,
      });
      propertyId = property.id;
      const chatbot = chatbotMessage(
        captured({ email: PEOPLE.marisol.email, first_name: PEOPLE.marisol.first_name }),
      );
      const resman = resmanMessage(envelope());
      await Promise.all([
        worker.run(sqsEvent(record(chatbot))),
        worker.run(sqsEvent(record(resman))),
      ]);
      expect(await counts(db)).toMatchObject({ contacts: 1, enrichments: 1 });
    }
  });
});
