/**
 * One seeded property's people: households of fictional people on guest cards and leases, with
 * the problems ResMan data has in the field (docs/resman.md "Data problems seen in the field"): lost prospects; roommates
 * sharing a guest card; one person on two guest cards typed differently (email case, phone
 * punctuation, a nickname); placeholder emails and phones (`none@none.com`, `000-000-0000`);
 * applicants on pending leases; residents, some with a guest card too; families sharing the home
 * phone, with dependents (a name and a birth date); former leases; a resident who moved to another
 * unit (one PersonID on two leases). Every kind comes once before the weighted draws, so even a
 * small property has each.
 *
 * Names, mail domains and phone formats come from the people generator's lists; phones are in
 * the fictional 555-01xx range. Every stamp lies in the two years before `SEED_BASE_DATE`
 * (pending leases start after it), so a backfill from 2000-01-01 sees everything. (Over 400
 * lines as one thing: each kind of household is drawn from the one seeded generator.)
 */
import {
  AREA_CODES,
  FIRST_NAMES,
  formatPhone,
  LAST_NAMES,
  MAIL_DOMAINS,
  NICKNAMES,
  PHONE_POOL_SIZE,
  PLACEHOLDER_EMAILS,
  PLACEHOLDER_PHONES,
  type Random,
} from "../peopleGenerator.js";
import { DAY_MS, dateOf, isoOf } from "./dates.js";
import type {
  LeaseStatus,
  PropertyRecords,
  ProspectStatus,
  ResidencyStatus,
  StubData,
  StubLease,
  StubPerson,
  StubPhoneType,
  StubProspect,
} from "./model.js";
import { Draws } from "./random.js";

/** Seeded stamps lie in the two years before this instant. */
export const SEED_BASE_DATE = "2026-10-01T00:00:00.000Z";
const BASE_MS = Date.parse(SEED_BASE_DATE);
const OLDEST_MS = BASE_MS - 730 * DAY_MS;

const SOURCES = ["Website", "ILS listing", "Drive-by", "Referral", "Phone call", "DomIQ"];

/** Phone styles of `formatPhone`, weighted towards what leasing staff type most. */
export const PHONE_STYLES = [0, 0, 0, 3, 3, 1, 4, 2];

type Household =
  | "prospect"
  | "lost"
  | "roommates"
  | "duplicate"
  | "placeholder"
  | "applicants"
  | "residents"
  | "family"
  | "former"
  | "transfer";

/** Every kind once first, so even a small property shows every problem. */
const FIRST_ROUND: readonly Household[] = [
  "prospect",
  "roommates",
  "duplicate",
  "placeholder",
  "lost",
  "applicants",
  "residents",
  "family",
  "former",
  "transfer",
];

const WEIGHTS: readonly [Household, number][] = [
  ["prospect", 30],
  ["lost", 8],
  ["roommates", 8],
  ["duplicate", 6],
  ["placeholder", 4],
  ["applicants", 10],
  ["residents", 18],
  ["family", 8],
  ["former", 6],
  ["transfer", 2],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);

/** Letters of a name as they appear in an email's local part. */
export const mailName = (name: string) => name.toLowerCase().replace(/[^a-z]/g, "");

/**
 * The ten digits of the fictional number in `slot` of the pool (555-0101..0199 over the area
 * codes). A prime stride spreads consecutive slots over area codes and subscribers alike.
 */
export function poolPhone(slot: number): string {
  const n = (slot * 9973) % PHONE_POOL_SIZE;
  const area = AREA_CODES[n % AREA_CODES.length] ?? "512";
  const subscriber = 101 + (Math.floor(n / AREA_CODES.length) % 99);
  return `${area}555${String(subscriber).padStart(4, "0")}`;
}

/**
 * Adds households to a property until it has `people` people. `phoneOffset` keeps properties'
 * phone numbers apart.
 */
export function seedHouseholds(
  random: Random,
  data: StubData,
  records: PropertyRecords,
  phoneOffset: number,
  people: number,
): void {
  new PropertySeeder(random, data, records, phoneOffset).fill(people);
}

/** Draws one property's households. */
class PropertySeeder extends Draws {
  private phones = 0;
  private emails = 0;
  private units = 0;

  constructor(
    random: Random,
    private readonly data: StubData,
    private readonly records: PropertyRecords,
    private readonly phoneOffset: number,
  ) {
    super(random);
  }

  fill(people: number): void {
    let round = 0;
    while (this.records.people.size < people) {
      const kind = FIRST_ROUND[round] ?? this.weighted();
      this.household(kind, round < FIRST_ROUND.length);
      round += 1;
    }
  }

