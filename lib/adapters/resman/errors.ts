/**
 * Errors of the ResMan clients, reads and the guest-card write alike. A message names the call
 * (method, path, AccountID, PropertyID) and what went wrong (HTTP status, timeout, envelope
 * status), never the partner id, the API key, the Authorization header, a request body or a
 * person's data. What ResMan itself said (an `ErrorDescription`, a v2 error body) is not ours to
 * vouch for: it is kept apart in `detail`, cut short, with the credentials (and, for a write, the
 * person's values it carried) blanked out, and never put in the message.
 */
import { ContactSyncError } from "../../domain/errors.js";
import type { Issue } from "../../domain/zodIssues.js";

/** The ResMan call an error is about: enough to find it in ResMan's logs, nothing secret. */
export interface ResmanCall {
  api: "v2" | "v1";
  method: "GET" | "POST";
  /** The path without query string, e.g. `/Leasing/Leases`. */
  path: string;
  accountId: number;
  propertyId: string;
}

/** `POST /MITS/SearchProspects (AccountID 400, PropertyID …)`. */
export function describeCall(call: ResmanCall): string {
  return `${call.method} ${call.path} (AccountID ${call.accountId}, PropertyID ${call.propertyId})`;
}

/** Longest `detail` kept from a ResMan answer. */
export const MAX_DETAIL = 200;

/**
 * ResMan's own words made safe to keep: every secret replaced, whitespace collapsed, cut to
 * `MAX_DETAIL` characters. Undefined when nothing is left.
 */
export function safeDetail(text: string | null | undefined, secrets: readonly string[]) {
  if (text === null || text === undefined) return undefined;
  let safe = text;
  for (const secret of secrets) {
    if (secret !== "") safe = safe.split(secret).join("[redacted]");
  }
  safe = safe.replace(/\s+/gu, " ").trim();
  if (safe === "") return undefined;
  return safe.length > MAX_DETAIL ? `${safe.slice(0, MAX_DETAIL - 1)}…` : safe;
}

/** Base of every ResMan client error: the call and, when there was one, the HTTP status. */
export abstract class ResmanError extends ContactSyncError {
  constructor(
    readonly call: ResmanCall,
    readonly status: number | undefined,
    what: string,
    options?: { cause?: unknown },
  ) {
    super(`${describeCall(call)}: ${what}`, options);
  }
}

/** HTTP 401 or 403: the partner credentials or the account's approval are wrong. */
export class ResmanAuthError extends ResmanError {
  readonly retryable = false;
  readonly code = "auth_failed";

  constructor(call: ResmanCall, status: number) {
    super(call, status, `HTTP ${status}, credentials refused`);
  }
}

/**
 * The read was stopped by its caller (`ResmanHttpOptions.signal`: Ctrl-C on a command): while
 * in flight, waiting for its turn or for its next try. Not ResMan's doing; read it again later.
 */
export class ResmanInterruptedError extends ResmanError {
  readonly retryable = false;
  readonly code = "interrupted";

  constructor(call: ResmanCall, options?: { cause?: unknown }) {
    super(call, undefined, "stopped by the caller", options);
  }
}

/** ResMan could not be reached, timed out, rate-limited or failed (5xx) on every try. */
export class ResmanUnavailableError extends ResmanError {
  readonly retryable = true;
  readonly code = "resman_unavailable";

  /** @param failure the last try's failure: `HTTP 503`, `timeout`, `network error` */
  constructor(
    call: ResmanCall,
    status: number | undefined,
    failure: string,
    tries: number,
    options?: { cause?: unknown },
  ) {
    super(
      call,
      status,
      `unavailable after ${tries} ${tries === 1 ? "try" : "tries"} (${failure})`,
      options,
    );
  }
}

/**
 * ResMan refused the request: a v1 envelope whose `Status` is not `Success` (on HTTP 200), or
 * an HTTP status that retrying cannot change (400, 404, a redirect).
 */
export class ResmanApiError extends ResmanError {
  readonly retryable = false;
  readonly code = "resman_error";

  /**
   * @param what e.g. `HTTP 200, Status "Error"`
   * @param detail ResMan's description, already made safe by `safeDetail`
   */
  constructor(
    call: ResmanCall,
    status: number,
    what: string,
    readonly detail: string | undefined,
  ) {
    super(call, status, what);
  }
}

/** A successful answer whose body is not what the API documents (not JSON, wrong shape). */
export class ResmanResponseError extends ResmanError {
  readonly retryable = false;
  readonly code = "bad_response";

  /** @param issues where the body differs from the expected shape (paths, never values) */
  constructor(
    call: ResmanCall,
    status: number,
    what: string,
    readonly issues: readonly Issue[] = [],
    options?: { cause?: unknown },
  ) {
    super(call, status, what, options);
  }
}

/**
 * v1 `SearchProspects` answered HTTP 502 "buffer overflow": the window holds too many records.
 * The client halves the window and retries; it throws this once a half would be shorter than
 * the smallest window it asks for.
 */
export class ResmanWindowError extends ResmanError {
  readonly retryable = false;
  readonly code = "window_too_large";

  constructor(
    call: ResmanCall,
    readonly window: { since: string; until: string },
    what: string,
    options?: { cause?: unknown },
  ) {
    super(call, 502, what, options);
  }
}

/**
 * The guest-card write (`MITS/PostLeadManagement4_0`) may or may not have been made: it timed
 * out, the connection failed after it may have been sent, the answer was lost, ResMan answered
 * a 5xx other than 503, or a 200 whose outcome cannot be read. It is never sent again on its
 * own. Retryable, but only after a search: the card or event may already exist.
 */
export class GuestCardOutcomeUnknownError extends ResmanError {
  readonly retryable = true;
  readonly code = "outcome_unknown";

  /** @param failure what happened: `timeout after 30000 ms`, `network error`, `HTTP 500` */
  constructor(
    call: ResmanCall,
    status: number | undefined,
    failure: string,
    options?: { cause?: unknown },
  ) {
    super(
      call,
      status,
      `outcome unknown (${failure}): the write may have been made; search before trying again`,
      options,
    );
  }
}
