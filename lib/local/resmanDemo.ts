/**
 * `npm start`'s ResMan part: an in-process ResMan stand-in with one seeded community, registered
 * for reconciliation with the guest-card push on; one reconciliation through the sync path, one
 * demo chatbot conversation, and the push of its lead as a guest card. Prints ids and counts
 * only, and how to reach the stand-in from other terminals while `start` keeps serving.
 *
 * Before the first reconciliation the community gets two guest cards of one person that score
 * in the review band (`resmanStub/drift.ts`), so the first start leaves an open review item.
 * Each later cycle (the local schedule) first lets the community drift — a changed phone or
 * email, a new prospect, every third cycle a second card of someone — then reconciles and
 * pushes, so every cycle has something to show.
 *
 * Run twice on the same database, it changes nothing: the stand-in's data, the review pair and
 * the demo conversation's event ids are the same every time (the reconciliation replays, the
 * inbox skips the conversation, nothing is waiting to be pushed); a restart's cycles replay the
 * same drift with the same PersonIDs, which the reconciliation finds linked.
 */
import type { createStores } from "../adapters/db/stores.js";
import { createGuestCardClient } from "../adapters/resman/guestCardClient.js";
import { createResmanSource } from "../adapters/resman/resmanSource.js";
import { enrichContact } from "../app/enrichContact.js";
import { systemClock } from "../app/ports/clock.js";
import type { ResmanSource } from "../app/ports/resmanSource.js";
import { pushGuestCards } from "../app/pushGuestCards.js";
import { reconcileProperty } from "../app/reconcileProperty.js";
import { syncInProcess } from "../app/syncInProcess.js";
import { formatPushLine, formatReconcileOutcome, type Output } from "../cli/output.js";
import type { ChatbotEvent } from "../domain/events.js";
import { createDrift, formatDrift } from "./resmanStub/drift.js";
import { startResmanStub } from "./resmanStub/server.js";

type Stores = ReturnType<typeof createStores>;

/** The demo conversation: fixed ids, so a second `npm start` is a replay. */
const DEMO_CONVERSATION = "demo-conversation-0001";

function demoEvents(propertyId: string): ChatbotEvent[] {
  const base = {
    property_id: propertyId,
    conversation_id: DEMO_CONVERSATION,
    occurred_at: "2026-12-01T15:00:00Z",
    // Fictional: not a person.
    contact: {
      first_name: "Rosalind",
      last_name: "Achterberg",
      email: "rosalind.achterberg@demo-leads.net",
    },
  };
  return [
    { detail_type: "Contact Captured", detail: { ...base, event_id: "demo-event-0001" } },
    {
      detail_type: "Preferences Updated",
      detail: {
        ...base,
        event_id: "demo-event-0002",
        preferences: { bedrooms: 2, move_in_date: "2027-03-01", budget_max: 1900 },
      },
    },
    {
      detail_type: "Conversation Completed",
      detail: { ...base, event_id: "demo-event-0003", summary: "Asked about two-bedroom units." },
    },
  ] as ChatbotEvent[];
}

/** The running stand-in, for the commands of other terminals; `close` stops it. */
export interface ResmanDemo {
  /**
   * One more scheduled cycle: the community drifts (the next cycle's changes), then, as the
   * schedule runs it on AWS, the community is reconciled and its waiting leads pushed. Resolves
   * with the lines to print (ids and counts only): the drift, the reconciliation, the pushes.
   */
  cycle(): Promise<string[]>;
  /** The stand-in as a ResMan source (the console's Retry reads it). */
  source: ResmanSource;
  close(): Promise<void>;
}

export async function runResmanDemo(stores: Stores, out: Output): Promise<ResmanDemo> {
  const stub = await startResmanStub({ properties: 1, people: 40 });
  try {
    const [community] = stub.properties;
    if (community === undefined) throw new Error("the stand-in has no property");
    const drift = createDrift(stub.admin, community.propertyId);
    drift.seedReviewPair();
    const { property } = await stores.reconcile.register({
      resmanPropertyId: community.propertyId,
      resmanAccountId: community.accountId,
      name: community.name,
      api: "v2",
      enabled: true,
    });
    const source = stub.admin.prospectSources(community.propertyId).find((s) => s.Name === "DomIQ");
    const agent = stub.admin
      .employees(community.propertyId)
      .find((e) => e.Name.startsWith("DomIQ"));
    await stores.push.setPushSettings(property.id, {
      enabled: true,
      sourceId: source?.ID ?? null,
      agentId: agent?.ID ?? null,
    });
    const credentials = { partnerId: stub.partnerId, apiKey: stub.apiKey };
    const resman = createResmanSource({ v2Url: stub.v2Url, v1Url: stub.v1Url, ...credentials });
    const reconcile = () =>
      reconcileProperty(
        {
          source: resman,
          store: stores.reconcile,
          sink: syncInProcess({
            store: stores.contacts,
            properties: stores.properties,
            clock: systemClock,
          }),
          clock: systemClock,
          settings: { backfillSince: new Date("2000-01-01T00:00:00Z"), rosterHours: 24 },
        },
        property,
      );
    const push = () =>
      pushGuestCards(
        {
          store: stores.push,
          guestCards: createGuestCardClient({ v1Url: stub.v1Url, ...credentials }),
          source: resman,
          clock: systemClock,
        },
        property,
      );
    out.write(`Reconciled ${community.name} from the in-process ResMan stand-in:\n`);
    out.write(`  ${formatReconcileOutcome(await reconcile())}\n\n`);

    const deps = { store: stores.contacts, properties: stores.properties, clock: systemClock };
    for (const event of demoEvents(property.id)) await enrichContact(deps, event);
    const lines = await push();
    out.write("A demo chatbot conversation, its lead pushed to ResMan as a guest card:\n");
    if (lines.length === 0) out.write("  nothing waiting (pushed by an earlier start)\n");
    for (const line of lines) out.write(`  ${formatPushLine(community.propertyId, line)}\n`);
    out.write(
      `\nResMan stand-in: RESMAN_V2_URL=${stub.v2Url} RESMAN_V1_URL=${stub.v1Url} ` +
        `RESMAN_INTEGRATION_PARTNER_ID=${stub.partnerId} RESMAN_API_KEY=${stub.apiKey} ` +
        "(local test values; `contact-sync reconcile` and `push` in other terminals reach it while this runs)\n\n",
    );
    let cycles = 0;
    const cycle = async () => {
      cycles += 1;
      const drifted = formatDrift(drift.apply(cycles));
      return [
        drifted,
        formatReconcileOutcome(await reconcile()),
        ...(await push()).map((line) => formatPushLine(community.propertyId, line)),
      ];
    };
    return { cycle, source: resman, close: () => stub.close() };
  } catch (error) {
    await stub.close();
    throw error;
  }
}
