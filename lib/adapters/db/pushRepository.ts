/**
 * The guest-card push's state in the database (`PushStore`): the push settings (columns of
 * `property`), the leads waiting to reach ResMan (read from their links, contacts and enrichment
 * log), and `guest_card_push`, written in one transaction with the lead's link.
 */
import { and, eq, isNull, or, sql } from "drizzle-orm";
import type { LeadCustomer, LeadPhoneType, LeadPreferences } from "../../app/ports/guestCards.js";
import type {
  EventPushResult,
  PushAttempt,
  PushResult,
  PushSettings,
  PushStore,
  WaitingEvent,
  WaitingLead,
} from "../../app/ports/pushStore.js";
import type { PhoneType } from "../../domain/person.js";
import type { Database } from "./client.js";
import { toStoreError } from "./errors.js";
import { contactSync, guestCardPush, property } from "./schema.js";
import { executeRows, parseJson } from "./sqlRows.js";

/** A push left `sending` this long is taken for a crashed one (and searched for again). */
const STALE_SENDING = "5 minutes";

/** MITS phone types of ours, the preferred number first. */
const phoneOrder: [PhoneType, LeadPhoneType][] = [
  ["mobile", "cell"],
  ["home", "home"],
  ["work", "office"],
];

interface StoredPhone {
  type: PhoneType;
  raw: string;
  e164: string;
}

interface WaitingRow {
  contact_id: string;
  link_id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phones: StoredPhone[] | string | null;
  first_contact_at: Date | string;
  preferences: Record<string, unknown> | string | null;
  summary: string | null;
  push_status: "sending" | "sent" | "unknown" | "failed" | null;
  push_attempts: number | null;
}

/** An earlier attempt as recorded, from a row's push columns (none when no row joined). */
function attemptOf(
  status: PushAttempt["status"] | null,
  attempts: number | null,
): PushAttempt | null {
  return status === null ? null : { status, attempts: attempts ?? 0 };
}

/** The push key of a lead's guest card. */
function cardKey(linkId: string): string {
  return `card:${linkId}`;
}

/** The push key of the event an enrichment becomes. */
function eventKey(enrichmentId: string): string {
  return `event:${enrichmentId}`;
}

function customerOf(row: WaitingRow): LeadCustomer {
  const phones = row.phones === null ? [] : parseJson(row.phones);
  const phone = phoneOrder
    .map(([ours, mits]) => {
      const found = phones.find((p) => p.type === ours);
      return found === undefined ? null : { number: found.raw, type: mits };
    })
    .find((p) => p !== null);
  return {
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: phone ?? null,
  };
}

function preferencesOf(json: WaitingRow["preferences"]): LeadPreferences | null {
  if (json === null) return null;
  const data = parseJson(json) as { preferences?: Record<string, unknown> };
  const p = data.preferences ?? {};
  const number = (value: unknown) => (typeof value === "number" ? value : null);
  const preferences = {
    moveInDate: typeof p.move_in_date === "string" ? p.move_in_date : null,
    bedrooms: number(p.bedrooms),
    rent: number(p.budget_max),
  };
  return Object.values(preferences).every((v) => v === null) ? null : preferences;
}

export class DrizzlePushStore implements PushStore {
  constructor(private readonly db: Database) {}

  async pushSettings(propertyId: string): Promise<PushSettings | null> {
    try {
      const [row] = await this.db
        .select({
          enabled: property.pushGuestCards,
          sourceId: property.pushSourceId,
          agentId: property.pushAgentId,
        })
        .from(property)
        .where(eq(property.id, propertyId));
      return row ?? null;
    } catch (error) {
      throw toStoreError(error, "read push settings");
    }
  }

  async setPushSettings(target: string, settings: Partial<PushSettings>) {
    try {
      const rows = await this.db
        .update(property)
        .set({
          ...(settings.enabled === undefined ? {} : { pushGuestCards: settings.enabled }),
          ...(settings.sourceId === undefined ? {} : { pushSourceId: settings.sourceId }),
          ...(settings.agentId === undefined ? {} : { pushAgentId: settings.agentId }),
          updatedAt: sql`now()`,
        })
        .where(or(eq(property.resmanPropertyId, target), eq(property.id, target)))
        .returning();
      const row = rows.find((r) => r.resmanPropertyId === target) ?? rows[0];
      if (row === undefined) return null;
      return {
        propertyId: row.id,
        resmanPropertyId: row.resmanPropertyId,
        enabled: row.pushGuestCards,
        sourceId: row.pushSourceId,
        agentId: row.pushAgentId,
      };
    } catch (error) {
      throw toStoreError(error, "change push settings");
    }
  }

