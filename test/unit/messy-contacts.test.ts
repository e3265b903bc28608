import { describe, expect, it } from "vitest";
import {
  generateMessyContacts,
  type MessyContactRow,
  type MessyPerson,
  messyRates,
  RECORDS_PER_PERSON,
} from "../bench/messyContacts.js";

const OFFICE = "7205550100";
const PEOPLE = 1_000;
const rows = [...generateMessyContacts({ seed: 20_261_202, officePhone: OFFICE })];

const people = new Map<string, MessyPerson>();
const recordsOf = new Map<string, number>();
for (const { person } of rows) {
  people.set(person.personId, person);
  recordsOf.set(person.personId, (recordsOf.get(person.personId) ?? 0) + 1);
}

function groupBy<K>(values: Iterable<MessyPerson>, key: (p: MessyPerson) => K | null) {
  const groups = new Map<K, MessyPerson[]>();
  for (const value of values) {
    const k = key(value);
    if (k === null) continue;
    groups.set(k, [...(groups.get(k) ?? []), value]);
  }
  return [...groups.values()];
}

/** Share of `rows` for which `test` holds. */
const share = (of: readonly MessyContactRow[], test: (row: MessyContactRow) => boolean) =>
  of.filter(test).length / of.length;

const has = (row: MessyContactRow, corruption: MessyContactRow["corruptions"][number]) =>
  row.corruptions.includes(corruption);

const digitsOf = (phone: string) => phone.replace(/\D/g, "").replace(/^1(?=\d{10}$)/, "");

