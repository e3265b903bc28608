import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  createWebhookVerifier,
  WEBHOOK_TOLERANCE_SECONDS,
} from "../../lib/adapters/webhook/verifySignature.js";
import type { WebhookHeaders } from "../../lib/app/acceptWebhook.js";
import type { Clock } from "../../lib/app/ports.js";
import { type SignatureFailure, WebhookSignatureError } from "../../lib/app/webhookErrors.js";
import { ConfigError } from "../../lib/config.js";
import {
  FOREIGN_WEBHOOK_SECRET,
  NEXT_WEBHOOK_SECRET,
  specVector,
  WEBHOOK_SECRET,
  webhookEnvelope,
  webhookPersonal,
} from "../fixtures/webhook.js";
import { fixedClock, NOW_SECONDS, sign } from "../support/webhook.js";

const ID = "msg_2f8Yk1c9Qm";
const BODY = JSON.stringify(webhookEnvelope);

interface Delivery {
  body: string;
  headers: Record<string, string | undefined>;
}

/** A delivery signed with `secret` at `timestamp`: valid unless a case breaks one thing. */
function delivery(secret = WEBHOOK_SECRET, timestamp = NOW_SECONDS, body = BODY): Delivery {
  return {
    body,
    headers: {
      "webhook-id": ID,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": sign(secret, ID, timestamp, body),
    },
  };
}

function withHeader(name: string, value: string | undefined): Delivery {
  const valid = delivery();
  return { body: valid.body, headers: { ...valid.headers, [name]: value } };
}

function clockAt(seconds: number): Clock {
  return { now: () => new Date(seconds * 1000) };
}

/** What the verifier did: the verified delivery, or the reason it refused. */
function outcome(
  verify: (body: string, headers: WebhookHeaders) => unknown,
  { body, headers }: Delivery,
): unknown {
  try {
    return verify(body, headers);
  } catch (error) {
    if (error instanceof WebhookSignatureError) return error.reason;
    throw error;
  }
}

/** The error a call throws (undefined when it returns). */
function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

const verify = createWebhookVerifier([WEBHOOK_SECRET], fixedClock);

