/**
 * The `messy` labelled set of the quality benchmark (`npm run bench:quality`, issue 9 item 4):
 * guest-card noise at its worst, to tune the matcher against (targets: F1 ≥ 0.90 with precision
 * ≥ 0.99, no household false merge, review rate ≤ 3 %).
 *
 * People. 1,000 people by default, 3,000–3,300 rows and 5,000–6,000 true pairs depending on the
 * seed: one property's worth (a 250-unit community's few years of guest cards), enough for
 * every kind of noise below to show in dozens to hundreds of rows and pairs, and for dozens of
 * namesake groups, twins and fathers and sons; small enough to import in about a minute
 * on Postgres, beside the 5,000-row synthetic set. Each has a true
 * identity: first and last name, birth date (1950–2005), a personal email (gmail.com, yahoo.com,
 * hotmail.com, outlook.com, icloud.com or a made-up domain), a personal phone, an address (the
 * property with a unit for residents, applicants and former residents; elsewhere otherwise).
 * - Records: 1–8 per person (`RECORDS_PER_PERSON`): 64 % have 1–3, 15 % have 6–8 (a prospect
 *   who came back every month), 3.2 on average.
 * - Households (`HOUSEHOLDS`): 78 % of households are one person, 15 % families (2–5 people,
 *   one surname and address; 60 % of the other members give the head's phone as theirs, 40 %
 *   the head's email; different first names and birth dates, except that 20 % of families
 *   hold a father and son of one first name (one fathers pass on), 22–38 years apart, whose
 *   cards sometimes carry "Jr"/"Sr", and 12 % hold twins: one birth date, different first names), 7 % roommates (2–3
 *   people, one address; 25 % share a phone, 5 % an email). About 40 % of people (38–46 % by
 *   seed) live with someone. Household members' first names are never one or two edits apart nor short forms
 *   of one name, and their birth dates never within one corruption of each other (twins aside):
 *   the records themselves must be able to tell them apart. For the same reason a twin's card
 *   always keeps the first name and a father's or son's card the birth date: the one field
 *   that tells them from the member who shares everything else (`messyRecord.ts`).
 * - Namesakes (`NAMESAKES`): about 5 % of people (4–8 % by seed) are given the exact first and
 *   last name of an earlier, unrelated person (other household, birth date, email, phone and
 *   address); they share a `namesakeGroup`, mostly of two, some of three or four (8–14 % of
 *   people are in one). No other two people share a full name (father and son aside, who count
 *   as a household), so every same-name false merge is a namesake one.
 *
 * Records. Each field of each record is corrupted independently (`messyRates`; a rate is per
 * record that carries the value): missing 25 % (first name, last name, email, phone, birth
 * date, the whole address); one typo (substitution, deletion, insertion or adjacent
 * transposition), or two in 30 % of cases (names of five letters or more), in the first name
 * (15 %) and the last name (15 %); the person's usual short form, from the generator's table of
 * common ones (25 % of the records of people who have one); first and last name swapped (4 %); name case (10 %); email local-part typo
 * (6 %) or domain typo (5 %: `gmial.com`, `yaho.com`, …), email case and spaces (15 %); birth
 * date day/month swap, ±1 day or ±1 year (4 % each), `YYYYMMDD` (25 %); city typo (8 %), city,
 * postal code or unit missing (10 % each), units written `Apt 204`, `#204`, `Unit 204`…; phones
 * in eight formats, a person's usual one on 60 % of records. Also, because real guest cards
 * have them: a one-digit phone typo (3 %: agents copy numbers from handwritten cards and
 * voicemail, and the mistyped number is the one the record keeps), the office's phone (2 %),
 * placeholder emails and phones (2 % each). A record left with no name and no usable email or
 * phone gets its last name back, so the import never rejects a row.
 *
 * Rows come out lazily, household after household, through a small reorder window (a person's
 * records land near each other, not next to each other). Deterministic for a seed. Nothing is
 * real: names are combined at random from the common-name lists of `peopleGenerator.ts`,
 * phones are 555-0101..0199 numbers, local parts are made up.
 *
 * Over 400 lines as one thing: one generated data set (its long header is its specification);
 * the per-record noise is in `messyRecord.ts` and `messyNoise.ts`.
 * (Over 400 lines as one thing: each kind of noise is drawn from the one seeded generator of the
 * set.)
 */
import type { PersonStatus } from "../../lib/domain/person.js";
import {
  AREA_CODES,
  FIRST_NAMES,
  LAST_NAMES,
  MAIL_DOMAINS,
  mulberry32,
  NICKNAMES,
  type PersonCsvRow,
  type PostalAddress,
  type Random,
  STREETS,
  TOWNS,
} from "../../lib/local/peopleGenerator.js";
import { datesTooClose, editDistance } from "./messyNoise.js";
import { type MessyCorruption, type MessyPerson, messyRecord } from "./messyRecord.js";

