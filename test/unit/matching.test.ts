import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Contact, type ContactValues, emptyValues } from "../../lib/domain/contact.js";
import {
  exactKeyMatcher,
  type MatchInput,
  type MatchResult,
  sharedKeys,
} from "../../lib/domain/matching.js";
import { matchKeysOf, nameKey } from "../../lib/domain/normalize.js";

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
  const values = valuesOf(sketch);
  return {
    id,
    kind: "prospect",
    values,
    sources: {},
    keys: matchKeysOf(values),
    linkedStatuses: [],
    createdAt: new Date(createdAt),
  };
}

function person(sketch: Sketch): MatchInput {
  const values = valuesOf(sketch);
  return {
    keys: matchKeysOf(values),
    firstName: values.firstName,
    dateOfBirth: values.dateOfBirth,
  };
}

const MARY = {
  firstName: "Mary",
  lastName: "Roe",
  email: "mary.roe@mailbox.org",
  phone: "+14155550123",
  dateOfBirth: "1990-05-17",
};

describe("sharedKeys", () => {
  it("lists the shared key kinds in a fixed order", () => {
    const keys = matchKeysOf(valuesOf(MARY));
    expect(sharedKeys(keys, keys)).toEqual(["name_dob", "email", "phone"]);
  });

  it("never counts two missing values as a shared key", () => {
    const nothing = matchKeysOf(emptyValues());
    expect(sharedKeys(nothing, nothing)).toEqual([]);
  });

  it("counts a phone shared in any position", () => {
    const mine = { email: null, phones: ["+12125550188", "+14155550123"], nameDob: null };
    const theirs = { email: null, phones: ["+14155550123"], nameDob: null };
    expect(sharedKeys(mine, theirs)).toEqual(["phone"]);
  });
});

