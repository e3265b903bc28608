import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Contact, type ContactValues, emptyValues } from "../../lib/domain/contact.js";
import { type MatchResult, scoredMatcher } from "../../lib/domain/matching.js";
import { areNicknames, normaliseName } from "../../lib/domain/names.js";
import { matchKeysOf } from "../../lib/domain/normalize.js";
import { DEFAULT_MATCHING_CRITERIA } from "../../lib/domain/rules.js";
import { contact as buildContact } from "../fixtures/contacts.js";

interface Sketch {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  dateOfBirth?: string | null;
}

function valuesOf(sketch: Sketch): ContactValues {
  return {
    ...emptyValues(),
    firstName: sketch.firstName ?? null,
    lastName: sketch.lastName ?? null,
    email: sketch.email ?? null,
    dateOfBirth: sketch.dateOfBirth ?? null,
    phones: sketch.phone ? { mobile: { raw: sketch.phone, e164: sketch.phone } } : {},
  };
}

function contact(id: string, createdAt: string, sketch: Sketch): Contact {
  return buildContact(id, valuesOf(sketch), { createdAt });
}

const person = valuesOf;
const matcher = scoredMatcher(DEFAULT_MATCHING_CRITERIA);

const MARY = {
  firstName: "Mary",
  lastName: "Roe",
  email: "mary.roe@mailbox.org",
  phone: "+14155550123",
  dateOfBirth: "1990-05-17",
};

