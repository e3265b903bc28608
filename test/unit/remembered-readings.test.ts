/**
 * What a snapshot reader remembers of key sizes between its statements (`RememberedReadings`):
 * exact sizes, moved by the contacts its own waves wrote; only those at most `MAX_BLOCK_SIZE`
 * are named to a statement, and the others are counted by it.
 */
import { describe, expect, it } from "vitest";
import { RememberedReadings } from "../../lib/adapters/db/rememberedReadings.js";
import type { SnapshotRequest, WaveWrite } from "../../lib/app/ports.js";
import { MAX_BLOCK_SIZE } from "../../lib/domain/blocking.js";

/** A request searching by `blocks` and counting `counted` (nothing else is looked at here). */
const request = (blocks: string[], counted: string[] = []): SnapshotRequest => ({
  personId: "P1",
  lookup: { keys: { email: null, phones: [], nameDob: null }, blocks, counted },
  lockKeys: [],
  digest: "d",
});

/** A wave that created contact `id` holding `keys` for person `personId`, as its statement returns it. */
const created = (remembered: RememberedReadings, id: string, personId: string, keys: string[]) => {
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
  );
  const write = {
    write: { contact: { id, isNew: true }, link: { personId } },
    guard: { keys: [], keyVersions: new Map(), contactVersion: null },
  } as unknown as WaveWrite;
  remembered.wroteWave([write], [{ status: "applied", contactId: id, linkId: "L" }], {
    contacts: [{ id, property_id: "prop", block_keys: keys, version: 1, merged_into_id: null }],
    links: [{ personId, contactId: id, resmanStatus: "applicant" }],
  });
};

describe("a snapshot reader's key sizes", () => {
  it("names exact sizes up to MAX_BLOCK_SIZE to its statements, and counts the others", () => {
    const remembered = new RememberedReadings();
    remembered.counted({ "ln:ray": 3, "pc:10001": "7", "ln:smith": MAX_BLOCK_SIZE + 1 });
    const asked = request(["ln:ray", "ln:smith", "fn:ann"], ["pc:10001"]);
    expect(remembered.sizesFor([asked])).toEqual({ "ln:ray": 3, "pc:10001": 7 });
    expect(remembered.uncounted(asked).sort()).toEqual(["fn:ann", "ln:smith"]);
  });

  it("moves a size by the contacts its waves wrote joining the key, and counts it again above the limit", () => {
    const remembered = new RememberedReadings();
    remembered.counted({ a: 3, b: MAX_BLOCK_SIZE, c: 1 });
    created(remembered, "C1", "P7", ["a", "b"]);
    expect(remembered.sizesFor([request(["a", "b", "c"])])).toEqual({ a: 4, c: 1 });
    expect(remembered.uncounted(request(["a", "b", "c"]))).toEqual(["b"]);
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
