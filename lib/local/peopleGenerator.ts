/**
 * Synthetic ResMan people: deterministic, fictional and as messy as a real ResMan export.
 *
 * One generator feeds the bundled sample (`npm run sample`), the import benchmark
 * (`npm run bench`) and quality benchmarks. Every row is labelled with the real person it
 * belongs to, so a benchmark can tell a correct merge from a wrong one.
 *
 * Over 500 lines as one thing: one generator, whose name lists, formats and problem rates are
 * its data (the messy and synthetic benchmark sets and the generated test properties reuse
 * them rather than keeping copies).
 *
 * The data problems are the ones seen in the field (design §1): duplicate guest cards of one
 * person under different external ids, formatted differently (email case and spaces, phone
 * punctuation, name case, nicknames); placeholder emails and phones and the office's own phone;
 * families and roommates sharing a phone or an email; missing values; birth dates as
 * `YYYYMMDD` or impossible (`19900230`); dependents with a name and a birth date only; and bad
 * rows (no external id, no usable identity, the same external id twice).
 *
 * Nothing is real: names are drawn from common-name lists and combined at random, phones are
 * in the 555-0101..0199 range NANPA keeps for fiction, and emails live on made-up domains that
 * the normaliser does not treat as placeholders (it does treat `.test`, `.example`,
 * `example.com` and friends as placeholders, so those are only used as placeholders).
 *
 * Rows are produced lazily through a small reorder window, so memory stays flat however many
 * rows are asked for (the benchmark writes a million).
 */
import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";
import { type ImportColumn, importColumns } from "../domain/importRow.js";
import type { PersonStatus } from "../domain/person.js";

// --- randomness ----------------------------------------------------------------------------

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a 32-bit-state PRNG, tiny and fast, good enough for test data (not for secrets).
 * Written here rather than taken from npm because it is eight lines.
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The draws the generator makes, over one seeded PRNG. */
class Dice {
  constructor(readonly random: Random) {}

  chance(probability: number): boolean {
    return this.random() < probability;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(choices: readonly T[]): T {
    return choices[Math.floor(this.random() * choices.length)] as T;
  }

  /** A version-4-shaped GUID, as ResMan writes PersonIDs. */
  guid(): string {
    const hex = (bits: number) =>
      Math.floor(this.random() * 2 ** bits)
        .toString(16)
        .padStart(bits / 4, "0");
    const variant = (8 + this.int(0, 3)).toString(16);
    return `${hex(32)}-${hex(16)}-4${hex(12)}-${variant}${hex(12)}-${hex(24)}${hex(24)}`;
  }
}

// --- vocabulary ----------------------------------------------------------------------------

/** A comma-separated word list (kept as text so the formatter leaves it compact). */
const list = (text: string): readonly string[] =>
  text
    .split(",")
    .map((word) => word.trim())
    .filter((word) => word !== "");

/** Common given names, mixed origins; people get random first + last combinations. */
export const FIRST_NAMES = list(`
  James, Mary, Robert, Patricia, John, Jennifer, Michael, Linda, David, Elizabeth, William,
  Barbara, Richard, Susan, Joseph, Jessica, Thomas, Sarah, Christopher, Karen, Charles,
  Lisa, Daniel, Nancy, Matthew, Betty, Anthony, Sandra, Mark, Margaret, Steven, Ashley,
  Andrew, Kimberly, Joshua, Emily, Kenneth, Donna, Kevin, Michelle, Brian, Carol, Timothy,
  Amanda, Ronald, Melissa, Jason, Deborah, Jeffrey, Stephanie, Ryan, Rebecca, Jacob,
  Sharon, Gary, Laura, Nicholas, Cynthia, Eric, Amy, Jonathan, Kathleen, Samuel, Angela,
  Benjamin, Rachel, Alexander, Katherine, Tyler, Samantha, Aaron, Christine, Jose, Maria,
  Luis, Ana, Carlos, Sofia, Juan, Isabella, Miguel, Camila, Diego, Valentina, Wei, Mei,
  Hiroshi, Yuki, Minh, Linh, Arjun, Priya, Omar, Fatima, Ahmed, Aisha, Kwame, Amara,
  Dmitri, Olga, Liam, Olivia, Noah, Emma, Ethan, Ava, Mason, Mia, Logan, Harper, Lucas,
  Ella, Zoe, Nora, Jamal, Keisha, Andre, Tanisha, Mateo, Lucia, Elena, Marco
`);

/** Common surnames, with the apostrophes, hyphens and particles real files carry. */
export const LAST_NAMES = list(`
  Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez,
  Hernandez, Lopez, Gonzalez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin,
  Lee, Perez, Thompson, White, Harris, Sanchez, Clark, Ramirez, Lewis, Robinson, Walker,
  Young, Allen, King, Wright, Scott, Torres, Nguyen, Hill, Flores, Green, Adams, Nelson,
  Baker, Hall, Rivera, Campbell, Mitchell, Carter, Roberts, Gomez, Phillips, Evans, Turner,
  Diaz, Parker, Cruz, Edwards, Collins, Reyes, Stewart, Morris, Morales, Murphy, Cook,
  Rogers, Gutierrez, Ortiz, Morgan, Cooper, Peterson, Bailey, Reed, Kelly, Howard, Ramos,
  Kim, Cox, Ward, Richardson, Watson, Brooks, Chavez, Wood, James, Bennett, Gray, Mendoza,
  Ruiz, Hughes, Price, Alvarez, Castillo, Sanders, Patel, Myers, Long, Ross, Foster,
  Jimenez, Chen, Wang, Tanaka, Tran, Pham, Singh, Khan, Okafor, Mensah, Ivanova, Kowalski,
  O'Brien, O'Neil, McAllister, Van der Berg, Garcia-Lopez, St. James, De la Cruz
`);

/** Short forms people give on one card and not on another (a first-name mismatch). */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  James: ["Jim", "Jimmy"],
  Robert: ["Bob", "Rob"],
  John: ["Johnny", "Jack"],
  Jennifer: ["Jen", "Jenny"],
  Michael: ["Mike"],
  Elizabeth: ["Liz", "Beth"],
  William: ["Will", "Bill"],
  Richard: ["Rick", "Rich"],
  Joseph: ["Joe"],
  Thomas: ["Tom"],
  Christopher: ["Chris"],
  Daniel: ["Dan", "Danny"],
  Matthew: ["Matt"],
  Anthony: ["Tony"],
  Steven: ["Steve"],
  Andrew: ["Andy", "Drew"],
  Kimberly: ["Kim"],
  Joshua: ["Josh"],
  Kenneth: ["Ken"],
  Timothy: ["Tim"],
  Jeffrey: ["Jeff"],
  Stephanie: ["Steph"],
  Rebecca: ["Becky"],
  Nicholas: ["Nick"],
  Jonathan: ["Jon"],
  Kathleen: ["Kathy"],
  Samuel: ["Sam"],
  Benjamin: ["Ben"],
  Alexander: ["Alex"],
  Katherine: ["Kate", "Katie"],
  Samantha: ["Sam"],
  Christine: ["Chris"],
  Isabella: ["Bella"],
  Valentina: ["Vale"],
  Margaret: ["Maggie", "Peggy"],
  Patricia: ["Pat", "Trish"],
  Deborah: ["Debbie"],
  Cynthia: ["Cindy"],
};

