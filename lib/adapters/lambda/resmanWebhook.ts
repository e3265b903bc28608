/**
 * `POST /webhooks/resman` (API Gateway HTTP API, payload 2.0; the local stack sends the same
 * event). An adapter only: event → `acceptWebhook` → status and a JSON body. Errors are mapped in
 * one place: the sender's mistakes get their 4xx with a code (and field paths for a bad body),
 * a queue outage 503, anything else a bare 500 — never a message, a stack or a submitted value.
 * This function never touches the database: the worker does the sync.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import {
  type AcceptWebhookDependencies,
  acceptWebhook,
  type WebhookHeaders,
} from "../../app/acceptWebhook.js";
import { QueueUnavailableError } from "../../app/errors.js";
import {
  InvalidWebhookBodyError,
  WebhookRequestError,
  WebhookSignatureError,
} from "../../app/webhookErrors.js";
import { logger, safeError } from "../observability/logger.js";
import { DIMENSION, invocationMetrics, METRIC } from "../observability/metrics.js";
import { lambdaHandler } from "./lambdaHandler.js";

/** The HTTP API response: always a JSON body. */
export interface WebhookResponse {
  statusCode: number;
  headers: { "content-type": "application/json" };
  body: string;
}

function respond(statusCode: number, body: unknown): WebhookResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

/** The one mapping point from an error to what the sender sees: a status and an error code. */
function errorResponse(error: unknown): { code: string; response: WebhookResponse } {
  if (error instanceof InvalidWebhookBodyError) {
    const body = { error: error.code, issues: error.issues };
    return { code: error.code, response: respond(error.status, body) };
  }
  if (error instanceof WebhookRequestError) {
    return { code: error.code, response: respond(error.status, { error: error.code }) };
  }
  // 5xx only when the queue is down: the sender retries, and the delivery is not lost.
  if (error instanceof QueueUnavailableError) {
    return { code: error.code, response: respond(503, { error: error.code }) };
  }
  return { code: "internal_error", response: respond(500, { error: "internal_error" }) };
}

/**
 * Header names lower-cased (HTTP API already does; the local stack may not). `fromEntries`
 * defines own properties, so a header named `__proto__` stays a plain entry.
 */
function headersOf(event: APIGatewayProxyEventV2): WebhookHeaders {
  return Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

function rawBodyOf(event: APIGatewayProxyEventV2): string {
  const body = event.body ?? "";
  return event.isBase64Encoded ? Buffer.from(body, "base64").toString("utf8") : body;
}

/**
 * The delivery id worth logging: only once the signature held (a body or queue failure), so an
 * unauthenticated header never reaches the logs.
 */
function verifiedIdOf(error: unknown, headers: WebhookHeaders): string | undefined {
  if (error instanceof InvalidWebhookBodyError) return error.deliveryId;
  // The queue is only called after the signature and the id were checked.
  if (error instanceof QueueUnavailableError) return headers["webhook-id"];
  return undefined;
}

async function handleDelivery(
  deps: AcceptWebhookDependencies,
  event: APIGatewayProxyEventV2,
): Promise<WebhookResponse> {
  const headers = headersOf(event);
  try {
    const accepted = await acceptWebhook(deps, {
      headers,
      rawBody: rawBodyOf(event),
      contentType: headers["content-type"],
    });
    logger.info("webhook accepted", { status: 202, webhook_id: accepted.id });
    invocationMetrics.count(METRIC.webhookAccepted);
    return respond(202, { id: accepted.id });
  } catch (error) {
    const { code, response } = errorResponse(error);
    // The code the sender gets: one of a closed set, never a value from the request.
    invocationMetrics.breakDown(DIMENSION.reason, code);
    invocationMetrics.count(METRIC.webhookRejected);
    const fields = {
      status: response.statusCode,
      webhook_id: verifiedIdOf(error, headers),
      error: safeError(error),
      reason: error instanceof WebhookSignatureError ? error.reason : undefined,
    };
    if (response.statusCode >= 500) logger.error("webhook failed", fields);
    else logger.warn("webhook rejected", fields);
    return response;
  }
}

/** The webhook function over the given verifier and queue (tests pass fakes). */
export function createWebhookHandler(deps: AcceptWebhookDependencies) {
  return lambdaHandler((event: APIGatewayProxyEventV2) => handleDelivery(deps, event));
}