  async waitingLeads(
    propertyId: string,
    options: { includeFailed: boolean; limit: number },
  ): Promise<WaitingLead[]> {
    try {
      const rows = await executeRows<WaitingRow>(
        this.db,
        sql`select u.id as contact_id, cs.id as link_id, u.first_name, u.last_name, u.email,
            u.phones, cs.created_at as first_contact_at,
            (select e.enriched_data from contact_enrichment_log e
              where e.contact_id = u.id and e.enrichment_type = 'preferences'
              order by e.created_at desc limit 1) as preferences,
            (select e.enriched_data ->> 'summary' from contact_enrichment_log e
              where e.contact_id = u.id and e.enrichment_type = 'conversation_data'
                and e.enriched_data ? 'summary'
              order by e.created_at desc limit 1) as summary,
            gp.status as push_status, gp.attempts as push_attempts
          from contact_sync cs
          join "user" u on u.id = cs.user_id and u.property_id = cs.property_id
          left join guest_card_push gp
            on gp.property_id = cs.property_id and gp.key = 'card:' || cs.id::text
          where cs.property_id = ${propertyId} and cs.resman_contact_id is null
            and u.kind = 'lead' and u.merged_into_id is null
            and (gp.id is null or gp.status = 'unknown'
              or (gp.status = 'sending' and gp.updated_at < now() - ${STALE_SENDING}::interval)
              or (${options.includeFailed} and gp.status = 'failed'))
          order by cs.created_at, cs.id
          limit ${options.limit}`,
      );
      return rows.map((row) => ({
        propertyId,
        contactId: row.contact_id,
        linkId: row.link_id,
        customer: customerOf(row),
        preferences: preferencesOf(row.preferences),
        summary: row.summary === null ? null : row.summary.slice(0, 2000),
        firstContactAt: new Date(row.first_contact_at).toISOString(),
        previous: attemptOf(row.push_status, row.push_attempts),
      }));
    } catch (error) {
      throw toStoreError(error, "read waiting leads");
    }
  }

  startPush(lead: WaitingLead): Promise<boolean> {
    return this.claim(lead, cardKey(lead.linkId));
  }

  startEventPush(event: WaitingEvent): Promise<boolean> {
    return this.claim(event, eventKey(event.enrichmentId));
  }

  /** Records that a push starts (`sending`, one more attempt) unless one is under way or sent. */
  private async claim(
    subject: { propertyId: string; contactId: string; linkId: string },
    key: string,
  ): Promise<boolean> {
    try {
      const rows = await this.db
        .insert(guestCardPush)
        .values({
          propertyId: subject.propertyId,
          contactId: subject.contactId,
          linkId: subject.linkId,
          key,
          status: "sending",
          attempts: 1,
        })
        .onConflictDoUpdate({
          target: [guestCardPush.propertyId, guestCardPush.key],
          set: {
            status: "sending",
            attempts: sql`${guestCardPush.attempts} + 1`,
            updatedAt: sql`now()`,
          },
          // Another push of this lead is under way, or it was sent: leave it.
          setWhere: sql`${guestCardPush.status} in ('unknown', 'failed')
            or (${guestCardPush.status} = 'sending'
              and ${guestCardPush.updatedAt} < now() - ${STALE_SENDING}::interval)`,
        })
        .returning({ id: guestCardPush.id });
      return rows.length > 0;
    } catch (error) {
      throw toStoreError(error, "start push");
    }
  }

