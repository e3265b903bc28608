/**
 * The ResMan stand-in's v1 "classic" API, under `/v1`: `POST /MITS/SearchProspects` (XML),
 * `POST /Leasing/GetApplicantsAndCurrentResidents` (JSON), form-encoded, in docs/resman.md's
 * shapes; the guest-card write `POST /MITS/PostLeadManagement4_0` (XML, `leadWrites.ts`) and the
 * lookups `POST /Leasing/GetProspectSources` and `POST /Leasing/GetEmployees` (JSON, `lookups.ts`).
 * A refused PostLeadManagement4_0, whatever refused it, is logged in the write log.
 *
 * Bad `IntegrationPartnerID`/`ApiKey`: HTTP 401 with the method's error envelope. A missing or
 * unknown `PropertyID`, or an `AccountID` that is not the property's: HTTP 200 with the error
 * envelope (`<Status>Error</Status>` in XML, `"Status": "Failed"` in JSON). Another method:
 * 404; another HTTP method: 405. Paths are matched in any case.
 *
 * SearchProspects lists guest cards, one `Customer` per person, filtered by any of: the
 * Modified window (`ModifiedStartDateTime` and `ModifiedEndDateTime`, both inclusive, either
 * may be left open; ISO-8601, no zone means UTC), `Email` (any case), `Phone` (its last ten
 * digits) and `FirstName` + `LastName` (any case); at least one is required. A card matches
 * when any of its people does; all its people are listed.
 */
import { XMLBuilder } from "fast-xml-parser";
import { parseInstant } from "./dates.js";
import { jsonReply, type Reply, textReply, xmlReply } from "./http.js";
import { LEAD_METHOD, logRefusedLead, writeLead } from "./leadWrites.js";
import { getEmployees, getProspectSources } from "./lookups.js";
import {
  onRoster,
  type PropertyRecords,
  type ProspectStatus,
  type StubPerson,
  type StubPhoneType,
  type StubProspect,
} from "./model.js";
import type { StubState } from "./state.js";
import type { ApiContext } from "./v2Routes.js";

/** What the v1 routes need: the read context, and the state the writes change. */
export interface V1Context extends ApiContext {
  state: StubState;
}

type Format = "xml" | "json";
type Handler = (context: V1Context, records: PropertyRecords, form: URLSearchParams) => Reply;

interface Method {
  name: string;
  format: Format;
  handle: Handler;
}

const METHODS: Record<string, Method> = {
  "/mits/searchprospects": { name: "SearchProspects", format: "xml", handle: searchProspects },
  "/leasing/getapplicantsandcurrentresidents": {
    name: "GetApplicantsAndCurrentResidents",
    format: "json",
    handle: applicantsAndResidents,
  },
  "/mits/postleadmanagement4_0": { name: LEAD_METHOD, format: "xml", handle: postLead },
  "/leasing/getprospectsources": {
    name: "GetProspectSources",
    format: "json",
    handle: (_context, records) => getProspectSources(records),
  },
  "/leasing/getemployees": {
    name: "GetEmployees",
    format: "json",
    handle: (_context, records) => getEmployees(records),
  },
};

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  suppressEmptyNode: true,
});

/** The v1 method at a path under `/v1`, if the stand-in has it. */
export function v1Method(path: string): Method | undefined {
  return METHODS[path.replace(/\/+$/, "").toLowerCase()];
}

/** The method's error envelope, with an HTTP status (200 for ResMan's errors-on-success). */
export function v1ErrorReply(
  method: Pick<Method, "name" | "format">,
  status: number,
  description: string,
): Reply {
  if (method.format === "json") {
    return jsonReply(status, {
      MethodName: method.name,
      Status: "Failed",
      ErrorDescription: description,
    });
  }
  return xmlReply(
    status,
    builder.build({
      ResMan: { MethodName: method.name, Status: "Error", ErrorDescription: description },
    }),
  );
}

