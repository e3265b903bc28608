/**
 * ResMan records mapped onto the person contract (`ResmanPerson`), one function per record
 * kind the reconciliation reads (docs/resman.md has their shapes):
 *
 * - v2 `GET /Prospects`: a guest card (household) with its people; status and modification
 *   time from the guest card, `prospect_id` from it;
 * - v2 `GET /Leasing/Leases`: a lease with its people; status from the person's residency
 *   status (else the lease's), modification time from the person (else the lease);
 * - v2 `GET /CreditReporting/Residents` and v1 `GetApplicantsAndCurrentResidents`: the roster,
 *   people without a modification time (the caller stamps them);
 * - v1 `SearchProspects`: MITS `Prospect` elements as fast-xml-parser reads them (attributes
 *   prefixed `@_`, a repeated element an array or a single object).
 *
 * Pure: no I/O. Unknown fields are ignored, blank values are absent, every other value passes
 * as given (placeholders included: normalisation drops them downstream). A record that cannot
 * become a person is counted as unreadable under a reason code, never with its values.
 */

import {
  clean,
  type Draft,
  type Outcome,
  phonesOf,
  type ResmanPeople,
  Tally,
  toPerson,
} from "./resmanTally.js";
import * as z from "./zod.js";

/** How fast-xml-parser must name attributes for `peopleFromV1Prospects` to read them. */
export const XML_ATTRIBUTE_PREFIX = "@_";

/** XML elements that may repeat: the parser should always make them arrays. */
export const repeatedXmlElements: ReadonlySet<string> = new Set([
  "Prospect",
  "Customer",
  "Identification",
  "Phone",
]);

// --- v2 (JSON) -----------------------------------------------------------------------------

const text = z.nullish(z.string());
const flag = z.nullish(z.boolean());
const list = z.nullish(z.array(z.unknown()));

const v2PersonFields = {
  personId: text,
  firstName: text,
  middleName: text,
  lastName: text,
  email: text,
  isDependent: flag,
};

const v2Person = z.looseObject({
  ...v2PersonFields,
  phone: text,
  phoneType: text,
  residencyStatus: text,
  lastModified: text,
});
type V2Person = z.infer<typeof v2Person>;

const v2Prospect = z.looseObject({
  prospectId: text,
  status: text,
  lastModified: text,
  people: list,
});

const v2Lease = z.looseObject({
  leaseId: text,
  leaseStatus: text,
  lastModified: text,
  people: list,
});

const v2RosterPerson = z.looseObject({
  ...v2PersonFields,
  leaseId: text,
  mobilePhone: text,
  homePhone: text,
  workPhone: text,
  birthdate: text,
  streetAddress: text,
  unit: text,
  city: text,
  state: text,
  zip: text,
  residencyStatus: text,
});

/** The fields every v2 person record shares. */
function v2Basics(person: z.infer<z.ZodMiniObject<typeof v2PersonFields>>) {
  return {
    person_id: clean(person.personId),
    first_name: clean(person.firstName),
    middle_name: clean(person.middleName),
    last_name: clean(person.lastName),
    email: clean(person.email),
    is_dependent: person.isDependent,
  };
}

/**
 * People nested in parent records (guest cards, leases): a parent that is not an object of the
 * expected shape counts once as `invalid_record`, as does each such person.
 */
function nestedPeople<P extends { people?: unknown[] | null | undefined }>(
  records: readonly unknown[],
  parentSchema: z.ZodMiniType<P>,
  toOutcome: (parent: P, person: V2Person) => Outcome,
): ResmanPeople {
  const tally = new Tally();
  for (const record of records) {
    const parent = parentSchema.safeParse(record);
    if (!parent.success) {
      tally.skip("invalid_record");
      continue;
    }
    for (const raw of parent.data.people ?? []) {
      const person = v2Person.safeParse(raw);
      tally.add(
        person.success ? toOutcome(parent.data, person.data) : { reason: "invalid_record" },
      );
    }
  }
  return tally.result();
}

/** People of v2 guest cards (`prospects` of `GET /Prospects`). */
export function peopleFromV2Prospects(prospects: readonly unknown[]): ResmanPeople {
  return nestedPeople(prospects, v2Prospect, (prospect, person) =>
    toPerson(
      {
        ...v2Basics(person),
        prospect_id: clean(prospect.prospectId),
        phones: phonesOf([[person.phoneType, person.phone]]),
        last_modified: clean(prospect.lastModified),
      },
      prospect.status,
    ),
  );
}

/** People of v2 leases (`leases` of `GET /Leasing/Leases`). */
export function peopleFromV2Leases(leases: readonly unknown[]): ResmanPeople {
  return nestedPeople(leases, v2Lease, (lease, person) =>
    toPerson(
      {
        ...v2Basics(person),
        lease_id: clean(lease.leaseId),
        phones: phonesOf([[person.phoneType, person.phone]]),
        last_modified: clean(person.lastModified) ?? clean(lease.lastModified),
      },
      clean(person.residencyStatus) ?? lease.leaseStatus,
    ),
  );
}

/**
 * A unit as an address line: a bare designator ("12", "4B", "B-204") becomes "Unit 12"; any
 * other text ("Apt 4B", "Unit 12") is kept as given.
 */
