/**
 * What a snapshot reader remembers of key sizes between its statements (`RememberedReadings`):
 * exact sizes, moved by the contacts its own waves wrote, and keys too common to search by
 * (counted above `MAX_BLOCK_SIZE`), remembered as such until its waves take contacts out of
 * them; it names what it knows to a statement, which counts only the others.
 */
import { describe, expect, it } from "vitest";
import {
  type HeldContact,
  NOT_YET_TIME,
  RememberedReadings,
} from "../../lib/adapters/db/rememberedReadings.js";
import type { WaveWritten } from "../../lib/adapters/db/waveWrites.js";
import type {
  GuardedResult,
  SnapshotRequest,
  WaveApplied,
  WaveWrite,
} from "../../lib/app/ports.js";
import { MAX_BLOCK_SIZE } from "../../lib/domain/blocking.js";

/** A request searching by `blocks` and counting `counted` (nothing else is looked at here). */
const request = (blocks: string[], counted: string[] = []): SnapshotRequest => ({
  personId: "P1",
  lookup: { keys: { email: null, phones: [], nameDob: null }, blocks, counted },
  lockKeys: [],
  digest: "d",
});

/**
 * A wave that wrote contact `id` holding `keys` for person `personId` (created it, or changed a
 * held one), as its statement returns it.
 */
const wrote = (
  remembered: RememberedReadings,
  id: string,
  personId: string,
  keys: string[],
  isNew: boolean,
) => {
  remembered.read(
    { ...request([]), personId },
    {
      seen: false,
      keyVersions: new Map(),
      contactVersions: new Map(),
      link: null,
      contacts: [],
    },
    [],
    undefined,
  );
  const write = {
    write: { contact: { id, isNew }, link: { personId } },
    guard: { keys: [], keyVersions: new Map(), contactVersion: null },
  } as unknown as WaveWrite;
  remembered.wroteWave([write], [{ status: "applied", contactId: id, linkId: "L" }], {
    contacts: [
      { id, propertyId: "prop", blockKeys: keys, version: 1, mergedIntoId: null },
    ] as unknown as WaveWritten["contacts"],
    links: [{ personId, contactId: id, resmanStatus: "applicant" }],
  });
};

const created = (remembered: RememberedReadings, id: string, personId: string, keys: string[]) =>
  wrote(remembered, id, personId, keys, true);

describe("a snapshot reader's key sizes", () => {
  it("names the sizes it counted to its statements, a key too common as the limit + 1, and counts the others", () => {
    const remembered = new RememberedReadings();
    remembered.counted({ "ln:ray": 3, "pc:10001": "7", "ln:smith": MAX_BLOCK_SIZE + 1 });
    const asked = request(["ln:ray", "ln:smith", "fn:ann"], ["pc:10001"]);
    expect(remembered.sizesFor([asked])).toEqual({
      "ln:ray": 3,
      "pc:10001": 7,
      "ln:smith": MAX_BLOCK_SIZE + 1,
    });
    expect(remembered.uncounted(asked)).toEqual(["fn:ann"]);
  });

  it("moves a size by the contacts its waves wrote joining the key, past the limit to too common", () => {
    const remembered = new RememberedReadings();
    remembered.counted({ a: 3, b: MAX_BLOCK_SIZE, c: 1 });
    created(remembered, "C1", "P7", ["a", "b"]);
    expect(remembered.sizesFor([request(["a", "b", "c"])])).toEqual({
      a: 4,
      b: MAX_BLOCK_SIZE + 1,
      c: 1,
    });
    expect(remembered.uncounted(request(["a", "b", "c"]))).toEqual([]);
  });

  it("counts a key too common again once its waves may have taken it within the limit", () => {
    const remembered = new RememberedReadings();
    remembered.counted({ k: MAX_BLOCK_SIZE + 1 });
    // C0 was read holding k; C1 is created holding it: at least the limit + 2 holders.
    remembered.remember({
      row: { id: "C0", propertyId: "prop", blockKeys: ["k"], version: 1, mergedIntoId: null },
      links: [],
      seen: new Map(),
    } as unknown as HeldContact);
    created(remembered, "C1", "P7", ["k"]);
    // C1 leaving leaves at least the limit + 1: still too common, not counted.
    wrote(remembered, "C1", "P7", [], false);
    expect(remembered.sizesFor([request(["k"])])).toEqual({ k: MAX_BLOCK_SIZE + 1 });
    expect(remembered.uncounted(request(["k"]))).toEqual([]);
    // C0 leaving too: the count was a lower bound, so the key may be within the limit now.
    wrote(remembered, "C0", "P8", [], false);
    expect(remembered.sizesFor([request(["k"])])).toEqual({});
    expect(remembered.uncounted(request(["k"]))).toEqual(["k"]);
  });

  it("forgets everything when a wave's write did not apply, or on forget", () => {
    const remembered = new RememberedReadings();
    remembered.counted({ a: 2 });
    remembered.wroteWave([], [{ status: "conflict" }], { contacts: [], links: [] });
    expect(remembered.sizesFor([request(["a"])])).toEqual({});
    remembered.counted({ a: 2 });
    remembered.forget();
    expect(remembered.sizesFor([request(["a"])])).toEqual({});
  });
});

