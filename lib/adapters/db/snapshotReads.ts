/**
 * The snapshot read of the sync path, set-based: any number of persons in one statement whose
 * text does not depend on how many there are (made once: `statementShapes.ts`). The requests
 * travel as one JSON parameter (`jsonb_to_recordset`); each blocking and counted key of the
 * batch is sized once, however many persons share it; a contact that is a candidate of several
 * persons is returned once. Per person it reads what `candidateReads.ts` describes — the inbox
 * check, the identity keys' versions, the link, and (unless the link holds this very version:
 * a replay) the candidates,
 * the keys too common to search by and the counted keys' sizes — with the same lookups, fenced
 * the same way so that the GIN indexes drive. With a reader's memory (`rememberedReadings.ts`)
 * the statement is told the contacts it holds — one still at the version it holds comes back
 * without its columns or links — and the key sizes it knows (exact, or too common to search
 * by: `MAX_BLOCK_SIZE + 1`), which are not counted again; persons it can read from memory are
 * not in the statement at all, only their keys of unknown size are counted.
 *
 * A large read (an import chunk's first) may be split into `parts` statements of consecutive
 * persons, sent at once: on a server each runs on a pooled connection of its own, so Postgres
 * reads with a second core while this process waits (`snapshotReadParts`).
 *
 * With a store's `CommonKeys`, keys an earlier reader counted as too common are not counted
 * again while their identity key's version is the one they were counted at (`commonKeys.ts`);
 * a person whose key moved is read again, the key counted.
 *
 * (Over 400 lines as one thing: the statement and the decoding of what it returns, which only
 * make sense together, with the orchestration of one read — its parts, its readings from
 * memory, the persons read again.)
 */
import { sql } from "drizzle-orm";
import type { Guarded, SnapshotRequest, SyncSnapshot } from "../../app/ports.js";
import { MAX_BLOCK_SIZE } from "../../domain/blocking.js";
import type { Contact } from "../../domain/contact.js";
import type { PersonStatus } from "../../domain/person.js";
import { blockMembers, indexedBlockKeys, keyCounts, keysInProperty } from "./candidateReads.js";
import type { Database, Transaction } from "./client.js";
import { type CommonKeys, settleCommon, takeCommon } from "./commonKeys.js";
import { linkFromRow } from "./contactRows.js";
import { toStoreError } from "./errors.js";
import { type KeyVersionsJson, keyIdsOf, keyVersionsByName } from "./keyVersions.js";
import { PREPARED, PREPARED_RENEWED } from "./preparedStatements.js";
import { contactSeenBy, type HeldContact, type RememberedReadings } from "./rememberedReadings.js";
import { contactSync, identityKey, processedEvent, user } from "./schema.js";
import { arrayParam, executeRows, parseJson, rowFromJson } from "./sqlRows.js";
import { statementShape } from "./statementShapes.js";

/** One request as the statement reads it (`jsonb_to_recordset`). */
interface RequestJson {
  i: number;
  person_id: string;
  digest: string;
  blocks: string[];
  counted: string[];
  email: string | null;
  phones: string[];
  name_dob: string | null;
  key_ids: string[];
  source: string | null;
  event_id: string | null;
}

/**
 * What the statement returns per person (`i` ≥ 0), per candidate contact (`i` = -1) and, once,
 * the sizes of the keys it counted (`i` = -2: `{ key: live holders up to MAX_BLOCK_SIZE + 1 }`).
 */
interface ResultRow {
  i: number;
  doc:
    | {
        seen: boolean;
        versions: KeyVersionsJson;
        link: Record<string, unknown> | null;
        ids: string[] | null;
        common: string[] | null;
        counts: Record<string, number | string> | null;
      }
    | {
        contact: Record<string, unknown>;
        /** `[person id, ResMan status]` of each of the contact's links with a status. */
        links: [string | null, PersonStatus][] | null;
      }
    | {
        /** A contact the reader named as known, still at the version it holds: no columns. */
        known: string;
      }
    | { sizes: Record<string, number | string> | null }
    | string;
}

/** The values of the statement: its JSON as text, `alsoCounted` as an array. */
interface ReadValues {
  propertyId: string;
  requests: string;
  known: string;
  knownSizes: string;
  alsoCounted: string[];
}

/**
 * The statement (see the file's comment): `requests` a `RequestJson[]`, `known` the held
 * contacts' versions by id, `knownSizes` the key sizes known, `alsoCounted` more keys to count.
 */