export const STREETS = list(`
  Maple St, Oak Ave, Cedar Ln, Pine St, Elm St, Willow Way, Birch Rd, Lakeview Dr,
  Hillcrest Ave, Sunset Blvd, River Rd, Park Pl, Meadow Ln, Highland Ave, Forest Dr,
  Spring St, Church St, Mill Rd, Ridge Rd, Valley View Dr
`);

export const TOWNS: readonly { city: string; state: string; zip: string }[] = [
  { city: "Austin", state: "TX", zip: "787" },
  { city: "Denver", state: "CO", zip: "802" },
  { city: "Phoenix", state: "AZ", zip: "850" },
  { city: "Atlanta", state: "GA", zip: "303" },
  { city: "Charlotte", state: "NC", zip: "282" },
  { city: "Nashville", state: "TN", zip: "372" },
  { city: "Columbus", state: "OH", zip: "432" },
  { city: "Tampa", state: "FL", zip: "336" },
  { city: "Portland", state: "OR", zip: "972" },
  { city: "Raleigh", state: "NC", zip: "276" },
  { city: "Sacramento", state: "CA", zip: "958" },
  { city: "Kansas City", state: "MO", zip: "641" },
];

/** Made-up mail domains with ordinary TLDs: the normaliser must accept them as real. */
export const MAIL_DOMAINS = [
  "mailbox.dev",
  "postbox.app",
  "quillmail.dev",
  "parcelpost.app",
  "lettercrate.dev",
  "inkwell-mail.app",
];

/** What leasing staff type when a prospect has no email or will not give it. */
export const PLACEHOLDER_EMAILS = [
  "none@none.com",
  "NONE@NONE.COM",
  "noemail@noemail.com",
  "noemail@postbox.app",
  "test@test.com",
  "na@na.com",
  "no.email@mailbox.dev",
  "declined@quillmail.dev",
];

/** What leasing staff type when a prospect has no phone or will not give it. */
export const PLACEHOLDER_PHONES = [
  "000-000-0000",
  "(000) 000-0000",
  "555-555-5555",
  "111-111-1111",
  "999-999-9999",
  "0000000000",
  "123-456-7890",
];

/**
 * US geographic area codes in which libphonenumber-js (full metadata) accepts 555-01xx numbers
 * as valid; toll-free, premium and personal-communication codes are left out.
 */
