/**
 * The arrival-order contract (design §6 invariants 3 and 11): for the same set of record
 * versions, every delivery order — with repeats — ends in the same golden contact and links.
 * Per field the newest ResMan value wins across all the person's records; an older version
 * never overwrites a newer one, but still fills what no newer one gave.
 *
 * fast-check draws several ResMan records of one person, each with a few versions at distinct
 * or equal times, then delivers them in random orders (every version at least once, some
 * several times) into fresh properties of a real database, and compares each result with the
 * one from delivering them oldest first. Run by one file per driver, as the other contracts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { syncPerson } from "../../lib/app/syncPerson.js";
import type { DriverName } from "../../lib/config.js";
import type { ResmanPerson } from "../../lib/domain/person.js";
import { comparable, newProperty, propertySnapshot, syncSuite } from "./fixtures.js";

const clock = { now: () => new Date("2026-11-01T12:00:00Z") };

/**
 * One version of one of the person's records. Every version carries the person's first name,
 * email and birth date, so every record is recognisably the person whatever arrived before it
 * (what is tested is survivorship, not matching); the rest varies from version to version and
 * may be missing.
 */
const versionArbitrary = (record: string) =>
  fc
    .record({
      minute: fc.integer({ min: 0, max: 5 }),
      status: fc.constantFrom("prospect", "applicant", "resident", "lost"),
      last: fc.constantFrom("Quill", "Quill-Hart", "Quillan", undefined),
      middle: fc.constantFrom("Jo", "June", undefined),
      mobile: fc.constantFrom("(415) 555-0123", "415.555.0124", "+1 415 555 0125", undefined),
      home: fc.constantFrom("(415) 555-0130", undefined),
      street: fc.constantFrom("12 Elm St", "40 Oak Ave", undefined),
      dependent: fc.constantFrom(true, false, undefined),
    })
    .map(
      (v): ResmanPerson => ({
        person_id: record,
        status: v.status as ResmanPerson["status"],
        first_name: "Avery",
        email: "avery.quill@mailbox.dev",
        birthdate: "1990-02-03",
        ...(v.last === undefined ? {} : { last_name: v.last }),
        ...(v.middle === undefined ? {} : { middle_name: v.middle }),
        phones: [
          ...(v.mobile === undefined ? [] : [{ type: "mobile" as const, number: v.mobile }]),
          ...(v.home === undefined ? [] : [{ type: "home" as const, number: v.home }]),
        ],
        ...(v.street === undefined
          ? {}
          : { address: { line1: v.street, city: "Austin", state: "TX", postal_code: "78701" } }),
        ...(v.dependent === undefined ? {} : { is_dependent: v.dependent }),
        last_modified: `2026-03-01T10:0${v.minute}:00Z`,
      }),
    );

/** Up to three records of one person, one to three versions each. */
const versionsArbitrary = fc
  .tuple(
    fc.array(versionArbitrary("P-A"), { minLength: 1, maxLength: 3 }),
    fc.array(versionArbitrary("P-B"), { minLength: 0, maxLength: 3 }),
    fc.array(versionArbitrary("P-C"), { minLength: 0, maxLength: 2 }),
  )
  .map((records) => records.flat());

/** The versions, each at least once and some twice, in a random order. */
const deliveriesArbitrary = versionsArbitrary.chain((versions) =>
  fc
    .shuffledSubarray(versions, { minLength: 0 })
    .chain((repeats) => {
      const all = [...versions, ...repeats];
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    })
    .map((deliveries) => ({ versions, deliveries })),
);

const byTime = (a: ResmanPerson, b: ResmanPerson) =>
  (a.last_modified ?? "") < (b.last_modified ?? "") ? -1 : 1;

export function describeOrderContract(driver: DriverName, runs: number): void {
  describe(`arrival order on ${driver}`, () => {
    const suite = syncSuite(driver, clock);

    /** Delivers `versions` one by one into a fresh property; the property's comparable state. */
    async function deliver(versions: readonly ResmanPerson[]) {
      const property = await newProperty(suite.db);
      for (const version of versions) await syncPerson(suite.deps, { property, person: version });
      return comparable(await propertySnapshot(suite.db, property.id));
    }

    it("any order of the same record versions, with repeats, ends in the same contact and links", async () => {
      await fc.assert(
        fc.asyncProperty(deliveriesArbitrary, async ({ versions, deliveries }) => {
          const reference = await deliver([...versions].sort(byTime));
          // One person: one contact holding every record.
          expect(reference.contacts).toHaveLength(1);
          expect(new Set(reference.links.map((l) => l.person))).toEqual(
            new Set(versions.map((v) => v.person_id)),
          );
          expect(await deliver(deliveries)).toEqual(reference);
        }),
        { numRuns: runs },
      );
    });

    it("per field, the newest ResMan value of any of the person's records wins", async () => {
      const property = await newProperty(suite.db);
      const base = {
        first_name: "Avery",
        email: "avery.quill@mailbox.dev",
        birthdate: "1990-02-03",
        status: "prospect" as const,
      };
      // A's newer version renames her; B, a duplicate card, is newer than A's first version
      // but older than its second; A's first version arrives last.
      const a1: ResmanPerson = {
        ...base,
        person_id: "P-A",
        last_name: "Quill",
        phones: [{ type: "mobile", number: "(415) 555-0123" }],
        last_modified: "2026-03-01T10:00:00Z",
      };
      const a2: ResmanPerson = {
        ...base,
        person_id: "P-A",
        last_name: "Quill-Hart",
        last_modified: "2026-03-03T10:00:00Z",
      };
      const b1: ResmanPerson = {
        ...base,
        person_id: "P-B",
        last_name: "Quillan",
        phones: [{ type: "mobile", number: "(415) 555-0199" }],
        last_modified: "2026-03-02T10:00:00Z",
      };
      for (const version of [a2, b1, a1])
        await syncPerson(suite.deps, { property, person: version });
      const { contacts } = comparable(await propertySnapshot(suite.db, property.id));
      expect(contacts).toHaveLength(1);
      const [contact] = contacts;
      // The surname of the newest version (A's second), the phone of the newest version that
      // has one (B's: A's second has none, A's first is older than B).
      expect(contact?.lastName).toBe("Quill-Hart");
      expect(contact?.phones).toEqual([
        { type: "mobile", raw: "(415) 555-0199", e164: "+14155550199" },
      ]);
      expect(contact?.fieldVersions.lastName?.record).toBe("P-A");
      expect(contact?.fieldVersions["phones.mobile"]?.record).toBe("P-B");
      // The replaced values are still the person's: a secondary phone, each record a variant.
      expect(contact?.secondary.phones.map((p) => p.e164)).toEqual(["+14155550123"]);
      expect(contact?.secondary.variants?.map((v) => [v.version?.record, v.lastName])).toEqual([
        ["P-A", "Quill-Hart"],
        ["P-B", "Quillan"],
      ]);
    });
  });
}
