/**
 * Standard Webhooks signature check (design §5): headers `webhook-id`, `webhook-timestamp`
 * (unix seconds) and `webhook-signature` (space-separated `v1,<base64 HMAC-SHA256>` list) over
 * `{id}.{timestamp}.{raw body}`, 300 s tolerance both ways, up to two secrets while rotating.
 *
 * The HMAC comes from the `standardwebhooks` package (`Webhook.sign`, the code its own `verify`
 * runs), but not `Webhook.verify` itself, because in standardwebhooks 1.1.1 it:
 * - reads `Date.now()` for the tolerance window, so no clock can be injected and the window
 *   cannot be tested at its edges;
 * - parses the timestamp with `parseInt` (`"1700000000abc"` passes as a number);
 * - `JSON.parse`s the body after a match, so a correctly signed non-JSON body throws a bare
 *   `SyntaxError` (whose message quotes the body) instead of a verification error.
 * So the headers and the window are checked here against the injected clock, and the compare is
 * node's constant-time `timingSafeEqual`.
 */
import { timingSafeEqual } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { VerifyWebhook } from "../../app/acceptWebhook.js";
import { type Clock, systemClock } from "../../app/ports.js";
import { WebhookSignatureError } from "../../app/webhookErrors.js";
import { ConfigError } from "../../config.js";

/** How far `webhook-timestamp` may be from now, in either direction (Standard Webhooks). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Unix seconds, digits only: `parseInt` leniency would let trailing garbage through. */
const UNIX_SECONDS = /^\d{1,12}$/;

/**
 * A verifier over the active secrets (`whsec_<base64>`; one, or two while rotating): a delivery
 * is valid when any `v1` signature it carries matches any secret. Secrets are decoded here, once
 * per cold start, so a bad one fails at start (the error names its position, not its value).
 */
export function createWebhookVerifier(
  secrets: readonly string[],
  clock: Clock = systemClock,
): VerifyWebhook {
  if (secrets.length === 0) throw new ConfigError("invalid WEBHOOK_SECRETS: no secret given");
  const signers = secrets.map((secret, index) => {
    try {
      return new Webhook(secret);
    } catch {
      throw new ConfigError(
        `invalid WEBHOOK_SECRETS: secret ${index + 1} is not a whsec_<base64> secret`,
      );
    }
  });

  return (rawBody, headers) => {
    const id = headers["webhook-id"];
    const timestampHeader = headers["webhook-timestamp"];
    const signatureHeader = headers["webhook-signature"];
    if (!id || !timestampHeader || !signatureHeader) {
      throw new WebhookSignatureError("missing_header");
    }
    if (!UNIX_SECONDS.test(timestampHeader)) throw new WebhookSignatureError("bad_timestamp");
    const timestamp = Number(timestampHeader);
    const now = Math.floor(clock.now().getTime() / 1000);
    // Both ways: an old timestamp is a replay, one far ahead a forged or broken sender clock.
    if (Math.abs(now - timestamp) > WEBHOOK_TOLERANCE_SECONDS) {
      throw new WebhookSignatureError("stale_timestamp");
    }

    // Other versions (and anything unparsable) are skipped, as the spec asks of verifiers.
    const offered = signatureHeader
      .split(" ")
      .filter((entry) => entry.startsWith("v1,"))
      .map((entry) => Buffer.from(entry, "utf8"));
    if (offered.length > 0) {
      const signedAt = new Date(timestamp * 1000);
      for (const signer of signers) {
        const expected = Buffer.from(signer.sign(id, signedAt, rawBody), "utf8");
        for (const candidate of offered) {
          // Lengths are public (a v1 signature is always 47 characters); contents are not.
          if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) {
            return { id, timestamp };
          }
        }
      }
    }
    throw new WebhookSignatureError("no_matching_signature");
  };
}