describe("scoredMatcher", () => {
  it("creates a new contact when there is no candidate", () => {
    expect(matcher(person(MARY), [])).toEqual({
      outcome: "new",
      contact: null,
      score: null,
      evidence: { method: "scored", candidates: 0, best: null, ranked: [] },
    });
  });

  it("creates a new contact when the only candidate is someone else", () => {
    const other = contact("c1", "2024-01-01", {
      firstName: "Peter",
      lastName: "Vance",
      email: "p.vance@mailbox.org",
      dateOfBirth: "1971-02-03",
    });
    const result = matcher(person(MARY), [other]);
    expect(result.outcome).toBe("new");
    expect(result.contact).toBeNull();
    expect(result.evidence.candidates).toBe(1);
    expect(result.evidence.ranked).toEqual([
      { contactId: "c1", score: result.score, outcome: "new" },
    ]);
  });

  it("merges on a shared email when the names agree, and says why", () => {
    const candidate = contact("c1", "2024-01-01", {
      firstName: "MARY",
      lastName: "Roe",
      email: MARY.email,
    });
    const result = matcher(person(MARY), [candidate]);
    expect(result.outcome).toBe("merge");
    expect(result.contact?.id).toBe("c1");
    const best = result.evidence.best;
    expect(best?.fields.email.level).toBe("exact");
    expect(best?.fields.first_name.level).toBe("exact");
    expect(best?.fields.date_of_birth.level).toBe("missing");
    expect(best?.score).toBe(result.score);
    expect(best?.thresholds).toEqual(DEFAULT_MATCHING_CRITERIA.thresholds);
    // Evidence names levels and weights, never the compared values.
    expect(JSON.stringify(result.evidence)).not.toContain("mailbox.org");
    expect(JSON.stringify(result.evidence)).not.toContain("Mary");
  });

  it("merges a nickname with the same surname, phone and birth date", () => {
    const candidate = contact("c1", "2024-01-01", { ...MARY, firstName: "Polly", email: null });
    expect(areNicknames("polly", "mary")).toBe(true);
    const result = matcher(person(MARY), [candidate]);
    expect(result.outcome).toBe("merge");
    expect(result.evidence.best?.fields.first_name.level).toBe("nickname");
  });

  it("merges on name and birth date even when email and phone changed", () => {
    const moved = contact("c1", "2024-01-01", {
      firstName: "mary",
      lastName: "ROE",
      dateOfBirth: MARY.dateOfBirth,
      email: "m.roe@newmail.org",
      phone: "+12125550188",
    });
    const result = matcher(person(MARY), [moved]);
    expect(result.outcome).toBe("merge");
    expect(result.contact?.id).toBe("c1");
  });

  it("never auto-merges a shared phone when first names differ (household guard)", () => {
    const sibling = contact("c1", "2024-01-01", { ...MARY, firstName: "John", email: null });
    const result = matcher(person(MARY), [sibling]);
    expect(result.outcome).not.toBe("merge");
    expect(result.evidence.best?.guard ?? "first_name_differs").toBe("first_name_differs");
  });

  it("never auto-merges a shared email and phone when birth dates differ", () => {
    const twin = contact("c1", "2024-01-01", { ...MARY, dateOfBirth: "1992-11-03" });
    const result = matcher(person(MARY), [twin]);
    expect(result.outcome).not.toBe("merge");
  });

  it("picks the person herself over a household member sharing her phone", () => {
    const sibling = contact("c1", "2020-01-01", {
      firstName: "John",
      lastName: "Roe",
      phone: MARY.phone,
    });
    const herself = contact("c2", "2024-01-01", {
      firstName: "Mary",
      lastName: "Roe",
      dateOfBirth: MARY.dateOfBirth,
    });
    const result = matcher(person(MARY), [sibling, herself]);
    expect(result.outcome).toBe("merge");
    expect(result.contact?.id).toBe("c2");
    expect(result.evidence.candidates).toBe(2);
    expect(result.evidence.ranked.map((r) => r.contactId)).toEqual(["c2", "c1"]);
  });

  it("prefers the oldest, then the smallest id, among equally good candidates", () => {
    const sketchOf = { firstName: "Mary", lastName: "Roe", email: MARY.email };
    const newer = contact("c1", "2024-06-01", sketchOf);
    const older = contact("c9", "2021-03-01", sketchOf);
    expect(matcher(person(MARY), [newer, older]).contact?.id).toBe("c9");
    expect(matcher(person(MARY), [older, newer]).contact?.id).toBe("c9");
    const b = contact("c-b", "2024-01-01", sketchOf);
    const a = contact("c-a", "2024-01-01", sketchOf);
    expect(matcher(person(MARY), [b, a]).contact?.id).toBe("c-a");
    expect(matcher(person(MARY), [a, b]).contact?.id).toBe("c-a");
  });

  it("counts a contact's secondary email as its own", () => {
    const values = valuesOf({ firstName: "Mary", lastName: "Roe", email: "new@mailbox.org" });
    const moved: Contact = {
      ...contact("c1", "2024-01-01", {}),
      values,
      keys: matchKeysOf(values),
      secondary: { emails: [MARY.email], phones: [] },
    };
    const result = matcher(person({ firstName: "Mary", lastName: "Roe", email: MARY.email }), [
      moved,
    ]);
    expect(result.evidence.best?.fields.email.level).toBe("exact");
    expect(result.outcome).toBe("merge");
  });

  // Small pools make shared keys, household conflicts and ties on age frequent.
  const sketch = fc.record({
    firstName: fc.constantFrom(null, "Mary", "mary", "John"),
    lastName: fc.constantFrom(null, "Roe"),
    email: fc.constantFrom(null, "mary.roe@mailbox.org", "roe.family@mailbox.org"),
    phone: fc.constantFrom(null, "+14155550123", "+14155550124"),
    dateOfBirth: fc.constantFrom(null, "1990-05-17", "1992-11-03"),
  });
  const candidatePool = fc
    .array(fc.tuple(sketch, fc.constantFrom("2021-01-01", "2022-01-01", "2023-01-01")), {
      maxLength: 8,
    })
    .map((rows) => rows.map(([s, createdAt], i) => contact(`c${i}`, createdAt, s)));
  const poolAndOrder = candidatePool.chain((pool) =>
    fc.tuple(fc.constant(pool), fc.shuffledSubarray(pool, { minLength: pool.length })),
  );

  const summary = (result: MatchResult) => ({
    outcome: result.outcome,
    contactId: result.contact?.id ?? null,
    score: result.score,
    ranked: result.evidence.ranked,
  });

  it("decides the same whatever order the candidates arrive in", () => {
    fc.assert(
      fc.property(sketch, poolAndOrder, (me, [pool, shuffled]) => {
        expect(summary(matcher(person(me), shuffled))).toEqual(summary(matcher(person(me), pool)));
      }),
    );
  });

  it("never auto-merges through a shared email or phone across first names or birth dates", () => {
    fc.assert(
      fc.property(sketch, candidatePool, (me, pool) => {
        const result = matcher(person(me), pool);
        const chosen = result.contact;
        if (result.outcome !== "merge" || chosen === null) return;
        const mine = normaliseName(me.firstName);
        const theirs = normaliseName(chosen.values.firstName);
        if (mine !== null && theirs !== null && mine !== theirs) {
          expect(areNicknames(mine, theirs)).toBe(true);
        }
        if (me.dateOfBirth !== null && chosen.values.dateOfBirth !== null) {
          expect(chosen.values.dateOfBirth).toBe(me.dateOfBirth);
        }
      }),
    );
  });

  it("merges or reviews only a candidate it scored at or above the thresholds", () => {
    fc.assert(
      fc.property(sketch, candidatePool, (me, pool) => {
        const result = matcher(person(me), pool);
        const { auto_merge, review } = DEFAULT_MATCHING_CRITERIA.thresholds;
        if (result.outcome === "new") {
          expect(result.contact).toBeNull();
          // Below the review threshold, or held back as names only.
          for (const r of result.evidence.ranked) expect(r.outcome).toBe("new");
        } else {
          expect(result.contact).not.toBeNull();
          expect(result.score).toBeGreaterThanOrEqual(review);
          if (result.outcome === "merge") expect(result.score).toBeGreaterThanOrEqual(auto_merge);
        }
        expect(result.evidence.candidates).toBe(pool.length);
      }),
    );
  });
});
