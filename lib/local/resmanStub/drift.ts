/**
 * Drift of one community of the ResMan stand-in: what changes in ResMan between two reads,
 * scripted so that `npm start`'s local schedule (`lib/local/resmanDemo.ts`) has something to
 * reconcile every cycle. Every change goes through the admin API (`StubAdmin`), stamped with the
 * stand-in's clock, as a test or another terminal would make it.
 *
 * Cycle n (1, 2, …) works on the prospects the seed gave the community — people alone on a guest
 * card, on no lease, with a real email and phone, not on a second card of their own — as they
 * were when the drift was made:
 * - one of them changes a contact point: a new number on odd cycles, a new email on even ones
 *   (the reconciliation updates their contact);
 * - a new prospect's guest card (a new contact);
 * - every third cycle, a second guest card of one of them under a new PersonID and the same
 *   name: the same email and a new number (cycles 3, 9, 15, …: a merge link), or another email
 *   and the number with its last two digits swapped (cycles 6, 12, …: 12 bits, the review band
 *   of the default rules: a review item).
 *
 * The same cycle makes the same change, whatever was done to the stand-in meanwhile: values
 * come from the cycle number and the seeded people, ids from a stream of the property and the
 * cycle (never the admin API's own, which the guest-card push also draws from). A restart
 * replays cycles 1, 2, … on a fresh stand-in with the same PersonIDs and values: the
 * reconciliation finds them linked, so nothing is created twice. New numbers are fictional
 * (555-01xx) and held by no seeded person; new emails are at the generator's fictional domains.
 *
 * `seedReviewPair` adds, before the first reconciliation, two guest cards of one fictional
 * person stamped in the seed's past (so a later start does not read them again), the second as
 * the review variant above: the first `npm start` leaves an open review item.
 */
import {
  FIRST_NAMES,
  formatPhone,
  LAST_NAMES,
  MAIL_DOMAINS,
  mulberry32,
} from "../peopleGenerator.js";
import type { StubAdmin, StubAdminPerson } from "./admin.js";
import { StubAdminError } from "./adminInputs.js";
import { DAY_MS, isoOf } from "./dates.js";
import { mailName, PHONE_STYLES, poolPhone, SEED_BASE_DATE } from "./households.js";
import { guidFrom, hashOf, streamSeed } from "./random.js";

/** The streams drift ids come from: one per cycle (0: the review pair), per property. */
const DRIFT_STREAM = 0x4452_0000;
/** Drift numbers come from pool slots far from the seed's (a property seeds from k × 1009). */
const PHONE_SLOTS = 600_000;
/** Slots tried per number before settling on one a seeded person holds (never, in practice). */
const SLOT_TRIES = 16;

/** A guest card a cycle adds, and its one person. */
export interface DriftCard {
  prospectId: string;
  personId: string;
}

/** What one cycle changed (ids only), for the line `npm start` prints. */
export interface DriftReport {
  cycle: number;
  /** The person whose contact point changed, and which one. */
  changed: { personId: string; field: "phone" | "email" } | null;
  /** The new prospect. */
  added: DriftCard | null;
  /** The second card: whose, and how it differs from the first. */
  secondCard: (DriftCard & { of: string; variant: "new_phone" | "phone_typo" }) | null;
}

export interface StubDrift {
  /** Two cards of one new person, the second in the review band of the first; stamped in the past. */
  seedReviewPair(): { prospectIds: string[]; personIds: string[] };
  /** Applies cycle `cycle`'s changes (1, 2, …). */
  apply(cycle: number): DriftReport;
}

/** The digits of a number, the last ten. */
const digitsOf = (phone: string | null) => (phone ?? "").replace(/\D/g, "").slice(-10);

/** A seeded person the drift may change or duplicate. */
function driftable(person: StubAdminPerson, cardSize: number): boolean {
  const domain = person.email?.split("@")[1]?.toLowerCase() ?? "";
  return (
    person.prospectId !== null &&
    cardSize === 1 &&
    person.leaseId === null &&
    !person.isDependent &&
    (person.status === "prospect" || person.status === "lost") &&
    MAIL_DOMAINS.includes(domain) &&
    /55501\d\d$/.test(digitsOf(person.phone))
  );
}

/**
 * A step's result, or null when the stand-in refused it: someone removed the person through the
 * admin API meanwhile, or made a record with the step's id. The other steps still run.
 */
