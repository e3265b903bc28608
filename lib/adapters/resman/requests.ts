/**
 * Every request this package can send to ResMan, as a closed set: the reads (`ResmanRead`) and
 * the one write (`ResmanWrite`), each a path with exactly the fields that path takes. The
 * transport (`http.ts`) checks a request against this set again at run time
 * (`isAllowedRead`, `isAllowedWrite`), so nothing outside it can be sent even by a cast.
 *
 * The reads:
 * - v2 (JSON, `GET`): `/Prospects`, `/Leasing/Leases`, `/CreditReporting/Residents`;
 * - v1 (form `POST`): `MITS/SearchProspects` over a Modified window, or by `Email`, by `Phone`,
 *   or by `FirstName` and `LastName` (XML); `Leasing/GetApplicantsAndCurrentResidents`,
 *   `Leasing/GetProspectSources`, `Leasing/GetEmployees` (JSON, no fields of their own).
 *
 * The reconciliation (`resmanSource.ts`) uses five of them: the three v2 reads, the windowed
 * search and the v1 roster. The write, `MITS/PostLeadManagement4_0` with its `Xml` field, is
 * sent only by the guest-card client (`guestCardClient.ts`), through the one transport that has
 * a `write` (`createResmanWriteHttp`); the source's transport has none.
 */

/** The v2 reads: JSON, `GET`. */
export const v2Paths = ["/Prospects", "/Leasing/Leases", "/CreditReporting/Residents"] as const;
export type V2Path = (typeof v2Paths)[number];

/** The v1 reads answering JSON, with no fields besides the credentials and ids. */
export const v1JsonPaths = [
  "/Leasing/GetApplicantsAndCurrentResidents",
  "/Leasing/GetProspectSources",
  "/Leasing/GetEmployees",
] as const;
export type V1JsonPath = (typeof v1JsonPaths)[number];

export const SEARCH_PROSPECTS = "/MITS/SearchProspects";
export const POST_LEAD = "/MITS/PostLeadManagement4_0";

/** Every v1 path a read may use. */
export const v1Paths = [SEARCH_PROSPECTS, ...v1JsonPaths] as const;
export type V1Path = (typeof v1Paths)[number];

/** How `MITS/SearchProspects` may be asked: over a window, or by one of three criteria. */
export type SearchProspectsForm =
  | { ModifiedStartDateTime: string; ModifiedEndDateTime: string }
  | { Email: string }
  | { Phone: string }
  | { FirstName: string; LastName: string };

/** The field sets `SearchProspectsForm` allows, for the run-time check (sorted names). */
const searchFieldSets = [
  ["ModifiedEndDateTime", "ModifiedStartDateTime"],
  ["Email"],
  ["Phone"],
  ["FirstName", "LastName"],
].map((fields) => fields.join(","));

/** Every read this package can make; credentials and ids are added by the transport. */
export type ResmanRead =
  | { api: "v2"; path: V2Path; query: Readonly<Record<string, string>> }
  | {
      api: "v1";
      path: typeof SEARCH_PROSPECTS;
      form: Readonly<SearchProspectsForm>;
      accept: "application/xml";
    }
  | {
      api: "v1";
      path: V1JsonPath;
      form: Readonly<Record<string, never>>;
      accept: "application/json";
    };

/** The one write: a MITS Lead Management 4.0 document in the `Xml` field. */
export interface ResmanWrite {
  api: "v1";
  path: typeof POST_LEAD;
  form: Readonly<{ Xml: string }>;
  accept: "application/xml";
}

/** A request of either kind, as the transport sends it. */
export type ResmanRequest = ResmanRead | ResmanWrite;

const includes = (list: readonly string[], item: unknown) =>
  typeof item === "string" && list.includes(item);

/** The form's field names, sorted and joined; null when a value is not a string. */
function fieldSet(form: unknown): string | null {
  if (form === null || typeof form !== "object") return null;
  const entries = Object.entries(form);
  if (entries.some(([, value]) => typeof value !== "string")) return null;
  return entries
    .map(([name]) => name)
    .sort()
    .join(",");
}

/** Whether `request` is one of the reads above, fields included (checked at run time). */
export function isAllowedRead(request: ResmanRead): boolean {
  const candidate = request as unknown as Record<string, unknown>;
  if (candidate.api === "v2") return includes(v2Paths, candidate.path);
  if (candidate.api !== "v1") return false;
  const fields = fieldSet(candidate.form);
  if (candidate.path === SEARCH_PROSPECTS) {
    return candidate.accept === "application/xml" && includes(searchFieldSets, fields);
  }
  return (
    includes(v1JsonPaths, candidate.path) &&
    candidate.accept === "application/json" &&
    fields === ""
  );
}

/** Whether `request` is the one write, with its `Xml` field only (checked at run time). */
export function isAllowedWrite(request: ResmanWrite): boolean {
  const candidate = request as unknown as Record<string, unknown>;
  return (
    candidate.api === "v1" &&
    candidate.path === POST_LEAD &&
    candidate.accept === "application/xml" &&
    fieldSet(candidate.form) === "Xml"
  );
}
