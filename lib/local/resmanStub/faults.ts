/**
 * Faults the ResMan stand-in can be told to inject, and which requests they hit.
 *
 * - `status`: answer HTTP `status` (429 with `Retry-After` when `retryAfterSeconds` is set). v2
 *   gets the JSON `{"message", "code"}` body, v1 a plain-text body, as a gateway would send.
 * - `slow`: wait `delayMs` before answering normally (or before another fault's answer).
 * - `error_on_200`: v1 only (ResMan's v2 has no such answer): HTTP 200 with the method's error
 *   envelope, `<Status>Error</Status>` in XML or `"Status": "Failed"` in JSON, and `message` (or
 *   a default) as `ErrorDescription`. A v2 request is never hit by it.
 * - `overflow`: a v1 `MITS/SearchProspects` whose Modified window is longer than
 *   `maxWindowSeconds` answers HTTP 502 with a body containing "buffer overflow"; shorter
 *   windows, and searches without a window, are answered normally and not counted.
 * - `drop_after_write`: "the write landed but the answer was lost". The request is served as if
 *   no fault were there (a `MITS/PostLeadManagement4_0` write is made and logged), then, after
 *   `delayMs` (default 0: set it beyond a client's timeout to simulate a timeout), the socket is
 *   destroyed without an answer: the client sees a timeout or a connection reset, never the
 *   reply. The call log records it with status 0. Any API and path can be matched; narrow it
 *   with `match.path`.
 *
 * `match` narrows a fault to an API, a path under it (`/Prospects`, `/MITS/SearchProspects`;
 * any case) and a PropertyID. `times` (default unlimited) counts the requests hit; a fault is
 * gone once used up. All matching `slow` faults add up; of the others the oldest decides.
 */
import * as z from "../../domain/zod.js";
import { errorReply, type Reply, textReply } from "./http.js";

export const faultKinds = [
  "error_on_200",
  "status",
  "slow",
  "overflow",
  "drop_after_write",
] as const;
export type FaultKind = (typeof faultKinds)[number];

const STATUSES = [401, 403, 429, 500, 502, 503] as const;

export const faultSchema = z
  .strictObject({
    kind: z.enum(faultKinds),
    match: z.optional(
      z.strictObject({
        api: z.optional(z.enum(["v1", "v2"])),
        /** A path under the API's base: `/Prospects`, `/MITS/SearchProspects`. */
        path: z.optional(z.string().check(z.minLength(1))),
        propertyId: z.optional(z.string().check(z.minLength(1))),
      }),
    ),
    /** Requests to hit before the fault is gone; unlimited when absent. */
    times: z.optional(z.int().check(z.positive())),
    /** `status`: the HTTP status to answer. */
    status: z.optional(
      z.number().check(
        z.refine((n) => (STATUSES as readonly number[]).includes(n), {
          message: `must be one of ${STATUSES.join(", ")}`,
        }),
      ),
    ),
    /** `status` 429: the `Retry-After` header, in seconds. */
    retryAfterSeconds: z.optional(z.int().check(z.nonnegative())),
    /** `slow`: milliseconds to wait before answering; `drop_after_write`: before dropping. */
    delayMs: z.optional(z.int().check(z.nonnegative(), z.maximum(120_000))),
    /** `overflow`: the longest window answered normally. */
    maxWindowSeconds: z.optional(z.number().check(z.positive())),
    /** `error_on_200`: the `ErrorDescription`. */
    message: z.optional(z.string().check(z.maxLength(500))),
  })
  .check(
    z.superRefine((fault, context) => {
      const need = (key: keyof typeof fault, kind: FaultKind) => {
        if (fault.kind === kind && fault[key] === undefined) {
          context.addIssue({ code: "custom", path: [key], message: `required by ${kind}` });
        }
      };
      need("status", "status");
      need("delayMs", "slow");
      need("maxWindowSeconds", "overflow");
      if (
        (fault.kind === "error_on_200" || fault.kind === "overflow") &&
        fault.match?.api === "v2"
      ) {
        context.addIssue({ code: "custom", path: ["match", "api"], message: "v1 only" });
      }
    }),
  );

