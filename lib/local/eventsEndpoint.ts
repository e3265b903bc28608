/**
 * `POST /events` of the local stack: EventBridge's PutEvents for the DomIQ chatbot's events. The
 * body is PutEvents-shaped, `{ "Entries": [{ "Source", "DetailType", "Detail": "<JSON text>" }] }`
 * (or one such entry alone; `Detail` may also be a JSON object); each entry becomes the
 * EventBridge event a rule would deliver, and the real chatbot function (passed in as `invoke`)
 * runs on it, one entry after the other, as a rule's target would.
 *
 * The answer is PutEvents': 200 with `FailedEntryCount` and one result per entry, in order, an
 * `EventId` or an `ErrorCode` with an `ErrorMessage`. EventBridge itself accepts any well-formed
 * entry, and the deployed function logs and drops an event that breaks the chatbot contract (no
 * retry can fix it, and nobody is there to tell). Locally the sender is a developer, so such an
 * entry is reported as failed instead: it is first checked by the same use case the function
 * runs (`acceptChatbotEvent`, over a queue that keeps nothing), and only a valid one reaches the
 * function. Error messages name field paths only, never a submitted value.
 *
 * Error codes: `InvalidArgument` (an entry without Source or DetailType), `MalformedDetail`
 * (Detail missing or not a JSON object), `InvalidEvent` (the chatbot contract: source,
 * detail-type or detail fields), `InternalFailure` (the function failed: the queue is down).
 * A body that is not JSON or holds no entries (or more than 10) is a 400.
 */
import { randomUUID } from "node:crypto";
import type { EventBridgeEvent } from "aws-lambda";
import { acceptChatbotEvent } from "../app/acceptChatbotEvent.js";
import type { SyncQueue } from "../app/ports.js";
import { InvalidInputError } from "../domain/errors.js";
import { type HttpResult, jsonResult } from "./apiGateway.js";

/** Largest body accepted: PutEvents' own limit for one request. */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

/** Most entries in one request, as PutEvents. */
export const MAX_PUT_EVENTS_ENTRIES = 10;

/** The account and region the local events claim to come from. */
const LOCAL_ACCOUNT = "000000000000";
const LOCAL_REGION = "us-east-1";

/** An EventBridge event as a rule delivers it to the chatbot function. */
export type LocalEventBridgeEvent = EventBridgeEvent<string, unknown>;

export interface EventsEndpointDependencies {
  /** Runs the chatbot function on one event; throws when the function fails. */
  invoke(event: LocalEventBridgeEvent): Promise<void>;
  /** The events' time (default now). */
  now?: () => Date;
  /** The events' id (default a random UUID). */
  newId?: () => string;
}

/** A failed entry's result: a code, and a message naming field paths only. */
export interface PutEventsFailure {
  ErrorCode: string;
  ErrorMessage: string;
}

/** One entry's result, as PutEvents gives it. */
export type PutEventsResultEntry = { EventId: string } | PutEventsFailure;

export interface PutEventsResponse {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** Only for checking an event against the contract: what it is sent goes nowhere. */
const checkOnly: SyncQueue = { send: async () => "checked" };

const failure = (ErrorCode: string, ErrorMessage: string): PutEventsFailure => ({
  ErrorCode,
  ErrorMessage,
});

/** A 400 in the webhook handler's error shape: a code and field paths. */
function badRequest(path: string, message: string): HttpResult {
  return jsonResult(400, { error: "invalid_body", issues: [{ path, message }] });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The entries of a PutEvents body, or of one entry given alone. */
function entriesOf(body: unknown): unknown[] | undefined {
  if (!isObject(body)) return undefined;
  if (Object.hasOwn(body, "Entries")) return Array.isArray(body.Entries) ? body.Entries : undefined;
  return ["Source", "DetailType", "Detail"].some((key) => Object.hasOwn(body, key))
    ? [body]
    : undefined;
}

/** The detail of an entry: its JSON text parsed, or an object as given. */
function detailOf(detail: unknown): Record<string, unknown> | undefined {
  if (isObject(detail)) return detail;
  if (typeof detail !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(detail);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    // The SyntaxError quotes the text: dropped.
    return undefined;
  }
}

const nonEmptyString = (value: unknown): value is string =>
  typeof value === "string" && value.trim() !== "";

/** The EventBridge event of one entry, or why there is none. */
function eventOf(
  entry: unknown,
  deps: EventsEndpointDependencies,
): LocalEventBridgeEvent | PutEventsFailure {
  if (!isObject(entry)) return failure("InvalidArgument", "entry: must be an object");
  const missing = ["Source", "DetailType"].filter((key) => !nonEmptyString(entry[key]));
  if (missing.length > 0) return failure("InvalidArgument", `required: ${missing.join(", ")}`);
  const detail = detailOf(entry.Detail);
  if (detail === undefined) return failure("MalformedDetail", "Detail: must be a JSON object");
  const resources = Array.isArray(entry.Resources)
    ? entry.Resources.filter((resource) => typeof resource === "string")
    : [];
  const time = (deps.now ?? (() => new Date()))();
  return {
    version: "0",
    id: (deps.newId ?? randomUUID)(),
    "detail-type": entry.DetailType as string,
    source: entry.Source as string,
    account: LOCAL_ACCOUNT,
    // EventBridge's time has whole seconds.
    time: `${time.toISOString().slice(0, 19)}Z`,
    region: LOCAL_REGION,
    resources,
    detail,
  };
}

/** Puts one entry: checks it, then runs the function on it. */
async function putEntry(
  entry: unknown,
  deps: EventsEndpointDependencies,
): Promise<PutEventsResultEntry> {
  const event = eventOf(entry, deps);
  if ("ErrorCode" in event) return event;
  try {
    await acceptChatbotEvent(
      { queue: checkOnly },
      { source: event.source, detailType: event["detail-type"], detail: event.detail },
    );
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const paths = [...new Set(error.issues.map((issue) => issue.path || "detail"))];
    return failure("InvalidEvent", `invalid fields: ${paths.join(", ")}`);
  }
  try {
    await deps.invoke(event);
    return { EventId: event.id };
  } catch {
    // What the function threw is logged by the function itself (ids and codes only).
    return failure("InternalFailure", "the chatbot function failed (is the sync queue up?)");
  }
}

/**
 * Answers one `POST /events` request whose body (`rawBody`, already checked against
 * `MAX_PUT_EVENTS_BYTES`) holds PutEvents entries.
 */
export async function handlePutEvents(
  deps: EventsEndpointDependencies,
  rawBody: Buffer,
): Promise<HttpResult> {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return badRequest("", "not valid JSON");
  }
  const entries = entriesOf(body);
  if (entries === undefined || entries.length === 0) {
    return badRequest("Entries", "must be a non-empty array of entries (or one entry)");
  }
  if (entries.length > MAX_PUT_EVENTS_ENTRIES) {
    return badRequest("Entries", `at most ${MAX_PUT_EVENTS_ENTRIES} entries per request`);
  }
  const results: PutEventsResultEntry[] = [];
  for (const entry of entries) results.push(await putEntry(entry, deps));
  const response: PutEventsResponse = {
    FailedEntryCount: results.filter((result) => "ErrorCode" in result).length,
    Entries: results,
  };
  return jsonResult(200, response);
}
