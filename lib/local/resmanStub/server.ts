/**
 * The ResMan stand-in: a local HTTP server answering the v2 and v1 reads contact-sync makes
 * (`/v2`, `/v1`, docs/resman.md's shapes) from seeded fictional data, with an admin API (`/_admin`,
 * and the same operations in process) to change the data, inject faults and see the calls.
 * Tests and the local stack point the ResMan clients at it.
 *
 * Every `/v1` and `/v2` request, answered or not, is recorded (see `calls.ts`); faults are
 * applied before the API's own checks, as a gateway in front of ResMan would. A request outside
 * `/v1`, `/v2` and `/_admin` is a 404.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { hostAndPort, listenLocally } from "../listen.js";
import { createAdmin, type StubAdmin, type StubPropertySummary } from "./admin.js";
import { adminReply } from "./adminRoutes.js";
import { recordableParams, type StubCall } from "./calls.js";
import { faultReply } from "./faults.js";
import { errorReply, type Reply, readBody, send } from "./http.js";
import { StubState } from "./state.js";
import {
  searchWindowSeconds,
  type V1Context,
  v1ErrorReply,
  v1Method,
  v1Reply,
} from "./v1Routes.js";
import { v2AccountId, v2Reply } from "./v2Routes.js";

export type { StubAdmin, StubAdminPerson, StubPropertySummary } from "./admin.js";
export type { StubCall } from "./calls.js";
export type { Fault } from "./faults.js";

export const DEFAULT_PARTNER_ID = "domiq-local";
export const DEFAULT_API_KEY = "local-api-key";

export interface ResmanStubOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 1: the same seed gives byte-identical data. */
  seed?: number;
  /** Seeded properties; default 2. */
  properties?: number;
  /** People per property (a few more at most: households are whole); default 50. */
  people?: number;
  partnerId?: string;
  apiKey?: string;
  /** The clock of admin changes' `lastModified` stamps; default real time. */
  now?: () => Date;
  /** Told of every recorded call, after it is answered (the CLI's `--verbose`). */
  onCall?: (call: StubCall) => void;
}

export interface ResmanStub {
  /** `http://host:port`. */
  url: string;
  /** `url` + `/v2`: what RESMAN_V2_URL should be. */
  v2Url: string;
  v1Url: string;
  partnerId: string;
  apiKey: string;
  properties: StubPropertySummary[];
  admin: StubAdmin;
  close(): Promise<void>;
}

export async function startResmanStub(options: ResmanStubOptions = {}): Promise<ResmanStub> {
  const clock = options.now ?? (() => new Date());
  const state = new StubState(
    { seed: options.seed ?? 1, properties: options.properties ?? 2, people: options.people ?? 50 },
    clock,
  );
  const admin = createAdmin(state);
  const context: V1Context = {
    get data() {
      return state.data;
    },
    state,
    partnerId: options.partnerId ?? DEFAULT_PARTNER_ID,
    apiKey: options.apiKey ?? DEFAULT_API_KEY,
    // "Not in the future" holds against either clock, so a test clock ahead of real time works.
    now: () => Math.max(Date.now(), clock().getTime()),
  };
  const stopping = new AbortController();
  const server = createServer((request, response) => {
    serve(request, response).catch(() => {
      if (!response.headersSent)
        send(response, errorReply(500, "stub_failure", "stand-in failure"));
      else response.destroy();
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const at = new Date().toISOString();
    const url = new URL(request.url ?? "/", "http://stub.invalid");
    const method = request.method ?? "GET";
    let text: string;
    try {
      text = await readBody(request);
    } catch {
      send(response, errorReply(413, "too_large", "request body too large"));
      return;
    }
    if (/^\/_admin(\/|$)/.test(url.pathname)) {
      send(response, adminReply(admin, method, url.pathname.slice("/_admin".length), text));
      return;
    }
    const api = /^\/(v1|v2)(?=\/|$)/i.exec(url.pathname)?.[1]?.toLowerCase() as
      | "v1"
      | "v2"
      | undefined;
    const path = api === undefined ? url.pathname : url.pathname.slice(3) || "/";
    const form = new URLSearchParams(api === "v1" ? text : "");
    const propertyId =
      api === "v1" ? form.get("PropertyID") : url.searchParams.get("propertyId") || null;
    const account = api === "v1" ? form.get("AccountID") : null;
    const call: StubCall = {
      at,
      method,
      api: api ?? null,
      path,
      propertyId: propertyId || null,
      accountId:
        api === "v2"
          ? v2AccountId(request.headers)
          : account !== null && /^\s*\d+\s*$/.test(account)
            ? Number(account)
            : null,
      params: recordableParams(api === "v1" ? form : url.searchParams),
      status: 0,
      ms: 0,
      fault: null,
    };

    let reply: Reply;
    /** `drop_after_write`: the delay before the socket is dropped instead of answered. */
    let dropAfterMs: number | null = null;
    if (api === undefined) {
      reply = errorReply(404, "not_found", "the stand-in serves /v1, /v2 and /_admin");
    } else {
      const { delayMs, answer } = state.faults.hit({
        api,
        path,
        propertyId: call.propertyId,
        windowSeconds: api === "v1" ? searchWindowSeconds(form) : null,
      });
      if (delayMs > 0) {
        call.fault = "slow";
        await sleep(delayMs, undefined, { signal: stopping.signal });
      }
      if (answer !== null && answer.kind !== "drop_after_write") {
        call.fault = answer.kind;
        reply =
          answer.kind === "error_on_200"
            ? v1ErrorReply(
                v1Method(path) ?? { name: path.split("/").at(-1) ?? "", format: "xml" },
                200,
                answer.message ?? "An internal error occurred",
              )
            : faultReply(answer, api);
      } else if (api === "v2") {
        reply = v2Reply(context, {
          method,
          path,
          query: url.searchParams,
          headers: request.headers,
        });
      } else {
        reply = v1Reply(context, method, path, form);
      }
      if (answer?.kind === "drop_after_write") dropAfterMs = answer.delayMs ?? 0;
    }
    if (dropAfterMs === null) {
      send(response, reply);
      call.status = reply.status;
    } else {
      // The request was served (a write made); its answer is never sent: status stays 0.
      call.fault = "drop_after_write";
      await sleep(dropAfterMs, undefined, { signal: stopping.signal });
      response.destroy();
    }
    call.ms = Math.round(performance.now() - started);
    state.calls.record(call);
    options.onCall?.(call);
  }

  const host = options.host ?? "127.0.0.1";
  await listenLocally(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${hostAndPort(host, port)}`;
  return {
    url,
    v2Url: `${url}/v2`,
    v1Url: `${url}/v1`,
    partnerId: context.partnerId,
    apiKey: context.apiKey,
    get properties() {
      return admin.properties();
    },
    admin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        stopping.abort();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