/** A fault to inject (see the module header). */
export type Fault = z.input<typeof faultSchema>;
type ParsedFault = z.output<typeof faultSchema>;

/** A fault in force: its id and how many hits it has left (null: unlimited). */
export type ActiveFault = ParsedFault & { id: string; remaining: number | null };

/** What a fault is matched against. */
export interface FaultTarget {
  api: "v1" | "v2";
  /** The path under the API's base. */
  path: string;
  propertyId: string | null;
  /** v1 SearchProspects: the Modified window's length in seconds, when both ends are given. */
  windowSeconds: number | null;
}

const SEARCH_PROSPECTS = "/mits/searchprospects";

const samePath = (a: string, b: string) =>
  `/${a.replace(/^\/+|\/+$/g, "")}`.toLowerCase() ===
  `/${b.replace(/^\/+|\/+$/g, "")}`.toLowerCase();

function hits(fault: ActiveFault, target: FaultTarget): boolean {
  const { match } = fault;
  if (match?.api !== undefined && match.api !== target.api) return false;
  if (match?.path !== undefined && !samePath(match.path, target.path)) return false;
  if (
    match?.propertyId !== undefined &&
    match.propertyId.toLowerCase() !== target.propertyId?.toLowerCase()
  ) {
    return false;
  }
  if (fault.kind === "error_on_200") return target.api === "v1";
  if (fault.kind === "overflow") {
    return (
      target.api === "v1" &&
      samePath(target.path, SEARCH_PROSPECTS) &&
      target.windowSeconds !== null &&
      target.windowSeconds > (fault.maxWindowSeconds ?? Number.POSITIVE_INFINITY)
    );
  }
  return true;
}

/** The faults in force, oldest first. */
export class FaultBook {
  private faults: ActiveFault[] = [];
  private next = 1;

  /** Adds a fault (validated: a `ZodError` when it is not one) and returns its id. */
  add(fault: Fault): string {
    const parsed = faultSchema.parse(fault);
    const id = `fault-${this.next}`;
    this.next += 1;
    this.faults.push({ ...parsed, id, remaining: parsed.times ?? null });
    return id;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((fault) => fault.id !== id);
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
  }

  list(): ActiveFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  /** The faults a request hits, each hit counted: the summed delay and the answering fault. */
  hit(target: FaultTarget): { delayMs: number; answer: ActiveFault | null } {
    let delayMs = 0;
    let answer: ActiveFault | null = null;
    for (const fault of this.faults) {
      if (!hits(fault, target)) continue;
      if (fault.kind === "slow") delayMs += fault.delayMs ?? 0;
      else if (answer === null) answer = fault;
      else continue;
      if (fault.remaining !== null) fault.remaining -= 1;
    }
    this.faults = this.faults.filter((fault) => fault.remaining === null || fault.remaining > 0);
    return { delayMs, answer };
  }
}

/**
 * The answer of a `status` or `overflow` fault. `error_on_200` needs the v1 method's envelope:
 * the v1 routes build it; `drop_after_write` sends no answer: the server drops the socket.
 */
export function faultReply(fault: ActiveFault, api: "v1" | "v2"): Reply {
  if (fault.kind === "overflow") {
    return textReply(502, "Bad Gateway: buffer overflow while writing the response");
  }
  const status = fault.status ?? 503;
  const reply =
    api === "v2"
      ? errorReply(status, `injected_${status}`, `injected fault: HTTP ${status}`)
      : textReply(status, `injected fault: HTTP ${status}`);
  if (status === 429 && fault.retryAfterSeconds !== undefined) {
    reply.headers = { "retry-after": String(fault.retryAfterSeconds) };
  }
  return reply;
}
