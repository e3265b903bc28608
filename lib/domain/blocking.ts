/**
 * Blocking keys: the indexed keys candidate contacts are fetched by, so a person is compared
 * only with contacts that could plausibly be the same person — never with the whole property.
 * Each key tolerates a different kind of error, so a record with a typo in one field is still
 * found through another:
 *
 *   ln:<phonetic surname>|<first initial>   typos and spellings of the surname, any first name form
 *   ln:<phonetic first name>|<surname initial>   the same read crosswise: first and last name swapped
 *   fn:<phonetic first name>|<surname initial>   typos of the first name, surname changed spelling
 *   nk:<canonical first name>|<phonetic surname>   nicknames (Bob → robert)
 *   dob:<date of birth>                     name typos on both names
 *   adr:<postal code>|<street number>[|<unit>]   both names and the birth date damaged
 *   em:<email match key>, ph:<E.164>        the contact points (`emailBlockingKey`, …)
 *
 * Three more are stored but never searched by, only counted (`countedKeys`, which counts the
 * dwelling key too): how many contacts share the person's building, street in its postal code
 * and postal code, so that an agreement on something the whole property shares weighs nothing
 * (`scoring.ts`):
 *
 *   bd:<postal code>|<street number>    st:<postal code>|<street>    pc:<postal code>
 *
 * Every key must stay selective: a searched key is also an identity key of the sync path and of
 * enrichment (`block:<key>`, `lib/domain/lockKeys.ts`: each write that carries it bumps its
 * version row, see `lib/app/writeProtocol.ts`), so a key thousands of contacts share would make
 * every sync read them all as candidates and make concurrent syncs collide; past
 * `MAX_BLOCK_SIZE` holders a key is neither searched nor bumped (`guardedLockKeys`; a wave's
 * write only checks it is unchanged, `commonLockKeys`). That is why the
 * address key carries the unit: an apartment community is one street address, and a key
 * without the unit put every resident in one block (930 of 5,000 contacts in the synthetic
 * benchmark set: 287 candidates per sync on average, half of the optimistic writes lost).
 *
 * Measured on FEBRL3 (5,000 records): the keys put 98.5 % of the true pairs in a shared block
 * with ~15,000 candidate pairs instead of 12.5 million; on the synthetic set 99.2 %, largest
 * block 37.
 */
import { compactStreet, normaliseAddress } from "./address.js";
import { type ContactValues, type SecondaryValues, variantValues } from "./contact.js";
import { emailMatchKey } from "./emailKey.js";
import { nicknameGroups, normaliseName, phoneticKey } from "./names.js";
import type { AddressPart } from "./scoring.js";

/**
 * A blocking key held by more live contacts than this is too common to find candidates by (the
 * dwelling of a unit after years of residents, a frequent name with a frequent birth year): it
 * is skipped at retrieval, so no person is ever compared with more than this many contacts per
 * key. An email or phone key that common is a shared value (an office, a family's landline):
 * the scorer treats it as `shared`, never as identity.
 *
 * 12 (20 before, README "Smaller blocks"): the same precision and recall on the FEBRL and messy
 * sets, the duplicate-heavy set and 100,000 generated people (at 500,000: precision +0.0013,
 * recall −0.0008), two pairs fewer of 4,068 on the synthetic set, about a third fewer review
 * items (those dropped were nearly all different people) and fewer candidates to read and score
 * per row in a large property.
 */
export const MAX_BLOCK_SIZE = 12;

/**
 * The blocking key of an email, from its match key (`emailMatchKey`). The matchers look it up
 * among a person's too-common keys, so it is built here only.
 */
export const emailBlockingKey = (emailMatchKey: string): string => `em:${emailMatchKey}`;

/** The blocking key of a phone number, from its E.164 form (built here only, as the email's). */
export const phoneBlockingKey = (e164: string): string => `ph:${e164}`;

/**
 * The keys a contact stores (`"user".block_keys`): its blocking keys and its counted keys,
 * distinct and sorted; a contact's secondary emails and phones are keys too (it is still found
 * by an old email), and so is every record variant, read as the record wrote it
 * (`variantValues`). A person's candidates are found by `searchKeys` of them.
 */