describe("a wave taken as written while its statement is in flight", () => {
  /** Contact `id` created by person `personId`'s write, holding `keys`, as the wave sends it. */
  const creating = (id: string, personId: string, keys: string[]) => ({
    write: {
      write: { contact: { id, isNew: true }, link: { personId, resmanStatus: "applicant" } },
      guard: { keys: [], keyVersions: new Map(), contactVersion: null },
    } as unknown as WaveWrite,
    row: {
      id,
      propertyId: "prop",
      blockKeys: keys,
      version: 0,
      mergedIntoId: null,
      createdAt: NOT_YET_TIME,
      updatedAt: NOT_YET_TIME,
    } as unknown as WaveWritten["contacts"][number],
  });
  const link = (personId: string, contactId: string) => ({
    personId,
    contactId,
    resmanStatus: "applicant",
  });
  /** A reader holding C0 (key k, created at `createdMs`), person P7 read once. */
  const holding = (createdMs: number) => {
    const remembered = new RememberedReadings();
    remembered.remember({
      row: {
        id: "C0",
        propertyId: "prop",
        blockKeys: ["k"],
        version: 3,
        mergedIntoId: null,
        createdAt: new Date(createdMs),
      },
      links: [],
      seen: new Map(),
    } as unknown as HeldContact);
    remembered.counted({ k: 1 });
    remembered.read(
      { ...request(["k"]), personId: "P7" },
      { seen: false, keyVersions: new Map(), contactVersions: new Map(), link: null, contacts: [] },
      ["C0"],
      undefined,
    );
    return remembered;
  };
  const applied = { status: "applied", contactId: "C1", linkId: "L1" } as const;
  /**
   * A reader holding C0 created at `heldMs` sends a wave creating C1 (key k) for P7; its
   * statement returns `outcome`, C1 at `version` created at `createdMs`, P7 linked to `linked`.
   */
  const sendAndConfirm = ({
    heldMs = 1_000,
    createdMs = 2_000,
    outcome = applied as GuardedResult<WaveApplied>,
    version = 0,
    linked = "C1",
  } = {}) => {
    const remembered = holding(heldMs);
    const { write, row } = creating("C1", "P7", ["k"]);
    const sent = remembered.sent([write], { contacts: [row], links: [link("P7", "C1")] });
    const takenSize = remembered.sizesFor([request(["k"])]);
    const takenCreated = remembered.held("C1")?.row.createdAt;
    const created = new Date(createdMs);
    const ordered = remembered.confirmed(
      [outcome],
      {
        contacts: [{ ...row, version, createdAt: created, updatedAt: created }],
        links: [link("P7", linked)],
      },
      sent,
    );
    return { remembered, ordered, takenSize, takenCreated, created };
  };

  it("is read at once (the key's size moved), and confirmed by the statement: its times replace the unknown ones", () => {
    const { remembered, ordered, takenSize, takenCreated, created } = sendAndConfirm();
    expect(takenSize).toEqual({ k: 2 });
    expect(takenCreated).toBe(NOT_YET_TIME);
    expect(ordered).toBe(true);
    expect(remembered.held("C1")?.row.createdAt).toEqual(created);
    expect(remembered.sizesFor([request(["k"])])).toEqual({ k: 2 });
  });

  it("does not stand when the new contact was not created after every contact held (a tie by creation time)", () => {
    const { remembered, ordered, created } = sendAndConfirm({ heldMs: 2_000, createdMs: 2_000 });
    expect(ordered).toBe(false);
    // What it holds is right all the same: only readings taken meanwhile are dropped.
    expect(remembered.held("C1")?.row.createdAt).toEqual(created);
  });

  it("forgets everything when a write did not apply, or the statement wrote another version or link", () => {
    for (const returned of [
      { outcome: { status: "conflict" } as const },
      { version: 1 },
      { linked: "C9" },
    ]) {
      const { remembered, ordered } = sendAndConfirm(returned);
      expect(ordered).toBe(false);
      expect(remembered.held("C0")).toBeUndefined();
      expect(remembered.sizesFor([request(["k"])])).toEqual({});
    }
  });
});