export const AREA_CODES = (
  "201 202 203 205 206 207 208 209 210 212 213 214 215 216 217 218 219 220 223 224 225 227 228 " +
  "229 231 234 235 239 240 248 251 252 253 254 256 260 262 267 269 270 272 274 276 279 281 283 " +
  "301 302 303 304 305 307 308 309 310 312 313 314 315 316 317 318 319 320 321 323 324 325 326 " +
  "327 329 330 331 332 334 336 337 339 341 346 347 350 351 352 353 360 361 363 364 369 380 385 " +
  "386 401 402 404 405 406 407 408 409 410 412 413 414 415 417 419 423 424 425 430 432 434 435 " +
  "440 442 443 445 447 448 458 463 464 469 470 472 475 478 479 480 484 501 502 503 504 505 507 " +
  "508 509 510 512 513 515 516 517 518 520 530 531 534 539 540 541 551 557 559 561 562 563 564 " +
  "567 570 571 572 573 574 575 580 582 585 586 601 602 603 605 606 607 608 609 610 612 614 615 " +
  "616 617 618 619 620 623 626 628 629 630 631 636 640 641 645 646 650 651 656 657 659 660 661 " +
  "662 667 669 678 680 681 682 686 689 701 702 703 704 706 707 708 712 713 714 715 716 717 718 " +
  "719 720 724 725 726 727 728 730 731 732 734 737 738 740 743 747 748 754 757 760 762 763 765 " +
  "769 770 771 772 773 774 775 779 781 785 786 801 802 803 804 805 806 808 810 812 813 814 815 " +
  "816 817 818 820 821 826 828 830 831 832 835 838 839 840 843 845 847 848 850 854 856 857 858 " +
  "859 860 862 863 864 865 870 872 878 901 903 904 906 907 908 909 910 912 913 914 915 916 917 " +
  "918 919 920 925 928 929 930 931 934 936 937 938 940 941 943 945 947 948 949 951 952 954 956 " +
  "959 970 971 972 973 975 978 979 980 983 984 985 986 989"
).split(" ");

/** Subscriber numbers per area code: 555-0101..0199 (555-0100 is kept for property offices). */
const SUBSCRIBERS = 99;

/**
 * Distinct fictional phone numbers available to people. In a data set with more phone-bearing
 * people than this, the later people get no phone, or (option `phonePoolExhausted: "recycle"`)
 * a number already given to an unrelated person, as carriers recycle numbers.
 */
export const PHONE_POOL_SIZE = AREA_CODES.length * SUBSCRIBERS;

// --- public types --------------------------------------------------------------------------

/** A column of the generated CSV: the import's columns (design §5) but `last_modified`. */
export type GeneratedColumn = Exclude<ImportColumn, "last_modified">;

/** Columns written by the generator, in the import's order. */
export const generatedColumns: readonly GeneratedColumn[] = importColumns.filter(
  (column): column is GeneratedColumn => column !== "last_modified",
);

/** One import CSV row; a missing value is `""`, as in the file. */
export type PersonCsvRow = Record<GeneratedColumn, string>;

/** A street address as the import's address columns carry it. */
export interface PostalAddress {
  line1: string;
  line2: string | null;
  city: string;
  state: string;
  postalCode: string;
}

/** A real (synthetic) human: the truth behind one or more ResMan person records. */
export interface SyntheticPerson {
  /** Truth label, stable for the seed; the same human keeps it at every property. */
  personId: string;
  /** People living together (family or roommates) share it; a single person has their own. */
  householdId: string;
  firstName: string;
  middleName: string | null;
  lastName: string;
  /** The email the person gives, lower case (maybe the household's shared one); null if none. */
  email: string | null;
  /** Ten national digits of the phone the person gives (maybe the household's); null if none. */
  phone: string | null;
  /** `YYYY-MM-DD`. */
  dateOfBirth: string | null;
  address: PostalAddress | null;
  status: PersonStatus;
  /** A minor on a resident's lease: a name and a birth date, no email or phone. */
  dependent: boolean;
}

/** A problem deliberately put into a row (several may apply). */
export type DataProblem =
  /** The person has more than one card (external id) in this file. */
  | "duplicate_card"
  /** The email differs from the person's other cards in case or surrounding spaces. */
  | "email_format"
  /** The phone is punctuated differently from the person's usual format. */
  | "phone_format"
  /** A name is in upper or lower case. */
  | "name_case"
  /** The first name is a short form of the real one (`Mike` for `Michael`). */
  | "nickname"
  | "placeholder_email"
  | "placeholder_phone"
  /** The phone is the property office's own number. */
  | "office_phone"
  /** The phone is also another household member's. */
  | "shared_phone"
  /** The email is also another household member's. */
  | "shared_email"
  /** The phone was given to an unrelated person earlier in the data set (see `PHONE_POOL_SIZE`). */
  | "recycled_phone"
  | "missing_email"
  | "missing_phone"
  | "missing_name"
  /** The birth date is written `YYYYMMDD`. */
  | "compact_dob"
  /** The birth date is impossible (`19900230`, month 13): the import drops it with a warning. */
  | "invalid_dob"
  /** The external id is a legacy CRM id rather than a GUID. */
  | "legacy_id"
  /** No external id: the import rejects the row. */
  | "missing_external_id"
  /** The same external id as an earlier row (one person on two leases): the import rejects it. */
  | "repeated_external_id"
  /** No usable name, email or phone: the import rejects the row. */
  | "no_identity";

