/**
 * The snapshot read of the sync path, set-based: any number of persons in one statement whose
 * text does not depend on how many there are. The requests travel as one JSON parameter
 * (`jsonb_to_recordset`); each blocking and counted key of the batch is sized once, however many
 * persons share it; a contact that is a candidate of several persons is returned once. Per
 * person it reads what `candidateReads.ts` describes — the inbox check, the identity keys'
 * versions, the link, and (unless the link holds this very version: a replay) the candidates,
 * the keys too common to search by and the counted keys' sizes — with the same lookups, fenced
 * the same way so that the GIN indexes drive. A reader that remembers (`RememberedContacts`)
 * names contacts it holds; one still at the version it holds comes back without its columns or
 * links. It also names the key sizes it holds (each exact, at most `MAX_BLOCK_SIZE`): those keys
 * are not counted again.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Guarded, SnapshotRequest, SyncSnapshot, WrittenContact } from "../../app/ports.js";
import { MAX_BLOCK_SIZE } from "../../domain/blocking.js";
import type { Contact } from "../../domain/contact.js";
import type { PersonStatus } from "../../domain/person.js";
import { blockMembers } from "./candidateReads.js";
import type { Database, Transaction } from "./client.js";
import { contactFromRow, linkFromRow } from "./contactRows.js";
import { toStoreError } from "./errors.js";
import { type KeyVersionsJson, keyIdsOf, keyVersionsByName } from "./keyVersions.js";
import { PREPARED_RENEWED } from "./preparedStatements.js";
import { contactSync, identityKey, processedEvent, user } from "./schema.js";
import { executeRows, parseJson, rowFromJson } from "./sqlRows.js";

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

/** `[person id, ResMan status]` of each of a contact's links with a status. */
type LinkStatuses = [string | null, PersonStatus][];

type UserRow = typeof user.$inferSelect;

/**
 * A contact as read: its row, its links' statuses and the domain contact as persons see it, by
 * the statuses of its other links (`seen`): kept while the contact is remembered, so that reads
 * again hand the matcher the same objects (and it compares their values in the forms it made).
 */
interface HeldContact {
  row: UserRow;
  links: LinkStatuses;
  seen: Map<string, Contact>;
}

/**
 * What a run of reads (`ContactStore.snapshotReader`: an import chunk's) remembers between its
 * statements: the contacts it decoded with their links, each person's candidates at its last
 * read, and the sizes of the keys it counted. A person read again names its last candidates with
 * their versions; one still at that version comes back without its columns or links (a
 * contact's every write bumps its version; a link written without the contact is one its caller
 * wrote and names in `wrote`), so a chunk whose rows are read again after each wave does not send
 * and decode the same contacts again. A key's size is remembered when exact (at most
 * `MAX_BLOCK_SIZE`: a key too common to search by is counted again at every read, so that it
 * is never taken as common once it no longer is) and moved by the caller's own writes: a contact
 * that joins or leaves the key adds or takes one.
 */
export class RememberedContacts {
  private readonly rows = new Map<string, HeldContact>();
  private readonly candidatesOf = new Map<string, readonly string[]>();
  private readonly sizes = new Map<string, number>();

  /** `{ contact id: version }` of the candidates the requests' persons had at their last read. */
  knownFor(requests: readonly SnapshotRequest[]): Record<string, number> {
    const known: Record<string, number> = {};
    for (const request of requests) {
      for (const id of this.candidatesOf.get(request.personId) ?? []) {
        const held = this.rows.get(id);
        if (held !== undefined) known[id] = held.row.version;
      }
    }
    return known;
  }

  /** `{ key: size }` of the requests' keys whose size is remembered. */
  sizesFor(requests: readonly SnapshotRequest[]): Record<string, number> {
    const known: Record<string, number> = {};
    for (const { lookup } of requests) {
      for (const key of [...lookup.blocks, ...(lookup.counted ?? [])]) {
        const n = this.sizes.get(key);
        if (n !== undefined) known[key] = n;
      }
    }
    return known;
  }

  held(id: string): HeldContact | undefined {
    return this.rows.get(id);
  }

  remember(contact: HeldContact): void {
    this.rows.set(contact.row.id, contact);
  }

  read(personId: string, candidateIds: readonly string[]): void {
    this.candidatesOf.set(personId, candidateIds);
  }

  counted(sizes: Readonly<Record<string, number | string>>): void {
    for (const [key, n] of Object.entries(sizes)) {
      if (Number(n) <= MAX_BLOCK_SIZE) this.sizes.set(key, Number(n));
      else this.sizes.delete(key);
    }
  }

  /** The caller wrote these contacts (null: something it cannot name). */
  wrote(contacts: readonly WrittenContact[] | null): void {
    if (contacts === null) {
      this.rows.clear();
      this.sizes.clear();
      return;
    }
    for (const { id, keysBefore, keysAfter } of contacts) {
      this.rows.delete(id);
      const before = new Set(keysBefore ?? []);
      const after = new Set(keysAfter);
      for (const key of after) if (!before.has(key)) this.move(key, 1);
      for (const key of before) if (!after.has(key)) this.move(key, -1);
    }
  }

