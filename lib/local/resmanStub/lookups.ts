/**
 * The ResMan stand-in's lookup lists of a property: its prospect sources (what a guest card's
 * `TransactionSource` names) and its employees (what an event's `AgentID` names), and the two v1
 * methods that list them, `Leasing/GetProspectSources` and `Leasing/GetEmployees` (JSON).
 *
 * Every property has the same four sources (one named "DomIQ") and three employees (one named
 * "DomIQ Leasing Agent"), with ids drawn from a stream seeded by the PropertyID: the same
 * property always has the same ids, and two properties never share one. The lists never change;
 * the names and emails are fictional (`example.com`).
 */
import { mulberry32 } from "../peopleGenerator.js";
import { jsonReply, type Reply } from "./http.js";
import type { PropertyRecords } from "./model.js";
import { guidFrom, hashOf, streamSeed } from "./random.js";

export interface StubProspectSource {
  ID: string;
  Name: string;
}

export interface StubEmployee {
  ID: string;
  Name: string;
  Email: string;
}

/** The stream the lookup ids are drawn from, per property. */
const LOOKUP_STREAM = 0x4c4b_5550;

const SOURCE_NAMES = ["DomIQ", "Website", "Walk-in", "Resident Referral"] as const;

const EMPLOYEES = [
  { Name: "DomIQ Leasing Agent", Email: "leasing-agent@domiq.example.com" },
  { Name: "Marisol Quenby", Email: "marisol.quenby@example.com" },
  { Name: "Tobias Wrenfield", Email: "tobias.wrenfield@example.com" },
] as const;

interface PropertyLookups {
  sources: StubProspectSource[];
  employees: StubEmployee[];
}

const cache = new Map<string, PropertyLookups>();

function lookupsOf(propertyId: string): PropertyLookups {
  const key = propertyId.toLowerCase();
  let found = cache.get(key);
  if (found === undefined) {
    const random = mulberry32(streamSeed(hashOf(key), LOOKUP_STREAM));
    found = {
      sources: SOURCE_NAMES.map((Name) => ({ ID: guidFrom(random), Name })),
      employees: EMPLOYEES.map((employee) => ({ ID: guidFrom(random), ...employee })),
    };
    cache.set(key, found);
  }
  return found;
}

/** A property's prospect sources (copies). */
export function prospectSourcesOf(propertyId: string): StubProspectSource[] {
  return lookupsOf(propertyId).sources.map((source) => ({ ...source }));
}

/** A property's employees (copies). */
export function employeesOf(propertyId: string): StubEmployee[] {
  return lookupsOf(propertyId).employees.map((employee) => ({ ...employee }));
}

const sameId = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The property's prospect source with this ID (any case), if any. */
export function findProspectSource(propertyId: string, id: string): StubProspectSource | undefined {
  return lookupsOf(propertyId).sources.find((source) => sameId(source.ID, id));
}

/** The property's employee with this ID (any case), if any. */
export function findEmployee(propertyId: string, id: string): StubEmployee | undefined {
  return lookupsOf(propertyId).employees.find((employee) => sameId(employee.ID, id));
}

/** `Leasing/GetProspectSources`: the property's sources in ResMan's JSON envelope. */
export function getProspectSources(records: PropertyRecords): Reply {
  return jsonReply(200, {
    MethodName: "GetProspectSources",
    Status: "Success",
    ErrorDescription: null,
    ProspectSources: prospectSourcesOf(records.property.propertyId),
  });
}

/** `Leasing/GetEmployees`: the property's employees in ResMan's JSON envelope. */
export function getEmployees(records: PropertyRecords): Reply {
  return jsonReply(200, {
    MethodName: "GetEmployees",
    Status: "Success",
    ErrorDescription: null,
    Employees: employeesOf(records.property.propertyId),
  });
}
