/**
 * The duplicate-heavy set of issue 15 (`BENCH_SET=duplicates npm run bench:import`): many records
 * of few people, the shape of a portfolio's history where every guest card, application and
 * lease of a person is its own ResMan record. By default 50,000 records of 5,000 fictional
 * people, ~10 records each (5 to 15), names drawn from the 25 most common first names and
 * surnames of the sample's lists (so a full name is shared by several people), half of the
 * records without a birth date, every person with an address of their own (a unit of one of a
 * few buildings), no email and no phone. One record in five has a one-letter slip in its first
 * name. Seeded: the same file every run.
 */
import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";
import {
  FIRST_NAMES,
  generatedColumns,
  LAST_NAMES,
  mulberry32,
  STREETS,
  TOWNS,
} from "../../lib/local/peopleGenerator.js";

/** How many of the most common names a person's names are drawn from. */
const COMMON = 25;

export interface DuplicateHeavyOptions {
  records: number;
  /** Records per person on average (default 10). */
  perPerson?: number;
  seed?: number;
}

interface Person {
  first: string;
  last: string;
  birthdate: string;
  line1: string;
  line2: string;
  city: string;
  state: string;
  zip: string;
}

/** A one-letter slip (two neighbouring letters swapped) in a name of four letters or more. */
function slip(name: string, random: () => number): string {
  if (name.length < 4) return name;
  const at = 1 + Math.floor(random() * (name.length - 2));
  return name.slice(0, at) + (name[at + 1] ?? "") + (name[at] ?? "") + name.slice(at + 2);
}

function* rows(options: DuplicateHeavyOptions): Generator<string[]> {
  const random = mulberry32(options.seed ?? 20_261_203);
  const pick = <T>(list: readonly T[], limit = list.length): T =>
    list[Math.floor(random() * Math.min(limit, list.length))] as T;
  const perPerson = options.perPerson ?? 10;
  const people = Math.max(1, Math.round(options.records / perPerson));
  let written = 0;
  for (let p = 0; p < people && written < options.records; p += 1) {
    const town = pick(TOWNS);
    const person: Person = {
      first: pick(FIRST_NAMES, COMMON),
      last: pick(LAST_NAMES, COMMON),
      birthdate: `19${50 + Math.floor(random() * 50)}-${String(1 + Math.floor(random() * 12)).padStart(2, "0")}-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}`,
      line1: `${100 + (p % 7) * 100} ${pick(STREETS, 5)}`,
      line2: `Apt ${p + 1}`,
      city: town.city,
      state: town.state,
      zip: `${town.zip}${String(10 + (p % 7)).padStart(2, "0")}`,
    };
    // 5 to 15 records, 10 on average; the last person takes what is left.
    const count =
      p === people - 1
        ? options.records - written
        : Math.min(options.records - written, perPerson - 5 + Math.floor(random() * 11));
    for (let r = 0; r < count; r += 1) {
      const values: Record<string, string> = {
        external_id: `dup-${p}-${r}`,
        first_name: random() < 0.2 ? slip(person.first, random) : person.first,
        last_name: person.last,
        date_of_birth: random() < 0.5 ? person.birthdate : "",
        address_line1: person.line1,
        address_line2: person.line2,
        city: person.city,
        state: person.state,
        postal_code: person.zip,
        status: r === count - 1 ? "resident" : "prospect",
      };
      written += 1;
      yield generatedColumns.map((column) => values[column] ?? "");
    }
  }
}

/** Writes the set as an import CSV; resolves with the records and people written. */
export async function writeDuplicateHeavyCsv(
  path: string,
  options: DuplicateHeavyOptions,
): Promise<{ records: number; people: number }> {
  let records = 0;
  const people = new Set<string>();
  const counted = (function* () {
    for (const row of rows(options)) {
      records += 1;
      people.add(String(row[0]).replace(/-\d+$/, ""));
      yield row;
    }
  })();
  await pipeline(
    Readable.from(counted),
    stringify({ header: true, columns: [...generatedColumns], eof: true }),
    createWriteStream(path),
  );
  return { records, people: people.size };
}