  private move(key: string, by: number): void {
    const n = this.sizes.get(key);
    if (n === undefined) return;
    if (n + by > MAX_BLOCK_SIZE || n + by < 0) this.sizes.delete(key);
    else this.sizes.set(key, n + by);
  }
}

/** The statement (see the file's comment). */
function snapshotSetQuery(
  propertyId: string,
  requests: RequestJson[],
  known: Record<string, number>,
  knownSizes: Record<string, number>,
): SQL {
  const live = sql`u.property_id = ${propertyId} and u.merged_into_id is null`;
  // Every per-person part is grouped by `i` once and joined: a correlated scan of a CTE per
  // person would grow with the square of the batch.
  return sql`${sql.raw(PREPARED_RENEWED)} with req as (
      select * from jsonb_to_recordset(${JSON.stringify(requests)}::jsonb) as r(i int,
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
      from (select distinct unnest(s.blocks || s.counted) as k from searched s) as keys
      left join jsonb_each_text(${JSON.stringify(knownSizes)}::jsonb) as ks on ks.key = keys.k),
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
            where u.block_keys && (select array(select unnest(s.blocks)
              except select unnest(coalesce(c.common, '{}'::text[])))) offset 0) as u
          where ${live}
        union select u.id from ${user} u
          where s.email is not null and u.email_key = s.email and ${live}
            and cardinality(u.block_keys) = 0
        union select u.id from (select u.id, u.property_id, u.merged_into_id, u.block_keys
            from ${user} u where u.phone_keys && s.phones offset 0) as u
          where ${live} and cardinality(u.block_keys) = 0
        union select u.id from ${user} u
          where s.name_dob is not null and u.name_dob_key = s.name_dob and ${live}
            and cardinality(u.block_keys) = 0
        union select l.user_id from linked l where l.i = s.i) as found),
    ids as (select i, array_agg(id) as ids from cand group by i)
    select r.i, jsonb_build_object(
        'seen', exists (select 1 from ${processedEvent} e
          where e.source = r.source and e.event_id = r.event_id),
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
        from jsonb_each_text(${JSON.stringify(known)}::jsonb)) as kn on kn.id = u.id
      where u.id = any(array(select distinct cand.id from cand))
    union all
    select -2, jsonb_build_object('sizes', jsonb_object_agg(sized.k, sized.n))
      from sized where sized.counted`;
}

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

/**
 * The snapshot reads of one or more persons in one statement, in request order; a request's
 * own `event` (or `event`) is checked in the inbox.
 */
export async function readSnapshotSet(
  db: Database | Transaction,
  propertyId: string,
  requests: readonly SnapshotRequest[],
  event: { source: string; id: string } | undefined,
  remembered?: RememberedContacts,
): Promise<Guarded<SyncSnapshot>[]> {
  if (requests.length === 0) return [];
  try {
    const rows = await executeRows<ResultRow>(
      db,
      snapshotSetQuery(
        propertyId,
        requests.map((request, i) => requestJson(propertyId, request, i, event)),
        remembered?.knownFor(requests) ?? {},
        remembered?.sizesFor(requests) ?? {},
      ),
    );
    // Candidates first: each decoded once, with its links kept for `other` below. The contact
    // as persons see it is shared, since the domain never changes a contact it is given.
    const contacts = new Map<string, HeldContact>();
    for (const { i, doc } of rows) {
      if (Number(i) === -2) {
        const parsed = parseJson(doc);
        if ("sizes" in parsed && parsed.sizes !== null) remembered?.counted(parsed.sizes);
        continue;
      }
      if (Number(i) !== -1) continue;
      const parsed = parseJson(doc);
      if ("contact" in parsed) {
        const row = rowFromJson(user, parseJson(parsed.contact));
        const held: HeldContact = { row, links: parseJson(parsed.links ?? []), seen: new Map() };
        remembered?.remember(held);
        contacts.set(row.id, held);
      } else if ("known" in parsed) {
        const held = remembered?.held(parsed.known);
        if (held === undefined) throw new Error("a contact came back as known but is not");
        contacts.set(held.row.id, held);
      }
    }
    const snapshots: Guarded<SyncSnapshot>[] = new Array(requests.length);
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
        // The statuses of its links to other persons decide its kind.
        const other = candidate.links
          .filter(([personId]) => personId !== null && personId !== request.personId)
          .map(([, status]) => status);
        const seenAs = other.join(",");
        let contact = candidate.seen.get(seenAs);
        if (contact === undefined) {
          contact = contactFromRow(candidate.row, other);
          candidate.seen.set(seenAs, contact);
        }
        found.push(contact);
      }
      remembered?.read(request.personId, parsed.ids ?? []);
      const link = parsed.link === null ? null : linkFromRow(rowFromJson(contactSync, parsed.link));
      snapshots[Number(i)] = {
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
    }
    for (let i = 0; i < requests.length; i += 1) {
      if (snapshots[i] === undefined) throw new Error("snapshot rows missing");
    }
    return snapshots;
  } catch (error) {
    throw toStoreError(error, "read snapshot");
  }
}
