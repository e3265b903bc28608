/**
 * The match key of an email address: the address `normaliseEmail` accepts, with the variations
 * its provider delivers to the same mailbox folded together. Only documented provider behaviour
 * counts: on any other domain a dot or a `+tag` may be a different mailbox (and `user-tag` is a
 * Yahoo disposable address, not the base one), so those addresses stay as they are. The contact
 * keeps the address as given; this key is for matching and blocking only.
 */
import { memoized } from "./memo.js";
import { normaliseEmail } from "./normalize.js";

interface ProviderRule {
  /** The domain the provider's addresses are keyed under. */
  domain: string;
  /** Dots in the local part are ignored by the provider. */
  ignoresDots: boolean;
}

/**
 * Google: "Dots don't matter in Gmail addresses" (Gmail Help, support.google.com/mail/answer/
 * 7436150); `name+anything@gmail.com` reaches `name@gmail.com` ("Create task-specific email
 * addresses", support.google.com/a/users/answer/9308648); @googlemail.com is the same mailbox
 * as @gmail.com (the name Gmail used in Germany and the UK; Gmail Help on googlemail.com).
 */
const GMAIL: ProviderRule = { domain: "gmail.com", ignoresDots: true };

/** Plus addressing: everything from the first `+` to the `@` is ignored for delivery. */
const plusOnly = (domain: string): ProviderRule => ({ domain, ignoresDots: false });

/** Domain → the provider rule that applies to it. */
const PROVIDERS = new Map<string, ProviderRule>([
  ["gmail.com", GMAIL],
  ["googlemail.com", GMAIL],
  // Microsoft consumer mail has delivered `user+tag@` since 2013 ("plus addressing"; the same
  // feature is documented for Exchange Online at learn.microsoft.com/exchange/recipients-in-
  // exchange-online/plus-addressing-in-exchange-online).
  ...[
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "hotmail.de",
    "hotmail.it",
    "hotmail.es",
    "live.co.uk",
    "live.ca",
    "live.com.au",
    "live.fr",
    "outlook.fr",
    "outlook.de",
  ].map((domain) => [domain, plusOnly(domain)] as const),
  // Apple iCloud Mail (icloud.com and the older me.com and mac.com) receives `user+tag@` at the
  // account; the three domains are not merged, since an older account owns @me.com/@mac.com
  // names that a newer @icloud.com account may not.
  ...["icloud.com", "me.com", "mac.com"].map((domain) => [domain, plusOnly(domain)] as const),
  // Fastmail: "Plus addressing and subdomain addressing" (fastmail.help/hc/en-us/articles/
  // 360060591053): any `username+whateveryoulike@` is delivered to `username@`.
  ...["fastmail.com", "fastmail.fm"].map((domain) => [domain, plusOnly(domain)] as const),
  // Proton Mail: "+aliases" (proton.me/support/creating-aliases) on its domains.
  ...["proton.me", "protonmail.com", "protonmail.ch", "pm.me"].map(
    (domain) => [domain, plusOnly(domain)] as const,
  ),
]);

/**
 * The key two addresses share when their provider delivers them to the same mailbox, or null
 * for a blank, malformed or placeholder address (as `normaliseEmail` decides, also for the key
 * itself: `n.o.n.e@gmail.com` is a placeholder too). Idempotent.
 *
 * @example emailMatchKey("Jane.Roe+rent@GoogleMail.com") === "janeroe@gmail.com"
 * @example emailMatchKey("jane.roe+rent@yahoo.com") === "jane.roe+rent@yahoo.com"
 */
export function emailMatchKey(email: string | null | undefined): string | null {
  return email === null || email === undefined ? null : emailMatchKeyOnce(email);
}

/**
 * `emailMatchKey` of an address, remembered: a person's candidates bring their emails back
 * to every comparison.
 */
const emailMatchKeyOnce = /* @__PURE__ */ memoized((email: string): string | null => {
  const checked = normaliseEmail(email);
  if (checked === null || !("email" in checked)) return null;
  const address = checked.email;
  const at = address.lastIndexOf("@");
  const rule = PROVIDERS.get(address.slice(at + 1));
  if (rule === undefined) return address;
  let local = address.slice(0, at);
  const plus = local.indexOf("+");
  if (plus !== -1) local = local.slice(0, plus);
  if (rule.ignoresDots) local = local.replaceAll(".", "");
  // "+tag@gmail.com" has no mailbox name left to key on: keep the address as written.
  if (local === "") return address;
  const key = `${local}@${rule.domain}`;
  const recheck = normaliseEmail(key);
  return recheck !== null && "email" in recheck ? recheck.email : null;
});
