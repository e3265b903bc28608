/**
 * The ResMan stand-in's in-memory model: properties, people, guest cards (prospects) and leases,
 * held per property and looked up by id. A person is one record (one PersonID) that guest cards
 * and leases refer to, so a change to a person shows on every record holding them. Records keep
 * their ResMan vocabulary (`Prospect`, `Current`, `Mobile`); the routes render them in the shapes
 * of docs/resman.md.
 */
import type { PersonStatus } from "../../domain/person.js";

export const stubPhoneTypes = ["Mobile", "Home", "Work", "Fax"] as const;
/** ResMan's phone types (v2 spelling); v1 writes them cell, home, office. */
export type StubPhoneType = (typeof stubPhoneTypes)[number];

export const prospectStatuses = ["Prospect", "Lost", "Applicant", "Resident"] as const;
export type ProspectStatus = (typeof prospectStatuses)[number];

export const residencyStatuses = [
  "Current",
  "Notice to Vacate",
  "Pending",
  "Approved",
  "Former",
] as const;
export type ResidencyStatus = (typeof residencyStatuses)[number];
export type LeaseStatus = Exclude<ResidencyStatus, "Approved">;

export interface StubProperty {
  accountId: number;
  /** PropertyID: a lower-case GUID. */
  propertyId: string;
  name: string;
  streetAddress: string;
  city: string;
  state: string;
  zip: string;
}

export interface StubPerson {
  personId: string;
  propertyId: string;
  firstName: string;
  middleName: string | null;
  lastName: string;
  email: string | null;
  /** The person's numbers by type, as typed into ResMan. */
  phones: Partial<Record<StubPhoneType, string>>;
  /** The type of the number v2 gives as `phone`. */
  phoneType: StubPhoneType;
  /** `YYYY-MM-DD`; ResMan shows it only on the roster. */
  birthdate: string | null;
  isDependent: boolean;
}

/** A guest card: one household's inquiry; roommates share it. */
export interface StubProspect {
  prospectId: string;
  propertyId: string;
  mainPersonId: string;
  status: ProspectStatus;
  /** ISO-8601 UTC with milliseconds, like every stamp of the model. */
  lastModified: string;
  firstContactDate: string;
  prospectSourceName: string;
  personIds: string[];
}

/** A person's place on a lease. */
export interface StubLeaseMember {
  personId: string;
  residencyStatus: ResidencyStatus;
  moveInDate: string;
  moveOutDate: string | null;
  lastModified: string;
}

export interface StubLease {
  leaseId: string;
  propertyId: string;
  leaseStatus: LeaseStatus;
  unitNumber: string;
  lastModified: string;
  startDate: string;
  endDate: string;
  members: StubLeaseMember[];
}

/** One property's records, in the order they were created (the order the API lists them). */
export interface PropertyRecords {
  property: StubProperty;
  people: Map<string, StubPerson>;
  prospects: Map<string, StubProspect>;
  leases: Map<string, StubLease>;
}

/** The primary phone's number, or null. */
export function primaryPhone(person: StubPerson): string | null {
  return person.phones[person.phoneType] ?? null;
}

/** Whether a lease place puts the person on the roster (applicants and residents). */
export function onRoster(member: StubLeaseMember): boolean {
  return member.residencyStatus !== "Former";
}

/** The later of two ISO stamps. */
function later(a: string | null, b: string): string {
  return a === null || Date.parse(b) > Date.parse(a) ? b : a;
}

/** Where a person appears, and what that makes them. */
export interface PersonPlaces {
  prospects: StubProspect[];
  leases: { lease: StubLease; member: StubLeaseMember }[];
}

/** contact-sync's status of a person: a live lease place decides, then a former one, then the card. */
export function statusOf(places: PersonPlaces): PersonStatus {
  const members = places.leases.map((place) => place.member);
  const live = members.find(onRoster);
  if (live !== undefined) {
    return live.residencyStatus === "Pending" || live.residencyStatus === "Approved"
      ? "applicant"
      : "resident";
  }
  if (members.length > 0) return "former";
  const card = places.prospects[0];
  if (card === undefined) return "former";
  return card.status === "Resident" ? "resident" : (card.status.toLowerCase() as PersonStatus);
}

