/**
 * Helpers for tests of the webhook and chatbot functions: Standard Webhooks signing computed
 * independently of the verifier (node:crypto), API Gateway v2 and EventBridge events, a Lambda
 * context, and fake sync queues.
 */
import { createHmac } from "node:crypto";
import type { APIGatewayProxyEventV2, Context, EventBridgeEvent } from "aws-lambda";
import { QueueUnavailableError } from "../../lib/app/errors.js";
import type { Clock, SyncQueue } from "../../lib/app/ports.js";
import type { SyncMessage } from "../../lib/domain/events.js";

/** A fixed "now" for the verifier: 2026-03-02T10:15:00Z, in unix seconds. */
export const NOW_SECONDS = 1_772_446_500;
export const fixedClock: Clock = { now: () => new Date(NOW_SECONDS * 1000) };

/** `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` with the secret's decoded bytes. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${mac}`;
}

export interface SignedRequest {
  id?: string;
  timestamp?: number;
  secret: string;
  body: string;
  contentType?: string;
}

/** The three Standard Webhooks headers plus `content-type`, lower-cased like HTTP API sends them. */
export function signedHeaders(request: SignedRequest): Record<string, string> {
  const id = request.id ?? "msg_2f8Yk1c9Qm";
  const timestamp = request.timestamp ?? NOW_SECONDS;
  return {
    "content-type": request.contentType ?? "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": sign(request.secret, id, timestamp, request.body),
  };
}

/** An HTTP API (payload 2.0) event for `POST /webhooks/resman`. */
export function httpEvent(init: {
  headers: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: "POST /webhooks/resman",
    rawPath: "/webhooks/resman",
    rawQueryString: "",
    headers: init.headers,
    ...(init.body === undefined ? {} : { body: init.body }),
    isBase64Encoded: init.isBase64Encoded ?? false,
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "hooks.example.com",
      domainPrefix: "hooks",
      http: {
        method: "POST",
        path: "/webhooks/resman",
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.10",
        userAgent: "resman-relay",
      },
      requestId: "req-1",
      routeKey: "POST /webhooks/resman",
      stage: "$default",
      time: "02/Mar/2026:10:15:00 +0000",
      timeEpoch: NOW_SECONDS * 1000,
    },
  };
}

/** An EventBridge event as the chatbot function receives it. */
export function eventBridgeEvent(
  detailType: string,
  detail: unknown,
  source = "domiq.chatbot",
): EventBridgeEvent<string, unknown> {
  return {
    version: "0",
    id: "5c1b2a9e-0f4d-4b7e-9a61-3e2d1c0b9a87",
    "detail-type": detailType,
    source,
    account: "123456789012",
    time: "2026-03-02T11:00:01Z",
    region: "us-east-1",
    resources: [],
    detail,
  };
}

/** A Lambda context with the fields the logger reads. */
export const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: "contact-sync-test",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:contact-sync-test",
  memoryLimitInMB: "512",
  awsRequestId: "c0ffee00-0000-4000-8000-000000000001",
  logGroupName: "/aws/lambda/contact-sync-test",
  logStreamName: "2026/03/02/[$LATEST]0",
  getRemainingTimeInMillis: () => 10_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

/** A sync queue that keeps what it is sent. */
export class RecordingQueue implements SyncQueue {
  readonly sent: SyncMessage[] = [];

  async send(message: SyncMessage): Promise<string> {
    this.sent.push(message);
    return `message-${this.sent.length}`;
  }
}

/** A sync queue that is down. */
export class UnavailableQueue implements SyncQueue {
  calls = 0;

  async send(): Promise<string> {
    this.calls += 1;
    throw new QueueUnavailableError("the sync queue did not accept the message");
  }
}
