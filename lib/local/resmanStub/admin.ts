/**
 * The ResMan stand-in's admin operations, in process (`StubAdmin`) over its state (`state.ts`);
 * `adminRoutes.ts` serves the same operations over HTTP.
 *
 * A change to a person stamps `lastModified` (the option, or the stand-in's clock) on every
 * record holding them: their guest card(s) and their place on each lease, as ResMan does, so
 * the next incremental read returns them. `moveOut` also stamps a lease left with no one on it
 * (which becomes Former); `removePerson` stamps the records that still hold other people.
 * New ids come from a seeded stream (the same operations on the same seed give the same ids),
 * unless the input names them: then no id is drawn, and an id a record already holds is a 409.
 * The write log, the guest cards' events and the lookup lists are read here too.
 */
import type { PersonStatus } from "../../domain/person.js";
import {
  type MoveOutOptions,
  moveOutOptionsSchema,
  type PersonFields,
  type PersonInput,
  type PersonPatch,
  type ProspectInput,
  parseInput,
  personInputSchema,
  personPatchSchema,
  prospectInputSchema,
  type ResidentInput,
  residentInputSchema,
  type StampOptions,
  StubAdminError,
  stampOptionsSchema,
} from "./adminInputs.js";
import type { StubCall } from "./calls.js";
import { DAY_MS, dateOf, isoOf, parseInstant } from "./dates.js";
import { type ActiveFault, type Fault, faultSchema } from "./faults.js";
import {
  employeesOf,
  prospectSourcesOf,
  type StubEmployee,
  type StubProspectSource,
} from "./lookups.js";
import {
  lastModifiedOf,
  onRoster,
  type PersonPlaces,
  type PropertyRecords,
  primaryPhone,
  type StubLease,
  type StubPerson,
  type StubPhoneType,
  statusOf,
} from "./model.js";
import { applyPatch, personFromInput } from "./personEdits.js";
import { guidFrom } from "./random.js";
import type { StubState } from "./state.js";
import type { StubLeadEvent, StubWrite } from "./writes.js";

/** A seeded property as the stand-in announces it. */
export interface StubPropertySummary {
  accountId: number;
  propertyId: string;
  name: string;
}

/** A person as the stand-in holds them now, for tests to pick someone. */
export interface StubAdminPerson {
  personId: string;
  /** Their guest card, if any. */
  prospectId: string | null;
  /** Their live lease, else their latest former one, if any. */
  leaseId: string | null;
  firstName: string;
  middleName: string | null;
  lastName: string;
  email: string | null;
  /** The primary number and its type. */
  phone: string | null;
  phoneType: StubPhoneType;
  mobilePhone: string | null;
  homePhone: string | null;
  workPhone: string | null;
  birthdate: string | null;
  isDependent: boolean;
  /** contact-sync's status (docs/resman.md "Statuses"): a live lease decides, then the card. */
  status: PersonStatus;
  prospectStatus: string | null;
  residencyStatus: string | null;
  /** The latest stamp of the records holding them. */
  lastModified: string | null;
  /** On CreditReporting/Residents and v1 GetApplicantsAndCurrentResidents. */
  onRoster: boolean;
}

export interface StubAdmin {
  properties(): StubPropertySummary[];
  people(propertyId: string): StubAdminPerson[];
  /** A guest card; several people are roommates. No lease is made, whatever the status. */
  addProspect(
    propertyId: string,
    input: ProspectInput,
  ): { prospectId: string; personIds: string[] };
  addRoommate(
    prospectId: string,
    person: PersonInput,
    options?: StampOptions,
  ): { personId: string };
  changePerson(personId: string, patch: PersonPatch, options?: StampOptions): StubAdminPerson;
  /** Stamps the records holding the person, nothing else. */
  touch(personId: string, options?: StampOptions): StubAdminPerson;
  /** Former on every live lease place: off the roster. 409 when they have none. */
  moveOut(personId: string, options?: MoveOutOptions): StubAdminPerson;
  removePerson(personId: string): void;
  /** A resident (or applicant) on a new lease, or on `leaseId`. */
  addResident(
    propertyId: string,
    person: ResidentInput,
    options?: StampOptions,
  ): { personId: string; leaseId: string };
  fault(fault: Fault): string;
  faults(): ActiveFault[];
  removeFault(id: string): boolean;
  clearFaults(): void;
  calls(): StubCall[];
  clearCalls(): void;
  /** The PostLeadManagement4_0 writes, made or refused, oldest first. */
  writes(): StubWrite[];
  clearWrites(): void;
  /** A guest card's events, oldest first (404 when there is no such card). */
  events(prospectId: string): StubLeadEvent[];
  prospectSources(propertyId: string): StubProspectSource[];
  employees(propertyId: string): StubEmployee[];
  /** Back to the seeded data; faults, calls, writes, events and id streams cleared too. */
  reset(): void;
}

