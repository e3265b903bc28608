import { describe, expect, it } from "vitest";
import {
  CommonKeys,
  CommonKeysByProperty,
  KEYS_PER_PROPERTY,
  PROPERTIES,
  settleCommon,
  takeCommon,
} from "../../lib/adapters/db/commonKeys.js";
import type { SnapshotRequest } from "../../lib/app/ports.js";
import { MAX_BLOCK_SIZE } from "../../lib/domain/blocking.js";

/** A request searching by `blocks` (only its lookup matters here). */
const requestOf = (blocks: string[]): SnapshotRequest => ({
  personId: "p1",
  lookup: { keys: { email: null, phones: [], nameDob: null }, blocks },
  lockKeys: ["person:p1", ...blocks.map((key) => `block:${key}`)],
  digest: "d",
});

describe("common keys", () => {
  it("takes the remembered keys a read does not know the size of, as too common", () => {
    const common = new CommonKeys();
    common.remember("ln:KL|a", 3);
    common.remember("fn:ARL|q", 1);
    const known: Record<string, number> = { "fn:ARL|q": 4 };
    const taken = takeCommon(common, [requestOf(["ln:KL|a", "fn:ARL|q", "nk:arlo|KL"])], known);
    expect([...taken]).toEqual(["ln:KL|a"]);
    expect(known).toEqual({ "fn:ARL|q": 4, "ln:KL|a": MAX_BLOCK_SIZE + 1 });
  });

  it("a taken key holds at the version remembered and is forgotten when it moved", () => {
    const common = new CommonKeys();
    common.remember("ln:KL|a", 3);
    const request = requestOf(["ln:KL|a", "fn:ARL|q"]);
    const taken = new Set(["ln:KL|a"]);
    expect(settleCommon(common, request, new Map([["block:ln:KL|a", 3]]), taken, {})).toBe(true);
    expect(common.version("ln:KL|a")).toBe(3);
    expect(settleCommon(common, request, new Map([["block:ln:KL|a", 4]]), taken, {})).toBe(false);
    expect(common.version("ln:KL|a")).toBeUndefined();
  });

  it("a key without a version row counts as version 0", () => {
    const common = new CommonKeys();
    common.remember("ln:KL|a", 0);
    const request = requestOf(["ln:KL|a"]);
    expect(settleCommon(common, request, new Map(), new Set(["ln:KL|a"]), {})).toBe(true);
  });

  it("remembers the keys a statement counted as too common, at the version it read, and no others", () => {
    const common = new CommonKeys();
    const request = requestOf(["ln:KL|a", "fn:ARL|q"]);
    const counted = { "ln:KL|a": MAX_BLOCK_SIZE + 1, "fn:ARL|q": MAX_BLOCK_SIZE, "adr:1|2": 99 };
    const versions = new Map([
      ["block:ln:KL|a", 7],
      ["block:fn:ARL|q", 2],
    ]);
    expect(settleCommon(common, request, versions, new Set(), counted)).toBe(true);
    expect(common.version("ln:KL|a")).toBe(7);
    expect(common.version("fn:ARL|q")).toBeUndefined();
    // A counted key that is not one of the person's blocking keys has no version to keep.
    expect(common.version("adr:1|2")).toBeUndefined();
  });

  it("is bounded: the oldest key goes first, and each property has its own", () => {
    const common = new CommonKeys();
    for (let n = 0; n <= KEYS_PER_PROPERTY; n += 1) common.remember(`k${n}`, n);
    expect(common.size).toBe(KEYS_PER_PROPERTY);
    expect(common.version("k0")).toBeUndefined();
    expect(common.version(`k${KEYS_PER_PROPERTY}`)).toBe(KEYS_PER_PROPERTY);
    const byProperty = new CommonKeysByProperty();
    byProperty.of("a").remember("k", 1);
    expect(byProperty.of("a").version("k")).toBe(1);
    expect(byProperty.of("b").version("k")).toBeUndefined();
  });

  it("keeps the properties used last: the one used longest ago goes first", () => {
    const byProperty = new CommonKeysByProperty();
    for (let n = 0; n < PROPERTIES; n += 1) byProperty.of(`p${n}`).remember("k", n);
    byProperty.of("p0"); // used again: p1 is now the oldest
    byProperty.of("new");
    expect(byProperty.of("p0").version("k")).toBe(0);
    expect(byProperty.of("p1").version("k")).toBeUndefined();
  });
});
