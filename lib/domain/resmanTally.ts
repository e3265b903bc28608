/**
 * The result of mapping ResMan records onto the person contract: the people, and the records
 * left out counted by reason code (never by value). Also the one step every record kind ends
 * with: a draft of contract fields becomes a person when it has a PersonID, a status the
 * mapping knows and values within the contract (`resmanPersonSchema`), or else a reason.
 */
import { cleanText } from "./normalize.js";
import { type PersonPhone, personDigest, type ResmanPerson, resmanPersonSchema } from "./person.js";
import { personStatusOf, phoneTypeOf } from "./resmanStatus.js";

/** Why a record was left out. */
export const unreadableReasons = ["invalid_record", "missing_person_id", "unknown_status"] as const;
export type UnreadableReason = (typeof unreadableReasons)[number];

/** People read from ResMan records, and the records left out (counted by reason); the `ResmanSource` port returns it. */
export interface ResmanPeople {
  people: ResmanPerson[];
  unreadable: number;
  reasons: Record<string, number>;
}

/** One record mapped: a person, or the reason it was left out. */
export type Outcome = { person: ResmanPerson } | { reason: UnreadableReason };

/** The contract fields of a record before its status is mapped; absent fields undefined. */
export interface Draft {
  person_id: string | undefined;
  prospect_id?: string | undefined;
  lease_id?: string | undefined;
  first_name: string | undefined;
  middle_name?: string | undefined;
  last_name: string | undefined;
  email: string | undefined;
  phones: PersonPhone[];
  birthdate?: string | undefined;
  address?: Record<string, string | undefined>;
  is_dependent?: boolean | null | undefined;
  last_modified?: string | undefined;
}

/** Counts people and unreadable records as the records are mapped. */
export class Tally {
  readonly people: ResmanPerson[] = [];
  unreadable = 0;
  readonly reasons: Record<string, number> = {};

  result(): ResmanPeople {
    return { people: this.people, unreadable: this.unreadable, reasons: this.reasons };
  }

  add(outcome: Outcome): void {
    if ("person" in outcome) this.people.push(outcome.person);
    else this.skip(outcome.reason);
  }

  skip(reason: UnreadableReason): void {
    this.unreadable += 1;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
  }
}

/** A trimmed text, or undefined when blank or absent. */
export function clean(value: string | null | undefined): string | undefined {
  return cleanText(value) ?? undefined;
}

/** An object without its undefined and null entries (the contract has no nulls). */
function compact<T extends object>(value: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null));
}

/** The numbers present among typed candidates, as contract phones. */
export function phonesOf(
  candidates: readonly [string | null | undefined, string | null | undefined][],
) {
  return candidates.flatMap(([type, number]) => {
    const cleaned = clean(number);
    return cleaned === undefined ? [] : [{ type: phoneTypeOf(type), number: cleaned }];
  });
}

/**
 * A draft as a person: it needs a PersonID, a known status, and to fit the contract
 * (`resmanPersonSchema`: lengths, a timestamp with an offset).
 */
export function toPerson(draft: Draft, status: string | null | undefined): Outcome {
  if (draft.person_id === undefined) return { reason: "missing_person_id" };
  const mapped = personStatusOf(status);
  if (mapped === undefined) return { reason: "unknown_status" };
  const { phones, address, ...rest } = draft;
  const parsed = resmanPersonSchema.safeParse({
    ...compact(rest),
    status: mapped,
    ...(phones.length > 0 ? { phones } : {}),
    ...(address !== undefined && Object.keys(compact(address)).length > 0
      ? { address: compact(address) }
      : {}),
  });
  return parsed.success ? { person: parsed.data } : { reason: "invalid_record" };
}

/**
 * Several reads as one, each person version once: reads of overlapping windows return the
 * records on their common boundary twice, and identical versions (same digest) are replays.
 * Unreadable records are summed as counted (they carry nothing to compare).
 */
export function combinePeople(parts: readonly ResmanPeople[]): ResmanPeople {
  const tally = new Tally();
  const seen = new Set<string>();
  for (const part of parts) {
    for (const person of part.people) {
      const digest = personDigest(person);
      if (seen.has(digest)) continue;
      seen.add(digest);
      tally.people.push(person);
    }
    tally.unreadable += part.unreadable;
    for (const [reason, count] of Object.entries(part.reasons)) {
      tally.reasons[reason] = (tally.reasons[reason] ?? 0) + count;
    }
  }
  return tally.result();
}
