/**
 * Event contracts (design §5): the signed ResMan webhook envelope, the chatbot's EventBridge
 * details, the sync queue's message and the outbound events. Every inbound contract ignores
 * unknown fields; the JSON Schemas in `schemas/` are generated from these.
 */

import { guidSchema as guid, personStatuses, resmanPersonSchema } from "./person.js";
import * as z from "./zod.js";

// Lenient on purpose: ResMan GUIDs need not carry RFC 4122 version bits.
const uuid = guid;
const isoDateTime = z.iso.datetime({ offset: true });
/**
 * An id chosen by a sender (webhook-id, chatbot event_id): printable, bounded. The webhook checks
 * a delivery's webhook-id with it before the body is read.
 */
export const eventIdSchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(200),
    z.regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"),
  );

// ---------------------------------------------------------------------------------------------
// ResMan webhook (POST /webhooks/resman)

export const webhookEventTypes = ["person.upserted", "person.deactivated"] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** The person block of a webhook: the sync path's person, with ResMan's GUID ids required. */
export const webhookPersonSchema = z.extend(resmanPersonSchema, {
  person_id: guid,
  prospect_id: z.optional(guid),
  lease_id: z.optional(guid),
  status: z.enum(personStatuses),
  last_modified: isoDateTime,
});

export const webhookEnvelopeSchema = z.object({
  type: z.enum(webhookEventTypes),
  occurred_at: isoDateTime,
  account_id: z.int().check(z.positive(), z.maximum(2_147_483_647)),
  property_id: guid,
  person: webhookPersonSchema,
});
export type WebhookEnvelope = z.infer<typeof webhookEnvelopeSchema>;

// ---------------------------------------------------------------------------------------------
// Chatbot events (EventBridge, source `domiq.chatbot`)

export const CHATBOT_SOURCE = "domiq.chatbot";

export const chatbotContactSchema = z.object({
  email: z.optional(z.string().check(z.maxLength(320))),
  phone: z.optional(z.string().check(z.maxLength(40))),
  first_name: z.optional(z.string().check(z.maxLength(200))),
  last_name: z.optional(z.string().check(z.maxLength(200))),
});

const chatbotBase = {
  event_id: eventIdSchema,
  /** DomIQ's property id (`property.id`), not ResMan's. */
  property_id: uuid,
  conversation_id: z.string().check(z.minLength(1), z.maxLength(200)),
  occurred_at: isoDateTime,
  contact: z._default(chatbotContactSchema, {}),
};

const shortText = z.string().check(z.maxLength(200));

export const contactCapturedSchema = z.object({
  ...chatbotBase,
  channel: z.optional(shortText),
});

export const preferencesSchema = z.object({
  bedrooms: z.optional(z.int().check(z.minimum(0), z.maximum(20))),
  bathrooms: z.optional(z.number().check(z.minimum(0), z.maximum(20))),
  move_in_date: z.optional(z.iso.date()),
  budget_min: z.optional(z.number().check(z.minimum(0), z.maximum(1_000_000))),
  budget_max: z.optional(z.number().check(z.minimum(0), z.maximum(1_000_000))),
  pets: z.optional(z.boolean()),
  pet_types: z.optional(z.array(shortText).check(z.maxLength(10))),
  parking: z.optional(z.boolean()),
  floor_plan: z.optional(shortText),
  lease_term_months: z.optional(z.int().check(z.minimum(1), z.maximum(60))),
});

export const preferencesUpdatedSchema = z.object({
  ...chatbotBase,
  preferences: preferencesSchema,
});

export const conversationCompletedSchema = z.object({
  ...chatbotBase,
  summary: z.optional(z.string().check(z.maxLength(4000))),
  intent: z.optional(shortText),
  message_count: z.optional(z.int().check(z.minimum(0), z.maximum(100_000))),
  channel: z.optional(shortText),
});

export const interactionTypes = [
  "tour_scheduled",
  "tour_rescheduled",
  "tour_cancelled",
  "question_asked",
  "application_started",
  "callback_requested",
  "other",
] as const;

export const interactionLoggedSchema = z.object({
  ...chatbotBase,
  interaction: z.object({
    type: z.enum(interactionTypes),
    at: z.optional(isoDateTime),
    /** Free text the chatbot attaches (question topic, tour slot…). */
    details: z.optional(z.string().check(z.maxLength(2000))),
  }),
});

