/**
 * The ResMan stand-in's drift (`lib/local/resmanStub/drift.ts`) and the admin API's given ids it
 * relies on: records made with ids of the caller's (in process and over HTTP, 409 when taken,
 * nothing written then, the seeded id stream untouched); the same cycle making the same change
 * on two stand-ins whatever else was done to them; new values fictional and held by no seeded
 * person; the review pair stamped in the seed's past; a report of ids only. Nothing here prints
 * a person's data: assertions compare values, never log them.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAIL_DOMAINS } from "../../lib/local/peopleGenerator.js";
import { StubAdminError } from "../../lib/local/resmanStub/adminInputs.js";
import { createDrift, formatDrift } from "../../lib/local/resmanStub/drift.js";
import { SEED_BASE_DATE } from "../../lib/local/resmanStub/seed.js";
import {
  type ResmanStub,
  type StubAdminPerson,
  startResmanStub,
} from "../../lib/local/resmanStub/server.js";

const GIVEN_PROSPECT = "0f3c2b1a-7d6e-4f5a-8b9c-1d2e3f4a5b6c";
const GIVEN_PERSON = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
const digits = (phone: string | null) => (phone ?? "").replace(/\D/g, "").slice(-10);

let stubs: ResmanStub[] = [];

async function stub(): Promise<ResmanStub> {
  const started = await startResmanStub({ properties: 1, people: 40 });
  stubs.push(started);
  return started;
}

function community(on: ResmanStub): string {
  const found = on.properties[0];
  if (found === undefined) throw new Error("no property");
  return found.propertyId;
}

beforeEach(() => {
  stubs = [];
});
afterEach(async () => {
  await Promise.all(stubs.map((s) => s.close()));
});

const person = { firstName: "Wren", lastName: "Halloway", email: "wren.h@mailbox.dev" };

describe("the admin API's given ids", () => {
  it("makes records with the caller's ids, and leaves the seeded id stream alone", async () => {
    const [given, drawn] = [await stub(), await stub()];
    const made = given.admin.addProspect(community(given), {
      prospectId: GIVEN_PROSPECT.toUpperCase(),
      people: [{ ...person, personId: GIVEN_PERSON }],
    });
    expect(made).toEqual({ prospectId: GIVEN_PROSPECT, personIds: [GIVEN_PERSON] });
    // The next drawn id is the one a stand-in that was given nothing draws first.
    const next = given.admin.addProspect(community(given), { people: [person] });
    const first = drawn.admin.addProspect(community(drawn), { people: [person] });
    expect(next).toEqual(first);
  });

  it("refuses an id a record holds (409) and writes nothing", async () => {
    const on = await stub();
    const [seeded] = on.admin.people(community(on));
    const before = on.admin.people(community(on)).length;
    const refusals = [
      () =>
        on.admin.addProspect(community(on), {
          people: [{ ...person, personId: seeded?.personId }],
        }),
      () =>
        on.admin.addProspect(community(on), {
          prospectId: seeded?.prospectId ?? undefined,
          people: [person],
        }),
      () =>
        on.admin.addProspect(community(on), {
          people: [
            { ...person, personId: GIVEN_PERSON },
            { ...person, personId: GIVEN_PERSON },
          ],
        }),
      () => on.admin.addResident(community(on), { ...person, personId: seeded?.personId }),
    ];
    for (const refused of refusals) {
      expect(refused).toThrow(StubAdminError);
      expect(() => refused()).toThrow(/already exists/);
    }
    expect(on.admin.people(community(on))).toHaveLength(before);
    expect(() =>
      on.admin.addProspect(community(on), { people: [{ ...person, personId: "not-a-guid" }] }),
    ).toThrow(/personId: must be a GUID/);
  });

  it("takes them over HTTP too", async () => {
    const on = await stub();
    const post = (body: unknown) =>
      fetch(`${on.url}/_admin/properties/${community(on)}/prospects`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const body = { prospectId: GIVEN_PROSPECT, people: [{ ...person, personId: GIVEN_PERSON }] };
    const created = await post(body);
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ prospectId: GIVEN_PROSPECT, personIds: [GIVEN_PERSON] });
    expect((await post(body)).status).toBe(409);
  });
});

describe("the drift", () => {
  it("makes the same changes, with the same ids, on two stand-ins whatever else happened", async () => {
    const [a, b] = [await stub(), await stub()];
    const [driftA, driftB] = [
      createDrift(a.admin, community(a)),
      createDrift(b.admin, community(b)),
    ];
    expect(driftA.seedReviewPair()).toEqual(driftB.seedReviewPair());
    // Other admin writes draw from the admin API's stream: the drift's ids do not move.
    b.admin.addProspect(community(b), { people: [person] });
    const lines = (drift: typeof driftA) =>
      Array.from({ length: 12 }, (_, n) => formatDrift(drift.apply(n + 1)));
    const [linesA, linesB] = [lines(driftA), lines(driftB)];
    expect(linesA).toEqual(linesB);
    const view = (on: ResmanStub) =>
      on.admin
        .people(community(on))
        .map(({ lastModified: _stamp, ...values }) => values)
        .filter((p) => p.firstName !== person.firstName);
    expect(view(a)).toEqual(view(b));
  });

  it("changes a contact point, adds a prospect and, every third cycle, a second card of someone", async () => {
    const on = await stub();
    const seeded = on.admin.people(community(on));
    const drift = createDrift(on.admin, community(on));
    const byId = () => new Map(on.admin.people(community(on)).map((p) => [p.personId, p]));
    const seededPhones = new Set(
      seeded.flatMap((p) => [p.mobilePhone, p.homePhone, p.workPhone].map(digits)),
    );
    const seededEmails = new Set(seeded.map((p) => p.email?.toLowerCase()));
    const reports = Array.from({ length: 6 }, (_, n) => drift.apply(n + 1));
    const people = byId();
    const fictional = (p: StubAdminPerson | undefined) => {
      expect(digits(p?.phone ?? null)).toMatch(/^\d{3}55501\d\d$/);
      expect(MAIL_DOMAINS).toContain(p?.email?.split("@")[1]?.toLowerCase());
    };
    for (const report of reports) {
      const changed = people.get(report.changed?.personId ?? "");
      const before = seeded.find((p) => p.personId === report.changed?.personId);
      fictional(changed);
      if (report.changed?.field === "phone") {
        expect(seededPhones.has(digits(changed?.phone ?? null))).toBe(false);
        expect(changed?.email).toBe(before?.email);
      } else {
        expect(seededEmails.has(changed?.email?.toLowerCase())).toBe(false);
        expect(changed?.phone).toBe(before?.phone);
      }
      const added = people.get(report.added?.personId ?? "");
      fictional(added);
      expect(added).toMatchObject({ status: "prospect", prospectId: report.added?.prospectId });
      expect(seededPhones.has(digits(added?.phone ?? null))).toBe(false);
      expect(report.secondCard === null).toBe(report.cycle % 3 !== 0);
    }
    for (const cycle of [3, 6]) {
      const card = reports[cycle - 1]?.secondCard;
      const original = seeded.find((p) => p.personId === card?.of);
      const copy = people.get(card?.personId ?? "");
      fictional(copy);
      expect(copy?.personId).not.toBe(original?.personId);
      expect([copy?.firstName, copy?.lastName]).toEqual([original?.firstName, original?.lastName]);
      if (card?.variant === "new_phone") {
        expect(copy?.email).toBe(original?.email);
        expect(seededPhones.has(digits(copy?.phone ?? null))).toBe(false);
      } else {
        expect(copy?.email).not.toBe(original?.email);
        const [a, b] = [digits(copy?.phone ?? null), digits(original?.phone ?? null)];
        expect(a.slice(0, -2)).toBe(b.slice(0, -2));
        expect(a.slice(-2)).toBe([...b.slice(-2)].reverse().join(""));
        expect(a).not.toBe(b);
      }
    }
    expect(reports.map((r) => r.secondCard?.variant ?? null)).toEqual([
      null,
      null,
      "new_phone",
      null,
      null,
      "phone_typo",
    ]);
    // Ids only in the line a cycle prints.
    const sixth = reports[5];
    if (sixth === undefined) throw new Error("no sixth cycle");
    const line = formatDrift(sixth);
    expect(line).toMatch(/^stand-in drift, cycle 6: person \S+ changed email; new prospect/);
    expect(line).not.toMatch(/@|555|[A-Z][a-z]+ [A-Z][a-z]+ [A-Z]/);
  });

  it("seeds a review pair in the seed's past: one name, another email, two digits swapped", async () => {
    const on = await stub();
    const pair = createDrift(on.admin, community(on)).seedReviewPair();
    const people = on.admin.people(community(on));
    const [first, second] = pair.personIds.map((id) => people.find((p) => p.personId === id));
    expect([second?.firstName, second?.lastName]).toEqual([first?.firstName, first?.lastName]);
    expect(second?.email).not.toBe(first?.email);
    const [a, b] = [digits(first?.phone ?? null), digits(second?.phone ?? null)];
    expect(a.slice(0, -2)).toBe(b.slice(0, -2));
    expect(a.slice(-2)).toBe([...b.slice(-2)].reverse().join(""));
    for (const card of [first, second]) {
      expect(Date.parse(card?.lastModified ?? "")).toBeLessThan(Date.parse(SEED_BASE_DATE));
    }
    // Nobody seeded shares the pair's name.
    const named = people.filter(
      (p) => p.firstName === first?.firstName && p.lastName === first?.lastName,
    );
    expect(named).toHaveLength(2);
  });
});