describe("exactKeyMatcher", () => {
  it("creates a new contact when no candidate shares a key", () => {
    const result = exactKeyMatcher(person(MARY), [
      contact("c1", "2024-01-01", { firstName: "Mary", email: "other@mailbox.org" }),
    ]);
    expect(result).toEqual({
      contact: null,
      score: null,
      evidence: { method: "exact_keys", matched: [], candidates: 0, blocked: [] },
    });
  });

  it("matches on a shared email when first names agree", () => {
    const candidate = contact("c1", "2024-01-01", { firstName: "MARY", email: MARY.email });
    const result = exactKeyMatcher(person(MARY), [candidate]);
    expect(result.contact?.id).toBe("c1");
    expect(result.score).toBe(1);
    expect(result.evidence).toEqual({
      method: "exact_keys",
      matched: ["email"],
      candidates: 1,
      blocked: [],
    });
  });

  it("compares first names without regard to case or spaces", () => {
    const candidate = contact("c1", "2024-01-01", { firstName: "mary ann", phone: MARY.phone });
    const result = exactKeyMatcher(person({ ...MARY, firstName: "MaryAnn" }), [candidate]);
    expect(result.contact?.id).toBe("c1");
  });

  it("accepts a shared phone when the person gives no first name or birth date", () => {
    const candidate = contact("c1", "2024-01-01", MARY);
    const result = exactKeyMatcher(person({ phone: MARY.phone }), [candidate]);
    expect(result.contact?.id).toBe("c1");
    expect(result.evidence.matched).toEqual(["phone"]);
  });

  it("accepts a shared phone when the contact has no first name or birth date yet", () => {
    const lead = contact("c1", "2024-01-01", { phone: MARY.phone });
    const result = exactKeyMatcher(person(MARY), [lead]);
    expect(result.contact?.id).toBe("c1");
    expect(result.evidence.blocked).toEqual([]);
  });

  it("refuses a shared phone when first names differ", () => {
    const sibling = contact("c1", "2024-01-01", { ...MARY, firstName: "John", email: null });
    const result = exactKeyMatcher(person(MARY), [sibling]);
    expect(result.contact).toBeNull();
    expect(result.score).toBeNull();
    expect(result.evidence).toEqual({
      method: "exact_keys",
      matched: [],
      candidates: 1,
      blocked: [{ contactId: "c1", reason: "first_name_differs" }],
    });
  });

  it("refuses a shared email when first names differ", () => {
    const spouse = contact("c1", "2024-01-01", { firstName: "John", email: MARY.email });
    const result = exactKeyMatcher(person(MARY), [spouse]);
    expect(result.contact).toBeNull();
    expect(result.evidence.blocked).toEqual([{ contactId: "c1", reason: "first_name_differs" }]);
  });

  it("refuses a shared email and phone when birth dates differ", () => {
    const twin = contact("c1", "2024-01-01", { ...MARY, dateOfBirth: "1992-11-03" });
    const result = exactKeyMatcher(person(MARY), [twin]);
    expect(result.contact).toBeNull();
    expect(result.evidence.blocked).toEqual([{ contactId: "c1", reason: "date_of_birth_differs" }]);
  });

  it("accepts a name and birth date match even when email and phone differ", () => {
    const moved = contact("c1", "2024-01-01", {
      firstName: "mary",
      lastName: "ROE",
      dateOfBirth: MARY.dateOfBirth,
      email: "m.roe@newmail.org",
      phone: "+12125550188",
    });
    const result = exactKeyMatcher(person(MARY), [moved]);
    expect(result.contact?.id).toBe("c1");
    expect(result.evidence.matched).toEqual(["name_dob"]);
  });

  it("picks the name and birth date match over a blocked household member", () => {
    const sibling = contact("c1", "2020-01-01", { firstName: "John", phone: MARY.phone });
    const herself = contact("c2", "2024-01-01", {
      firstName: "Mary",
      lastName: "Roe",
      dateOfBirth: MARY.dateOfBirth,
    });
    const result = exactKeyMatcher(person(MARY), [sibling, herself]);
    expect(result.contact?.id).toBe("c2");
    expect(result.evidence.candidates).toBe(2);
    expect(result.evidence.blocked).toEqual([{ contactId: "c1", reason: "first_name_differs" }]);
  });

  it("prefers the candidate sharing the most keys over an older one", () => {
    const older = contact("c1", "2020-01-01", { firstName: "Mary", phone: MARY.phone });
    const closer = contact("c2", "2024-01-01", {
      firstName: "Mary",
      phone: MARY.phone,
      email: MARY.email,
    });
    const result = exactKeyMatcher(person(MARY), [older, closer]);
    expect(result.contact?.id).toBe("c2");
    expect(result.evidence.matched).toEqual(["email", "phone"]);
  });

  it("prefers the oldest contact among equally good candidates", () => {
    const newer = contact("c1", "2024-06-01", { firstName: "Mary", email: MARY.email });
    const older = contact("c9", "2021-03-01", { firstName: "Mary", email: MARY.email });
    expect(exactKeyMatcher(person(MARY), [newer, older]).contact?.id).toBe("c9");
    expect(exactKeyMatcher(person(MARY), [older, newer]).contact?.id).toBe("c9");
  });

  it("prefers the smallest id among equally good candidates of the same age", () => {
    const b = contact("c-b", "2024-01-01", { firstName: "Mary", email: MARY.email });
    const a = contact("c-a", "2024-01-01", { firstName: "Mary", email: MARY.email });
    expect(exactKeyMatcher(person(MARY), [b, a]).contact?.id).toBe("c-a");
    expect(exactKeyMatcher(person(MARY), [a, b]).contact?.id).toBe("c-a");
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
    contactId: result.contact?.id ?? null,
    score: result.score,
    matched: result.evidence.matched,
    candidates: result.evidence.candidates,
    blocked: [...result.evidence.blocked].sort((a, b) => a.contactId.localeCompare(b.contactId)),
  });

  it("chooses the same contact whatever order the candidates arrive in", () => {
    fc.assert(
      fc.property(sketch, poolAndOrder, (me, [pool, shuffled]) => {
        expect(summary(exactKeyMatcher(person(me), shuffled))).toEqual(
          summary(exactKeyMatcher(person(me), pool)),
        );
      }),
    );
  });

  it("never links through email or phone alone to a contact with another first name or birth date", () => {
    fc.assert(
      fc.property(sketch, candidatePool, (me, pool) => {
        const result = exactKeyMatcher(person(me), pool);
        const chosen = result.contact;
        if (chosen === null || result.evidence.matched.includes("name_dob")) return;
        const mine = nameKey(me.firstName);
        const theirs = nameKey(chosen.values.firstName);
        if (mine !== null && theirs !== null) expect(theirs).toBe(mine);
        if (me.dateOfBirth !== null && chosen.values.dateOfBirth !== null) {
          expect(chosen.values.dateOfBirth).toBe(me.dateOfBirth);
        }
      }),
    );
  });

  it("accounts for every candidate sharing a key as either chosen-from or blocked", () => {
    fc.assert(
      fc.property(sketch, candidatePool, (me, pool) => {
        const input = person(me);
        const result = exactKeyMatcher(input, pool);
        const sharing = pool.filter((c) => sharedKeys(input.keys, c.keys).length > 0);
        expect(result.evidence.candidates).toBe(sharing.length);
        const blockedIds = new Set(result.evidence.blocked.map((b) => b.contactId));
        const acceptable = sharing.filter((c) => !blockedIds.has(c.id));
        expect(result.contact === null).toBe(acceptable.length === 0);
        if (result.contact !== null) {
          expect(blockedIds.has(result.contact.id)).toBe(false);
          expect(result.evidence.matched).toEqual(sharedKeys(input.keys, result.contact.keys));
          const most = Math.max(...acceptable.map((c) => sharedKeys(input.keys, c.keys).length));
          expect(result.evidence.matched.length).toBe(most);
        }
      }),
    );
  });
});