/** A generated row and the truth about it. */
export interface LabelledPersonRow {
  /** 0-based position in the generated data; the CSV line is `index + 2` (after the header). */
  index: number;
  row: PersonCsvRow;
  /** The human this row is a record of. */
  person: SyntheticPerson;
  /** Which of the person's cards this is (1-based) and how many were planned. */
  card: number;
  cards: number;
  problems: readonly DataProblem[];
}

/** How often each problem is put in; every rate is a probability in [0, 1]. */
export interface DataProblemRates {
  /** People with more than one card under different external ids. */
  duplicateCards: number;
  /** Of those, the share with three cards rather than two. */
  thirdCard: number;
  /** Households of two or more (families and roommates). */
  sharedHousehold: number;
  /** Of shared households, the share that are families (the rest are roommates). */
  family: number;
  /** A family member using the family's phone rather than their own. */
  familySharesPhone: number;
  /** A family member using the family's email rather than their own. */
  familySharesEmail: number;
  /** A roommate giving the first roommate's phone. */
  roommateSharesPhone: number;
  /** A family with a minor dependent. */
  dependent: number;
  /** Per card. */
  missingEmail: number;
  missingPhone: number;
  missingName: number;
  placeholderEmail: number;
  placeholderPhone: number;
  officePhone: number;
  nameCase: number;
  /** Per duplicate card of a person whose first name has a short form. */
  nickname: number;
  emailFormat: number;
  /** Per card carrying a birth date. */
  compactDob: number;
  invalidDob: number;
  /** Per card: bad rows. */
  legacyId: number;
  missingExternalId: number;
  repeatedExternalId: number;
  noIdentity: number;
}

/** Rates that look like a busy property's export. */
export const defaultProblemRates: Readonly<DataProblemRates> = Object.freeze({
  duplicateCards: 0.18,
  thirdCard: 0.25,
  sharedHousehold: 0.15,
  family: 0.6,
  familySharesPhone: 0.5,
  familySharesEmail: 0.25,
  roommateSharesPhone: 0.15,
  dependent: 0.3,
  missingEmail: 0.1,
  missingPhone: 0.08,
  missingName: 0.01,
  placeholderEmail: 0.06,
  placeholderPhone: 0.04,
  officePhone: 0.004,
  nameCase: 0.08,
  nickname: 0.08,
  emailFormat: 0.25,
  compactDob: 0.3,
  invalidDob: 0.03,
  legacyId: 0.03,
  missingExternalId: 0.002,
  repeatedExternalId: 0.002,
  noIdentity: 0.002,
});

/** What to generate. Only `seed` and `rows` are required. */
export interface PeopleGeneratorOptions {
  /** Same seed and options, same rows, byte for byte. */
  seed: number;
  /** Rows to produce (bad rows included). */
  rows: number;
  /**
   * Prefix of true person ids (`<label>-<n>`), so labels of two generated sets never collide.
   * Emails and phones are unique within one set only.
   */
  label?: string;
  /** Where the property is: residents, applicants and former residents live there. */
  property?: PostalAddress;
  /**
   * Ten digits of the property office's phone, which some rows carry instead of the person's
   * (`office_phone`). Default: 555-0100 in an area code chosen by the seed.
   */
  officePhone?: string;
  /**
   * People from another generated set who also have cards at this property (under new external
   * ids). They keep their person id, and no one else here gets their email or phone.
   */
  visitors?: readonly SyntheticPerson[];
  rates?: Partial<DataProblemRates>;
  /**
   * What happens once `PHONE_POOL_SIZE` numbers are given out: later people get no phone
   * (`omit`, the default: match keys stay those of distinct people, and the cost of matching a
   * row does not grow with the data set), or numbers are handed out again (`recycle`).
   */
  phonePoolExhausted?: "omit" | "recycle";
}

// --- generation ----------------------------------------------------------------------------

/**
 * Rows are released from a window of this many, picked at random, so that a person's cards and
 * household land near each other but not next to each other, without holding the file.
 */
const REORDER_WINDOW = 256;

/**
 * Multiplier of the phone-slot permutation: near the golden section of the pool (so consecutive
 * people get unrelated area codes and subscriber numbers) and coprime with the pool size (so the
 * permutation visits every slot once).
 */
const PHONE_STRIDE = (() => {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let stride = Math.floor(PHONE_POOL_SIZE * 0.618);
  while (gcd(stride, PHONE_POOL_SIZE) !== 1) stride += 1;
  return stride;
})();

/** Adults' birth years, and dependents'. */
const ADULT_YEARS = [1950, 2005] as const;
const DEPENDENT_YEARS = [2010, 2020] as const;

