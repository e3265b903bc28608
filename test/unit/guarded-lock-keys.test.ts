/**
 * The keys an optimistic write guards: the identity keys without the blocking keys that were
 * too common to search by when the person was read.
 */
import { describe, expect, it } from "vitest";
import { guardedLockKeys, identityLockKeys } from "../../lib/domain/lockKeys.js";

describe("guardedLockKeys", () => {
  const locks = identityLockKeys("P1", ["ln:R|A", "fn:AN|R", "em:ann@x.dev"]);

  it("drops only the common blocking keys, never the person's key", () => {
    expect(guardedLockKeys(locks, ["ln:R|A", "fn:AN|R"])).toEqual([
      "person:P1",
      "block:em:ann@x.dev",
    ]);
    // A common key that is not one of the person's changes nothing.
    expect(guardedLockKeys(locks, ["dob:1970-01-01"])).toEqual(locks);
  });

  it("keeps every key when nothing was common", () => {
    expect(guardedLockKeys(locks, [])).toEqual(locks);
    expect(guardedLockKeys(locks, undefined)).toEqual(locks);
  });
});