export function unitLine(unit: string | null | undefined): string | undefined {
  const cleaned = clean(unit);
  if (cleaned === undefined) return undefined;
  const bare = /^#?(?:[0-9a-z]{1,2}|\d[0-9a-z-]*|[a-z]-?\d+[a-z]?)$/iu.test(cleaned);
  return bare ? `Unit ${cleaned.replace(/^#/u, "")}` : cleaned;
}

/** People of the v2 roster (`people` of `GET /CreditReporting/Residents`). */
export function peopleFromV2Roster(people: readonly unknown[]): ResmanPeople {
  const tally = new Tally();
  for (const record of people) {
    const parsed = v2RosterPerson.safeParse(record);
    if (!parsed.success) {
      tally.skip("invalid_record");
      continue;
    }
    const person = parsed.data;
    const draft: Draft = {
      ...v2Basics(person),
      lease_id: clean(person.leaseId),
      phones: phonesOf([
        ["mobile", person.mobilePhone],
        ["home", person.homePhone],
        ["work", person.workPhone],
      ]),
      birthdate: clean(person.birthdate),
      address: {
        line1: clean(person.streetAddress),
        line2: unitLine(person.unit),
        city: clean(person.city),
        state: clean(person.state),
        postal_code: clean(person.zip),
      },
    };
    tally.add(toPerson(draft, person.residencyStatus));
  }
  return tally.result();
}

// --- v1 ------------------------------------------------------------------------------------

const v1RosterPerson = z.looseObject({
  PersonID: text,
  FirstName: text,
  MiddleName: text,
  LastName: text,
  Email: text,
  MobilePhone: text,
  HomePhone: text,
  WorkPhone: text,
  Status: text,
});

/** People of the v1 roster (`People` of `Leasing/GetApplicantsAndCurrentResidents`). */
export function peopleFromV1Roster(people: readonly unknown[]): ResmanPeople {
  const tally = new Tally();
  for (const record of people) {
    const parsed = v1RosterPerson.safeParse(record);
    if (!parsed.success) {
      tally.skip("invalid_record");
      continue;
    }
    const person = parsed.data;
    const draft: Draft = {
      person_id: clean(person.PersonID),
      first_name: clean(person.FirstName),
      middle_name: clean(person.MiddleName),
      last_name: clean(person.LastName),
      email: clean(person.Email),
      phones: phonesOf([
        ["mobile", person.MobilePhone],
        ["home", person.HomePhone],
        ["work", person.WorkPhone],
      ]),
    };
    tally.add(toPerson(draft, person.Status));
  }
  return tally.result();
}

/** An XML element that may repeat, as a list whether the parser gave one, many or none. */
export function xmlList(value: unknown): unknown[] {
  if (value === undefined || value === null || value === "") return [];
  return Array.isArray(value) ? value : [value];
}

/** The child of an XML element, or undefined when the element is empty (parsed as text). */
function xmlChild(node: unknown, name: string): unknown {
  return node !== null && typeof node === "object" && !Array.isArray(node)
    ? (node as Record<string, unknown>)[name]
    : undefined;
}

/** The text of an XML element or attribute value, or undefined when blank. */
function xmlText(value: unknown): string | undefined {
  if (typeof value === "string") return clean(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const inner = xmlChild(value, "#text");
  return inner === undefined ? undefined : xmlText(inner);
}

function xmlAttribute(node: unknown, name: string): string | undefined {
  return xmlText(xmlChild(node, `${XML_ATTRIBUTE_PREFIX}${name}`));
}

/** One MITS `Customer`: ids from its `Identification`s, the status from its `Type`. */
function v1Customer(customer: unknown): Outcome {
  if (customer === null || typeof customer !== "object" || Array.isArray(customer)) {
    return { reason: "invalid_record" };
  }
  const ids = xmlList(xmlChild(customer, "Identification"));
  const idOf = (type: string): string | undefined => {
    const id = ids.find((node) => xmlAttribute(node, "IDType")?.toLowerCase() === type);
    return xmlAttribute(id, "IDValue");
  };
  const name = xmlChild(customer, "Name");
  const phones = xmlList(xmlChild(customer, "Phone")).map(
    (phone): [string | undefined, string | undefined] => [
      xmlAttribute(phone, "PhoneType") ?? xmlAttribute(phone, "Type"),
      xmlText(xmlChild(phone, "PhoneNumber")) ?? xmlText(phone),
    ],
  );
  return toPerson(
    {
      person_id: idOf("personid"),
      prospect_id: idOf("prospectid"),
      first_name: xmlText(xmlChild(name, "FirstName")),
      middle_name: xmlText(xmlChild(name, "MiddleName")),
      last_name: xmlText(xmlChild(name, "LastName")),
      email: xmlText(xmlChild(customer, "Email")),
      phones: phonesOf(phones),
      last_modified: xmlText(xmlChild(customer, "LastModified")),
    },
    xmlAttribute(customer, "Type"),
  );
}

/** People of v1 MITS `Prospect` elements (`SearchProspects`): one per `Customer`. */
export function peopleFromV1Prospects(prospects: readonly unknown[]): ResmanPeople {
  const tally = new Tally();
  for (const prospect of prospects) {
    const customers = xmlList(xmlChild(xmlChild(prospect, "Customers"), "Customer"));
    for (const customer of customers) tally.add(v1Customer(customer));
  }
  return tally.result();
}