describe("webhook signature verification", () => {
  it("accepts a delivery signed with the secret over the raw body", () => {
    expect(outcome(verify, delivery())).toEqual({ id: ID, timestamp: NOW_SECONDS });
  });

  const flipped = BODY.replace('"person.upserted"', '"person.upsertee"');
  const reserialised = JSON.stringify(
    Object.fromEntries(Object.entries(webhookEnvelope).reverse()),
    null,
    2,
  );
  const signature = sign(WEBHOOK_SECRET, ID, NOW_SECONDS, BODY);

  // Each case breaks exactly one thing of a valid delivery.
  const rejected: [string, () => Delivery, SignatureFailure][] = [
    [
      "rejects a body with one byte changed",
      () => ({ ...delivery(), body: flipped }),
      "no_matching_signature",
    ],
    [
      "rejects the same JSON re-serialised (other whitespace and key order)",
      () => ({ ...delivery(), body: reserialised }),
      "no_matching_signature",
    ],
    [
      "rejects a signature made with another secret",
      () => delivery(FOREIGN_WEBHOOK_SECRET),
      "no_matching_signature",
    ],
    [
      "rejects a delivery without webhook-id",
      () => withHeader("webhook-id", undefined),
      "missing_header",
    ],
    [
      "rejects a delivery without webhook-timestamp",
      () => withHeader("webhook-timestamp", undefined),
      "missing_header",
    ],
    [
      "rejects a delivery without webhook-signature",
      () => withHeader("webhook-signature", undefined),
      "missing_header",
    ],
    ["rejects an empty webhook-id", () => withHeader("webhook-id", ""), "missing_header"],
    [
      "rejects a signature for another delivery id",
      () => withHeader("webhook-id", "msg_other"),
      "no_matching_signature",
    ],
    [
      "rejects a non-numeric timestamp",
      () => withHeader("webhook-timestamp", "yesterday"),
      "bad_timestamp",
    ],
    [
      "rejects a timestamp with trailing characters (parseInt would accept it)",
      () => withHeader("webhook-timestamp", `${NOW_SECONDS}s`),
      "bad_timestamp",
    ],
    [
      "rejects a truncated signature `v1,`",
      () => withHeader("webhook-signature", "v1,"),
      "no_matching_signature",
    ],
    [
      "rejects a signature cut short",
      () => withHeader("webhook-signature", signature.slice(0, 30)),
      "no_matching_signature",
    ],
    [
      "rejects the right MAC under another version",
      () => withHeader("webhook-signature", signature.replace("v1,", "v2,")),
      "no_matching_signature",
    ],
    [
      "rejects the right MAC listed twice in one comma-joined header",
      () => withHeader("webhook-signature", `${signature},${signature}`),
      "no_matching_signature",
    ],
    [
      "rejects a signature older than 300 s (301 s)",
      () => delivery(WEBHOOK_SECRET, NOW_SECONDS - 301),
      "stale_timestamp",
    ],
    [
      "rejects a timestamp more than 300 s ahead (301 s)",
      () => delivery(WEBHOOK_SECRET, NOW_SECONDS + 301),
      "stale_timestamp",
    ],
  ];

  it.each(rejected)("%s", (_name, make, reason) => {
    expect(outcome(verify, make())).toBe(reason);
  });

  it.each([
    ["299 s old", -299],
    ["299 s ahead", 299],
    ["exactly 300 s old", -300],
    ["exactly 300 s ahead", 300],
  ])("accepts a timestamp %s", (_name, offset) => {
    expect(WEBHOOK_TOLERANCE_SECONDS).toBe(300);
    const timestamp = NOW_SECONDS + offset;
    expect(outcome(verify, delivery(WEBHOOK_SECRET, timestamp))).toEqual({ id: ID, timestamp });
  });

  it("judges the window by the injected clock, not the machine's", () => {
    const signedLongAgo = delivery(WEBHOOK_SECRET, 1_000_000_000);
    expect(
      outcome(createWebhookVerifier([WEBHOOK_SECRET], clockAt(1_000_000_100)), signedLongAgo),
    ).toEqual({
      id: ID,
      timestamp: 1_000_000_000,
    });
    expect(outcome(verify, signedLongAgo)).toBe("stale_timestamp");
  });

  it("accepts either secret while rotating, and only ours", () => {
    const rotating = createWebhookVerifier([WEBHOOK_SECRET, NEXT_WEBHOOK_SECRET], fixedClock);
    expect(outcome(rotating, delivery(NEXT_WEBHOOK_SECRET))).toMatchObject({ id: ID });
    expect(outcome(rotating, delivery(WEBHOOK_SECRET))).toMatchObject({ id: ID });
    expect(outcome(rotating, delivery(FOREIGN_WEBHOOK_SECRET))).toBe("no_matching_signature");
    // Before the rotation starts, the next secret is not accepted.
    expect(outcome(verify, delivery(NEXT_WEBHOOK_SECRET))).toBe("no_matching_signature");
  });

  it("accepts a list of signatures when any v1 entry matches", () => {
    const wrong = sign(FOREIGN_WEBHOOK_SECRET, ID, NOW_SECONDS, BODY);
    const list = [wrong.replace("v1,", "v2,"), wrong, signature].join(" ");
    expect(outcome(verify, withHeader("webhook-signature", list))).toMatchObject({ id: ID });
  });

  it("accepts exactly a hand-computed HMAC and nothing one character away (known answer)", () => {
    const id = "msg_kat_0001";
    const body = '{"type":"person.deactivated"}';
    const key = Buffer.from(WEBHOOK_SECRET.slice("whsec_".length), "base64");
    const mac = createHmac("sha256", key).update(`${id}.${NOW_SECONDS}.${body}`).digest("base64");
    const expected = "v1,vxasMl6hcaXr3evqojiMfpuCJR97mAZRSZOOwlRTRd4=";
    expect(`v1,${mac}`).toBe(expected);

    const headers = { "webhook-id": id, "webhook-timestamp": String(NOW_SECONDS) };
    expect(verify(body, { ...headers, "webhook-signature": expected })).toEqual({
      id,
      timestamp: NOW_SECONDS,
    });
    const last = expected.at(-2) === "A" ? "B" : "A";
    const oneOff = `${expected.slice(0, -2)}${last}=`;
    expect(oneOff).not.toBe(expected);
    expect(outcome(verify, { body, headers: { ...headers, "webhook-signature": oneOff } })).toBe(
      "no_matching_signature",
    );
  });

  it("accepts the known-answer vector of the Standard Webhooks reference library", () => {
    const { secret, id, timestamp, payload, signature: published } = specVector;
    // The library computes the vector; node:crypto agrees; the verifier accepts it.
    expect(new Webhook(secret).sign(id, new Date(timestamp * 1000), payload)).toBe(published);
    expect(sign(secret, id, timestamp, payload)).toBe(published);
    const atSigning = createWebhookVerifier([secret], clockAt(timestamp));
    const headers = {
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": published,
    };
    expect(atSigning(payload, headers)).toEqual({ id, timestamp });
    expect(outcome(atSigning, { body: `${payload} `, headers })).toBe("no_matching_signature");
  });

  it("throws one typed, permanent error that shows neither the secret nor the body", () => {
    const error = thrown(() => verify(flipped, delivery().headers));
    expect(error).toBeInstanceOf(WebhookSignatureError);
    const typed = error as WebhookSignatureError;
    expect(typed).toMatchObject({ code: "invalid_signature", retryable: false, status: 401 });
    const shown = `${typed.message} ${JSON.stringify(typed)} ${String(typed.stack)}`;
    for (const value of [
      WEBHOOK_SECRET.slice(6),
      webhookPersonal.email,
      webhookPersonal.last_name,
      signature,
    ]) {
      expect(shown).not.toContain(value);
    }
  });
});

describe("webhook verifier configuration", () => {
  it("refuses to start without a secret", () => {
    expect(() => createWebhookVerifier([])).toThrow(ConfigError);
  });

  it("refuses a secret that is not base64, naming its position but not its value", () => {
    const error = thrown(() => createWebhookVerifier([WEBHOOK_SECRET, "whsec_Zg"]));
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/WEBHOOK_SECRETS: secret 2 is not/);
    expect(String(error)).not.toContain("whsec_Zg");
  });
});