describe("generateMessyContacts", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    const again = [...generateMessyContacts({ seed: 20_261_202, officePhone: OFFICE })];
    expect(JSON.stringify(again)).toBe(JSON.stringify(rows));
    const other = [...generateMessyContacts({ seed: 7, officePhone: OFFICE, people: 50 })];
    expect(other.map((r) => r.row.external_id)).not.toEqual(
      rows.slice(0, other.length).map((r) => r.row.external_id),
    );
  });

  it("makes the people asked for, with 1 to 8 records each, most 1 to 3", () => {
    expect(people.size).toBe(PEOPLE);
    const counts = [...recordsOf.values()];
    expect(Math.min(...counts)).toBe(1);
    expect(Math.max(...counts)).toBe(RECORDS_PER_PERSON.length);
    expect(counts.filter((n) => n <= 3).length / PEOPLE).toBeGreaterThan(0.5);
    expect(counts.filter((n) => n >= 6).length / PEOPLE).toBeGreaterThan(0.05);
    expect(rows.length).toBeGreaterThan(2_500);
    expect(rows.length).toBeLessThan(4_500);
  });

  it("gives every row its own external id and a name, a usable email or a usable phone", () => {
    expect(new Set(rows.map((r) => r.row.external_id)).size).toBe(rows.length);
    for (const r of rows) {
      expect(r.row.external_id).not.toBe("");
      const usableEmail = r.row.email !== "" && !has(r, "placeholder_email");
      const usablePhone =
        r.row.phone !== "" && !has(r, "placeholder_phone") && !has(r, "office_phone");
      expect(r.row.first_name !== "" || r.row.last_name !== "" || usableEmail || usablePhone).toBe(
        true,
      );
    }
  });

  it("puts people in households: families share a surname and address, twins a birth date", () => {
    const households = groupBy(people.values(), (p) => p.householdId).filter((h) => h.length > 1);
    const living = households.reduce((sum, h) => sum + h.length, 0) / PEOPLE;
    expect(living).toBeGreaterThan(0.25);
    expect(living).toBeLessThan(0.55);
    for (const members of households) {
      const [head] = members as [MessyPerson];
      for (const member of members) expect(member.address).toEqual(head.address);
      if (head.household === "family") {
        for (const member of members) expect(member.lastName).toBe(head.lastName);
      }
      // Different birth dates, but for twins; different first names, but for father and son.
      const dates = members.filter((m) => m.tie !== "twin").map((m) => m.dateOfBirth);
      expect(new Set(dates).size).toBe(dates.length);
      const firsts = members.filter((m) => m.tie !== "junior").map((m) => m.firstName);
      expect(new Set(firsts).size).toBe(firsts.length);
    }
    const all = [...people.values()];
    expect(all.filter((p) => p.sharesPhone).length).toBeGreaterThan(50);
    expect(all.filter((p) => p.sharesEmail).length).toBeGreaterThan(30);
    const twins = groupBy(all, (p) => (p.tie === "twin" ? p.householdId : null));
    expect(twins.length).toBeGreaterThan(3);
    for (const [a, b] of twins as [MessyPerson, MessyPerson][]) {
      expect(a.dateOfBirth).toBe(b.dateOfBirth);
      expect(a.firstName).not.toBe(b.firstName);
    }
    const fathers = groupBy(all, (p) =>
      p.tie === "junior" || p.tie === "senior" ? p.householdId : null,
    );
    expect(fathers.length).toBeGreaterThan(3);
    for (const pair of fathers) {
      const [senior, junior] = [
        pair.find((p) => p.tie === "senior"),
        pair.find((p) => p.tie === "junior"),
      ];
      expect(junior?.firstName).toBe(senior?.firstName);
      const years =
        Number(junior?.dateOfBirth.slice(0, 4)) - Number(senior?.dateOfBirth.slice(0, 4));
      expect(years).toBeGreaterThanOrEqual(20);
    }
  });

  it("gives namesakes one full name and nothing else in common", () => {
    const groups = groupBy(people.values(), (p) => p.namesakeGroup);
    expect(groups.length).toBeGreaterThan(20);
    const inGroups = groups.reduce((sum, g) => sum + g.length, 0) / PEOPLE;
    expect(inGroups).toBeGreaterThan(0.05);
    expect(inGroups).toBeLessThan(0.2);
    for (const group of groups) {
      expect(group.length).toBeGreaterThan(1);
      for (const field of ["firstName", "lastName"] as const) {
        expect(new Set(group.map((p) => p[field])).size).toBe(1);
      }
      for (const field of ["householdId", "dateOfBirth", "email", "phone"] as const) {
        expect(new Set(group.map((p) => p[field])).size).toBe(group.length);
      }
    }
  });

  it("corrupts fields at about the documented rates", () => {
    const within = (measured: number, expected: number, slack: number) => {
      expect(measured).toBeGreaterThan(expected - slack);
      expect(measured).toBeLessThan(expected + slack);
    };
    const r = messyRates;
    // Blank, each field on its own (names a little less: a record with nothing else keeps one).
    for (const column of ["email", "phone", "date_of_birth", "address_line1"] as const) {
      within(
        share(rows, (x) => x.row[column] === ""),
        r.missing,
        0.04,
      );
    }
    within(
      share(rows, (x) => x.row.first_name === ""),
      r.missing,
      0.05,
    );
    // Typos: the name as written differs from the truth (a second edit may undo the first).
    const plainFirst = rows.filter(
      (x) => x.row.first_name !== "" && !has(x, "nickname") && !has(x, "swapped_names"),
    );
    const firstTypos = share(
      plainFirst,
      (x) => x.row.first_name.toLowerCase() !== x.person.firstName.toLowerCase(),
    );
    within(firstTypos, r.firstNameTypo, 0.04);
    const withNickname = rows.filter((x) => x.person.nickname !== null);
    within(
      share(withNickname, (x) => has(x, "nickname")),
      r.nickname,
      0.06,
    );
    within(
      share(rows, (x) => has(x, "swapped_names")),
      r.swappedNames * (1 - r.missing) ** 2,
      0.02,
    );
    // Emails, phones and cities as given, compared with the truth.
    const ownEmail = rows.filter((x) => x.row.email !== "" && !has(x, "placeholder_email"));
    const emailTypos = share(ownEmail, (x) => x.row.email.trim().toLowerCase() !== x.person.email);
    within(emailTypos, 1 - (1 - r.emailLocalTypo) * (1 - r.emailDomainTypo), 0.04);
    const ownPhone = rows.filter(
      (x) => x.row.phone !== "" && !has(x, "placeholder_phone") && !has(x, "office_phone"),
    );
    within(
      share(ownPhone, (x) => digitsOf(x.row.phone) !== x.person.phone),
      r.phoneTypo,
      0.02,
    );
    const cities = rows.filter((x) => x.row.city !== "");
    within(
      share(cities, (x) => x.row.city !== x.person.address.city),
      r.cityTypo,
      0.04,
    );
    // Birth dates: a swap applies to a third of dates or so, a day or year shift to all.
    const dates = rows.filter((x) => x.row.date_of_birth !== "");
    const changed = share(
      dates,
      (x) => x.row.date_of_birth.replaceAll("-", "") !== x.person.dateOfBirth.replaceAll("-", ""),
    );
    expect(changed).toBeGreaterThan(r.dobDayShift + r.dobYearShift - 0.03);
    expect(changed).toBeLessThan(r.dobDayMonthSwap + r.dobDayShift + r.dobYearShift + 0.03);
  });
});
