/**
 * The one way this package talks to ResMan: a request, sent with the partner credentials, under
 * a timeout, retried while retrying can help and cannot do harm, at most N at a time per ResMan
 * AccountID.
 *
 * A request is one of a closed set (`requests.ts`): the reads (`ResmanRead`) and the one write,
 * `MITS/PostLeadManagement4_0` (`ResmanWrite`), each checked again at run time, fields included.
 * The credentials are added here, so no caller handles them. Two transports:
 * - `createResmanHttp`: reads only. The reconciliation's `ResmanSource` is built on it and uses
 *   five reads; the object it returns has no way to write;
 * - `createResmanWriteHttp`: the reads and the write, for the guest-card client only.
 *
 * Per try: `fetch` with `AbortSignal.timeout` (covering the body too). Outcomes of a read:
 * - 2xx → the body text;
 * - 401/403 → `ResmanAuthError` at once (retrying cannot fix credentials);
 * - 429, 408, 5xx, timeout, network error → another try after a full-jitter backoff
 *   (`random(0, min(cap, base·2^(try-1)))`, AWS "Exponential Backoff and Jitter"), at least the
 *   `Retry-After` the server asked for (seconds or HTTP date), never more than the cap; after the
 *   last try `ResmanUnavailableError` (retryable: the caller's next run may succeed);
 * - a windowed `SearchProspects` answering HTTP 502 with "buffer overflow" in the body →
 *   `ResmanWindowError` (the window is too large, not ResMan down: the v1 client splits it);
 * - any other status → `ResmanApiError`;
 * - the caller's signal aborted (`ResmanHttpOptions.signal`: Ctrl-C on a command), in flight,
 *   waiting for its turn or for its next try → `ResmanInterruptedError` (`interrupted`) at once,
 *   never tried again.
 *
 * The write is never sent again once it may have reached ResMan. It is tried again only after
 * answers that say nothing was done: HTTP 429 and 503, and a connection that could not be opened
 * (refused, unknown host, connect timeout). A timeout, any other network error (the request may
 * have left), a lost answer, HTTP 408 or another 5xx is `GuestCardOutcomeUnknownError`: the card
 * or event may exist, and only a search can tell. 401/403 and other statuses fail as for a read.
 *
 * The concurrency limit holds per try, so a try waiting out its backoff frees its slot.
 */
import { setTimeout as sleep } from "node:timers/promises";
import pLimit, { type LimitFunction } from "p-limit";
import pRetry, { AbortError } from "p-retry";
import {
  GuestCardOutcomeUnknownError,
  ResmanApiError,
  ResmanAuthError,
  type ResmanCall,
  ResmanInterruptedError,
  ResmanUnavailableError,
  ResmanWindowError,
  safeDetail,
} from "./errors.js";
import {
  isAllowedRead,
  isAllowedWrite,
  type ResmanRead,
  type ResmanRequest,
  type ResmanWrite,
  SEARCH_PROSPECTS,
} from "./requests.js";

export type {
  ResmanRead,
  ResmanWrite,
  SearchProspectsForm,
  V1JsonPath,
  V1Path,
  V2Path,
} from "./requests.js";
export { v1Paths, v2Paths } from "./requests.js";

/** Which property's data a request is for (and whose AccountID limits its concurrency). */
export interface ResmanTarget {
  accountId: number;
  propertyId: string;
}

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
  /**
   * Stops every request at once when aborted (Ctrl-C on a command): one in flight, waiting for
   * its turn or for its next try fails with `ResmanInterruptedError`, and none is tried again.
   */
  signal?: AbortSignal | undefined;
}

/** A successful request: its body, and the call for any error found reading the body. */
export interface ResmanReply {
  body: string;
  call: ResmanCall;
}

/** The reading transport: it has no way to write. */
export interface ResmanHttp {
  /** A successful read; throws a `ResmanError` otherwise (see the module header). */
  read(target: ResmanTarget, request: ResmanRead): Promise<ResmanReply>;
  /**
   * ResMan's own words (error bodies, descriptions) with every credential, and every value in
   * `personal` (what a write carried about a person), blanked out.
   */
  detail(text: string | null | undefined, personal?: readonly string[]): string | undefined;
}

