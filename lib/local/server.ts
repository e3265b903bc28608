/**
 * The local stack's HTTP server: one `node:http` server, on 127.0.0.1 unless told otherwise, in
 * front of the real Lambda handlers, so a delivery takes locally the path it takes in AWS.
 *
 * - `POST /webhooks/resman` → the webhook function (`createWebhookHandler`, with the Standard
 *   Webhooks verifier over `webhookSecrets` and the given queue), through the API Gateway
 *   stand-in (`apiGateway.ts`); a body over the webhook's limit is refused with 413 before it
 *   becomes an event, as API Gateway and the function would.
 * - `POST /events` → PutEvents for chatbot events (`eventsEndpoint.ts`) → the chatbot function
 *   (`createChatbotEventsHandler`) over the same queue.
 * - `/console/…` → the operator console's handler (`lib/console/`), the same Lambda handler the
 *   console function runs in AWS, with the claims a JWT authorizer would pass: by default a
 *   local operator who may see every property (the server listens on 127.0.0.1 only); `/`
 *   redirects there.
 * - `GET /health` → `{ "status": "ok" }`; anything else a 404 `{ "error": "not_found" }`.
 *
 * The server logs nothing itself (the handlers log ids and codes, as on Lambda); `onRequest`
 * hears of each request as its method, route, status and time, never a path's or body's values.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type { Context } from "aws-lambda";
import { createChatbotEventsHandler } from "../adapters/lambda/chatbotEvents.js";
import { createWebhookHandler } from "../adapters/lambda/resmanWebhook.js";
import { createWebhookVerifier } from "../adapters/webhook/verifySignature.js";
import { MAX_WEBHOOK_BODY_BYTES } from "../app/acceptWebhook.js";
import type { SyncQueue } from "../app/ports.js";
import { type Claims, localOperatorClaims } from "../console/access.js";
import type { ConsoleHandler } from "../console/handler.js";
import { CONSOLE_BASE } from "../console/layout.js";
import {
  fromApiGatewayResult,
  type HttpResult,
  jsonResult,
  payloadTooLarge,
  toApiGatewayEvent,
  writeResult,
} from "./apiGateway.js";
import { handlePutEvents, MAX_PUT_EVENTS_BYTES } from "./eventsEndpoint.js";
import { hostAndPort, listenLocally } from "./listen.js";

/**
 * The local stack's webhook secret when none is configured: a well-known value, printed by
 * `contact-sync start` and used by `send-webhook` by default. It guards nothing; never use it
 * outside this machine.
 */
export const LOCAL_WEBHOOK_SECRET =
  "whsec_Y29udGFjdC1zeW5jIGxvY2FsIHN0YWNrOiBub3QgYSByZWFsIHNlY3JldA==";

/** The local stack's port unless told otherwise. */
export const DEFAULT_LOCAL_PORT = 3000;

/** The webhook's route, as API Gateway names it. */
export const WEBHOOK_ROUTE = "POST /webhooks/resman";
/** The chatbot events' route. */
export const EVENTS_ROUTE = "POST /events";
const HEALTH_ROUTE = "GET /health";

/** One request, as `onRequest` hears of it: no path beyond the route, no value. */
export interface LocalRequestLine {
  method: string;
  /** The route that answered, or null for a 404. */
  route: string | null;
  status: number;
  ms: number;
}

export interface LocalServerOptions {
  /** Default 3000; 0 for any free port. */
  port?: number;
  /** Default 127.0.0.1: reachable from this machine only. */
  host?: string;
  /** Where both functions send their messages. */
  queue: SyncQueue;
  /** The webhook's secrets (`whsec_<base64>`; one, or two while rotating). */
  webhookSecrets: readonly string[];
  onRequest?: (line: LocalRequestLine) => void;
  /** The operator console's handler, when the console is served. */
  console?: ConsoleHandler | undefined;
  /**
   * The claims the console sees for a request (what API Gateway's JWT authorizer would pass);
   * undefined: not signed in (401). Default: the local operator, every property.
   */
  consoleClaims?:
    | ((request: IncomingMessage) => Claims | undefined | Promise<Claims | undefined>)
    | undefined;
}

/** The largest console form (a rules document). */
const MAX_CONSOLE_BODY_BYTES = 256 * 1024;

