/**
 * The candidate and snapshot SQL of the sync path: which live contacts could be a person (one
 * indexed lookup per key), how common its keys are, and the optimistic protocol's snapshot read
 * (inbox flag, key versions, link and candidates in one statement) with its decoding. The
 * locking transaction (`contactStore.ts`) and the enrichment reads (`enrichmentStore.ts`) use
 * the same lookups, so every protocol sees the same candidates.
 */
import { arrayOverlaps, eq, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { CandidateLookup } from "../../app/ports.js";
import { MAX_BLOCK_SIZE } from "../../domain/blocking.js";
import type { PersonStatus } from "../../domain/person.js";
import type { Transaction } from "./client.js";
import { contactFromRow } from "./contactRows.js";
import { type KeyVersionsJson, keyVersionsByName } from "./keyVersions.js";
import { contactSync, processedEvent, user } from "./schema.js";
import { executeRows, parseJson, rowFromJson } from "./sqlRows.js";

/**
 * Live contacts of the property without blocking keys holding any of the phones, through the
 * phone index, which holds such contacts only (`idx_user_phone_keys_unblocked`: the subquery
 * repeats its condition so the planner can take it). `OFFSET 0` keeps the property condition
 * out of the inner scan, because a planner without statistics (PGlite never analyses; a server
 * without autovacuum) would otherwise reach the property through the second column of a key
 * index and scan the whole property.
 */
function phoneLookup(propertyId: string, phones: readonly string[]): SQL {
  return sql`select by_phone.id from (
      select ${user.id} as id, ${user.propertyId} as property_id from ${user}
      where ${arrayOverlaps(user.phoneKeys, [...phones])} and cardinality(${user.blockKeys}) = 0
        and ${user.mergedIntoId} is null
      offset 0) as by_phone
    where by_phone.property_id = ${propertyId}`;
}

/**
 * The contacts with these ids, read by primary key. `= any(array(…))` computes the ids first
 * and then fetches each by id: with `in (…)` and a property condition next to it, a planner
 * without statistics may scan the whole property and hash-join (the cost grows with every
 * contact the property has). Every branch of `ids` already keeps to one property.
 */
export function byIds(ids: SQL): SQL {
  return sql`${user.id} = any(array(${ids}))`;
}

/**
 * The statuses of a contact's other ResMan records (those of `exceptPersonId`'s link left out,
 * when given), which decide its kind (best status wins): a scalar subquery, `null` for none.
 * `contactId` is the outer query's contact id column.
 */
export function otherLinkStatuses(
  contactId: SQL,
  exceptPersonId?: string,
): SQL<PersonStatus[] | null> {
  const except =
    exceptPersonId === undefined ? sql`` : sql` and other.resman_contact_id <> ${exceptPersonId}`;
  return sql<
    PersonStatus[] | null
  >`(select array_agg(other.resman_status) from ${contactSync} as other
    where other.user_id = ${contactId}${except} and other.resman_status is not null)`;
}

/**
 * The contacts' blocking keys as their GIN index holds them, qualified by the property
 * (`block_keys_in_property`, migration 0012): a lookup `&&` or `@>` `keysInProperty(…)` reads
 * the property's contacts only, where the keys alone (a common surname's) would read those of
 * every property. `contact` is the table's alias in the statement (its name by default).
 */
export function indexedBlockKeys(contact: SQL = sql`${user}`): SQL {
  return sql`block_keys_in_property(${contact}.property_id, ${contact}.block_keys)`;
}

/** Blocking keys (a `text[]` expression) qualified by the property, to look up in the index. */
export function keysInProperty(propertyId: string | Placeholder | SQL, keys: SQL): SQL {
  return sql`block_keys_in_property(${propertyId}::uuid, ${keys})`;
}

/**
 * `key`'s live contacts in the property, at most one more than `MAX_BLOCK_SIZE` (fenced). The
 * property may be a statement shape's placeholder (`statementShapes.ts`).
 */
export function blockMembers(propertyId: string | Placeholder, key: SQL): SQL {
  return sql`select 1 from (
      select ${user.propertyId} as property_id, ${user.mergedIntoId} as merged_into_id
      from ${user} where ${indexedBlockKeys()} @> ${keysInProperty(propertyId, sql`array[${key}]::text[]`)}
      offset 0) as member
    where member.property_id = ${propertyId} and member.merged_into_id is null
    limit ${MAX_BLOCK_SIZE + 1}`;
}

/** The person's blocking keys held by more than `MAX_BLOCK_SIZE` live contacts (an array). */
export function commonBlocks(propertyId: string, blocks: readonly string[]): SQL {
  if (blocks.length === 0) return sql`'{}'::text[]`;
  return sql`array(select k from unnest(${textArray(blocks)}) as k
    where (select count(*) from (${blockMembers(propertyId, sql`k`)}) as c) > ${MAX_BLOCK_SIZE})`;
}

/**
 * How many live contacts hold each of `keys` (counted keys and the dwelling key, see
 * `countedKeys`), each counted up to one more than `MAX_BLOCK_SIZE`: a JSON object.
 */
export function keyCounts(propertyId: string, keys: readonly string[]): SQL {
  if (keys.length === 0) return sql`'{}'::jsonb`;
  return sql`(select coalesce(jsonb_object_agg(k,
      (select count(*) from (${blockMembers(propertyId, sql`k`)}) as c)), '{}'::jsonb)
    from unnest(${textArray(keys)}) as k)`;
}

/** Blocking keys as one bound `text[]` parameter (encoded like the column). */
function textArray(values: readonly string[]): SQL {
  return sql`${sql.param([...values], user.blockKeys)}::text[]`;
}

/**
 * Live contacts of the property sharing a blocking key that is not too common
 * (`MAX_BLOCK_SIZE`), through the GIN index of the keys by property (`indexedBlockKeys`; fenced
 * like `phoneLookup`, for the same reason). Each key's size is counted up to the limit only, so a person's lookup costs
 * at most about `MAX_BLOCK_SIZE` rows per key, however large the property.
 */
function blockLookup(propertyId: string, blocks: readonly string[]): SQL {
  return sql`select by_block.id from (
      select ${user.id} as id, ${user.propertyId} as property_id from ${user}
      where ${indexedBlockKeys()} && ${keysInProperty(
        propertyId,
        sql`(select array(select unnest(${textArray(blocks)})
          except select unnest(${commonBlocks(propertyId, blocks)})))`,
      )}
        and ${user.mergedIntoId} is null
      offset 0) as by_block
    where by_block.property_id = ${propertyId}`;
}

/**
 * Lookups of the live contacts that could be the person: every contact sharing a blocking key,
 * and (for contacts written before blocking keys existed, whose `block_keys` is empty) the
 * exact email, phone and name + birth date keys. One indexed lookup each, for UNION.
 */
export function keyLookups(propertyId: string, lookup: CandidateLookup): SQL[] {
  const { keys, blocks } = lookup;
  // Exact keys only for contacts without blocking keys (written before they existed, or
  // outside contact-sync): every other contact is found by its blocking keys.
  const live = sql`${user.propertyId} = ${propertyId} and ${user.mergedIntoId} is null
    and cardinality(${user.blockKeys}) = 0`;
  const contactIds: SQL[] = [];
  if (blocks.length > 0) contactIds.push(blockLookup(propertyId, blocks));
  if (keys.email !== null) {
    contactIds.push(
      sql`select ${user.id} from ${user} where ${live} and ${eq(user.emailKey, keys.email)}`,
    );
  }
  if (keys.phones.length > 0) contactIds.push(phoneLookup(propertyId, keys.phones));
  if (keys.nameDob !== null) {
    contactIds.push(
      sql`select ${user.id} from ${user} where ${live} and ${eq(user.nameDobKey, keys.nameDob)}`,
    );
  }
  return contactIds;
}

/**
 * The ids of the contacts a person's sync must read: the one the person is linked to, and every
 * live candidate. One indexed lookup per key, combined with UNION: a single OR across the link
 * join and the keys cannot use the indexes and would scan the whole property.
 */
export function candidateIds(propertyId: string, personId: string, lookup: CandidateLookup): SQL {
  const contactIds: SQL[] = [
    sql`select ${contactSync.userId} from ${contactSync}
          where ${contactSync.propertyId} = ${propertyId} and ${contactSync.personId} = ${personId}
            and ${contactSync.userId} is not null`,
    ...keyLookups(propertyId, lookup),
  ];
  return sql.join(contactIds, sql` union `);
}

/** `exists(inbox row)` for a delivery, or `false` without one. */
export function inboxHas(event: { source: string; id: string } | undefined): SQL {
  if (event === undefined) return sql`false`;
  return sql`exists (select 1 from ${processedEvent}
    where ${processedEvent.source} = ${event.source} and ${processedEvent.eventId} = ${event.id})`;
}

/** One candidate of a guarded read as the statement returns it (`to_jsonb` rows). */
export interface SnapshotJson {
  contact: Record<string, unknown>;
  other: PersonStatus[] | null;
}

/** What every guarded read returns next to its own columns. */
export interface GuardedReadRow<R> {
  seen: boolean;
  versions: KeyVersionsJson;
  rows: R[] | string;
  /** The person's blocking keys too common to find candidates by. */
  common: string[] | null;
  /** How many contacts hold each of the person's counted keys (sync reads only). */
  counts?: Record<string, number | string> | string | null;
}

/**
 * The common part of a guarded read's result: the inbox flag, the key versions by key name,
 * and the candidate contacts (with each one's version), in id order.
 */
export function guardedReadOf<R extends SnapshotJson>(
  row: GuardedReadRow<R>,
  propertyId: string,
  lockKeys: readonly string[],
) {
  const contactVersions = new Map<string, number>();
  const candidates = parseJson(row.rows)
    .map((json) => {
      const contactRow = rowFromJson(user, json.contact);
      contactVersions.set(contactRow.id, contactRow.version);
      return { json, contact: contactFromRow(contactRow, json.other ?? []) };
    })
    .sort((a, b) => (a.contact.id < b.contact.id ? -1 : a.contact.id > b.contact.id ? 1 : 0));
  return {
    seen: row.seen === true,
    keyVersions: keyVersionsByName(row.versions, propertyId, lockKeys),
    contactVersions,
    candidates,
    commonKeys: row.common ?? [],
    keyCounts: countsOf(row.counts),
  };
}

/** A `counts` column as numbers by key (drivers return JSON parsed or as text). */
function countsOf(json: GuardedReadRow<unknown>["counts"]): Record<string, number> {
  if (json === null || json === undefined) return {};
  return Object.fromEntries(Object.entries(parseJson(json)).map(([k, n]) => [k, Number(n)]));
}

/**
 * The person's blocking keys too common to find candidates by (`MAX_BLOCK_SIZE`), and how many
 * contacts hold each of its counted keys (the locking transaction's reads).
 */
export async function keyStatistics(
  tx: Transaction,
  propertyId: string,
  lookup: CandidateLookup,
): Promise<{ commonKeys: string[]; keyCounts: Record<string, number> }> {
  const [row] = await executeRows<Pick<GuardedReadRow<unknown>, "common" | "counts">>(
    tx,
    sql`select ${commonBlocks(propertyId, lookup.blocks)} as common,
      ${keyCounts(propertyId, lookup.counted ?? [])} as counts`,
  );
  return { commonKeys: row?.common ?? [], keyCounts: countsOf(row?.counts) };
}