  async finishPush(lead: WaitingLead, result: PushResult): Promise<void> {
    const key = cardKey(lead.linkId);
    try {
      await this.db.transaction(async (tx) => {
        if (result.status === "sent") {
          // The person may be linked already (a reconciliation got there first): then this
          // lead's link stays as it is and the push only records what ResMan said.
          const [taken] = await tx
            .select({ id: contactSync.id })
            .from(contactSync)
            .where(
              and(
                eq(contactSync.propertyId, lead.propertyId),
                eq(contactSync.personId, result.personId),
              ),
            );
          if (taken === undefined) {
            await tx
              .update(contactSync)
              .set({
                personId: result.personId,
                syncStatus: result.outcome === "created" ? "success" : "merged",
                resmanStatus: result.resmanStatus,
                lastError: null,
                lastSyncAt: sql`now()`,
              })
              .where(and(eq(contactSync.id, lead.linkId), isNull(contactSync.personId)));
          }
        } else if (result.status === "failed") {
          await tx
            .update(contactSync)
            .set({
              syncStatus: "failed",
              lastError: `guest card refused: ${result.error}`.slice(0, 500),
              attempts: sql`${contactSync.attempts} + 1`,
            })
            .where(and(eq(contactSync.id, lead.linkId), isNull(contactSync.personId)));
        }
        await tx
          .update(guestCardPush)
          .set({
            status: result.status,
            outcome: result.status === "sent" ? result.outcome : null,
            resmanProspectId: result.status === "sent" ? result.prospectId : null,
            resmanPersonId: result.status === "sent" ? result.personId : null,
            lastError: result.status === "sent" ? null : result.error.slice(0, 500),
            updatedAt: sql`now()`,
          })
          .where(and(eq(guestCardPush.propertyId, lead.propertyId), eq(guestCardPush.key, key)));
      });
    } catch (error) {
      throw toStoreError(error, "finish push");
    }
  }

  async waitingEvents(propertyId: string, options: { limit: number }): Promise<WaitingEvent[]> {
    try {
      const rows = await executeRows<{
        enrichment_id: string;
        contact_id: string;
        link_id: string;
        kind: WaitingEvent["kind"];
        data: Record<string, unknown> | string | null;
        occurred_at: Date | string;
        prospect_id: string;
        person_id: string;
        push_status: "sending" | "sent" | "unknown" | "failed" | null;
        push_attempts: number | null;
      }>(
        this.db,
        sql`select e.id as enrichment_id, e.contact_id, card.link_id, e.enrichment_type as kind,
            e.enriched_data as data, e.created_at as occurred_at,
            card.resman_prospect_id as prospect_id, card.resman_person_id as person_id,
            ep.status as push_status, ep.attempts as push_attempts
          from guest_card_push card
          join contact_sync cs on cs.id = card.link_id
            and cs.resman_contact_id = card.resman_person_id
            and cs.resman_status in ('prospect', 'lost')
          join "user" u on u.id = card.user_id and u.merged_into_id is null
          join contact_enrichment_log e on e.contact_id = card.user_id and e.source = 'chatbot'
            and e.created_at > card.updated_at
          left join guest_card_push ep
            on ep.property_id = card.property_id and ep.key = 'event:' || e.id::text
          where card.property_id = ${propertyId} and card.key like 'card:%'
            and card.status = 'sent' and card.outcome in ('created', 'event')
            and (ep.id is null or ep.status = 'unknown'
              or (ep.status = 'sending' and ep.updated_at < now() - ${STALE_SENDING}::interval))
          order by e.created_at, e.id
          limit ${options.limit}`,
      );
      return rows.map((row) => ({
        propertyId,
        contactId: row.contact_id,
        linkId: row.link_id,
        enrichmentId: row.enrichment_id,
        kind: row.kind,
        data: row.data === null ? {} : parseJson(row.data),
        occurredAt: new Date(row.occurred_at).toISOString(),
        prospect: { prospectId: row.prospect_id, personId: row.person_id },
        previous: attemptOf(row.push_status, row.push_attempts),
      }));
    } catch (error) {
      throw toStoreError(error, "read waiting events");
    }
  }

  async finishEventPush(event: WaitingEvent, result: EventPushResult): Promise<void> {
    try {
      await this.db
        .update(guestCardPush)
        .set({
          status: result.status,
          outcome: result.status === "sent" ? (result.skipped ? "skipped" : "event") : null,
          resmanProspectId: event.prospect.prospectId,
          resmanPersonId: event.prospect.personId,
          lastError: result.status === "sent" ? null : result.error.slice(0, 500),
          updatedAt: sql`now()`,
        })
        .where(
          and(
            eq(guestCardPush.propertyId, event.propertyId),
            eq(guestCardPush.key, eventKey(event.enrichmentId)),
          ),
        );
    } catch (error) {
      throw toStoreError(error, "finish event push");
    }
  }
}
