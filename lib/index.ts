/**
 * The package's public surface (`import … from "contact-sync"`): the event contracts and the
 * chatbot's typed publisher. Consumers bundle it from TypeScript source (package.json `exports`).
 */

export type { PutEventsRetryOptions } from "./adapters/events/putEventsBatched.js";
export { ContactSyncError, InvalidInputError } from "./domain/errors.js";
export type {
  ChatbotDetailType,
  ChatbotEvent,
  OutboundDetail,
  OutboundEvent,
  OutboundEventType,
  SyncMessage,
  WebhookEnvelope,
  WebhookEventType,
} from "./domain/events.js";
export {
  CHATBOT_SOURCE,
  chatbotContactSchema,
  chatbotDetailSchemas,
  chatbotDetailTypes,
  chatbotEventSchema,
  contactCapturedSchema,
  conversationCompletedSchema,
  interactionLoggedSchema,
  interactionTypes,
  OUTBOUND_SOURCE,
  outboundDetailSchema,
  outboundEventTypes,
  preferencesSchema,
  preferencesUpdatedSchema,
  syncMessageSchema,
  webhookEnvelopeSchema,
  webhookEventTypes,
  webhookPersonSchema,
} from "./domain/events.js";
export type {
  ChatbotDetailInput,
  ChatbotEventInput,
  ChatbotPublishFailure,
  PublishChatbotEventsOptions,
} from "./publisher/publishChatbotEvents.js";
export { ChatbotPublishError, publishChatbotEvents } from "./publisher/publishChatbotEvents.js";