describe("a person read again with a delivery", () => {
  const reading = (seen: boolean) => ({
    seen,
    keyVersions: new Map(),
    contactVersions: new Map(),
    link: null,
    contacts: [],
  });
  const delivery = { source: "resman", id: "E1" };

  it("comes from memory only for the same delivery, found not yet in the inbox", () => {
    const remembered = new RememberedReadings();
    remembered.read({ ...request([]), event: delivery }, reading(false), [], delivery);
    expect(remembered.derivable({ ...request([]), event: delivery }, undefined)).toBe(true);
    expect(remembered.derivable(request([]), { ...delivery })).toBe(true);
    expect(
      remembered.derivable({ ...request([]), event: { ...delivery, id: "E2" } }, undefined),
    ).toBe(false);
    expect(
      remembered.derivable({ ...request([]), event: { source: "chatbot", id: "E1" } }, undefined),
    ).toBe(false);
    // Without a delivery: the reading checked an inbox entry this request does not have.
    expect(remembered.derivable(request([]), undefined)).toBe(false);
  });

  it("is read again when its delivery was in the inbox, or when the last reading had none", () => {
    const seen = new RememberedReadings();
    seen.read({ ...request([]), event: delivery }, reading(true), [], delivery);
    expect(seen.derivable({ ...request([]), event: delivery }, undefined)).toBe(false);
    const imported = new RememberedReadings();
    imported.read(request([]), reading(false), [], undefined);
    expect(imported.derivable(request([]), undefined)).toBe(true);
    expect(imported.derivable({ ...request([]), event: delivery }, undefined)).toBe(false);
  });

  it("keeps its delivery in a reading derived from memory", () => {
    const remembered = new RememberedReadings();
    remembered.read({ ...request([]), event: delivery }, reading(false), [], delivery);
    const derived = remembered.derive("property", { ...request([]), event: delivery }, {});
    expect(derived?.seen).toBe(false);
    expect(remembered.derivable({ ...request([]), event: delivery }, undefined)).toBe(true);
    expect(
      remembered.derivable({ ...request([]), event: { ...delivery, id: "E2" } }, undefined),
    ).toBe(false);
  });
});

describe("a person with a link read again", () => {
  /** Contact `id` holding blocking key `key`, with what a contact is made of. */
  const held = (id: string, key: string) =>
    ({
      row: {
        id,
        propertyId: "prop",
        kind: "prospect",
        firstName: "Ann",
        middleName: null,
        lastName: "Ray",
        email: null,
        phones: [],
        dateOfBirth: null,
        addressLine1: null,
        addressLine2: null,
        city: null,
        state: null,
        postalCode: null,
        isDependent: false,
        emailKey: null,
        phoneKeys: [],
        nameDobKey: null,
        blockKeys: [key],
        secondary: null,
        fieldSources: {},
        fieldVersions: {},
        version: 2,
        mergedIntoId: null,
        createdAt: new Date(0),
        updatedAt: new Date(0),
      },
      links: [["P1", "prospect"]],
      seen: new Map(),
    }) as unknown as HeldContact;
  const linked = (sourceHash: string) =>
    ({ id: "L1", contactId: "C1", sourceHash, status: "success" }) as unknown as NonNullable<
      Parameters<RememberedReadings["read"]>[1]["link"]
    >;
  const reading = (sourceHash: string) => ({
    seen: false,
    keyVersions: new Map(),
    contactVersions: new Map([["C1", 2]]),
    link: linked(sourceHash),
    contacts: [],
  });

  it("keeps its link, and its link's contact among its candidates though no key finds it", () => {
    const remembered = new RememberedReadings();
    remembered.remember(held("C1", "old-name"));
    remembered.counted({ "new-name": 0 });
    remembered.read(request(["new-name"]), reading("an older record"), ["C1"], undefined);
    expect(remembered.derivable(request(["new-name"]), undefined)).toBe(true);
    const derived = remembered.derive("prop", request(["new-name"]), {});
    expect(derived?.link?.contactId).toBe("C1");
    expect(derived?.contacts.map((c) => c.id)).toEqual(["C1"]);
    expect(derived?.contactVersions.get("C1")).toBe(2);
  });

  it("is not derived when its last reading was a replay (no candidates were read)", () => {
    const remembered = new RememberedReadings();
    remembered.remember(held("C1", "k"));
    remembered.read(request(["k"]), reading("d"), [], undefined);
    expect(remembered.derivable(request(["k"]), undefined)).toBe(false);
  });
});
