/**
 * The local stack's stand-in for API Gateway's HTTP API (payload format 2.0): a Node request and
 * its raw body become the `APIGatewayProxyEventV2` a Lambda handler receives, and the handler's
 * result becomes the Node response, the way HTTP API maps them. Pure apart from writing the
 * response: no routing, no logging, nothing read from the body but its bytes.
 *
 * What HTTP API does and this copies: header names lower-cased, repeated headers joined with
 * commas, cookies apart in `cookies`, a text body passed as is and any other body base64-encoded
 * (`isBase64Encoded`), a request id and the time of arrival in `requestContext`; a result that is
 * not a `{ statusCode }` object is a 200 with the value as a JSON body.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from "aws-lambda";
import { PayloadTooLargeError } from "../app/webhookErrors.js";

/** A response as the local server writes it: always a complete body. */
export interface HttpResult {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
}

/** A JSON response (the shape of every answer of the local stack). */
export function jsonResult(statusCode: number, body: unknown): HttpResult {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

/** 413 for a body over `limitBytes`, worded as the webhook handler words it. */
export function payloadTooLarge(limitBytes: number): HttpResult {
  return jsonResult(413, { error: new PayloadTooLargeError(limitBytes).code });
}

/** Media types HTTP API passes as text; every other body (or none declared) is base64. */
function isTextual(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return (
    type.startsWith("text/") ||
    type === "application/json" ||
    type.endsWith("+json") ||
    type === "application/xml" ||
    type.endsWith("+xml") ||
    type === "application/javascript" ||
    type === "application/x-www-form-urlencoded"
  );
}

/** `02/Mar/2026:10:15:00 +0000`, the format of `requestContext.time`. */
function gatewayTime(at: Date): string {
  const months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${pad(at.getUTCDate())}/${months[at.getUTCMonth()]}/${at.getUTCFullYear()}:` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`
  );
}

/** Options of one conversion; the defaults are what a real request gets. */
export interface EventOptions {
  /** The route that matched, `POST /webhooks/resman` (default `$default`). */
  routeKey?: string;
  /** When the request arrived (default now). */
  now?: Date;
  /** The request id (default a random UUID). */
  requestId?: string;
  /** The claims of a token the JWT authorizer accepted (the console's route); none by default. */
  claims?: Record<string, unknown> | undefined;
}

/**
 * The HTTP API event for `request` with `rawBody` (already read, and already checked against
 * the route's size limit by the caller).
 */
export function toApiGatewayEvent(
  request: IncomingMessage,
  rawBody: Buffer,
  options: EventOptions = {},
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? "/", "http://localhost");
  const method = (request.method ?? "GET").toUpperCase();
  const routeKey = options.routeKey ?? "$default";
  const now = options.now ?? new Date();
  // Node already lower-cases names; `fromEntries` keeps a header named `__proto__` a plain entry.
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(request.headers)
      .filter(([name, value]) => value !== undefined && name !== "cookie")
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(",") : String(value)]),
  );
  const cookies = request.headers.cookie?.split(";").map((cookie) => cookie.trim());
  const query = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    const previous = query.get(name);
    query.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  const host = headers.host ?? "localhost";
  const textual = isTextual(headers["content-type"]);
  return {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ""),
    ...(cookies === undefined ? {} : { cookies }),
    headers,
    ...(query.size === 0 ? {} : { queryStringParameters: Object.fromEntries(query) }),
    requestContext: {
      accountId: "anonymous",
      apiId: "local",
      domainName: host,
      domainPrefix: host.split(".")[0] ?? host,
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: options.requestId ?? randomUUID(),
      ...(options.claims === undefined
        ? {}
        : { authorizer: { jwt: { claims: options.claims, scopes: [] } } }),
      routeKey,
      stage: "$default",
      time: gatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(rawBody.length === 0
      ? {}
      : { body: textual ? rawBody.toString("utf8") : rawBody.toString("base64") }),
    isBase64Encoded: rawBody.length > 0 && !textual,
  };
}

/** A handler's result as HTTP API turns it into a response. */
export function fromApiGatewayResult(result: APIGatewayProxyResultV2): HttpResult {
  if (typeof result !== "object" || result === null || !("statusCode" in result)) {
    // HTTP API's inference: anything without a status code is a 200 JSON answer.
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: typeof result === "string" ? result : JSON.stringify(result),
    };
  }
  const headers: Record<string, string | string[]> = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([name, value]) => [
      name.toLowerCase(),
      String(value),
    ]),
  );
  if (result.cookies !== undefined && result.cookies.length > 0) {
    headers["set-cookie"] = result.cookies;
  }
  const body = result.body ?? "";
  return {
    statusCode: result.statusCode ?? 200,
    headers,
    body: result.isBase64Encoded === true ? Buffer.from(body, "base64") : body,
  };
}

/** Writes `result` on the Node response and ends it. */
export function writeResult(response: ServerResponse, result: HttpResult): void {
  const body = typeof result.body === "string" ? Buffer.from(result.body, "utf8") : result.body;
  response.writeHead(result.statusCode, {
    ...result.headers,
    "content-length": String(body.length),
  });
  response.end(body);
}
