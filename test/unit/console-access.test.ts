/**
 * The console's reading of JWT claims: the property claim as API Gateway hands it over (an
 * array claim as the text `[a b]`), as a JSON array, comma or space separated, or `*`; no
 * subject, no principal.
 */
import { describe, expect, it } from "vitest";
import { mayAccess, principalOf, propertiesOfClaim } from "../../lib/console/access.js";

const A = "0b8e6f1e-8d0c-4f7e-9a43-2f5d1c3b7a90";
const B = "5f2d7c1a-3e4b-4a6f-8c9d-0e1f2a3b4c5d";

describe("console access", () => {
  it("reads every form of the property claim", () => {
    expect(propertiesOfClaim(`[${A} ${B}]`)).toEqual(new Set([A, B]));
    expect(propertiesOfClaim(JSON.stringify([A, B]))).toEqual(new Set([A, B]));
    expect(propertiesOfClaim(`${A},${B}`)).toEqual(new Set([A, B]));
    expect(propertiesOfClaim([A.toUpperCase()])).toEqual(new Set([A]));
    expect(propertiesOfClaim("*")).toBe("all");
    expect(propertiesOfClaim(`[${A} *]`)).toBe("all");
    expect(propertiesOfClaim(undefined)).toEqual(new Set());
    expect(propertiesOfClaim(42)).toEqual(new Set());
  });

  it("gives a principal only with a subject, and checks properties case-insensitively", () => {
    expect(principalOf(undefined, "p")).toBeNull();
    expect(principalOf({ p: "*" }, "p")).toBeNull();
    const limited = principalOf({ sub: "jdoe", p: `[${A}]` }, "p");
    if (limited === null) throw new Error("expected a principal");
    expect(mayAccess(limited, A.toUpperCase())).toBe(true);
    expect(mayAccess(limited, B)).toBe(false);
    const everyone = principalOf({ sub: "ops", p: "*" }, "p");
    expect(everyone !== null && mayAccess(everyone, B)).toBe(true);
    // A token without the claim sees nothing.
    const none = principalOf({ sub: "nobody" }, "p");
    expect(none !== null && mayAccess(none, A)).toBe(false);
  });
});