function unlessRefused<T>(step: () => T): T | null {
  try {
    return step();
  } catch (error) {
    if (error instanceof StubAdminError) return null;
    throw error;
  }
}

/** The same number with its last two digits swapped, or null when they are the same digit. */
function swapLastTwo(digits: string): string | null {
  const [a, b] = [digits.at(-2), digits.at(-1)];
  return a === undefined || b === undefined || a === b ? null : `${digits.slice(0, -2)}${b}${a}`;
}

/** The drift of `propertyId`, on the stand-in's people as they are now (the seed). */
export function createDrift(admin: StubAdmin, propertyId: string): StubDrift {
  const seeded = admin.people(propertyId);
  const cardSizes = new Map<string, number>();
  for (const { prospectId } of seeded) {
    if (prospectId !== null) cardSizes.set(prospectId, (cardSizes.get(prospectId) ?? 0) + 1);
  }
  const fullName = (p: StubAdminPerson) => `${p.firstName} ${p.lastName}`.toLowerCase();
  const nameCounts = new Map<string, number>();
  for (const p of seeded) nameCounts.set(fullName(p), (nameCounts.get(fullName(p)) ?? 0) + 1);
  // Not the seed's own duplicate cards (one person, two PersonIDs): one person, one change.
  const pool = seeded.filter(
    (p) =>
      driftable(p, cardSizes.get(p.prospectId ?? "") ?? 0) && nameCounts.get(fullName(p)) === 1,
  );
  const phonesInUse = new Set(
    seeded.flatMap((p) => [p.mobilePhone, p.homePhone, p.workPhone].map(digitsOf)),
  );
  const emailsInUse = new Set(
    seeded.flatMap((p) => (p.email === null ? [] : [p.email.toLowerCase()])),
  );

  const base = hashOf(propertyId);

  /** A number no seeded person holds, for use `use` (0–3) of cycle `cycle`. */
  const newNumber = (cycle: number, use: number, ok = (_digits: string) => true): string => {
    let digits = "";
    for (let attempt = 0; attempt < SLOT_TRIES; attempt++) {
      digits = poolPhone(PHONE_SLOTS + (cycle * 4 + use) * SLOT_TRIES + attempt);
      if (!phonesInUse.has(digits) && ok(digits)) break;
    }
    return digits;
  };
  const typed = (digits: string, cycle: number) =>
    formatPhone(digits, PHONE_STYLES[cycle % PHONE_STYLES.length] ?? 0);
  /** An email for a name, held by no seeded person, at a domain other than `avoid`'s. */
  const newEmail = (first: string, last: string, cycle: number, avoid: string | null) => {
    const domains = MAIL_DOMAINS.filter((d) => d !== avoid?.split("@")[1]?.toLowerCase());
    const domain = domains[cycle % domains.length] ?? "mailbox.dev";
    const local = [
      `${mailName(first)}.${mailName(last)}`,
      `${mailName(first).slice(0, 1)}${mailName(last)}`,
      `${mailName(first)}${mailName(last)}${10 + (cycle % 90)}`,
    ][cycle % 3];
    const email = `${local}@${domain}`;
    return emailsInUse.has(email) ? `${local}${cycle}@${domain}` : email;
  };
  /** A name no seeded person has, from the generator's lists. */
  const newName = (cycle: number) => {
    for (let step = 0; ; step++) {
      const first = FIRST_NAMES[(cycle * 37 + step * 5 + 11) % FIRST_NAMES.length] ?? "Ana";
      const last = LAST_NAMES[(cycle * 53 + step * 7 + 29) % LAST_NAMES.length] ?? "Reyes";
      if (!nameCounts.has(`${first} ${last}`.toLowerCase()) || step > 50) return { first, last };
    }
  };
  const idsOf = (cycle: number) => {
    const random = mulberry32(streamSeed(base, DRIFT_STREAM + cycle));
    return Array.from({ length: 4 }, () => guidFrom(random));
  };
  /** A second card of `person`: the same name, a changed contact point. */
  const secondCard = (
    person: Pick<StubAdminPerson, "firstName" | "lastName" | "email" | "phone">,
    cycle: number,
    variant: "new_phone" | "phone_typo",
    ids: { prospectId: string; personId: string },
    lastModified?: string,
  ) => {
    const digits = digitsOf(person.phone);
    const phone =
      variant === "new_phone"
        ? typed(newNumber(cycle, 2), cycle)
        : typed(swapLastTwo(digits) ?? digits, cycle + 1);
    const email =
      variant === "new_phone"
        ? (person.email ?? undefined)
        : newEmail(person.firstName, person.lastName, cycle + 1, person.email);
    return admin.addProspect(propertyId, {
      prospectId: ids.prospectId,
      people: [
        {
          personId: ids.personId,
          firstName: person.firstName,
          lastName: person.lastName,
          phone,
          ...(email === undefined ? {} : { email }),
        },
      ],
      ...(lastModified === undefined ? {} : { lastModified }),
    });
  };
  /** A new prospect's card (a number whose last two digits can be swapped: see the pair). */
  const newProspect = (cycle: number, ids: string[], lastModified?: string) => {
    const { first, last } = newName(cycle);
    const person = {
      firstName: first,
      lastName: last,
      email: newEmail(first, last, cycle, null),
      phone: newNumber(cycle, 1, (d) => {
        const swapped = swapLastTwo(d);
        return swapped !== null && !phonesInUse.has(swapped);
      }),
    };
    const added = admin.addProspect(propertyId, {
      prospectId: ids[0],
      people: [{ personId: ids[1], ...person, phone: typed(person.phone, cycle) }],
      ...(lastModified === undefined ? {} : { lastModified }),
    });
    return { person, added };
  };

  return {
    seedReviewPair() {
      const ids = idsOf(0);
      const seedEnd = Date.parse(SEED_BASE_DATE);
      const first = newProspect(0, ids, isoOf(seedEnd - 9 * DAY_MS));
      const again = secondCard(
        first.person,
        0,
        "phone_typo",
        { prospectId: ids[2] ?? "", personId: ids[3] ?? "" },
        isoOf(seedEnd - 2 * DAY_MS),
      );
      return {
        prospectIds: [first.added.prospectId, again.prospectId],
        personIds: [...first.added.personIds, ...again.personIds],
      };
    },

    apply(cycle) {
      const ids = idsOf(cycle);
      const card = { prospectId: ids[2] ?? "", personId: ids[3] ?? "" };
      const target = pool.length === 0 ? undefined : pool[(cycle - 1) % pool.length];
      const field = cycle % 2 === 1 ? "phone" : "email";
      const variant = cycle % 6 === 3 ? "new_phone" : "phone_typo";
      // Another person than the one changed this cycle, whose number can be mistyped.
      const start = (cycle * 7 + 3) % Math.max(pool.length, 1);
      const of = [...pool.slice(start), ...pool.slice(0, start)].find((p) => {
        const swapped = swapLastTwo(digitsOf(p.phone));
        return (
          p !== target &&
          (variant === "new_phone" || (swapped !== null && !phonesInUse.has(swapped)))
        );
      });
      return {
        cycle,
        changed:
          target === undefined
            ? null
            : unlessRefused(() => {
                admin.changePerson(
                  target.personId,
                  field === "phone"
                    ? { phone: typed(newNumber(cycle, 0), cycle) }
                    : { email: newEmail(target.firstName, target.lastName, cycle, target.email) },
                );
                return { personId: target.personId, field };
              }),
        added: unlessRefused(() => {
          const { added } = newProspect(cycle, ids);
          return { prospectId: added.prospectId, personId: added.personIds[0] ?? "" };
        }),
        secondCard:
          cycle % 3 !== 0 || of === undefined
            ? null
            : unlessRefused(() => {
                const made = secondCard(of, cycle, variant, card);
                return { ...card, personId: made.personIds[0] ?? "", of: of.personId, variant };
              }),
      };
    },
  };
}

/** One line on what a cycle changed: ids and what kind of change, never a value. */
export function formatDrift(report: DriftReport): string {
  const parts = [
    report.changed === null
      ? null
      : `person ${report.changed.personId} changed ${report.changed.field}`,
    report.added === null
      ? null
      : `new prospect ${report.added.prospectId} (person ${report.added.personId})`,
    report.secondCard === null
      ? null
      : `second guest card ${report.secondCard.prospectId} of person ${report.secondCard.of} as person ${report.secondCard.personId} (${report.secondCard.variant === "new_phone" ? "same email, new phone" : "other email, phone digits swapped"})`,
  ].filter((part) => part !== null);
  return `stand-in drift, cycle ${report.cycle}: ${parts.length === 0 ? "nothing" : parts.join("; ")}`;
}