const pad = (n: number, width: number) => String(n).padStart(width, "0");

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Ten digits in one of eight ways people write a US phone (`style` is taken modulo 8). */
export function formatPhone(digits: string, style: number): string {
  const a = digits.slice(0, 3);
  const b = digits.slice(3, 6);
  const c = digits.slice(6);
  switch (style % 8) {
    case 0:
      return `(${a}) ${b}-${c}`;
    case 1:
      return `${a}.${b}.${c}`;
    case 2:
      return `+1 ${a} ${b} ${c}`;
    case 3:
      return `${a}-${b}-${c}`;
    case 4:
      return digits;
    case 5:
      return `1-${a}-${b}-${c}`;
    case 6:
      return `+1${digits}`;
    default:
      return `${a} ${b} ${c}`;
  }
}

/** Letters of a name as they appear in an email local part. */
const mailName = (name: string) => name.toLowerCase().replace(/[^a-z]/g, "");

const statusWeights: readonly [PersonStatus, number][] = [
  ["prospect", 0.45],
  ["lost", 0.1],
  ["applicant", 0.12],
  ["resident", 0.25],
  ["former", 0.08],
];

/** Whether ResMan holds a birth date for people in this status (it does for residents). */
const livesHere = (status: PersonStatus) =>
  status === "resident" || status === "applicant" || status === "former";

class PeopleFactory {
  readonly dice: Dice;
  readonly rates: DataProblemRates;
  readonly property: PostalAddress;
  readonly officePhone: string;
  private readonly label: string;
  private readonly phonePoolExhausted: "omit" | "recycle";
  private readonly phoneOffset: number;
  private readonly reservedPhones: Set<string>;
  private readonly reservedEmails: Set<string>;
  private personSerial = 0;
  private householdSerial = 0;
  private phoneSerial = 0;
  private legacySerial = 0;
  private unitSerial = 0;

  constructor(options: PeopleGeneratorOptions) {
    this.dice = new Dice(mulberry32(options.seed));
    this.rates = { ...defaultProblemRates, ...options.rates };
    this.label = options.label ?? "p";
    this.phonePoolExhausted = options.phonePoolExhausted ?? "omit";
    this.property = options.property ?? this.address();
    // Drawn even when given, so the option does not shift the rest of the random sequence.
    const drawnOfficePhone = `${this.dice.pick(AREA_CODES)}5550100`;
    this.officePhone = options.officePhone ?? drawnOfficePhone;
    this.phoneOffset = this.dice.int(0, PHONE_POOL_SIZE - 1);
    this.reservedPhones = new Set(
      (options.visitors ?? []).flatMap((p) => (p.phone === null ? [] : [p.phone])),
    );
    this.reservedEmails = new Set(
      (options.visitors ?? []).flatMap((p) => (p.email === null ? [] : [p.email])),
    );
  }

  /** A street address somewhere in one of the towns. */
  address(): PostalAddress {
    const town = this.dice.pick(TOWNS);
    return {
      line1: `${this.dice.int(100, 9899)} ${this.dice.pick(STREETS)}`,
      line2: null,
      city: town.city,
      state: town.state,
      postalCode: `${town.zip}${pad(this.dice.int(1, 99), 2)}`,
    };
  }

  status(): PersonStatus {
    let roll = this.dice.random();
    for (const [status, weight] of statusWeights) {
      roll -= weight;
      if (roll < 0) return status;
    }
    return "prospect";
  }

  birthDate(years: readonly [number, number]): string {
    const year = this.dice.int(years[0], years[1]);
    const month = this.dice.int(1, 12);
    const day = this.dice.int(1, daysIn(year, month));
    return `${year}-${pad(month, 2)}-${pad(day, 2)}`;
  }

  /**
   * The next phone from the pool. Slots follow a fixed permutation of the pool, so numbers stay
   * unique until the pool is used up; after that there are none, or they repeat (`recycled`).
   */
  phone(): { digits: string; recycled: boolean } | null {
    for (;;) {
      const serial = this.phoneSerial++;
      const cycle = Math.floor(serial / PHONE_POOL_SIZE);
      if (cycle > 0 && this.phonePoolExhausted === "omit") return null;
      const slot = (serial * PHONE_STRIDE + this.phoneOffset + cycle * 4099) % PHONE_POOL_SIZE;
      const area = AREA_CODES[Math.floor(slot / SUBSCRIBERS)] as string;
      const digits = `${area}55501${pad((slot % SUBSCRIBERS) + 1, 2)}`;
      // Visitors' numbers belong to them here too.
      if (!this.reservedPhones.has(digits)) return { digits, recycled: cycle > 0 };
    }
  }

  /** A personal email, unique within the set because it carries the person's serial. */
  email(first: string, last: string, serial: number): string {
    const f = mailName(first);
    const l = mailName(last);
    const domain = this.dice.pick(MAIL_DOMAINS);
    const patterns = [
      `${f}.${l}${serial}`,
      `${f}${l}${serial}`,
      `${f.charAt(0)}${l}${serial}`,
      `${f}${serial}`,
      `${l}.${f}${serial}`,
      `${f}_${l}.${serial}`,
    ];
    let email = `${this.dice.pick(patterns)}@${domain}`;
    while (this.reservedEmails.has(email)) email = `x${email}`;
    return email;
  }

