/**
 * What a snapshot reader remembers of key sizes between its statements (`RememberedContacts`):
 * exact sizes only, moved by the caller's own writes, never a key too common to search by.
 */
import { describe, expect, it } from "vitest";
import { RememberedContacts } from "../../lib/adapters/db/snapshotReads.js";
import type { SnapshotRequest } from "../../lib/app/ports.js";
import { MAX_BLOCK_SIZE } from "../../lib/domain/blocking.js";

/** A request searching by `blocks` and counting `counted` (nothing else is looked at here). */
const request = (blocks: string[], counted: string[] = []): SnapshotRequest => ({
  personId: "P1",
  lookup: { keys: { email: null, phones: [], nameDob: null }, blocks, counted },
  lockKeys: [],
  digest: "d",
});

describe("a snapshot reader's key sizes", () => {
  it("remembers exact sizes and none above MAX_BLOCK_SIZE", () => {
    const remembered = new RememberedContacts();
    remembered.counted({ "ln:ray": 3, "pc:10001": "7", "ln:smith": MAX_BLOCK_SIZE + 1 });
    expect(remembered.sizesFor([request(["ln:ray", "ln:smith", "fn:ann"], ["pc:10001"])])).toEqual({
      "ln:ray": 3,
      "pc:10001": 7,
    });
  });

  it("moves a size by the contacts its caller wrote joining or leaving the key", () => {
    const remembered = new RememberedContacts();
    remembered.counted({ a: 3, b: 5, c: 1 });
    remembered.wrote([{ id: "new", keysBefore: null, keysAfter: ["a", "b"] }]);
    remembered.wrote([{ id: "moved", keysBefore: ["b", "c"], keysAfter: ["b"] }]);
    expect(remembered.sizesFor([request(["a", "b", "c"])])).toEqual({ a: 4, b: 6, c: 0 });
  });

  it("forgets a size that becomes too common to search by, and everything on null", () => {
    const remembered = new RememberedContacts();
    remembered.counted({ a: MAX_BLOCK_SIZE, b: 2 });
    remembered.wrote([{ id: "new", keysBefore: null, keysAfter: ["a"] }]);
    expect(remembered.sizesFor([request(["a", "b"])])).toEqual({ b: 2 });
    remembered.wrote(null);
    expect(remembered.sizesFor([request(["a", "b"])])).toEqual({});
  });
});