/** EventBridge `detail-type` → schema of `detail`. */
export const chatbotDetailSchemas = {
  "Contact Captured": contactCapturedSchema,
  "Preferences Updated": preferencesUpdatedSchema,
  "Conversation Completed": conversationCompletedSchema,
  "Interaction Logged": interactionLoggedSchema,
} as const;
export type ChatbotDetailType = keyof typeof chatbotDetailSchemas;
export const chatbotDetailTypes = Object.keys(chatbotDetailSchemas) as ChatbotDetailType[];

/** A chatbot event as the sync path carries it: the detail-type next to its detail. */
export const chatbotEventSchema = z.discriminatedUnion("detail_type", [
  z.object({ detail_type: z.literal("Contact Captured"), detail: contactCapturedSchema }),
  z.object({ detail_type: z.literal("Preferences Updated"), detail: preferencesUpdatedSchema }),
  z.object({
    detail_type: z.literal("Conversation Completed"),
    detail: conversationCompletedSchema,
  }),
  z.object({ detail_type: z.literal("Interaction Logged"), detail: interactionLoggedSchema }),
]);
export type ChatbotEvent = z.infer<typeof chatbotEventSchema>;

/** Which `contact_enrichment_log.enrichment_type` each chatbot event becomes. */
export const enrichmentTypeOf: Record<
  ChatbotDetailType,
  "conversation_data" | "preferences" | "interaction_history"
> = {
  "Contact Captured": "conversation_data",
  "Preferences Updated": "preferences",
  "Conversation Completed": "conversation_data",
  "Interaction Logged": "interaction_history",
};

// ---------------------------------------------------------------------------------------------
// Sync queue message (SQS body): everything the worker processes.

export const syncMessageSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("resman"),
    /** The delivery id (webhook-id, or a reconciliation id): the inbox key. */
    event_id: eventIdSchema,
    envelope: webhookEnvelopeSchema,
  }),
  z.object({
    kind: z.literal("chatbot"),
    event: chatbotEventSchema,
  }),
]);
export type SyncMessage = z.infer<typeof syncMessageSchema>;

/** The inbox key of a message: which source, which id. */
export function messageEventKey(message: SyncMessage): { source: string; id: string } {
  return message.kind === "resman"
    ? { source: "resman", id: message.event_id }
    : { source: "chatbot", id: message.event.detail.event_id };
}

// ---------------------------------------------------------------------------------------------
// Outbound events (EventBridge, source `contact-sync`): ids and status only.

export const OUTBOUND_SOURCE = "contact-sync";

export const outboundEventTypes = [
  "contact.synced",
  "contact.merged",
  "contact.review_required",
  "contact.unmerged",
] as const;
export type OutboundEventType = (typeof outboundEventTypes)[number];

export const outboundDetailSchema = z.object({
  /** The outbox row id: consumers deduplicate on it (delivery is at least once). */
  event_id: uuid,
  property_id: uuid,
  contact_id: uuid,
  /**
   * The other contact of a merge or unmerge of two contacts: the one merged away into
   * `contact_id` (`contact.merged`), or the one split off again (`contact.unmerged`).
   * Absent on every other event (a person linked by matching merges no second contact).
   */
  merged_contact_id: z.optional(uuid),
  link_id: z.nullable(uuid),
  /** ResMan PersonID of the link, when the event is about one. */
  resman_person_id: z.nullable(z.string().check(z.maxLength(100))),
  status: z.enum(["pending", "success", "failed", "merged"]),
  match_score: z.nullable(z.number()),
  occurred_at: isoDateTime,
});
export type OutboundDetail = z.infer<typeof outboundDetailSchema>;

export interface OutboundEvent {
  type: OutboundEventType;
  detail: OutboundDetail;
}

/**
 * The status a deactivated person ends in: a prospect or applicant who leaves is `lost`, a
 * resident `former`. Deactivation only changes the link's status (and so the contact's kind);
 * it never deletes a contact.
 */
export function deactivatedStatus(
  status: (typeof personStatuses)[number],
): (typeof personStatuses)[number] {
  if (status === "resident" || status === "former") return "former";
  return "lost";
}