export { type MessyCorruption, type MessyPerson, messyRates } from "./messyRecord.js";

/** Share of people with 1, 2, … 8 records. */
export const RECORDS_PER_PERSON = [0.22, 0.24, 0.18, 0.12, 0.09, 0.07, 0.05, 0.03] as const;

/** Kinds of household, their shares and what their members share. */
export const HOUSEHOLDS = Object.freeze({
  family: 0.15,
  roommates: 0.07,
  /** Family sizes 2, 3, 4, 5. */
  familySize: [0.5, 0.3, 0.15, 0.05],
  /** Roommate households of 2 and 3. */
  roommateSize: [0.7, 0.3],
  familySharesPhone: 0.6,
  familySharesEmail: 0.4,
  roommateSharesPhone: 0.25,
  roommateSharesEmail: 0.05,
  /** Families with a father and son of one first name; families with twins. */
  juniorSenior: 0.2,
  twins: 0.12,
});

/** Names of `FIRST_NAMES` that fathers commonly pass on to a son (a "Jr"). */
const SON_NAMES = (
  "James Robert John Michael David William Richard Joseph Thomas Christopher Charles Daniel " +
  "Matthew Anthony Mark Steven Andrew Kenneth Ronald Jeffrey Samuel Benjamin Jose Luis Carlos"
).split(" ");

/** A freely named person copies an earlier person's name; or becomes one others may copy. */
export const NAMESAKES = Object.freeze({ copy: 0.06, origin: 0.065, thirdMember: 0.2 });

/** One import row and the truth about it. */
export interface MessyContactRow {
  row: PersonCsvRow;
  person: Readonly<MessyPerson>;
  corruptions: readonly MessyCorruption[];
}

export interface MessyContactsOptions {
  seed: number;
  /** People to generate (default 1,000). */
  people?: number;
  /** Ten digits of the property office's phone, which a few records carry. */
  officePhone: string;
}

export const MESSY_PEOPLE = 1_000;
const REORDER_WINDOW = 128;
/** Person statuses, weighted. */
const STATUSES: readonly [PersonStatus, number][] = [
  ["prospect", 0.4],
  ["lost", 0.1],
  ["applicant", 0.1],
  ["resident", 0.3],
  ["former", 0.1],
];
const STATUS_WEIGHTS = STATUSES.map(([, share]) => share);
const PROVIDERS: readonly [string, number][] = [
  ["gmail.com", 0.35],
  ["yahoo.com", 0.12],
  ["hotmail.com", 0.08],
  ["outlook.com", 0.08],
  ["icloud.com", 0.05],
];

/** Where and how a household lives. */
interface Home {
  id: string;
  kind: MessyPerson["household"];
  address: PostalAddress;
  status: PersonStatus;
}

/** What tells a person apart before contact points are drawn. */
interface Shape {
  first: string;
  last: string;
  date: string;
  tie?: MessyPerson["tie"];
  group?: string | null;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");
const fullName = (first: string, last: string) => `${first}|${last}`.toLowerCase();

/** Index drawn from weights that sum to 1 (the last absorbs rounding). */
function weighted(random: Random, weights: readonly number[]): number {
  let roll = random();
  for (let i = 0; i < weights.length; i += 1) {
    roll -= weights[i] as number;
    if (roll < 0) return i;
  }
  return weights.length - 1;
}

/** Whether two first names could pass for one person's: close spellings or one short form. */
function confusable(a: string, b: string): boolean {
  if (editDistance(a, b) <= 2) return true;
  const forms = (name: string) => new Set([name, ...(NICKNAMES[name] ?? [])]);
  const left = forms(a);
  return [...forms(b)].some((form) => left.has(form));
}

class MessyFactory {
  private readonly chance: (probability: number) => boolean;
  private readonly property: PostalAddress;
  private readonly usedNames = new Set<string>();
  private readonly usedPhones = new Set<string>();
  /** People whose name a later namesake may take. */
  private readonly origins: MessyPerson[] = [];
  private people = 0;
  private households = 0;
  private groups = 0;
  private units = 0;

  constructor(
    readonly random: Random,
    private readonly total: number,
  ) {
    this.chance = (probability) => random() < probability;
    this.property = this.address();
  }

  get made(): number {
    return this.people;
  }