  private household(kind: Household, first: boolean): void {
    switch (kind) {
      case "prospect":
      case "lost":
        this.card([this.adult()], kind === "prospect" ? "Prospect" : "Lost");
        return;
      case "roommates": {
        const people = Array.from({ length: this.int(2, 3) }, () => this.adult());
        this.card(people, this.chance(0.8) ? "Prospect" : "Lost");
        return;
      }
      case "duplicate":
        this.duplicate();
        return;
      case "placeholder":
        this.placeholder(first);
        return;
      case "applicants":
        this.applicants();
        return;
      case "residents":
        this.residents();
        return;
      case "family":
        this.family();
        return;
      case "former":
        this.former();
        return;
      case "transfer":
        this.transfer();
        return;
    }
  }

  // --- households -------------------------------------------------------------------------

  /** One person, two guest cards: the second typed differently (case, punctuation, nickname). */
  private duplicate(): void {
    const person = this.adult(undefined, true);
    const card = this.card([person], this.chance(0.5) ? "Lost" : "Prospect");
    const nicknames = NICKNAMES[person.firstName];
    const again = this.person({
      ...person,
      firstName: nicknames === undefined ? person.firstName.toUpperCase() : this.pick(nicknames),
      email: this.chance(0.5)
        ? (person.email ?? "").toUpperCase()
        : (person.email ?? "").replace(/^./, (c) => c.toUpperCase()),
      phones: { [person.phoneType]: this.reformat(person.phones[person.phoneType] ?? "") },
    });
    this.card([again], "Prospect", Date.parse(card.lastModified));
  }

  /** Placeholder values leasing staff type for a missing email or phone (canonical first). */
  private placeholder(canonical: boolean): void {
    const person = this.adult();
    const which = canonical ? "both" : this.pick(["both", "email", "phone"]);
    if (which !== "phone") {
      person.email =
        canonical || this.chance(0.7) ? "none@none.com" : this.pick(PLACEHOLDER_EMAILS);
    }
    if (which !== "email") {
      person.phoneType = "Mobile";
      person.phones = {
        Mobile: canonical || this.chance(0.7) ? "000-000-0000" : this.pick(PLACEHOLDER_PHONES),
      };
    }
    this.card([person], "Prospect");
  }

  private applicants(): void {
    const people = this.adults(this.int(1, 2));
    const applied = this.between(BASE_MS - 45 * DAY_MS, BASE_MS);
    this.card(people, "Applicant", applied - 60 * DAY_MS, applied);
    const start = BASE_MS + this.int(7, 60) * DAY_MS;
    this.lease(people, "Pending", start, applied, () =>
      this.chance(0.5) ? "Approved" : "Pending",
    );
  }

  private residents(): void {
    const people = this.adults(this.int(1, 3));
    const start = this.between(OLDEST_MS, BASE_MS - 30 * DAY_MS);
    if (this.chance(0.6)) this.card(people, "Resident", undefined, start);
    this.lease(people, this.chance(0.9) ? "Current" : "Notice to Vacate", start, start);
  }

  /** Two adults sharing the home phone, and their children (dependents: name and birth date). */
  private family(): void {
    const lastName = this.pick(LAST_NAMES);
    const adults = [this.adult(lastName), this.adult(lastName)];
    const home = this.phone();
    for (const adult of adults) {
      adult.phones.Home = home;
      adult.phoneType = "Home";
      adult.birthdate = this.birthdate(1960, 2000);
    }
    const children = Array.from({ length: this.int(1, 2) }, () =>
      this.person({
        firstName: this.pick(FIRST_NAMES),
        lastName,
        birthdate: this.birthdate(2010, 2020),
        isDependent: true,
      }),
    );
    const start = this.between(OLDEST_MS, BASE_MS - 30 * DAY_MS);
    if (this.chance(0.5)) this.card([...adults, ...children], "Resident", undefined, start);
    this.lease([...adults, ...children], "Current", start, start);
  }

  private former(): void {
    const people = this.adults(this.int(1, 2));
    const start = this.between(OLDEST_MS, BASE_MS - 400 * DAY_MS);
    if (this.chance(0.5)) this.card(people, "Resident", undefined, start);
    this.lease(people, "Former", start, start, () => "Former", this.int(180, 365));
  }

  /** Someone who moved to another unit: a former lease and a current one, one PersonID. */
  private transfer(): void {
    const people = this.adults(1);
    const first = OLDEST_MS + this.int(0, 60) * DAY_MS;
    const stay = this.int(200, 300);
    this.lease(people, "Former", first, first, () => "Former", stay);
    const second = first + (stay + 1) * DAY_MS;
    this.lease(people, "Current", second, second);
  }

  // --- records ----------------------------------------------------------------------------

  /** A guest card, stamped between `notBefore` and `latest`. */
  private card(
    people: StubPerson[],
    status: ProspectStatus,
    notBefore = OLDEST_MS,
    latest = BASE_MS,
  ): StubProspect {
    const lastModified = this.between(notBefore, latest);
    const prospect: StubProspect = {
      prospectId: this.guid(),
      propertyId: this.records.property.propertyId,
      mainPersonId: people[0]?.personId ?? "",
      status,
      lastModified: isoOf(lastModified),
      firstContactDate: isoOf(
        this.between(Math.max(notBefore, lastModified - 90 * DAY_MS), lastModified),
      ),
      prospectSourceName: this.pick(SOURCES),
      personIds: people.map((person) => person.personId),
    };
    this.data.addProspect(prospect);
    return prospect;
  }