  person(
    household: string,
    shape: {
      lastName?: string;
      avoidFirst?: ReadonlySet<string>;
      status: PersonStatus;
      address: PostalAddress | null;
      dependent?: boolean;
    },
  ): HouseholdMember {
    const serial = ++this.personSerial;
    let firstName = this.dice.pick(FIRST_NAMES);
    // Household members have different first names: that is what tells them apart.
    while (shape.avoidFirst?.has(firstName)) firstName = this.dice.pick(FIRST_NAMES);
    const lastName = shape.lastName ?? this.dice.pick(LAST_NAMES);
    const dependent = shape.dependent ?? false;
    const middleName = this.dice.chance(0.35) ? this.dice.pick(FIRST_NAMES) : null;
    let phone: string | null = null;
    let recycledPhone = false;
    const drawn = !dependent && this.dice.chance(0.92) ? this.phone() : null;
    if (drawn !== null) {
      phone = drawn.digits;
      recycledPhone = drawn.recycled;
    }
    const email =
      !dependent && this.dice.chance(0.9) ? this.email(firstName, lastName, serial) : null;
    const dateOfBirth = dependent
      ? this.birthDate(DEPENDENT_YEARS)
      : livesHere(shape.status) || this.dice.chance(0.15)
        ? this.birthDate(ADULT_YEARS)
        : null;
    return {
      person: {
        personId: `${this.label}-${serial}`,
        householdId: household,
        firstName,
        middleName,
        lastName,
        email,
        phone,
        dateOfBirth,
        address: shape.address,
        status: shape.status,
        dependent,
      },
      recycledPhone,
      sharesPhone: false,
      sharesEmail: false,
    };
  }

  /** A household: one person, a family or roommates, with what they share marked. */
  household(): HouseholdMember[] {
    const id = `${this.label}-h${++this.householdSerial}`;
    const status = this.status();
    const address = livesHere(status)
      ? { ...this.property, line2: `Apt ${this.unit()}` }
      : this.dice.chance(0.5)
        ? this.address()
        : null;
    const r = this.rates;
    if (!this.dice.chance(r.sharedHousehold)) {
      return [this.person(id, { status, address })];
    }
    const family = this.dice.chance(r.family);
    const size = family ? this.dice.int(2, 4) : this.dice.int(2, 3);
    const lastName = this.dice.pick(LAST_NAMES);
    const firstNames = new Set<string>();
    const members: HouseholdMember[] = [];
    for (let i = 0; i < size; i += 1) {
      const dependent =
        family && livesHere(status) && i === size - 1 && size > 2 && this.dice.chance(r.dependent);
      const member = this.person(id, {
        ...(family ? { lastName } : {}),
        avoidFirst: firstNames,
        status: dependent ? "resident" : status,
        address,
        dependent,
      });
      firstNames.add(member.person.firstName);
      members.push(member);
    }
    // The first adult's phone and email become the household's; others may give them too.
    const head = members[0] as HouseholdMember;
    for (const member of members.slice(1)) {
      if (member.person.dependent) continue;
      const sharesPhone = family ? r.familySharesPhone : r.roommateSharesPhone;
      if (head.person.phone !== null && this.dice.chance(sharesPhone)) {
        member.person.phone = head.person.phone;
        member.recycledPhone = head.recycledPhone;
        member.sharesPhone = true;
        head.sharesPhone = true;
      }
      if (family && head.person.email !== null && this.dice.chance(r.familySharesEmail)) {
        member.person.email = head.person.email;
        member.sharesEmail = true;
        head.sharesEmail = true;
      }
    }
    return members;
  }

  private unit(): string {
    // Floors 1-4, 24 units a floor, wrapping: enough variety for a mid-size community.
    const n = this.unitSerial++ % 96;
    return `${Math.floor(n / 24) + 1}${pad((n % 24) + 1, 2)}`;
  }

  externalId(problems: DataProblem[]): string {
    if (this.dice.chance(this.rates.legacyId)) {
      problems.push("legacy_id");
      return `GC-${pad(++this.legacySerial, 6)}`;
    }
    return this.dice.guid();
  }

  /** The cards (ResMan person records) of one person at this property. */
  cardsOf(member: HouseholdMember): PlannedRow[] {
    const r = this.rates;
    const { person } = member;
    const cards = this.dice.chance(r.duplicateCards) ? (this.dice.chance(r.thirdCard) ? 3 : 2) : 1;
    const phoneStyle = this.dice.int(0, 7);
    const rows: PlannedRow[] = [];
    for (let card = 1; card <= cards; card += 1) {
      const problems: DataProblem[] = [];
      if (cards > 1) problems.push("duplicate_card");
      // Older cards of a duplicated person are guest cards; the last one carries the status.
      const status: PersonStatus =
        card < cards ? (this.dice.chance(0.7) ? "prospect" : "lost") : person.status;
      const row = this.card(member, card, status, phoneStyle, problems);
      const planned: PlannedRow = { row, person, card, cards, problems };
      if (row.external_id !== "" && this.dice.chance(r.repeatedExternalId)) {
        // One person on two leases: the same PersonID again, with another unit. It enters the
        // window only once the original has left it, so it is always the later of the two.
        planned.repeat = {
          row: { ...row, address_line2: `Apt ${this.unit()}` },
          person,
          card,
          cards,
          problems: [...problems, "repeated_external_id"],
        };
      }
      rows.push(planned);
    }
    return rows;
  }