export function blockingKeys(values: ContactValues, secondary?: SecondaryValues): string[] {
  const keys = new Set<string>();
  for (const variant of secondary?.variants ?? []) {
    contactPointKeysInto(keys, variantValues(variant));
    identityKeysInto(keys, variantValues(variant));
    for (const key of Object.values(addressPartKeys(variantValues(variant)))) keys.add(key);
  }
  identityKeysInto(keys, values);
  contactPointKeysInto(keys, values);
  for (const key of Object.values(addressPartKeys(values))) keys.add(key);
  for (const other of secondary?.emails ?? []) {
    const key = emailMatchKey(other);
    if (key !== null) keys.add(emailBlockingKey(key));
  }
  for (const phone of secondary?.phones ?? []) keys.add(phoneBlockingKey(phone.e164));
  return [...keys].sort();
}

/** Whether a stored key is only counted, never searched by (nor an identity key). */
export const isCountedKey = (key: string): boolean =>
  key.startsWith("bd:") || key.startsWith("st:") || key.startsWith("pc:");

/** The keys candidates are searched by (and the identity keys of a sync): all but counted ones. */
export const searchKeys = (keys: readonly string[]): string[] =>
  keys.filter((key) => !isCountedKey(key));

/**
 * The keys of the address parts an agreement can rest on (`scoring.ts` `AddressPart`): the
 * dwelling (a blocking key), the building, the street in its postal code and the postal code
 * (counted keys).
 */
export function addressPartKeys(values: ContactValues): Partial<Record<AddressPart, string>> {
  if (values.address === null) return {};
  const address = normaliseAddress(values.address);
  const keys: Partial<Record<AddressPart, string>> = {};
  if (address.postalCode === null) return keys;
  keys.postal = `pc:${address.postalCode}`;
  if (address.street !== null)
    keys.street = `st:${address.postalCode}|${compactStreet(address.street)}`;
  if (address.streetNumber !== null) {
    const unit = address.unit === null ? "" : `|${address.unit}`;
    // The dwelling (with its unit) is a blocking key, the building only a counted one: see the
    // module comment on why the address key carries the unit.
    keys.dwelling = `adr:${address.postalCode}|${address.streetNumber}${unit}`;
    keys.building = `bd:${address.postalCode}|${address.streetNumber}`;
  }
  return keys;
}

/** The keys to count for a person: its address parts (`addressPartKeys`), the dwelling included. */
export function countedKeys(values: ContactValues): string[] {
  return Object.values(addressPartKeys(values));
}

/** The email and phone keys of `values`, added to `keys`. */
function contactPointKeysInto(keys: Set<string>, values: ContactValues): void {
  const email = values.email === null ? null : emailMatchKey(values.email);
  if (email !== null) keys.add(emailBlockingKey(email));
  for (const phone of Object.values(values.phones)) keys.add(phoneBlockingKey(phone.e164));
}

/** The name and birth-date keys of `values`, added to `keys` (the address keys: `addressPartKeys`). */
function identityKeysInto(keys: Set<string>, values: ContactValues): void {
  const first = normaliseName(values.firstName);
  const last = normaliseName(values.lastName);
  const lastCode = phoneticKey(last);
  const firstCode = phoneticKey(first);
  if (lastCode !== null && first !== null) keys.add(`ln:${lastCode}|${first[0]}`);
  // The same key read crosswise, so that a record with first and last name swapped meets the
  // original: its first name is the surname. (One namespace: the swapped record's crosswise key
  // is the original's plain one, and the other way round, also for contacts stored before.)
  if (firstCode !== null && last !== null) keys.add(`ln:${firstCode}|${last[0]}`);
  if (firstCode !== null && last !== null) keys.add(`fn:${firstCode}|${last[0]}`);
  if (first !== null && lastCode !== null) {
    for (const canonical of nicknameGroups(first)) {
      if (canonical !== first) keys.add(`nk:${canonical}|${lastCode}`);
    }
    keys.add(`nk:${first}|${lastCode}`);
  }
  if (values.dateOfBirth !== null) keys.add(`dob:${values.dateOfBirth}`);
}