/** The length in seconds of a SearchProspects Modified window, when both ends are dates. */
export function searchWindowSeconds(form: URLSearchParams): number | null {
  const start = parseInstant(form.get("ModifiedStartDateTime") ?? "");
  const end = parseInstant(form.get("ModifiedEndDateTime") ?? "");
  return start === null || end === null ? null : (end - start) / 1000;
}

/** A v1 XML success envelope around the method's `Response`. */
function xmlSuccess(method: Method, response: unknown): Reply {
  return xmlReply(
    200,
    builder.build({
      ResMan: {
        MethodName: method.name,
        Status: "Success",
        ErrorDescription: "",
        Response: response,
      },
    }),
  );
}

export function v1Reply(
  context: V1Context,
  httpMethod: string,
  path: string,
  form: URLSearchParams,
): Reply {
  const method = v1Method(path);
  if (method === undefined) return textReply(404, "Not Found");
  if (httpMethod !== "POST")
    return { ...textReply(405, "Method Not Allowed"), headers: { allow: "POST" } };
  const refuse = (status: number, description: string) => {
    if (method.name === LEAD_METHOD) logRefusedLead(context.state, form, description);
    return v1ErrorReply(method, status, description);
  };
  if (
    form.get("IntegrationPartnerID") !== context.partnerId ||
    form.get("ApiKey") !== context.apiKey
  ) {
    return refuse(401, "Invalid IntegrationPartnerID or ApiKey");
  }
  const records = context.data.property(form.get("PropertyID") ?? "");
  if (records === undefined) return refuse(200, "Property not found");
  if (form.get("AccountID")?.trim() !== String(records.property.accountId)) {
    return refuse(200, "The property does not belong to this AccountID");
  }
  return method.handle(context, records, form);
}

function postLead(context: V1Context, records: PropertyRecords, form: URLSearchParams): Reply {
  const method = METHODS["/mits/postleadmanagement4_0"] as Method;
  const outcome = writeLead(context.state, records, form);
  return "error" in outcome
    ? v1ErrorReply(method, 200, outcome.error)
    : xmlSuccess(method, outcome.response);
}

// --- SearchProspects ------------------------------------------------------------------------

const CUSTOMER_TYPES: Record<ProspectStatus, string> = {
  Prospect: "prospect",
  Lost: "lost",
  Applicant: "applicant",
  Resident: "current_resident",
};

const V1_PHONE_TYPES: Partial<Record<StubPhoneType, string>> = {
  Mobile: "cell",
  Home: "home",
  Work: "office",
};

const digitsOf = (phone: string) => phone.replace(/\D/g, "").slice(-10);
const folded = (text: string | null) => (text ?? "").trim().toLowerCase();

/** The criteria of a search, or the error to answer. */
function searchCriteria(form: URLSearchParams): ((person: StubPerson) => boolean)[] | string {
  const tests: ((person: StubPerson) => boolean)[] = [];
  const email = form.get("Email");
  if (email !== null && email.trim() !== "") {
    tests.push((person) => folded(person.email) === folded(email));
  }
  const phone = form.get("Phone");
  if (phone !== null && phone.trim() !== "") {
    if (digitsOf(phone).length < 7) return "Phone is not a phone number";
    tests.push((person) =>
      Object.values(person.phones).some((number) => digitsOf(number) === digitsOf(phone)),
    );
  }
  const first = form.get("FirstName")?.trim() ?? "";
  const last = form.get("LastName")?.trim() ?? "";
  if ((first === "") !== (last === "")) return "FirstName and LastName go together";
  if (first !== "") {
    tests.push(
      (person) =>
        folded(person.firstName) === folded(first) && folded(person.lastName) === folded(last),
    );
  }
  return tests;
}