  private card(
    member: HouseholdMember,
    card: number,
    status: PersonStatus,
    phoneStyle: number,
    problems: DataProblem[],
  ): PersonCsvRow {
    const r = this.rates;
    const d = this.dice;
    const { person } = member;
    const externalId = this.externalId(problems);
    if (d.chance(r.noIdentity)) {
      problems.push("no_identity");
      return {
        ...blankRow(),
        external_id: externalId,
        email: d.chance(0.5) ? d.pick(PLACEHOLDER_EMAILS) : "",
        phone: d.chance(0.5) ? d.pick(PLACEHOLDER_PHONES) : "",
        status,
      };
    }

    let first: string = person.firstName;
    const shortForms = NICKNAMES[first];
    if (card > 1 && shortForms !== undefined && d.chance(r.nickname)) {
      first = d.pick(shortForms);
      problems.push("nickname");
    }
    let last = person.lastName;
    if (d.chance(r.nameCase)) {
      const upper = d.chance(0.5);
      const recase = (name: string) => (upper ? name.toUpperCase() : name.toLowerCase());
      first = recase(first);
      last = recase(last);
      problems.push("name_case");
    }
    if (d.chance(r.missingName)) {
      if (d.chance(0.5)) first = "";
      else last = "";
      problems.push("missing_name");
    }

    let email = "";
    if (d.chance(r.placeholderEmail)) {
      email = d.pick(PLACEHOLDER_EMAILS);
      problems.push("placeholder_email");
    } else if (person.email === null || d.chance(r.missingEmail)) {
      if (!person.dependent) problems.push("missing_email");
    } else {
      email = person.email;
      if (member.sharesEmail) problems.push("shared_email");
      if (d.chance(r.emailFormat)) {
        email = d.chance(0.6) ? titleCaseEmail(email) : email.toUpperCase();
        if (d.chance(0.4)) email = ` ${email} `;
        problems.push("email_format");
      }
    }

    let phone = "";
    if (d.chance(r.placeholderPhone)) {
      phone = d.pick(PLACEHOLDER_PHONES);
      problems.push("placeholder_phone");
    } else if (d.chance(r.officePhone)) {
      // Staff put the office number in when the prospect called the office.
      phone = formatPhone(this.officePhone, phoneStyle);
      problems.push("office_phone");
    } else if (person.phone === null || d.chance(r.missingPhone)) {
      if (!person.dependent) problems.push("missing_phone");
    } else {
      const restyled = card > 1 && d.chance(0.5);
      phone = formatPhone(person.phone, restyled ? phoneStyle + d.int(1, 7) : phoneStyle);
      if (restyled) problems.push("phone_format");
      if (member.sharesPhone) problems.push("shared_phone");
      if (member.recycledPhone) problems.push("recycled_phone");
    }

    let dob = "";
    const knowsDob = livesHere(status) || person.dependent || d.chance(0.2);
    if (person.dateOfBirth !== null && knowsDob) {
      dob = person.dateOfBirth;
      if (d.chance(r.invalidDob)) {
        dob = impossibleDate(dob, d);
        problems.push("invalid_dob");
      } else if (d.chance(r.compactDob)) {
        dob = dob.replaceAll("-", "");
        problems.push("compact_dob");
      }
    }

    const address = person.address !== null && (livesHere(status) || d.chance(0.6));
    let externalIdCell = externalId;
    if (d.chance(r.missingExternalId)) {
      externalIdCell = "";
      problems.push("missing_external_id");
    }
    const middle = person.middleName === null || d.chance(0.4) ? "" : person.middleName;
    return {
      external_id: externalIdCell,
      first_name: first,
      // Some cards carry the middle initial only.
      middle_name: middle !== "" && d.chance(0.3) ? `${middle.charAt(0)}.` : middle,
      last_name: last,
      email,
      phone,
      date_of_birth: dob,
      address_line1: address ? (person.address?.line1 ?? "") : "",
      address_line2: address ? (person.address?.line2 ?? "") : "",
      city: address ? (person.address?.city ?? "") : "",
      state: address ? (person.address?.state ?? "") : "",
      postal_code: address ? (person.address?.postalCode ?? "") : "",
      // ResMan exports and hand-made sheets capitalise statuses; the import lower-cases them.
      status: d.chance(0.2) ? status.charAt(0).toUpperCase() + status.slice(1) : status,
    };
  }
}