  pick<T>(choices: readonly T[]): T {
    return choices[Math.floor(this.random() * choices.length)] as T;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  recordCount(): number {
    return weighted(this.random, RECORDS_PER_PERSON) + 1;
  }

  private address(): PostalAddress {
    const town = this.pick(TOWNS);
    return {
      line1: `${this.int(100, 9899)} ${this.pick(STREETS)}`,
      line2: this.chance(0.3) ? `Apt ${this.int(1, 40)}` : null,
      city: town.city,
      state: town.state,
      postalCode: `${town.zip}${pad(this.int(1, 99), 2)}`,
    };
  }

  /** Where a household lives: a unit of the property for residents, elsewhere otherwise. */
  private home(status: PersonStatus): PostalAddress {
    if (status !== "resident" && status !== "applicant" && status !== "former") {
      return this.address();
    }
    // Six floors of 40 units, handed out in turn: later households move into earlier units.
    const n = this.units++ % 240;
    return { ...this.property, line2: `Apt ${Math.floor(n / 40) + 1}${pad((n % 40) + 1, 2)}` };
  }

  private birthDate(from: number, to: number): string {
    const year = this.int(from, to);
    const month = this.int(1, 12);
    const day = this.int(1, new Date(Date.UTC(year, month, 0)).getUTCDate());
    return `${year}-${pad(month, 2)}-${pad(day, 2)}`;
  }

  /** A birth date in [from, to] not within one corruption of any of `others`. */
  private distinctDate(from: number, to: number, others: readonly string[]): string {
    for (;;) {
      const date = this.birthDate(from, to);
      if (!others.some((other) => datesTooClose(date, other))) return date;
    }
  }

  private phone(): string {
    for (;;) {
      const digits = `${this.pick(AREA_CODES)}55501${pad(this.int(1, 99), 2)}`;
      if (!this.usedPhones.has(digits)) {
        this.usedPhones.add(digits);
        return digits;
      }
    }
  }

  private email(first: string, last: string, serial: number): string {
    const f = first.toLowerCase().replace(/[^a-z]/g, "");
    const l = last.toLowerCase().replace(/[^a-z]/g, "");
    const provider = weighted(this.random, [...PROVIDERS.map(([, share]) => share), 0.32]);
    const domain = PROVIDERS[provider]?.[0] ?? this.pick(MAIL_DOMAINS);
    const local = this.pick([`${f}.${l}`, `${f}${l}`, `${f.charAt(0)}${l}`, `${f}_${l}`, f]);
    // The serial keeps every address unique, namesakes' too.
    return `${local}${serial}@${domain}`;
  }

  /** A first name (and surname, unless given) no one else has, unlike `avoid`'s first names. */
  private freshName(
    avoid: readonly string[],
    lastName?: string,
    firstNames: readonly string[] = FIRST_NAMES,
  ): [string, string] {
    for (;;) {
      const first = this.pick(firstNames);
      const last = lastName ?? this.pick(LAST_NAMES);
      if (this.usedNames.has(fullName(first, last))) continue;
      if (avoid.some((other) => confusable(first, other))) continue;
      return [first, last];
    }
  }

  /**
   * The name of a person not tied to a family surname: an earlier person's (a namesake), or a
   * fresh one, maybe offered to later namesakes (none in the last 10 % of people, and waiting
   * names are used up towards the end, so that nearly every group has two members or more).
   */
  private freeName(
    householdId: string,
    avoid: readonly string[],
    birth: [number, number],
  ): Shape & { origin: boolean } {
    // Never a namesake of one's own household, nor of a name a housemate could pass for.
    const candidates = this.origins.filter(
      (person) =>
        person.householdId !== householdId && !avoid.some((o) => confusable(person.firstName, o)),
    );
    const late = this.total - this.people <= 3 * this.origins.length;
    if (candidates.length > 0 && (late || this.chance(NAMESAKES.copy))) {
      const origin = this.pick(candidates);
      if (!this.chance(NAMESAKES.thirdMember)) this.origins.splice(this.origins.indexOf(origin), 1);
      const { firstName, lastName, dateOfBirth, namesakeGroup } = origin;
      const date = this.distinctDate(birth[0], birth[1], [dateOfBirth]);
      return { first: firstName, last: lastName, group: namesakeGroup, origin: false, date };
    }
    const [first, last] = this.freshName(avoid);
    const origin = this.people < this.total * 0.9 && this.chance(NAMESAKES.origin);
    const group = origin ? `messy-n${++this.groups}` : null;
    return { first, last, group, origin, date: this.birthDate(birth[0], birth[1]) };
  }

  private person(home: Home, shape: Shape): MessyPerson {
    const serial = ++this.people;
    this.usedNames.add(fullName(shape.first, shape.last));
    const shortForms = NICKNAMES[shape.first];
    return {
      personId: `messy-${serial}`,
      householdId: home.id,
      household: home.kind,
      namesakeGroup: shape.group ?? null,
      tie: shape.tie ?? null,
      firstName: shape.first,
      lastName: shape.last,
      nickname: shortForms === undefined ? null : this.pick(shortForms),
      dateOfBirth: shape.date,
      email: this.email(shape.first, shape.last, serial),
      phone: this.phone(),
      phoneStyle: this.int(0, 7),
      address: home.address,
      status: home.status,
      sharesPhone: false,
      sharesEmail: false,
    };
  }

  /** A freely named person: maybe a namesake of an earlier one, maybe copied later. */
  private freePerson(home: Home, avoid: readonly string[], birth: [number, number]): MessyPerson {
    const name = this.freeName(home.id, avoid, birth);
    // The group is set now, for the first of a group too: its rows may leave before a namesake
    // of it exists.
    const person = this.person(home, name);
    if (name.origin) this.origins.push(person);
    return person;
  }

  /** The next household, of at most `room` people. */
  household(room: number): MessyPerson[] {
    const id = `messy-h${++this.households}`;
    const status = STATUSES[weighted(this.random, STATUS_WEIGHTS)]?.[0] ?? "prospect";
    const address = this.home(status);
    const roll = this.random();
    if (room < 2 || roll >= HOUSEHOLDS.family + HOUSEHOLDS.roommates) {
      return [this.freePerson({ id, kind: "single", address, status }, [], [1950, 2005])];
    }
    if (roll < HOUSEHOLDS.family) return this.family({ id, kind: "family", address, status }, room);
    const home: Home = { id, kind: "roommates", address, status };
    const size = Math.min(room, weighted(this.random, HOUSEHOLDS.roommateSize) + 2);
    const members: MessyPerson[] = [];
    for (let i = 0; i < size; i += 1) {
      const avoid = members.map((m) => m.firstName);
      members.push(this.freePerson(home, avoid, [1975, 2005]));
    }
    this.share(members, HOUSEHOLDS.roommateSharesPhone, HOUSEHOLDS.roommateSharesEmail);
    return members;
  }

  private family(home: Home, room: number): MessyPerson[] {
    const size = Math.min(room, weighted(this.random, HOUSEHOLDS.familySize) + 2);
    const special = this.random();
    const junior = special < HOUSEHOLDS.juniorSenior;
    const twins = !junior && special < HOUSEHOLDS.juniorSenior + HOUSEHOLDS.twins;
    let head: MessyPerson;
    if (junior) {
      // A father who named his son after himself: a fresh name, never a namesake's.
      const [first, last] = this.freshName([], undefined, SON_NAMES);
      head = this.person(home, { first, last, date: this.birthDate(1950, 1978) });
    } else {
      head = this.freePerson(home, [], [1950, 2005]);
    }
    const members = [head];
    const dates = () => members.map((m) => m.dateOfBirth);
    for (let i = 1; i < size; i += 1) {
      let shape: Shape;
      if (i === 1 && junior) {
        const year = Math.min(Number(head.dateOfBirth.slice(0, 4)) + this.int(22, 38), 2006);
        const date = this.distinctDate(year, year, dates());
        head.tie = "senior";
        shape = { first: head.firstName, last: head.lastName, date, tie: "junior" };
      } else {
        const avoid = members.map((m) => m.firstName);
        const [first, last] = this.freshName(avoid, head.lastName);
        if (i === 1 && twins) head.tie = "twin";
        shape =
          i === 1 && twins
            ? { first, last, date: head.dateOfBirth, tie: "twin" }
            : { first, last, date: this.distinctDate(1950, 2005, dates()) };
      }
      members.push(this.person(home, shape));
    }
    this.share(members, HOUSEHOLDS.familySharesPhone, HOUSEHOLDS.familySharesEmail);
    return members;
  }

  /** Members after the first give the first's phone or email as theirs, at these rates. */
  private share(members: MessyPerson[], phone: number, email: number): void {
    const head = members[0] as MessyPerson;
    for (const member of members.slice(1)) {
      if (this.chance(phone)) {
        member.phone = head.phone;
        member.sharesPhone = head.sharesPhone = true;
      }
      if (this.chance(email)) {
        member.email = head.email;
        member.sharesEmail = head.sharesEmail = true;
      }
    }
  }
}

/** Generates the messy set's rows, lazily. Same options, same rows. */
export function* generateMessyContacts(options: MessyContactsOptions): Generator<MessyContactRow> {
  const total = options.people ?? MESSY_PEOPLE;
  const random = mulberry32(options.seed);
  const factory = new MessyFactory(random, total);
  const window: MessyContactRow[] = [];
  const release = (): MessyContactRow => {
    const at = Math.floor(random() * window.length);
    const chosen = window[at] as MessyContactRow;
    const last = window.pop() as MessyContactRow;
    if (at < window.length) window[at] = last;
    return chosen;
  };
  while (factory.made < total) {
    for (const person of factory.household(total - factory.made)) {
      const count = factory.recordCount();
      for (let card = 1; card <= count; card += 1) {
        const context = { random, card, count, officePhone: options.officePhone };
        window.push({ person, ...messyRecord(person, context) });
      }
    }
    while (window.length >= REORDER_WINDOW) yield release();
  }
  while (window.length > 0) yield release();
}