function searchProspects(
  context: ApiContext,
  records: PropertyRecords,
  form: URLSearchParams,
): Reply {
  const method = METHODS["/mits/searchprospects"] as Method;
  const startText = form.get("ModifiedStartDateTime") ?? "";
  const endText = form.get("ModifiedEndDateTime") ?? "";
  const start = startText.trim() === "" ? Number.NEGATIVE_INFINITY : parseInstant(startText);
  const end = endText.trim() === "" ? Number.POSITIVE_INFINITY : parseInstant(endText);
  if (start === null || end === null) {
    return v1ErrorReply(method, 200, "ModifiedStartDateTime and ModifiedEndDateTime must be dates");
  }
  if (start > end) {
    return v1ErrorReply(method, 200, "ModifiedStartDateTime is after ModifiedEndDateTime");
  }
  const tests = searchCriteria(form);
  if (typeof tests === "string") return v1ErrorReply(method, 200, tests);
  const windowed = startText.trim() !== "" || endText.trim() !== "";
  if (!windowed && tests.length === 0) {
    return v1ErrorReply(
      method,
      200,
      "Give a Modified window, Email, Phone or FirstName and LastName",
    );
  }
  const found: unknown[] = [];
  for (const prospect of records.prospects.values()) {
    const stamp = Date.parse(prospect.lastModified);
    if (stamp < start || stamp > end) continue;
    const people = peopleOf(context, prospect);
    if (tests.every((test) => people.some(test))) found.push(prospectXml(prospect, people));
  }
  return xmlSuccess(method, { LeadManagement: { Prospects: { Prospect: found } } });
}

function peopleOf(context: ApiContext, prospect: StubProspect): StubPerson[] {
  return prospect.personIds.flatMap((personId) => context.data.person(personId) ?? []);
}

function prospectXml(prospect: StubProspect, people: StubPerson[]) {
  return {
    Customers: {
      Customer: people.map((person) => ({
        "@_Type": CUSTOMER_TYPES[prospect.status],
        Identification: [
          { "@_IDType": "ProspectID", "@_IDValue": prospect.prospectId },
          { "@_IDType": "PersonID", "@_IDValue": person.personId },
        ],
        Name: {
          FirstName: person.firstName,
          MiddleName: person.middleName ?? "",
          LastName: person.lastName,
        },
        Phone: phonesOf(person).map(([type, number]) => ({
          "@_PhoneType": type,
          PhoneNumber: number,
        })),
        Email: person.email ?? "",
        LastModified: prospect.lastModified,
      })),
    },
  };
}

/** A person's v1 phones, the primary first (fax numbers are not shown). */
function phonesOf(person: StubPerson): [string, string][] {
  const types = [person.phoneType, ...(["Mobile", "Home", "Work"] as const)];
  const phones: [string, string][] = [];
  for (const type of new Set(types)) {
    const number = person.phones[type];
    const v1Type = V1_PHONE_TYPES[type];
    if (number !== undefined && v1Type !== undefined) phones.push([v1Type, number]);
  }
  return phones;
}

// --- GetApplicantsAndCurrentResidents -------------------------------------------------------

function applicantsAndResidents(context: ApiContext, records: PropertyRecords): Reply {
  const people: unknown[] = [];
  for (const lease of records.leases.values()) {
    for (const member of lease.members) {
      const person = context.data.person(member.personId);
      if (person === undefined || !onRoster(member)) continue;
      const pending = member.residencyStatus === "Pending" || member.residencyStatus === "Approved";
      people.push({
        PersonID: person.personId,
        FirstName: person.firstName,
        LastName: person.lastName,
        Email: person.email,
        MobilePhone: person.phones.Mobile ?? null,
        HomePhone: person.phones.Home ?? null,
        WorkPhone: person.phones.Work ?? null,
        Status: pending ? "Pending" : "Current",
        LeaseStartDate: lease.startDate,
        LeaseEndDate: lease.endDate,
      });
    }
  }
  return jsonReply(200, {
    MethodName: "GetApplicantsAndCurrentResidents",
    Status: "Success",
    ErrorDescription: null,
    AccountID: records.property.accountId,
    PropertyID: records.property.propertyId,
    People: people,
  });
}
