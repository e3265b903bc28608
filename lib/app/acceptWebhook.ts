/**
 * Accepting a ResMan webhook delivery (design §5): check it is small enough, JSON and signed by
 * us, that its body is a webhook envelope, then put it on the sync queue. Nothing here touches
 * the database: the worker does the sync, and its inbox de-duplicates by delivery id, so a
 * duplicate delivery is simply enqueued again and acknowledged like the first.
 */
import { eventIdSchema, type SyncMessage, webhookEnvelopeSchema } from "../domain/events.js";
import { zodIssues } from "../domain/zodIssues.js";
import type { SyncQueue } from "./ports.js";
import {
  InvalidWebhookBodyError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "./webhookErrors.js";

/**
 * Largest raw body accepted. A valid envelope is a few KB (every field is bounded by the
 * contract), so this only stops abuse early, before any hashing or parsing.
 */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/** Request headers by lower-cased name. */
export type WebhookHeaders = Readonly<Record<string, string | undefined>>;

/** What the signature check vouches for. */
export interface VerifiedDelivery {
  /** The `webhook-id` header: the delivery id, the sync inbox key. */
  id: string;
  /** The `webhook-timestamp` header, unix seconds. */
  timestamp: number;
}

/**
 * Checks a delivery's Standard Webhooks signature over the raw body; throws
 * `WebhookSignatureError` when it does not hold.
 */
export type VerifyWebhook = (rawBody: string, headers: WebhookHeaders) => VerifiedDelivery;

export interface WebhookDelivery {
  headers: WebhookHeaders;
  /** The body exactly as received (decoded from base64 if the gateway encoded it). */
  rawBody: string;
  /** Defaults to the `content-type` header. */
  contentType?: string | undefined;
}

export interface AcceptWebhookDependencies {
  verify: VerifyWebhook;
  queue: SyncQueue;
}

export interface WebhookAccepted {
  /** The delivery id, echoed back to the sender. */
  id: string;
}

/** At most this many issues go back to the sender: enough to fix a payload, bounded in size. */
const MAX_ISSUES = 20;

/** `application/json`, with or without parameters such as `; charset=utf-8`. */
function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*application\/json\s*(;|$)/i.test(contentType);
}

/**
 * Accepts one delivery: resolves once the message is on the sync queue. Throws a
 * `WebhookRequestError` for the sender's mistakes and `QueueUnavailableError` when the queue
 * is down. The order matters: cheap checks first, the signature before the body is parsed.
 */
export async function acceptWebhook(
  deps: AcceptWebhookDependencies,
  delivery: WebhookDelivery,
): Promise<WebhookAccepted> {
  const { rawBody, headers } = delivery;
  if (Buffer.byteLength(rawBody, "utf8") > MAX_WEBHOOK_BODY_BYTES) {
    throw new PayloadTooLargeError(MAX_WEBHOOK_BODY_BYTES);
  }
  if (!isJson(delivery.contentType ?? headers["content-type"])) {
    throw new UnsupportedMediaTypeError();
  }
  const { id } = deps.verify(rawBody, headers);
  const idCheck = eventIdSchema.safeParse(id);
  if (!idCheck.success) {
    throw new InvalidWebhookBodyError(400, "the webhook-id header cannot be used as an event id", [
      {
        path: "webhook-id",
        message: zodIssues(idCheck.error, { limit: 1 })[0]?.message ?? "invalid",
      },
    ]);
  }

  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    // The SyntaxError is dropped on purpose: V8 quotes the body around the error in its message.
    throw new InvalidWebhookBodyError(
      400,
      "the webhook body is not valid JSON",
      [{ path: "", message: "not valid JSON" }],
      id,
    );
  }
  const parsed = webhookEnvelopeSchema.safeParse(body);
  if (!parsed.success) {
    throw new InvalidWebhookBodyError(
      422,
      "the webhook body does not match the envelope contract",
      zodIssues(parsed.error, { limit: MAX_ISSUES }),
      id,
    );
  }

  const message: SyncMessage = { kind: "resman", event_id: id, envelope: parsed.data };
  await deps.queue.send(message);
  return { id };
}