/** A row waiting in the reorder window, with the copy that must follow it, if any. */
interface PlannedRow extends Omit<LabelledPersonRow, "index"> {
  repeat?: PlannedRow;
}

/** A person as placed in a household: whether their phone and email are theirs alone. */
interface HouseholdMember {
  person: SyntheticPerson;
  sharesPhone: boolean;
  sharesEmail: boolean;
  recycledPhone: boolean;
}

function blankRow(): PersonCsvRow {
  return Object.fromEntries(generatedColumns.map((column) => [column, ""])) as PersonCsvRow;
}

/** `Maria.Lopez12@Postbox.App` from `maria.lopez12@postbox.app`. */
function titleCaseEmail(email: string): string {
  return email.replace(/(^|[._@-])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());
}

/** An impossible version of a real date, in the shapes leasing systems produce. */
function impossibleDate(date: string, dice: Dice): string {
  const year = date.slice(0, 4);
  switch (dice.int(0, 2)) {
    case 0:
      return `${year}0230`;
    case 1:
      return `${year}-02-31`;
    default:
      return `${year}13${date.slice(8, 10)}`;
  }
}

/**
 * Generates `options.rows` labelled rows, lazily. Same options, same rows.
 *
 * @example
 * for (const { row, person } of generatePeople({ seed: 7, rows: 1000 })) {
 *   truth.set(row.external_id, person.personId);
 * }
 */
export function* generatePeople(options: PeopleGeneratorOptions): Generator<LabelledPersonRow> {
  const factory = new PeopleFactory(options);
  const dice = factory.dice;
  const visitors = options.visitors ?? [];
  const window: PlannedRow[] = [];
  let index = 0;
  let produced = 0;

  const release = (): LabelledPersonRow => {
    // Swap-remove a random row of the window: O(1), and the order stays seed-determined.
    const at = Math.floor(dice.random() * window.length);
    const { repeat, ...chosen } = window[at] as PlannedRow;
    const last = window.pop() as PlannedRow;
    if (at < window.length) window[at] = last;
    if (repeat !== undefined) window.push(repeat);
    return { index: index++, ...chosen };
  };

  // Visitors arrive spread over the file: visitor k once `(k + 1) * spacing` rows exist.
  const spacing = Math.floor(options.rows / (visitors.length + 1));
  let visitorsIn = 0;

  while (produced < options.rows) {
    const visitor = visitors[visitorsIn];
    const visitorDue = visitor !== undefined && produced >= (visitorsIn + 1) * spacing;
    if (visitorDue) visitorsIn += 1;
    const members: HouseholdMember[] = visitorDue
      ? [
          {
            person: visitorAt(visitor, factory),
            sharesPhone: false,
            sharesEmail: false,
            recycledPhone: false,
          },
        ]
      : factory.household();
    for (const member of members) {
      for (const row of factory.cardsOf(member)) {
        window.push(row);
        produced += row.repeat === undefined ? 1 : 2;
      }
    }
    while (window.length >= REORDER_WINDOW && index < options.rows) yield release();
  }
  while (window.length > 0 && index < options.rows) yield release();
}

/** A visitor as seen by this property: same human, a guest card here. */
function visitorAt(visitor: SyntheticPerson, factory: PeopleFactory): SyntheticPerson {
  return { ...visitor, status: factory.dice.chance(0.7) ? "prospect" : "applicant" };
}

/** What `writePeopleCsv` wrote. */
export interface GeneratedFileSummary {
  path: string;
  rows: number;
  /** Distinct true persons among the rows. Counted only when `countPersons` is set. */
  persons?: number;
  /** Rows per problem. */
  problems: Partial<Record<DataProblem, number>>;
}

/**
 * Streams `options.rows` generated rows into a CSV file with a header, with back-pressure, so
 * memory stays flat for a million rows. `onRow` sees each labelled row as it is written (for
 * collecting truth labels); `countPersons` keeps a set of person ids, so only use it for sets
 * that fit in memory.
 */
export async function writePeopleCsv(
  path: string,
  options: PeopleGeneratorOptions & {
    onRow?: (row: LabelledPersonRow) => void;
    countPersons?: boolean;
  },
): Promise<GeneratedFileSummary> {
  const problems: Partial<Record<DataProblem, number>> = {};
  const persons = options.countPersons ? new Set<string>() : null;
  let rows = 0;
  const onRow = options.onRow;
  function* cells() {
    for (const labelled of generatePeople(options)) {
      rows += 1;
      for (const problem of labelled.problems) problems[problem] = (problems[problem] ?? 0) + 1;
      persons?.add(labelled.person.personId);
      onRow?.(labelled);
      yield generatedColumns.map((column) => labelled.row[column]);
    }
  }
  await pipeline(
    Readable.from(cells()),
    stringify({ header: true, columns: [...generatedColumns], eof: true }),
    createWriteStream(path),
  );
  return { path, rows, ...(persons === null ? {} : { persons: persons.size }), problems };
}
