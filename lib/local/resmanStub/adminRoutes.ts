/**
 * The ResMan stand-in's admin API over HTTP, under `/_admin`: the operations of `StubAdmin`
 * with JSON bodies and JSON answers. No authentication (the stand-in listens on 127.0.0.1 by
 * default). Errors are `{"message", "code"}`: 400 bad input, 404 unknown id or route, 405 wrong
 * method, 409 not possible (moving out someone on no live lease).
 *
 *   GET    /_admin/properties
 *   GET    /_admin/properties/:propertyId/people
 *   POST   /_admin/properties/:propertyId/prospects   {people, status?, lastModified?}  → 201
 *   POST   /_admin/properties/:propertyId/residents   {person, lastModified?}           → 201
 *   POST   /_admin/prospects/:prospectId/roommates    {person, lastModified?}           → 201
 *   PATCH  /_admin/people/:personId                   {patch, lastModified?}
 *   POST   /_admin/people/:personId/touch             {lastModified?}
 *   POST   /_admin/people/:personId/move-out          {moveOutDate?, lastModified?}
 *   DELETE /_admin/people/:personId
 *   GET    /_admin/faults    POST /_admin/faults {Fault} → 201 {id}    DELETE /_admin/faults
 *   DELETE /_admin/faults/:id
 *   GET    /_admin/calls     DELETE /_admin/calls
 *   GET    /_admin/writes    DELETE /_admin/writes
 *   GET    /_admin/prospects/:prospectId/events
 *   GET    /_admin/properties/:propertyId/prospect-sources
 *   GET    /_admin/properties/:propertyId/employees
 *   POST   /_admin/reset
 */
import type { StubAdmin } from "./admin.js";
import {
  type PersonInput,
  type PersonPatch,
  type ProspectInput,
  type ResidentInput,
  StubAdminError,
} from "./adminInputs.js";
import type { Fault } from "./faults.js";
import { errorReply, jsonReply, type Reply } from "./http.js";

type Body = Record<string, unknown>;
type Action = (ids: string[], body: Body) => unknown;

interface Route {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  pattern: RegExp;
  action: Action;
  /** 201 for creations; 200 otherwise. */
  status?: number;
}

const OK = { ok: true };

/**
 * `body.lastModified` (and `moveOutDate`) as the operations' options. Bodies are cast to the
 * operations' input types unchecked: every operation validates its input itself.
 */
function stampOf(body: Body): Body {
  const options: Body = {};
  for (const key of ["lastModified", "moveOutDate"]) {
    if (body[key] !== undefined) options[key] = body[key];
  }
  return options;
}

function routes(admin: StubAdmin): Route[] {
  const property = /^\/properties\/([^/]+)/.source;
  const person = /^\/people\/([^/]+)/.source;
  const route = (method: Route["method"], pattern: string, action: Action, status = 200) => ({
    method,
    pattern: new RegExp(`${pattern}$`),
    action,
    status,
  });
  const id = (ids: string[]) => ids[0] ?? "";
  return [
    route("GET", "^/properties", () => admin.properties()),
    route("GET", `${property}/people`, (ids) => admin.people(id(ids))),
    route(
      "POST",
      `${property}/prospects`,
      (ids, body) => admin.addProspect(id(ids), body as ProspectInput),
      201,
    ),
    route(
      "POST",
      `${property}/residents`,
      (ids, body) => admin.addResident(id(ids), body.person as ResidentInput, stampOf(body)),
      201,
    ),
    route(
      "POST",
      "^/prospects/([^/]+)/roommates",
      (ids, body) => admin.addRoommate(id(ids), body.person as PersonInput, stampOf(body)),
      201,
    ),
    route("PATCH", person, (ids, body) =>
      admin.changePerson(id(ids), (body.patch ?? {}) as PersonPatch, stampOf(body)),
    ),
    route("POST", `${person}/touch`, (ids, body) => admin.touch(id(ids), stampOf(body))),
    route("POST", `${person}/move-out`, (ids, body) => admin.moveOut(id(ids), stampOf(body))),
    route("DELETE", person, (ids) => {
      admin.removePerson(id(ids));
      return OK;
    }),
    route("GET", "^/faults", () => admin.faults()),
    route("POST", "^/faults", (_ids, body) => ({ id: admin.fault(body as Fault) }), 201),
    route("DELETE", "^/faults", () => {
      admin.clearFaults();
      return OK;
    }),
    route("DELETE", "^/faults/([^/]+)", (ids) => {
      if (!admin.removeFault(id(ids))) throw new StubAdminError(404, `no fault ${id(ids)}`);
      return OK;
    }),
    route("GET", "^/calls", () => admin.calls()),
    route("DELETE", "^/calls", () => {
      admin.clearCalls();
      return OK;
    }),
    route("GET", "^/writes", () => admin.writes()),
    route("DELETE", "^/writes", () => {
      admin.clearWrites();
      return OK;
    }),
    route("GET", "^/prospects/([^/]+)/events", (ids) => admin.events(id(ids))),
    route("GET", `${property}/prospect-sources`, (ids) => admin.prospectSources(id(ids))),
    route("GET", `${property}/employees`, (ids) => admin.employees(id(ids))),
    route("POST", "^/reset", () => {
      admin.reset();
      return OK;
    }),
  ];
}

/** Answers an admin request; `path` is the part after `/_admin`. */
export function adminReply(admin: StubAdmin, method: string, path: string, text: string): Reply {
  const candidates = routes(admin)
    .map((route) => ({ route, match: route.pattern.exec(path.replace(/\/+$/, "")) }))
    .filter((candidate) => candidate.match !== null);
  if (candidates.length === 0) return errorReply(404, "not_found", "no such admin route");
  const chosen = candidates.find((candidate) => candidate.route.method === method);
  if (chosen === undefined) {
    const allow = candidates.map((candidate) => candidate.route.method).join(", ");
    return { ...errorReply(405, "method_not_allowed", `use ${allow}`), headers: { allow } };
  }
  let body: unknown = {};
  if (text.trim() !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      return errorReply(400, "invalid_json", "the body is not JSON");
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return errorReply(400, "invalid_body", "the body must be a JSON object");
  }
  try {
    const ids = (chosen.match?.slice(1) ?? []).map(decodeURIComponent);
    return jsonReply(chosen.route.status ?? 200, chosen.route.action(ids, body as Body));
  } catch (error) {
    if (error instanceof StubAdminError) {
      const code = { 400: "invalid_input", 404: "not_found", 409: "conflict" }[error.status];
      return errorReply(error.status, code, error.message);
    }
    throw error;
  }
}
