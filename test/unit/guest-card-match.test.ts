/**
 * Whether a ResMan customer the guest-card push found is the chatbot lead
 * (lib/domain/guestCardMatch.ts): names decide between household members sharing an email or a
 * phone, and only prospects may get an event.
 */
import { describe, expect, it } from "vitest";
import { findOnRoster, isSameLead, useOfMatch } from "../../lib/domain/guestCardMatch.js";
import type { ResmanPerson } from "../../lib/domain/person.js";

const name = (firstName: string | null, lastName: string | null) => ({ firstName, lastName });

describe("isSameLead", () => {
  it("takes a shared email or phone with agreeing first names, the surname agreeing or missing", () => {
    expect(isSameLead(name("Liz", null), name("Elizabeth", "Nwachukwu"), "email")).toBe(true);
    expect(isSameLead(name("Jonathon", "Reyes"), name("Jonathan", "Reyes"), "phone")).toBe(true);
    expect(isSameLead(name("Maria", "Reyes"), name("Maria", "Reyez"), "email")).toBe(true);
  });

  it("refuses a household member on the same email or phone", () => {
    expect(isSameLead(name("Sofia", "Reyes"), name("Mateo", "Reyes"), "email")).toBe(false);
    expect(isSameLead(name("Maria", "Reyes"), name("Maria", "Okafor"), "phone")).toBe(false);
    expect(isSameLead(name(null, "Reyes"), name("Maria", "Reyes"), "email")).toBe(false);
  });

  it("needs both names on both sides when found by name alone", () => {
    expect(isSameLead(name("Maria", "Reyes"), name("Maria", "Reyes"), "name")).toBe(true);
    expect(isSameLead(name("Maria", null), name("Maria", "Reyes"), "name")).toBe(false);
  });
});

describe("useOfMatch", () => {
  it("sends an event to prospects and lost prospects only", () => {
    expect(useOfMatch("prospect")).toBe("event");
    expect(useOfMatch("Lost")).toBe("event");
    for (const type of ["applicant", "current_resident", "former_resident", "unknown"]) {
      expect(useOfMatch(type)).toBe("link_only");
    }
  });
});

describe("findOnRoster", () => {
  const roster: ResmanPerson[] = [
    {
      person_id: "r1",
      status: "resident",
      first_name: "Elizabeth",
      last_name: "Nwachukwu",
      email: "Elizabeth.N@residentmail.org",
      phones: [{ type: "mobile", number: "(512) 555-0142" }],
    },
    { person_id: "r2", status: "resident", first_name: "Mateo", last_name: "Nwachukwu" },
  ];

  it("finds the resident by email or phone when the names agree", () => {
    const lead = {
      firstName: "Liz",
      lastName: null,
      email: "elizabeth.n@residentmail.org ",
      phone: null,
    };
    expect(findOnRoster(lead, roster)?.person_id).toBe("r1");
    const byPhone = {
      firstName: "Elizabeth",
      lastName: null,
      email: null,
      phone: "+1 512 555 0142",
    };
    expect(findOnRoster(byPhone, roster)?.person_id).toBe("r1");
  });

  it("does not take a household member who shares the phone", () => {
    const sibling = { firstName: "Amara", lastName: null, email: null, phone: "512-555-0142" };
    expect(findOnRoster(sibling, roster)).toBeNull();
  });

  it("finds by both names when nothing else is shared", () => {
    const lead = { firstName: "Mateo", lastName: "Nwachukwu", email: null, phone: null };
    expect(findOnRoster(lead, roster)?.person_id).toBe("r2");
  });
});