const notFound = (what: string, id: string) => new StubAdminError(404, `no ${what} ${id}`);

export function adminPerson(person: StubPerson, places: PersonPlaces): StubAdminPerson {
  const live = places.leases.find((place) => onRoster(place.member));
  const lease = live ?? places.leases.at(-1);
  return {
    personId: person.personId,
    prospectId: places.prospects[0]?.prospectId ?? null,
    leaseId: lease?.lease.leaseId ?? null,
    firstName: person.firstName,
    middleName: person.middleName,
    lastName: person.lastName,
    email: person.email,
    phone: primaryPhone(person),
    phoneType: person.phoneType,
    mobilePhone: person.phones.Mobile ?? null,
    homePhone: person.phones.Home ?? null,
    workPhone: person.phones.Work ?? null,
    birthdate: person.birthdate,
    isDependent: person.isDependent,
    status: statusOf(places),
    prospectStatus: places.prospects[0]?.status ?? null,
    residencyStatus: lease?.member.residencyStatus ?? null,
    lastModified: lastModifiedOf(places),
    onRoster: live !== undefined,
  };
}

export function createAdmin(state: StubState): StubAdmin {
  const records = (propertyId: string): PropertyRecords => {
    const found = state.data.property(propertyId);
    if (found === undefined) throw notFound("property", propertyId);
    return found;
  };
  const personOf = (personId: string): StubPerson => {
    const found = state.data.person(personId);
    if (found === undefined) throw notFound("person", personId);
    return found;
  };
  const view = (person: StubPerson) => adminPerson(person, state.data.placesOf(person));
  const stampFrom = (lastModified: string | undefined): string =>
    lastModified === undefined
      ? state.clock().toISOString()
      : isoOf(parseInstant(lastModified) ?? 0);
  const stampOf = (options: unknown) =>
    stampFrom(parseInput(stampOptionsSchema, options).lastModified);
  /** Refuses (409, before anything is written) ids the input gives that a record holds. */
  const checkGivenIds = (
    people: readonly { personId?: string | undefined }[],
    prospectId?: string,
  ) => {
    const given = people.flatMap((person) =>
      person.personId === undefined ? [] : [person.personId],
    );
    const taken = given.find(
      (id, i) => state.data.person(id) !== undefined || given.indexOf(id) !== i,
    );
    if (taken !== undefined) throw new StubAdminError(409, `person ${taken} already exists`);
    if (prospectId !== undefined && state.data.prospect(prospectId) !== undefined) {
      throw new StubAdminError(409, `prospect ${prospectId} already exists`);
    }
  };
  /** A new person from a validated input whose given id (if any) was checked. */
  const newPerson = (propertyId: string, fields: PersonFields): StubPerson => {
    const ids = { personId: fields.personId ?? guidFrom(state.ids), propertyId };
    const person = personFromInput(ids, fields);
    state.data.addPerson(person);
    return person;
  };
  /** Stamps every record holding the person. */
  const stampPlaces = (person: StubPerson, stamp: string) => {
    const places = state.data.placesOf(person);
    for (const prospect of places.prospects) prospect.lastModified = stamp;
    for (const { member } of places.leases) member.lastModified = stamp;
    return places;
  };

  return {
    properties: () =>
      state.data.properties.map(({ accountId, propertyId, name }) => ({
        accountId,
        propertyId,
        name,
      })),

    people: (propertyId) =>
      state.data
        .peopleWithPlaces(records(propertyId))
        .map(({ person, places }) => adminPerson(person, places)),

    addProspect(propertyId, input) {
      const { property } = records(propertyId);
      const parsed = parseInput(prospectInputSchema, input);
      checkGivenIds(parsed.people, parsed.prospectId);
      const stamp = stampFrom(parsed.lastModified);
      const people = parsed.people.map((person) => newPerson(property.propertyId, person));
      const prospectId = parsed.prospectId ?? guidFrom(state.ids);
      state.data.addProspect({
        prospectId,
        propertyId: property.propertyId,
        mainPersonId: people[0]?.personId ?? "",
        status: parsed.status ?? "Prospect",
        lastModified: stamp,
        firstContactDate: stamp,
        prospectSourceName: "Website",
        personIds: people.map((person) => person.personId),
      });
      return { prospectId, personIds: people.map((person) => person.personId) };
    },

    addRoommate(prospectId, input, options) {
      const prospect = state.data.prospect(prospectId);
      if (prospect === undefined) throw notFound("prospect", prospectId);
      const stamp = stampOf(options);
      const fields = parseInput(personInputSchema, input);
      checkGivenIds([fields]);
      const person = newPerson(prospect.propertyId, fields);
      prospect.personIds.push(person.personId);
      prospect.lastModified = stamp;
      return { personId: person.personId };
    },

    changePerson(personId, patch, options) {
      const person = personOf(personId);
      const stamp = stampOf(options);
      applyPatch(person, parseInput(personPatchSchema, patch));
      return adminPerson(person, stampPlaces(person, stamp));
    },

    touch(personId, options) {
      const person = personOf(personId);
      return adminPerson(person, stampPlaces(person, stampOf(options)));
    },

    moveOut(personId, options) {
      const person = personOf(personId);
      const parsed = parseInput(moveOutOptionsSchema, options);
      const stamp = stampFrom(parsed.lastModified);
      const places = state.data.placesOf(person);
      const live = places.leases.filter((place) => onRoster(place.member));
      if (live.length === 0)
        throw new StubAdminError(409, `person ${personId} is on no live lease`);
      for (const { lease, member } of live) {
        member.residencyStatus = "Former";
        member.moveOutDate = parsed.moveOutDate ?? stamp.slice(0, 10);
        member.lastModified = stamp;
        if (!lease.members.some(onRoster)) {
          lease.leaseStatus = "Former";
          lease.lastModified = stamp;
        }
      }
      return view(person);
    },

    removePerson(personId) {
      const person = personOf(personId);
      const stamp = state.clock().toISOString();
      const places = state.data.placesOf(person);
      for (const prospect of places.prospects) {
        prospect.personIds = prospect.personIds.filter((id) => id !== person.personId);
        const next = prospect.personIds[0];
        if (next === undefined) {
          state.data.forgetProspect(prospect);
          continue;
        }
        if (prospect.mainPersonId === person.personId) prospect.mainPersonId = next;
        prospect.lastModified = stamp;
      }
      for (const { lease } of places.leases) {
        lease.members = lease.members.filter((member) => member.personId !== person.personId);
        if (lease.members.length === 0) state.data.forgetLease(lease);
        else lease.lastModified = stamp;
      }
      state.data.forgetPerson(person);
    },

    addResident(propertyId, input, options) {
      const { property } = records(propertyId);
      const parsed = parseInput(residentInputSchema, input);
      checkGivenIds([parsed]);
      const stamp = stampOf(options);
      const residency = parsed.residencyStatus ?? "Current";
      const start = parsed.moveInDate ?? stamp.slice(0, 10);
      let lease: StubLease | undefined;
      if (parsed.leaseId !== undefined) {
        lease = state.data.lease(parsed.leaseId);
        if (lease === undefined || lease.propertyId !== property.propertyId) {
          throw notFound("lease at this property", parsed.leaseId);
        }
      } else {
        state.units += 1;
        lease = {
          leaseId: guidFrom(state.ids),
          propertyId: property.propertyId,
          leaseStatus: residency === "Approved" ? "Pending" : residency,
          unitNumber: parsed.unit ?? String(9000 + state.units),
          lastModified: stamp,
          startDate: start,
          endDate: dateOf(Date.parse(`${start}T00:00:00Z`) + 365 * DAY_MS),
          members: [],
        };
        state.data.addLease(lease);
      }
      const {
        unit: _unit,
        leaseId: _lease,
        residencyStatus: _status,
        moveInDate: _in,
        ...fields
      } = parsed;
      const person = newPerson(property.propertyId, fields);
      lease.members.push({
        personId: person.personId,
        residencyStatus: residency,
        moveInDate: start,
        moveOutDate: null,
        lastModified: stamp,
      });
      return { personId: person.personId, leaseId: lease.leaseId };
    },

    fault: (fault) => state.faults.add(parseInput(faultSchema, fault)),
    faults: () => state.faults.list(),
    removeFault: (id) => state.faults.remove(id),
    clearFaults: () => state.faults.clear(),
    calls: () => state.calls.list(),
    clearCalls: () => state.calls.clear(),
    writes: () => state.writes.list(),
    clearWrites: () => state.writes.clear(),
    events(prospectId) {
      if (state.data.prospect(prospectId) === undefined) throw notFound("prospect", prospectId);
      return state.writes.eventsOf(prospectId);
    },
    prospectSources: (propertyId) => prospectSourcesOf(records(propertyId).property.propertyId),
    employees: (propertyId) => employeesOf(records(propertyId).property.propertyId),
    reset: () => state.reset(),
  };
}
