/**
 * The ResMan stand-in's seeded data: properties (one AccountID each, 400 upwards) and their
 * households (`households.ts`). Same seed, same options: the same records, ids and stamps, byte
 * for byte. Each property draws from a stream of its own, so adding properties leaves the earlier
 * ones as they were.
 */
import { mulberry32, TOWNS } from "../peopleGenerator.js";
import { seedHouseholds } from "./households.js";
import { StubData } from "./model.js";
import { guidFrom, streamSeed } from "./random.js";

export { SEED_BASE_DATE } from "./households.js";

/** The first AccountID; property k of the seed belongs to account 400 + k. */
export const FIRST_ACCOUNT_ID = 400;

/** The stream the admin API draws new ids from (properties use 0, 1, 2, …). */
export const ADMIN_STREAM = 0x7fff_ffff;

export interface SeedOptions {
  seed: number;
  properties: number;
  /** People per property; households are whole, so a property gets a few more at most. */
  people: number;
}

const COMMUNITIES = [
  "Cedar Hollow",
  "Riverbend",
  "Maple Terrace",
  "Larkspur Commons",
  "Copper Ridge",
  "Willow Park",
  "Harbor Point",
  "Stonegate",
  "Aspen Glen",
  "Juniper Flats",
  "Bluebonnet Lofts",
  "Sycamore Square",
];

/** Builds the seeded data. */
export function seedData(options: SeedOptions): StubData {
  const data = new StubData();
  const random = mulberry32(streamSeed(options.seed, 0));
  const offset = Math.floor(random() * COMMUNITIES.length);
  for (let k = 0; k < options.properties; k++) {
    const base = COMMUNITIES[(offset + k) % COMMUNITIES.length] as string;
    const round = Math.floor(k / COMMUNITIES.length);
    const name = round === 0 ? base : `${base} ${round + 1}`;
    const town = TOWNS[Math.floor(random() * TOWNS.length)] ?? { city: "", state: "", zip: "" };
    const records = data.addProperty({
      accountId: FIRST_ACCOUNT_ID + k,
      propertyId: guidFrom(random),
      name,
      streetAddress: `${100 + Math.floor(random() * 9800)} ${base} Dr`,
      city: town.city,
      state: town.state,
      zip: `${town.zip}${String(Math.floor(random() * 100)).padStart(2, "0")}`,
    });
    const people = mulberry32(streamSeed(options.seed, k + 1));
    seedHouseholds(people, data, records, k * 1009, options.people);
  }
  return data;
}
