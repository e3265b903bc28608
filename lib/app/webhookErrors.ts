/**
 * Errors of the webhook edge (`POST /webhooks/resman`, design §5). Each knows the HTTP status
 * the sender gets and carries only what may be shown or logged: a reason code and field paths,
 * never a header value, a secret or any part of the body. The function maps them in one place;
 * every other error becomes a bare 500 (or 503 for `QueueUnavailableError`).
 */
import { ContactSyncError } from "../domain/errors.js";

/** A delivery refused for the sender's fault: retrying the same request cannot help. */
export abstract class WebhookRequestError extends ContactSyncError {
  readonly retryable = false;
  /** The HTTP status the sender gets. */
  abstract readonly status: 400 | 401 | 413 | 415 | 422;
}

/** Why a signature was refused (logged, never sent back: the sender just sees 401). */
export type SignatureFailure =
  /** `webhook-id`, `webhook-timestamp` or `webhook-signature` absent or empty. */
  | "missing_header"
  /** `webhook-timestamp` is not unix seconds. */
  | "bad_timestamp"
  /** `webhook-timestamp` more than the tolerance away from now, in either direction. */
  | "stale_timestamp"
  /** No `v1` signature matches any active secret. */
  | "no_matching_signature";

/** The delivery is not signed by a sender holding one of our secrets (401). */
export class WebhookSignatureError extends WebhookRequestError {
  readonly code = "invalid_signature";
  readonly status = 401;

  constructor(readonly reason: SignatureFailure) {
    super(`webhook signature rejected: ${reason}`);
  }
}

/** The raw body is over the size limit (413). */
export class PayloadTooLargeError extends WebhookRequestError {
  readonly code = "payload_too_large";
  readonly status = 413;

  constructor(readonly limitBytes: number) {
    super(`webhook body is larger than ${limitBytes} bytes`);
  }
}

/** The body is not declared as `application/json` (415). */
export class UnsupportedMediaTypeError extends WebhookRequestError {
  readonly code = "unsupported_media_type";
  readonly status = 415;

  constructor() {
    super("webhook body must be application/json");
  }
}

/**
 * A correctly signed body that is not a webhook envelope: not JSON at all (400) or JSON that
 * does not match the contract (422). Issues name field paths and rules, never the values.
 */
export class InvalidWebhookBodyError extends WebhookRequestError {
  readonly code = "invalid_body";

  /**
   * @param issues field path → rule broken, never the value
   * @param deliveryId the verified `webhook-id`, when it is usable as an id (for logs)
   */
  constructor(
    readonly status: 400 | 422,
    message: string,
    readonly issues: readonly { path: string; message: string }[],
    readonly deliveryId?: string,
  ) {
    super(message);
  }
}