const snapshotSetQuery = statementShape<ReadValues, ResultRow>((p) => {
  const propertyId = p.propertyId;
  const live = sql`u.property_id = ${propertyId} and u.merged_into_id is null`;
  // Every per-person part is grouped by `i` once and joined: a correlated scan of a CTE per
  // person would grow with the square of the batch. The inbox check is a scalar subquery, not
  // `exists`: Postgres may turn a correlated `exists` into one hash of the whole inbox, which
  // it did up to ~50,000 deliveries (9–15 ms a statement at 30,000, with or without
  // statistics, against 0.06 ms probing the primary key per person).
  return sql`${sql.raw(PREPARED_RENEWED)} with req as (
      select * from jsonb_to_recordset(${p.requests}::jsonb) as r(i int,
        person_id text, digest text, blocks text[], counted text[], email text, phones text[],
        name_dob text, key_ids text[], source text, event_id text)),
    linked as (
      select r.i, pl.link, pl.user_id, pl.source_hash = r.digest as replay
      from req r cross join lateral (
        select to_jsonb(pl) as link, pl.user_id, pl.source_hash from ${contactSync} pl
        where pl.property_id = ${propertyId} and pl.resman_contact_id = r.person_id
          and pl.user_id is not null
        limit 1) as pl),
    searched as (
      select r.* from req r
      where not exists (select 1 from linked l where l.i = r.i and l.replay)),
    sized as (
      select keys.k, case when ks.value is null
          then (select count(*) from (${blockMembers(propertyId, sql`keys.k`)}) as members)
          else ks.value::int end as n, ks.value is null as counted
      from (select unnest(s.blocks || s.counted) as k from searched s
        union select unnest(${arrayParam(p.alsoCounted)}::text[])) as keys
      left join jsonb_each_text(${p.knownSizes}::jsonb) as ks on ks.key = keys.k),
    common as (
      select s.i, array_agg(b.key) as common
      from searched s cross join unnest(s.blocks) as b(key)
      join sized on sized.k = b.key
      where sized.n > ${MAX_BLOCK_SIZE}
      group by s.i),
    counts as (
      select s.i, jsonb_object_agg(ck.key, sized.n) as counts
      from searched s cross join unnest(s.counted) as ck(key)
      join sized on sized.k = ck.key
      group by s.i),
    cand as (
      select s.i, found.id from searched s left join common c on c.i = s.i
      cross join lateral (
        select u.id from (select u.id, u.property_id, u.merged_into_id from ${user} u
            where ${indexedBlockKeys(sql`u`)} && ${keysInProperty(
              propertyId,
              sql`(select array(select unnest(s.blocks)
                except select unnest(coalesce(c.common, '{}'::text[]))))`,
            )} offset 0) as u
          where ${live}
        union select u.id from ${user} u
          where s.email is not null and u.email_key = s.email and ${live}
            and cardinality(u.block_keys) = 0
        union select u.id from (select u.id, u.property_id, u.merged_into_id from ${user} u
            where u.phone_keys && s.phones and cardinality(u.block_keys) = 0 offset 0) as u
          where ${live}
        union select u.id from ${user} u
          where s.name_dob is not null and u.name_dob_key = s.name_dob and ${live}
            and cardinality(u.block_keys) = 0
        union select l.user_id from linked l where l.i = s.i) as found),
    ids as (select i, array_agg(id) as ids from cand group by i)
    select r.i, jsonb_build_object(
        'seen', coalesce((select true from ${processedEvent} e
          where e.source = r.source and e.event_id = r.event_id limit 1), false),
        'versions', (select coalesce(jsonb_agg(jsonb_build_array(k.key_id::text, k.version)),
            '[]'::jsonb) from ${identityKey} k where k.key_id = any(r.key_ids::bigint[])),
        'link', l.link, 'ids', ids.ids, 'common', c.common, 'counts', n.counts) as doc
      from req r left join linked l on l.i = r.i left join ids on ids.i = r.i
        left join common c on c.i = r.i left join counts n on n.i = r.i
    union all
    select -1, case when kn.version = u.version
        then jsonb_build_object('known', u.id)
        else jsonb_build_object('contact', to_jsonb(u), 'links', (
          select jsonb_agg(jsonb_build_array(o.resman_contact_id, o.resman_status))
          from ${contactSync} o where o.user_id = u.id and o.resman_status is not null)) end
      from ${user} u
      left join (select key::uuid as id, value::int as version
        from jsonb_each_text(${p.known}::jsonb)) as kn on kn.id = u.id
      where u.id = any(array(select distinct cand.id from cand))
    union all
    select -2, jsonb_build_object('sizes', jsonb_object_agg(sized.k, sized.n))
      from sized where sized.counted`;
});

/** A request as the statement's JSON. */
function requestJson(
  propertyId: string,
  request: SnapshotRequest,
  i: number,
  event: { source: string; id: string } | undefined,
): RequestJson {
  const { keys, blocks, counted } = request.lookup;
  const delivery = request.event ?? event;
  return {
    i,
    person_id: request.personId,
    digest: request.digest,
    blocks: [...blocks],
    counted: [...(counted ?? [])],
    email: keys.email,
    phones: [...keys.phones],
    name_dob: keys.nameDob,
    key_ids: keyIdsOf(propertyId, request.lockKeys).map(String),
    source: delivery?.source ?? null,
    event_id: delivery?.id ?? null,
  };
}