  /**
   * A lease of a year from `start` for `people`; stamps after `stampedFrom`. A `stayDays` moves
   * everyone out that many days after the start.
   */
  private lease(
    people: StubPerson[],
    leaseStatus: LeaseStatus,
    start: number,
    stampedFrom: number,
    residency: () => ResidencyStatus = () => leaseStatus,
    stayDays?: number,
  ): StubLease {
    const movedOut = stayDays === undefined ? null : start + stayDays * DAY_MS;
    const from = Math.min(Math.max(stampedFrom, movedOut ?? stampedFrom), BASE_MS);
    const lease: StubLease = {
      leaseId: this.guid(),
      propertyId: this.records.property.propertyId,
      leaseStatus,
      unitNumber: this.unit(),
      lastModified: isoOf(this.between(from, BASE_MS)),
      startDate: dateOf(start),
      endDate: dateOf(start + 365 * DAY_MS),
      members: people.map((person) => ({
        personId: person.personId,
        residencyStatus: residency(),
        moveInDate: dateOf(start),
        moveOutDate: movedOut === null ? null : dateOf(movedOut),
        lastModified: isoOf(this.between(from, BASE_MS)),
      })),
    };
    this.data.addLease(lease);
    return lease;
  }

  // --- people -----------------------------------------------------------------------------

  private person(fields: Partial<StubPerson> & { firstName: string; lastName: string }) {
    const person: StubPerson = {
      middleName: null,
      email: null,
      phones: {},
      phoneType: "Mobile",
      birthdate: null,
      isDependent: false,
      ...fields,
      personId: this.guid(),
      propertyId: this.records.property.propertyId,
    };
    this.data.addPerson(person);
    return person;
  }

  /** An adult; `reachable` ones always have an email and a phone. */
  private adult(lastName = this.pick(LAST_NAMES), reachable = false): StubPerson {
    const firstName = this.pick(FIRST_NAMES);
    const middle = this.chance(0.15) ? this.pick(FIRST_NAMES) : null;
    const phoneType: StubPhoneType = this.chance(0.85) ? "Mobile" : this.pick(["Home", "Work"]);
    const phones: StubPerson["phones"] = {};
    if (reachable || this.chance(0.85)) phones[phoneType] = this.phone();
    if (this.chance(0.1)) phones.Work = this.phone();
    return this.person({
      firstName,
      middleName: middle !== null && this.chance(0.5) ? middle.slice(0, 1) : middle,
      lastName,
      email: reachable || this.chance(0.85) ? this.email(firstName, lastName) : null,
      phones,
      phoneType,
    });
  }

  /** Adults for a lease, with the birth dates the roster shows (most of them). */
  private adults(count: number): StubPerson[] {
    return Array.from({ length: count }, () => {
      const adult = this.adult(undefined, this.chance(0.8));
      if (this.chance(0.9)) adult.birthdate = this.birthdate(1950, 2005);
      return adult;
    });
  }

  private email(firstName: string, lastName: string): string {
    this.emails += 1;
    const separator = this.pick([".", "_", ""]);
    return `${mailName(firstName)}${separator}${mailName(lastName)}${this.emails}@${this.pick(MAIL_DOMAINS)}`;
  }

  /** The next fictional number (555-0101..0199 over the area codes), in a typed style. */
  private phone(): string {
    const slot = this.phoneOffset + this.phones;
    this.phones += 1;
    return formatPhone(poolPhone(slot), this.pick(PHONE_STYLES));
  }

  /** The same number punctuated another way. */
  private reformat(phone: string): string {
    const digits = phone.replace(/\D/g, "").slice(-10);
    const style = PHONE_STYLES.findIndex((s) => formatPhone(digits, s) !== phone);
    return formatPhone(digits, PHONE_STYLES[(style + this.int(0, 3)) % PHONE_STYLES.length] ?? 1);
  }

  private birthdate(fromYear: number, toYear: number): string {
    const from = Date.UTC(fromYear, 0, 1);
    return dateOf(
      from + this.int(0, Math.floor((Date.UTC(toYear, 11, 31) - from) / DAY_MS)) * DAY_MS,
    );
  }

  private unit(): string {
    const n = this.units;
    this.units += 1;
    return `${1 + Math.floor(n / 40)}${String((n % 40) + 1).padStart(2, "0")}`;
  }

  // --- draws ------------------------------------------------------------------------------

  private weighted(): Household {
    let draw = this.next() * TOTAL_WEIGHT;
    for (const [kind, weight] of WEIGHTS) {
      draw -= weight;
      if (draw < 0) return kind;
    }
    return "prospect";
  }
}