export interface LocalServer {
  /** `http://127.0.0.1:3000`, with the port actually bound. */
  url: string;
  port: number;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/** A Lambda context for one local invocation: what the logger reads from it. */
export function localContext(functionName: string, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * The request's body, or undefined when it is larger than `limitBytes`. The rest of a body over
 * the limit is read and dropped, so the sender gets its 413 instead of a broken connection.
 */
async function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limitBytes) chunks.push(chunk);
  }
  return size > limitBytes ? undefined : Buffer.concat(chunks);
}

/** A route: the largest body it takes and how it answers. */
interface Route {
  limitBytes: number;
  answer(request: IncomingMessage, body: Buffer): Promise<HttpResult>;
}

function routesOf(options: LocalServerOptions): Map<string, Route> {
  const webhook = createWebhookHandler({
    verify: createWebhookVerifier(options.webhookSecrets),
    queue: options.queue,
  });
  const chatbot = createChatbotEventsHandler({ queue: options.queue });
  return new Map<string, Route>([
    [
      WEBHOOK_ROUTE,
      {
        limitBytes: MAX_WEBHOOK_BODY_BYTES,
        answer: async (request, body) => {
          const event = toApiGatewayEvent(request, body, { routeKey: WEBHOOK_ROUTE });
          const context = localContext(
            "contact-sync-resman-webhook",
            event.requestContext.requestId,
          );
          return fromApiGatewayResult(await webhook(event, context));
        },
      },
    ],
    [
      EVENTS_ROUTE,
      {
        limitBytes: MAX_PUT_EVENTS_BYTES,
        answer: (_request, body) =>
          handlePutEvents(
            {
              invoke: (event) =>
                chatbot(event, localContext("contact-sync-chatbot-events", event.id)),
            },
            body,
          ),
      },
    ],
    [HEALTH_ROUTE, { limitBytes: 0, answer: async () => jsonResult(200, { status: "ok" }) }],
  ]);
}

/** The console's route: every method and path under `/console`. */
function consoleRoute(options: LocalServerOptions): Route | undefined {
  const handler = options.console;
  if (handler === undefined) return undefined;
  const claimsOf = options.consoleClaims ?? (() => localOperatorClaims());
  return {
    limitBytes: MAX_CONSOLE_BODY_BYTES,
    answer: async (request, body) => {
      const event = toApiGatewayEvent(request, body, {
        routeKey: `ANY ${CONSOLE_BASE}/{proxy+}`,
        claims: await claimsOf(request),
      });
      const context = localContext("contact-sync-console", event.requestContext.requestId);
      return fromApiGatewayResult(await handler(event, context));
    },
  };
}

const redirectToConsole: HttpResult = {
  statusCode: 302,
  headers: { location: `${CONSOLE_BASE}/` },
  body: "",
};

/**
 * Starts the server; resolves once it listens. Throws `ConfigError` for a missing or malformed
 * secret (naming its position, never its value) before binding anything.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const routes = routesOf(options);
  const consoleAt = consoleRoute(options);

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = (request.method ?? "GET").toUpperCase();
    const pathname = new URL(request.url ?? "/", "http://localhost").pathname;
    const key = `${method} ${pathname}`;
    const inConsole = pathname === CONSOLE_BASE || pathname.startsWith(`${CONSOLE_BASE}/`);
    const route = inConsole ? consoleAt : routes.get(key);
    let result: HttpResult;
    try {
      if (route === undefined) {
        request.resume();
        result =
          consoleAt !== undefined && key === "GET /"
            ? redirectToConsole
            : jsonResult(404, { error: "not_found" });
      } else {
        const body = await readBody(request, route.limitBytes);
        result =
          body === undefined
            ? payloadTooLarge(route.limitBytes)
            : await route.answer(request, body);
      }
    } catch {
      // The handlers answer their own errors; this is a broken request or a bug. No detail.
      result = jsonResult(500, { error: "internal_error" });
    }
    if (!response.destroyed) writeResult(response, result);
    options.onRequest?.({
      method,
      route: route === undefined ? null : inConsole ? `ANY ${CONSOLE_BASE}` : key,
      status: result.statusCode,
      ms: Math.round(performance.now() - started),
    });
  }

  const server = createServer((request, response) => void serve(request, response));
  const host = options.host ?? "127.0.0.1";
  await listenLocally(server, options.port ?? DEFAULT_LOCAL_PORT, host);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostAndPort(host, port)}`,
    port,
    close: async () => {
      const closed = once(server, "close");
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