const byId = (a: Contact, b: Contact) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The fewest persons a part of a split read holds: below, a second statement costs more. */
export const MIN_PART_REQUESTS = 100;

/**
 * `indexes` in at most `parts` runs of consecutive ones, each of at least `MIN_PART_REQUESTS`
 * (one run when there are fewer than twice that), in order.
 */
export function splitRead(indexes: readonly number[], parts: number): number[][] {
  const count = Math.max(1, Math.min(parts, Math.floor(indexes.length / MIN_PART_REQUESTS)));
  return Array.from({ length: count }, (_, part) =>
    indexes.slice(
      Math.floor((indexes.length * part) / count),
      Math.floor((indexes.length * (part + 1)) / count),
    ),
  );
}

/**
 * The snapshot reads of one or more persons, in request order; a request's own `event` (or
 * `event`) is checked in the inbox. With a reader's memory (`RememberedReadings`), a person
 * read before is derived from memory where it can be, and the statement only counts its keys
 * of unknown size; the others are read by the statement (as are the few whose derivation
 * needs the database after all, in a second one). `parts`: how many statements the persons
 * read from the database may be split into (`splitRead`), sent at once. `common`: the store's
 * common keys of the property (the file's comment); a person one of them failed is read again
 * in that second statement, without them.
 */
export async function readSnapshotSet(
  db: Database | Transaction,
  propertyId: string,
  requests: readonly SnapshotRequest[],
  event: { source: string; id: string } | undefined,
  remembered?: RememberedReadings,
  parts = 1,
  common?: CommonKeys,
): Promise<Guarded<SyncSnapshot>[]> {
  if (requests.length === 0) return [];
  try {
    const snapshots: (Guarded<SyncSnapshot> | undefined)[] = new Array(requests.length);
    const toRead: number[] = [];
    const alsoCounted = new Set<string>();
    requests.forEach((request, i) => {
      if (remembered?.derivable(request, event)) {
        for (const key of remembered.uncounted(request)) alsoCounted.add(key);
      } else toRead.push(i);
    });
    /** Persons whose common keys did not hold (`settleCommon`): read again. */
    const failed = new Set<number>();
    const readBy = async (
      indexes: readonly number[],
      counting: readonly string[],
      withCommon = common,
    ) => {
      const {
        read,
        counts,
        failed: failedHere,
      } = await readStatement(
        db,
        propertyId,
        indexes.map((i) => requests[i] as SnapshotRequest),
        event,
        counting,
        remembered,
        withCommon,
      );
      indexes.forEach((i, j) => {
        if (failedHere.has(j)) failed.add(i);
        else snapshots[i] = read[j];
      });
      return counts;
    };
    // The parts' statements are in flight together; each decodes as it returns (the keys of
    // unknown size are counted by the first). The sizes they counted are merged.
    const readInParts = async (indexes: readonly number[], counting: readonly string[]) =>
      Object.assign(
        {},
        ...(await Promise.all(
          splitRead(indexes, parts).map((part, n) => readBy(part, n === 0 ? counting : [])),
        )),
      ) as Record<string, number | string>;
    // Everyone from memory: only the keys of unknown size are counted, by a statement of
    // their own (the read's statement would plan every part of it for nobody).
    const counts =
      toRead.length > 0
        ? await readInParts(toRead, [...alsoCounted])
        : alsoCounted.size > 0
          ? await countKeys(db, propertyId, [...alsoCounted], remembered)
          : {};
    const again: number[] = [];
    requests.forEach((request, i) => {
      if (snapshots[i] !== undefined) return;
      if (failed.has(i)) {
        again.push(i);
        return;
      }
      if (remembered === undefined) return;
      const derived = remembered.derive(propertyId, request, counts);
      if (derived === undefined) again.push(i);
      else snapshots[i] = derived;
    });
    // Without the common keys: every key of unknown size is counted, so none can fail.
    if (again.length > 0) await readBy(again, [], undefined);
    return snapshots.map((snapshot) => {
      if (snapshot === undefined) throw new Error("snapshot rows missing");
      return snapshot;
    });
  } catch (error) {
    throw toStoreError(error, "read snapshot");
  }
}

/** `{ key: live holders up to MAX_BLOCK_SIZE + 1 }` of `keys`, in one statement. */
async function countKeys(
  db: Database | Transaction,
  propertyId: string,
  keys: readonly string[],
  remembered: RememberedReadings | undefined,
): Promise<Record<string, number | string>> {
  const [row] = await executeRows<{ sizes: Record<string, number | string> | string }>(
    db,
    sql`${sql.raw(PREPARED)} select ${keyCounts(propertyId, keys)} as sizes`,
  );
  const counts = row === undefined ? {} : parseJson(row.sizes);
  remembered?.counted(counts);
  return counts;
}

