/**
 * The one way this package talks to ResMan: a read, sent with the partner credentials, under a
 * timeout, retried while retrying can help, at most N at a time per ResMan AccountID.
 *
 * Read-only by construction: a request is one of the five reads below (`ResmanRead`), checked
 * again at run time, and the credentials are added here, so no caller handles them. There is no
 * way to send anything else through this module.
 *
 * Per try: `fetch` with `AbortSignal.timeout` (covering the body too). Outcomes:
 * - 2xx → the body text;
 * - 401/403 → `ResmanAuthError` at once (retrying cannot fix credentials);
 * - 429, 408, 5xx, timeout, network error → another try after a full-jitter backoff
 *   (`random(0, min(cap, base·2^(try-1)))`, AWS "Exponential Backoff and Jitter"), at least the
 *   `Retry-After` the server asked for (seconds or HTTP date), never more than the cap; after the
 *   last try `ResmanUnavailableError` (retryable: the caller's next run may succeed);
 * - v1 HTTP 502 whose body says "buffer overflow" → `ResmanWindowError` (the window is too
 *   large, not ResMan down: the v1 client splits it);
 * - any other status → `ResmanApiError`.
 *
 * The concurrency limit holds per try, so a try waiting out its backoff frees its slot.
 */
import { setTimeout as sleep } from "node:timers/promises";
import pLimit, { type LimitFunction } from "p-limit";
import pRetry, { AbortError } from "p-retry";
import {
  ResmanApiError,
  ResmanAuthError,
  type ResmanCall,
  ResmanUnavailableError,
  ResmanWindowError,
  safeDetail,
} from "./errors.js";

/** The v2 reads: JSON, `GET`. */
export const v2Paths = ["/Prospects", "/Leasing/Leases", "/CreditReporting/Residents"] as const;
export type V2Path = (typeof v2Paths)[number];

/** The v1 reads: form `POST` (v1 has no GET), answering XML or JSON. */
export const v1Paths = [
  "/MITS/SearchProspects",
  "/Leasing/GetApplicantsAndCurrentResidents",
] as const;
export type V1Path = (typeof v1Paths)[number];

/** Which property's data a read is for (and whose AccountID limits its concurrency). */
export interface ResmanTarget {
  accountId: number;
  propertyId: string;
}

/** Every request this package can make to ResMan. */
export type ResmanRead =
  | { api: "v2"; path: V2Path; query: Readonly<Record<string, string>> }
  | {
      api: "v1";
      path: V1Path;
      /** The method's own form fields (credentials and ids are added by the transport). */
      form: Readonly<Record<string, string>>;
      accept: "application/json" | "application/xml";
    };

export interface ResmanHttpOptions {
  v2Url: string;
  v1Url: string;
  partnerId: string;
  apiKey: string;
  fetch: typeof fetch;
  /** Per try, headers and body included. */
  timeoutMs: number;
  /** Tries in all, the first included. */
  tries: number;
  /** First backoff ceiling; doubles each try. */
  retryBaseMs: number;
  /** Longest wait between two tries, `Retry-After` included. */
  retryMaxMs: number;
  /** Requests in flight at once per ResMan AccountID. */
  concurrencyPerAccount: number;
}

/** A successful read: its body, and the call for any error found reading the body. */
export interface ResmanReply {
  body: string;
  call: ResmanCall;
}

export interface ResmanHttp {
  /** A successful read; throws a `ResmanError` otherwise (see the module header). */
  read(target: ResmanTarget, request: ResmanRead): Promise<ResmanReply>;
  /** ResMan's own words (error bodies, descriptions) with every credential blanked out. */
  detail(text: string | null | undefined): string | undefined;
}

/** A failed try that another try may fix. Never leaves this module. */
class RetryableFailure extends Error {
  constructor(
    readonly failure: string,
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(failure, options);
  }
}

