/**
 * The ResMan stand-in's v2 "Partners API" (JSON), under `/v2`: `GET /Prospects`,
 * `GET /Leasing/Leases` and `GET /CreditReporting/Residents`, in docs/resman.md's shapes.
 *
 * Checks, in this order: the path (404) and method (405); Basic credentials (401); the
 * `propertyId` query (400 when missing, 404 when unknown); the `ResMan-Account-Id` header, which
 * must be the property's AccountID (403 when missing or different); `modifiedSince` on the two
 * incremental lists (400 when missing, not ISO-8601, or later than now; no zone means UTC).
 * Every error body is `{"message", "code"}`. A record is listed when its `lastModified` is at
 * or after `modifiedSince`; a lease also when one of its people's is. Paths are matched in any
 * case. Absent values are null.
 */
import type { IncomingHttpHeaders } from "node:http";
import { parseInstant } from "./dates.js";
import { errorReply, jsonReply, type Reply } from "./http.js";
import {
  onRoster,
  type PropertyRecords,
  primaryPhone,
  type StubData,
  type StubLease,
  type StubPerson,
  type StubProspect,
} from "./model.js";

/** What the API routes need of the stand-in. */
export interface ApiContext {
  data: StubData;
  partnerId: string;
  apiKey: string;
  /** Now, in ms: the latest of the real clock and the stand-in's. */
  now(): number;
}

export interface V2Request {
  method: string;
  /** The path under `/v2`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

type Lister = (records: PropertyRecords, data: StubData, since: number) => unknown;

const ROUTES: Record<string, { incremental: boolean; list: Lister }> = {
  "/prospects": { incremental: true, list: prospects },
  "/leasing/leases": { incremental: true, list: leases },
  "/creditreporting/residents": { incremental: false, list: residents },
};

/** The AccountID a v2 request names, when its header holds a whole number. */
export function v2AccountId(headers: IncomingHttpHeaders): number | null {
  const value = headers["resman-account-id"];
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && /^\s*\d+\s*$/.test(text) ? Number(text) : null;
}

export function v2Reply(context: ApiContext, request: V2Request): Reply {
  const route = ROUTES[request.path.replace(/\/+$/, "").toLowerCase()];
  if (route === undefined) return errorReply(404, "not_found", "no such resource");
  if (request.method !== "GET") {
    return { ...errorReply(405, "method_not_allowed", "use GET"), headers: { allow: "GET" } };
  }
  if (!authorized(context, request.headers.authorization)) {
    return errorReply(401, "unauthorized", "invalid or missing credentials");
  }
  const propertyId = request.query.get("propertyId");
  if (propertyId === null || propertyId.trim() === "") {
    return errorReply(400, "missing_property_id", "propertyId is required");
  }
  const records = context.data.property(propertyId);
  if (records === undefined) return errorReply(404, "property_not_found", "unknown propertyId");
  if (v2AccountId(request.headers) !== records.property.accountId) {
    return errorReply(403, "forbidden", "ResMan-Account-Id does not hold this property");
  }
  let since = Number.NEGATIVE_INFINITY;
  if (route.incremental) {
    const text = request.query.get("modifiedSince");
    if (text === null)
      return errorReply(400, "missing_modified_since", "modifiedSince is required");
    const parsed = parseInstant(text);
    if (parsed === null) {
      return errorReply(400, "invalid_modified_since", "modifiedSince must be ISO-8601");
    }
    if (parsed > context.now()) {
      return errorReply(400, "invalid_modified_since", "modifiedSince must not be in the future");
    }
    since = parsed;
  }
  return jsonReply(200, route.list(records, context.data, since));
}

function authorized(context: ApiContext, header: string | undefined): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(header?.trim() ?? "");
  if (match === null) return false;
  const decoded = Buffer.from(match[1] ?? "", "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return (
    colon >= 0 &&
    decoded.slice(0, colon) === context.partnerId &&
    decoded.slice(colon + 1) === context.apiKey
  );
}

const atOrAfter = (stamp: string, since: number) => Date.parse(stamp) >= since;

/** The name, email and phone fields every v2 person has. */
function contactFields(person: StubPerson) {
  const phone = primaryPhone(person);
  return {
    personId: person.personId,
    firstName: person.firstName,
    middleName: person.middleName,
    lastName: person.lastName,
    email: person.email,
    phone,
    phoneType: phone === null ? null : person.phoneType,
  };
}

function prospects(records: PropertyRecords, data: StubData, since: number) {
  const list: unknown[] = [];
  for (const prospect of records.prospects.values()) {
    if (atOrAfter(prospect.lastModified, since)) list.push(prospectJson(prospect, data));
  }
  return { prospects: list };
}

function prospectJson(prospect: StubProspect, data: StubData) {
  return {
    prospectId: prospect.prospectId,
    propertyId: prospect.propertyId,
    mainPersonId: prospect.mainPersonId,
    status: prospect.status,
    lastModified: prospect.lastModified,
    firstContactDate: prospect.firstContactDate,
    prospectSourceName: prospect.prospectSourceName,
    people: prospect.personIds.flatMap((personId) => {
      const person = data.person(personId);
      if (person === undefined) return [];
      return [
        {
          ...contactFields(person),
          isMainContact: personId === prospect.mainPersonId,
          isDependent: person.isDependent,
        },
      ];
    }),
  };
}

function leases(records: PropertyRecords, data: StubData, since: number) {
  const list: unknown[] = [];
  for (const lease of records.leases.values()) {
    const changed =
      atOrAfter(lease.lastModified, since) ||
      lease.members.some((member) => atOrAfter(member.lastModified, since));
    if (changed) list.push(leaseJson(lease, data));
  }
  return { leases: list };
}

function leaseJson(lease: StubLease, data: StubData) {
  return {
    leaseId: lease.leaseId,
    leaseStatus: lease.leaseStatus,
    unitNumber: lease.unitNumber,
    lastModified: lease.lastModified,
    people: lease.members.flatMap((member) => {
      const person = data.person(member.personId);
      if (person === undefined) return [];
      return [
        {
          ...contactFields(person),
          residencyStatus: member.residencyStatus,
          moveInDate: member.moveInDate,
          moveOutDate: member.moveOutDate,
          isDependent: person.isDependent,
          lastModified: member.lastModified,
        },
      ];
    }),
  };
}

/** The roster: everyone with a live place on a lease (applicants and residents). */
function residents(records: PropertyRecords, data: StubData) {
  const { property } = records;
  const people: unknown[] = [];
  for (const lease of records.leases.values()) {
    for (const member of lease.members) {
      const person = data.person(member.personId);
      if (person === undefined || !onRoster(member)) continue;
      people.push({
        personId: person.personId,
        leaseId: lease.leaseId,
        firstName: person.firstName,
        middleName: person.middleName,
        lastName: person.lastName,
        email: person.email,
        mobilePhone: person.phones.Mobile ?? null,
        homePhone: person.phones.Home ?? null,
        workPhone: person.phones.Work ?? null,
        birthdate: person.birthdate,
        streetAddress: property.streetAddress,
        unit: lease.unitNumber,
        city: property.city,
        state: property.state,
        zip: property.zip,
        residencyStatus: member.residencyStatus,
        isDependent: person.isDependent,
      });
    }
  }
  return { people };
}