/** The transport of the guest-card client: the reads and the one write. */
export interface ResmanWriteHttp extends ResmanHttp {
  /**
   * The write, sent at most once after it may have reached ResMan: 2xx → the body (its envelope
   * still to be checked); otherwise a `ResmanError`, `GuestCardOutcomeUnknownError` when it may
   * have been made (see the module header).
   */
  write(target: ResmanTarget, request: ResmanWrite): Promise<ResmanReply>;
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

/** Error codes of a connection that was never opened: no byte of the request left. */
const NOT_CONNECTED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Whether a fetch failure happened before the request could be sent (its cause chain). */
function neverSent(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NOT_CONNECTED.has(code)) return true;
    current = current.cause;
  }
  return false;
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/u, "")}${path}`;
}

type Mode = "read" | "write";

/** The reading transport (see the module header); one limiter per AccountID. */
export function createResmanHttp(options: ResmanHttpOptions): ResmanHttp {
  const { read, detail } = createTransport(options);
  return { read, detail };
}

/** The transport with the write: for the guest-card client only (see the module header). */
export function createResmanWriteHttp(options: ResmanHttpOptions): ResmanWriteHttp {
  return createTransport(options);
}

function createTransport(options: ResmanHttpOptions): ResmanWriteHttp {
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
  const detail = (text: string | null | undefined, personal: readonly string[] = []) =>
    safeDetail(text, [...secrets, ...personal]);

  function prepare(target: ResmanTarget, request: ResmanRequest) {
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
      ...(request.form as Readonly<Record<string, string>>),
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

  /** A write that may have been made: never tried again. */
  const unknown = (call: ResmanCall, status: number | undefined, what: string, cause?: unknown) =>
    new GuestCardOutcomeUnknownError(call, status, what, { cause });

  /** One try: the body of a 2xx, or a typed error, or a `RetryableFailure`. */
  async function attempt(
    mode: Mode,
    call: ResmanCall,
    request: ResmanRequest,
    url: string,
    init: RequestInit,
  ) {
    let response: Response;
    let body: string;
    try {
      response = await options.fetch(url, {
        ...init,
        redirect: "manual",
        signal:
          options.signal === undefined
            ? AbortSignal.timeout(options.timeoutMs)
            : AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal]),
      });
      body = await response.text();
    } catch (error) {
      const failure = isTimeout(error) ? `timeout after ${options.timeoutMs} ms` : "network error";
      if (mode === "write" && !neverSent(error)) throw unknown(call, undefined, failure, error);
      throw new RetryableFailure(failure, undefined, undefined, { cause: error });
    }
    const status = response.status;
    if (status >= 200 && status < 300) return body;
    if (status === 401 || status === 403) throw new ResmanAuthError(call, status);
    const window =
      request.path === SEARCH_PROSPECTS && "ModifiedStartDateTime" in request.form
        ? { since: request.form.ModifiedStartDateTime, until: request.form.ModifiedEndDateTime }
        : undefined;
    if (window !== undefined && status === 502 && /buffer overflow/iu.test(body)) {
      throw new ResmanWindowError(call, window, "HTTP 502 buffer overflow");
    }
    if (
      status === 429 ||
      status === 503 ||
      (mode === "read" && (status === 408 || status >= 500))
    ) {
      const wait = retryAfterMs(response.headers.get("retry-after"), Date.now());
      throw new RetryableFailure(`HTTP ${status}`, status, wait);
    }
    if (status === 408 || status >= 500) throw unknown(call, status, `HTTP ${status}`);
    throw new ResmanApiError(call, status, `HTTP ${status}`, detail(errorText(body)));
  }

  /** Full jitter, raised to what `Retry-After` asked for, capped. */
  function backoff(failure: RetryableFailure, attemptNumber: number): number {
    const ceiling = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** (attemptNumber - 1));
    const jitter = Math.random() * ceiling;
    return Math.min(options.retryMaxMs, Math.max(jitter, failure.retryAfterMs ?? 0));
  }

  async function send(
    mode: Mode,
    target: ResmanTarget,
    request: ResmanRequest,
  ): Promise<ResmanReply> {
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
            return await limit(() => attempt(mode, call, request, url, init));
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
              await sleep(backoff(error, attemptNumber), undefined, { signal: options.signal });
            }
          },
          signal: options.signal,
        },
      );
      return { body, call };
    } catch (error) {
      // A read stopped while in flight, waiting for its turn or for its next try. (A write that
      // may have been sent stays `GuestCardOutcomeUnknownError`.)
      if (
        mode === "read" &&
        options.signal?.aborted === true &&
        !(error instanceof ResmanInterruptedError)
      ) {
        throw new ResmanInterruptedError(call, { cause: error });
      }
      if (!(error instanceof RetryableFailure)) throw error;
      throw new ResmanUnavailableError(call, error.status, error.failure, options.tries, {
        cause: error.cause,
      });
    }
  }

  return {
    read(target, request) {
      if (!isAllowedRead(request)) {
        return Promise.reject(new Error("not a ResMan read this package may send"));
      }
      return send("read", target, request);
    },
    write(target, request) {
      if (!isAllowedWrite(request)) {
        return Promise.reject(new Error("not the ResMan write this package may send"));
      }
      return send("write", target, request);
    },
    detail,
  };
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