/** `Retry-After` in milliseconds from `now`: delay-seconds or an HTTP date; else undefined. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const value = header.trim();
  if (/^\d+$/u.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/u, "")}${path}`;
}

function isAllowed(request: ResmanRead): boolean {
  return request.api === "v2"
    ? (v2Paths as readonly string[]).includes(request.path)
    : (v1Paths as readonly string[]).includes(request.path);
}

/** The transport every ResMan client of one source shares (one limiter per AccountID). */
export function createResmanHttp(options: ResmanHttpOptions): ResmanHttp {
  if (!Number.isInteger(options.tries) || options.tries < 1) {
    throw new RangeError("ResMan tries must be a positive integer");
  }
  const basic = Buffer.from(`${options.partnerId}:${options.apiKey}`).toString("base64");
  const secrets = [options.partnerId, options.apiKey, basic];
  const limiters = new Map<number, LimitFunction>();
  const limiterOf = (accountId: number): LimitFunction => {
    let limit = limiters.get(accountId);
    if (limit === undefined) {
      limit = pLimit(options.concurrencyPerAccount);
      limiters.set(accountId, limit);
    }
    return limit;
  };
  const detail = (text: string | null | undefined) => safeDetail(text, secrets);

  function prepare(target: ResmanTarget, request: ResmanRead): { url: string; init: RequestInit } {
    if (request.api === "v2") {
      const query = new URLSearchParams(request.query).toString();
      return {
        url: `${joinUrl(options.v2Url, request.path)}${query === "" ? "" : `?${query}`}`,
        init: {
          method: "GET",
          headers: {
            Authorization: `Basic ${basic}`,
            "ResMan-Account-Id": String(target.accountId),
            Accept: "application/json",
          },
        },
      };
    }
    const form = new URLSearchParams({
      ...request.form,
      IntegrationPartnerID: options.partnerId,
      ApiKey: options.apiKey,
      AccountID: String(target.accountId),
      PropertyID: target.propertyId,
    });
    return {
      url: joinUrl(options.v1Url, request.path),
      init: {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: request.accept,
        },
        body: form.toString(),
      },
    };
  }

  /** One try: the body of a 2xx, or a typed error, or a `RetryableFailure`. */
  async function attempt(call: ResmanCall, request: ResmanRead, url: string, init: RequestInit) {
    let response: Response;
    let body: string;
    try {
      response = await options.fetch(url, {
        ...init,
        redirect: "manual",
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      body = await response.text();
    } catch (error) {
      const failure = isTimeout(error) ? `timeout after ${options.timeoutMs} ms` : "network error";
      throw new RetryableFailure(failure, undefined, undefined, { cause: error });
    }
    const status = response.status;
    if (status >= 200 && status < 300) return body;
    if (status === 401 || status === 403) throw new ResmanAuthError(call, status);
    if (request.api === "v1" && status === 502 && /buffer overflow/iu.test(body)) {
      const window = {
        since: request.form.ModifiedStartDateTime ?? "",
        until: request.form.ModifiedEndDateTime ?? "",
      };
      throw new ResmanWindowError(call, window, "HTTP 502 buffer overflow");
    }
    if (status === 429 || status === 408 || status >= 500) {
      const wait = retryAfterMs(response.headers.get("retry-after"), Date.now());
      throw new RetryableFailure(`HTTP ${status}`, status, wait);
    }
    throw new ResmanApiError(call, status, `HTTP ${status}`, detail(errorText(body)));
  }

  /** Full jitter, raised to what `Retry-After` asked for, capped. */
  function backoff(failure: RetryableFailure, attemptNumber: number): number {
    const ceiling = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** (attemptNumber - 1));
    const jitter = Math.random() * ceiling;
    return Math.min(options.retryMaxMs, Math.max(jitter, failure.retryAfterMs ?? 0));
  }

  async function read(target: ResmanTarget, request: ResmanRead): Promise<ResmanReply> {
    if (!isAllowed(request)) throw new Error("not a ResMan read this package may send");
    const call: ResmanCall = {
      api: request.api,
      method: request.api === "v2" ? "GET" : "POST",
      path: request.path,
      accountId: target.accountId,
      propertyId: target.propertyId,
    };
    const { url, init } = prepare(target, request);
    const limit = limiterOf(target.accountId);
    try {
      const body = await pRetry(
        async () => {
          try {
            return await limit(() => attempt(call, request, url, init));
          } catch (error) {
            if (error instanceof RetryableFailure) throw error;
            throw new AbortError(error as Error);
          }
        },
        {
          retries: options.tries - 1,
          // p-retry's own delay is off: the wait is ours (full jitter, Retry-After), below.
          minTimeout: 0,
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            if (retriesLeft > 0 && error instanceof RetryableFailure) {
              await sleep(backoff(error, attemptNumber));
            }
          },
        },
      );
      return { body, call };
    } catch (error) {
      if (!(error instanceof RetryableFailure)) throw error;
      throw new ResmanUnavailableError(call, error.status, error.failure, options.tries, {
        cause: error.cause,
      });
    }
  }

  return { read, detail };
}

/** A v2 error body `{"message", "code"}` as one line; any other body as it is. */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; code?: unknown };
    const parts = [parsed.code, parsed.message].filter((part) => typeof part === "string");
    if (parts.length > 0) return parts.join(": ");
  } catch {
    // not JSON: the body as it is
  }
  return body;
}