/**
 * One statement's reads (see the file's comment), and the sizes it counted (`{ key: live
 * holders up to MAX_BLOCK_SIZE + 1 }`, with `alsoCounted`). A person a key taken from
 * `common` failed for has no reading (`failed`, by request index): the caller reads it again.
 */
async function readStatement(
  db: Database | Transaction,
  propertyId: string,
  requests: readonly SnapshotRequest[],
  event: { source: string; id: string } | undefined,
  alsoCounted: readonly string[],
  remembered: RememberedReadings | undefined,
  common: CommonKeys | undefined,
): Promise<{
  read: (Guarded<SyncSnapshot> | undefined)[];
  counts: Record<string, number | string>;
  failed: Set<number>;
}> {
  const knownSizes = remembered?.sizesFor(requests) ?? {};
  const taken = common === undefined ? new Set<string>() : takeCommon(common, requests, knownSizes);
  const rows = await snapshotSetQuery(db, {
    propertyId,
    requests: JSON.stringify(
      requests.map((request, i) => requestJson(propertyId, request, i, event)),
    ),
    known: JSON.stringify(remembered?.knownFor(requests) ?? {}),
    knownSizes: JSON.stringify(knownSizes),
    alsoCounted: [...alsoCounted],
  });
  let counts: Record<string, number | string> = {};
  // Candidates first: each decoded once, with its links kept for `contactSeenBy`. The contact
  // as persons see it is shared, since the domain never changes a contact it is given.
  const contacts = new Map<string, HeldContact>();
  for (const { i, doc } of rows) {
    if (Number(i) === -2) {
      const parsed = parseJson(doc);
      if ("sizes" in parsed && parsed.sizes !== null) {
        counts = parsed.sizes;
        remembered?.counted(parsed.sizes);
      }
      continue;
    }
    if (Number(i) !== -1) continue;
    const parsed = parseJson(doc);
    if ("contact" in parsed) {
      const row = rowFromJson(user, parseJson(parsed.contact));
      // A contact another part of a split read decoded at this version is that one (so reads
      // hand back the same objects).
      const before = remembered?.held(row.id);
      if (before !== undefined && before.row.version === row.version) {
        contacts.set(row.id, before);
        continue;
      }
      const held: HeldContact = { row, links: parseJson(parsed.links ?? []), seen: new Map() };
      remembered?.remember(held);
      contacts.set(row.id, held);
    } else if ("known" in parsed) {
      const held = remembered?.held(parsed.known);
      if (held === undefined) throw new Error("a contact came back as known but is not");
      contacts.set(held.row.id, held);
    }
  }
  const read: (Guarded<SyncSnapshot> | undefined)[] = new Array(requests.length);
  const failed = new Set<number>();
  for (const { i, doc } of rows) {
    const request = requests[Number(i)];
    if (request === undefined) continue;
    const parsed = parseJson(doc);
    if (!("seen" in parsed)) continue;
    const contactVersions = new Map<string, number>();
    const found: Contact[] = [];
    for (const id of parsed.ids ?? []) {
      const candidate = contacts.get(id);
      if (candidate === undefined) continue;
      contactVersions.set(id, candidate.row.version);
      found.push(contactSeenBy(candidate, request.personId));
    }
    const link = parsed.link === null ? null : linkFromRow(rowFromJson(contactSync, parsed.link));
    const snapshot: Guarded<SyncSnapshot> = {
      seen: parsed.seen === true,
      keyVersions: keyVersionsByName(parsed.versions, propertyId, request.lockKeys),
      contactVersions,
      link,
      contacts: found.sort(byId),
      commonKeys: parsed.common ?? [],
      keyCounts: Object.fromEntries(
        Object.entries(parsed.counts ?? {}).map(([key, n]) => [key, Number(n)]),
      ),
    };
    if (common !== undefined) {
      if (!settleCommon(common, request, snapshot.keyVersions, taken, counts)) {
        failed.add(Number(i));
        continue;
      }
      // The keys that held are as good as counted here: the reader remembers them so.
      const held = taken.size === 0 ? [] : request.lookup.blocks.filter((key) => taken.has(key));
      if (held.length > 0) {
        remembered?.counted(Object.fromEntries(held.map((key) => [key, MAX_BLOCK_SIZE + 1])));
      }
    }
    remembered?.read(request, snapshot, parsed.ids ?? [], request.event ?? event);
    read[Number(i)] = snapshot;
  }
  for (let i = 0; i < requests.length; i += 1) {
    if (read[i] === undefined && !failed.has(i)) throw new Error("snapshot rows missing");
  }
  return { read, counts, failed };
}
