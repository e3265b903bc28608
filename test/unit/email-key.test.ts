import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emailMatchKey } from "../../lib/domain/emailKey.js";
import { normaliseEmail } from "../../lib/domain/normalize.js";

/** A local part a person might choose: letters and digits, with dots, hyphens or underscores. */
const localPart = fc
  .array(fc.stringMatching(/^[a-z]{2,6}[0-9]{0,2}$/), { minLength: 1, maxLength: 3 })
  .chain((words) =>
    fc
      .array(fc.constantFrom(".", "-", "_"), {
        minLength: words.length - 1,
        maxLength: words.length - 1,
      })
      .map((joints) => words.map((word, i) => `${word}${joints[i] ?? ""}`).join("")),
  );

const tag = fc.stringMatching(/^[a-z0-9]{1,8}$/);

/** Sprinkles dots into a Gmail local part: where Gmail ignores them. */
function dotted(local: string, positions: readonly number[]): string {
  const chars = [...local.replaceAll(".", "")];
  for (const position of [...positions].sort((a, b) => b - a)) {
    const at = 1 + (position % Math.max(1, chars.length - 1));
    if (chars[at - 1] !== "." && chars[at] !== ".") chars.splice(at, 0, ".");
  }
  return chars.join("");
}

const plusProviders = [
  "outlook.com",
  "hotmail.com",
  "live.com",
  "msn.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "fastmail.com",
  "proton.me",
  "protonmail.com",
  "pm.me",
];

/** Domains with no documented rule, where `+` and dots may name other mailboxes. */
const otherDomains = ["yahoo.com", "aol.com", "comcast.net", "lakeview-apts.com", "mailbox.org"];

const anyDomain = fc.constantFrom("gmail.com", "googlemail.com", ...plusProviders, ...otherDomains);

describe("emailMatchKey", () => {
  it.each([
    ["Jane.Roe+rent@GoogleMail.com", "janeroe@gmail.com"],
    ["j.a.n.e.roe@gmail.com", "janeroe@gmail.com"],
    ["  JANEROE@GMAIL.COM ", "janeroe@gmail.com"],
    ["jane.roe+rent+2025@gmail.com", "janeroe@gmail.com"],
    ["jane.roe+rent@outlook.com", "jane.roe@outlook.com"],
    ["jane.roe+rent@hotmail.co.uk", "jane.roe@hotmail.co.uk"],
    ["jane+x@icloud.com", "jane@icloud.com"],
    ["jane+x@me.com", "jane@me.com"],
    ["jane+x@fastmail.com", "jane@fastmail.com"],
    ["jane+x@proton.me", "jane@proton.me"],
    ["jane.roe+rent@yahoo.com", "jane.roe+rent@yahoo.com"],
    ["jane.roe-rent@yahoo.com", "jane.roe-rent@yahoo.com"],
    ["jane.roe+rent@lakeview-apts.com", "jane.roe+rent@lakeview-apts.com"],
    ["+rent@gmail.com", "+rent@gmail.com"],
  ])("keys %j as %j", (raw, key) => {
    expect(emailMatchKey(raw)).toBe(key);
  });

  it.each([
    "none@none.com",
    "noemail@gmail.com",
    "test@test.com",
    "jane.roe@example.com",
    "n.o.n.e@gmail.com",
    "test+rent@gmail.com",
    "x.x.x@gmail.com",
    "not an email",
    "jane@",
    "",
    null,
    undefined,
  ])("has no key for the placeholder, malformed or blank %j", (raw) => {
    expect(emailMatchKey(raw)).toBeNull();
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .tuple(localPart, fc.option(tag), anyDomain)
            .map(([local, plus, domain]) => `${local}${plus === null ? "" : `+${plus}`}@${domain}`),
          fc.string(),
        ),
        (raw) => {
          const key = emailMatchKey(raw);
          expect(emailMatchKey(key)).toBe(key);
        },
      ),
    );
  });

  it("is a usable address that normaliseEmail accepts as it is, or null", () => {
    fc.assert(
      fc.property(localPart, fc.option(tag), anyDomain, (local, plus, domain) => {
        const key = emailMatchKey(`${local}${plus === null ? "" : `+${plus}`}@${domain}`);
        if (key !== null) expect(normaliseEmail(key)).toEqual({ email: key });
      }),
    );
  });

  it("ignores case and surrounding whitespace on every domain", () => {
    fc.assert(
      fc.property(localPart, anyDomain, fc.constantFrom("", " ", "\t"), (local, domain, pad) => {
        const address = `${local}@${domain}`;
        expect(emailMatchKey(`${pad}${address.toUpperCase()}${pad}`)).toBe(emailMatchKey(address));
      }),
    );
  });

  it("gives Gmail addresses that differ in dots, +tags or googlemail.com one key", () => {
    fc.assert(
      fc.property(
        localPart,
        fc.array(fc.nat(), { maxLength: 4 }),
        tag,
        fc.constantFrom("gmail.com", "googlemail.com"),
        (local, positions, plus, domain) => {
          const variant = `${dotted(local, positions)}+${plus}@${domain}`;
          expect(emailMatchKey(variant)).toBe(emailMatchKey(`${local}@gmail.com`));
        },
      ),
    );
  });

  it("drops the +tag on providers documented to deliver it to the base address", () => {
    fc.assert(
      fc.property(localPart, tag, fc.constantFrom(...plusProviders), (local, plus, domain) => {
        expect(emailMatchKey(`${local}+${plus}@${domain}`)).toBe(
          emailMatchKey(`${local}@${domain}`),
        );
      }),
    );
  });

  it("keeps dots on every provider but Gmail: there they may be another person's mailbox", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]{2,6}$/),
        fc.stringMatching(/^[a-z]{2,6}$/),
        fc.constantFrom(...plusProviders, ...otherDomains),
        (first, last, domain) => {
          fc.pre(emailMatchKey(`${first}${last}@${domain}`) !== null);
          expect(emailMatchKey(`${first}.${last}@${domain}`)).not.toBe(
            emailMatchKey(`${first}${last}@${domain}`),
          );
        },
      ),
    );
  });

  it("keeps +tags and -tags on other domains (Yahoo's disposable addresses use '-')", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]{2,6}$/),
        tag,
        fc.constantFrom("+", "-"),
        fc.constantFrom(...otherDomains),
        (local, plus, separator, domain) => {
          const tagged = `${local}${separator}${plus}@${domain}`;
          expect(emailMatchKey(tagged)).toBe(tagged);
        },
      ),
    );
  });

  it("does not merge icloud.com, me.com and mac.com, nor Gmail with other domains", () => {
    expect(emailMatchKey("jane@me.com")).not.toBe(emailMatchKey("jane@icloud.com"));
    expect(emailMatchKey("jane@mac.com")).not.toBe(emailMatchKey("jane@me.com"));
    expect(emailMatchKey("jane.roe@gmail.com")).not.toBe(emailMatchKey("janeroe@outlook.com"));
  });
});
