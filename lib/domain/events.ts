/**
 * Event contracts (design §5): the signed ResMan webhook envelope, the chatbot's EventBridge
 * details, the sync queue's message and the outbound events. Every inbound contract ignores
 * unknown fields; the JSON Schemas in `schemas/` are generated from these.
 */
import * as z from "zod";
import { isGuid, personStatuses, resmanPersonSchema } from "./person.js";

const guid = z.string().refine(isGuid, { message: "must be a GUID" });
// Lenient on purpose: ResMan GUIDs need not carry RFC 4122 version bits.
const uuid = guid;
const isoDateTime = z.iso.datetime({ offset: true });
/** An id chosen by a sender (webhook-id, chatbot event_id): printable, bounded. */
const eventId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

// ---------------------------------------------------------------------------------------------
// ResMan webhook (POST /webhooks/resman)

export const webhookEventTypes = ["person.upserted", "person.deactivated"] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** The person block of a webhook: the sync path's person, with ResMan's GUID ids required. */
export const webhookPersonSchema = resmanPersonSchema.extend({
  person_id: guid,
  prospect_id: guid.optional(),
  lease_id: guid.optional(),
  status: z.enum(personStatuses),
  last_modified: isoDateTime,
});

export const webhookEnvelopeSchema = z.object({
  type: z.enum(webhookEventTypes),
  occurred_at: isoDateTime,
  account_id: z.number().int().positive().max(2_147_483_647),
  property_id: guid,
  person: webhookPersonSchema,
});
export type WebhookEnvelope = z.infer<typeof webhookEnvelopeSchema>;

// ---------------------------------------------------------------------------------------------
// Chatbot events (EventBridge, source `domiq.chatbot`)

export const CHATBOT_SOURCE = "domiq.chatbot";

export const chatbotContactSchema = z.object({
  email: z.string().max(320).optional(),
  phone: z.string().max(40).optional(),
  first_name: z.string().max(200).optional(),
  last_name: z.string().max(200).optional(),
});

const chatbotBase = {
  event_id: eventId,
  /** DomIQ's property id (`property.id`), not ResMan's. */
  property_id: uuid,
  conversation_id: z.string().min(1).max(200),
  occurred_at: isoDateTime,
  contact: chatbotContactSchema.default({}),
};

const shortText = z.string().max(200);

export const contactCapturedSchema = z.object({
  ...chatbotBase,
  channel: shortText.optional(),
});

export const preferencesSchema = z.object({
  bedrooms: z.number().int().min(0).max(20).optional(),
  bathrooms: z.number().min(0).max(20).optional(),
  move_in_date: z.iso.date().optional(),
  budget_min: z.number().min(0).max(1_000_000).optional(),
  budget_max: z.number().min(0).max(1_000_000).optional(),
  pets: z.boolean().optional(),
  pet_types: z.array(shortText).max(10).optional(),
  parking: z.boolean().optional(),
  floor_plan: shortText.optional(),
  lease_term_months: z.number().int().min(1).max(60).optional(),
});

export const preferencesUpdatedSchema = z.object({
  ...chatbotBase,
  preferences: preferencesSchema,
});

export const conversationCompletedSchema = z.object({
  ...chatbotBase,
  summary: z.string().max(4000).optional(),
  intent: shortText.optional(),
  message_count: z.number().int().min(0).max(100_000).optional(),
  channel: shortText.optional(),
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
    at: isoDateTime.optional(),
    /** Free text the chatbot attaches (question topic, tour slot…). */
    details: z.string().max(2000).optional(),
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
    event_id: eventId,
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
  merged_contact_id: uuid.optional(),
  link_id: uuid.nullable(),
  /** ResMan PersonID of the link, when the event is about one. */
  resman_person_id: z.string().max(100).nullable(),
  status: z.enum(["pending", "success", "failed", "merged"]),
  match_score: z.number().nullable(),
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