/** The latest stamp of the records holding a person (their card and lease places). */
export function lastModifiedOf(places: PersonPlaces): string | null {
  let stamp: string | null = null;
  for (const prospect of places.prospects) stamp = later(stamp, prospect.lastModified);
  for (const { member } of places.leases) stamp = later(stamp, member.lastModified);
  return stamp;
}

/** Every property's records, with the indexes the admin operations need. */
export class StubData {
  readonly byProperty = new Map<string, PropertyRecords>();
  private readonly personHome = new Map<string, PropertyRecords>();
  private readonly prospectHome = new Map<string, PropertyRecords>();
  private readonly leaseHome = new Map<string, PropertyRecords>();

  addProperty(property: StubProperty): PropertyRecords {
    const records: PropertyRecords = {
      property,
      people: new Map(),
      prospects: new Map(),
      leases: new Map(),
    };
    this.byProperty.set(property.propertyId, records);
    return records;
  }

  get properties(): StubProperty[] {
    return [...this.byProperty.values()].map((records) => records.property);
  }

  /** A property's records by PropertyID (any case), or undefined. */
  property(propertyId: string): PropertyRecords | undefined {
    return this.byProperty.get(propertyId.trim().toLowerCase());
  }

  addPerson(person: StubPerson): void {
    const home = this.required(person.propertyId);
    home.people.set(person.personId, person);
    this.personHome.set(person.personId, home);
  }

  addProspect(prospect: StubProspect): void {
    const home = this.required(prospect.propertyId);
    home.prospects.set(prospect.prospectId, prospect);
    this.prospectHome.set(prospect.prospectId, home);
  }

  addLease(lease: StubLease): void {
    const home = this.required(lease.propertyId);
    home.leases.set(lease.leaseId, lease);
    this.leaseHome.set(lease.leaseId, home);
  }

  person(personId: string): StubPerson | undefined {
    const key = personId.toLowerCase();
    return this.personHome.get(key)?.people.get(key);
  }

  prospect(prospectId: string): StubProspect | undefined {
    const key = prospectId.toLowerCase();
    return this.prospectHome.get(key)?.prospects.get(key);
  }

  lease(leaseId: string): StubLease | undefined {
    const key = leaseId.toLowerCase();
    return this.leaseHome.get(key)?.leases.get(key);
  }

  /** The cards and lease places holding a person. */
  placesOf(person: StubPerson): PersonPlaces {
    const home = this.required(person.propertyId);
    const places: PersonPlaces = { prospects: [], leases: [] };
    for (const prospect of home.prospects.values()) {
      if (prospect.personIds.includes(person.personId)) places.prospects.push(prospect);
    }
    for (const lease of home.leases.values()) {
      for (const member of lease.members) {
        if (member.personId === person.personId) places.leases.push({ lease, member });
      }
    }
    return places;
  }

  /** Every person of a property with the records holding them, in one pass over the records. */
  peopleWithPlaces(records: PropertyRecords): { person: StubPerson; places: PersonPlaces }[] {
    const places = new Map<string, PersonPlaces>();
    const of = (personId: string) => {
      let entry = places.get(personId);
      if (entry === undefined) {
        entry = { prospects: [], leases: [] };
        places.set(personId, entry);
      }
      return entry;
    };
    for (const prospect of records.prospects.values()) {
      for (const personId of prospect.personIds) of(personId).prospects.push(prospect);
    }
    for (const lease of records.leases.values()) {
      for (const member of lease.members) of(member.personId).leases.push({ lease, member });
    }
    return [...records.people.values()].map((person) => ({
      person,
      places: of(person.personId),
    }));
  }

  /** Removes a person from the indexes and their property (not from the records holding them). */
  forgetPerson(person: StubPerson): void {
    this.required(person.propertyId).people.delete(person.personId);
    this.personHome.delete(person.personId);
  }

  forgetProspect(prospect: StubProspect): void {
    this.required(prospect.propertyId).prospects.delete(prospect.prospectId);
    this.prospectHome.delete(prospect.prospectId);
  }

  forgetLease(lease: StubLease): void {
    this.required(lease.propertyId).leases.delete(lease.leaseId);
    this.leaseHome.delete(lease.leaseId);
  }

  private required(propertyId: string): PropertyRecords {
    const records = this.property(propertyId);
    if (records === undefined) throw new Error(`no property ${propertyId} in the stand-in`);
    return records;
  }
}
