/**
 * A wave's write (`ContactStore.writeWave`) on Postgres, in one statement: the identity keys
 * bumped with their new versions returned, the contacts updated locked with their versions, each
 * write's reading checked against them (the optimistic guard of `guardedWrite.ts`, for every
 * write at once), and every write whose reading holds (with the inbox claims of a queue batch's
 * deliveries) — its size does not depend on how many people it carries: each table's rows
 * travel as one JSON parameter (`jsonb_populate_recordset`, `jsonb_to_recordset`), so a
 * thousand people cost one round trip and no transaction. The rows are exactly those
 * `syncWrites.ts` writes for one decision. The statement's text is made once per shape
 * (`statementShapes.ts`); each wave only fills in its values.
 *
 * Over 400 lines as one thing: the one statement — its guard, its writes, the values it takes
 * and what it returns, read back into outcomes and the rows it wrote — which only makes sense
 * read together.
 */
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { GuardedResult, WaveApplied, WaveOptions, WaveWrite } from "../../app/ports.js";
import { syncMergeDocuments } from "../../domain/mergeHistory.js";
import type { Database } from "./client.js";
import { type ContactColumns, contactColumns } from "./contactRows.js";
import { bumpKeysIn, keyIdsOf, lockIdText } from "./keyVersions.js";
import { eventOf } from "./outboxRepository.js";
import { PREPARED } from "./preparedStatements.js";
import {
  contactMergeHistory,
  contactReview,
  contactSync,
  identityKey,
  outboxEvent,
  processedEvent,
  user,
} from "./schema.js";
import { arrayParam } from "./sqlRows.js";
import { type Placeholders, type StatementShape, statementShape } from "./statementShapes.js";
import { linkSetColumns, linkValues } from "./syncWrites.js";

/** Rows of `table` as one JSON text, keyed by column name (Dates as ISO text). */
function recordset<T extends PgTable>(
  table: T,
  rows: readonly Partial<T["$inferInsert"]>[],
): string {
  const columns = getTableColumns(table);
  const json = rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const property in row) {
      const value = (row as Record<string, unknown>)[property];
      const column = columns[property];
      if (column === undefined || value === undefined) continue;
      out[column.name] = value instanceof Date ? value.toISOString() : value;
    }
    return out;
  });
  return JSON.stringify(json);
}

/** The column names of `table` for these properties, as identifiers. */
function columnNames<T extends PgTable>(table: T, properties: readonly string[]): SQL {
  const columns = getTableColumns(table);
  return sql.join(
    properties.map((property) => {
      const column = columns[property];
      if (column === undefined) throw new Error(`no column ${property}`);
      return sql.identifier(column.name);
    }),
    sql`, `,
  );
}

/** `name = excluded.name, …` for an upsert. */
function excludedSet(names: readonly string[]): SQL {
  return sql.join(
    names.map((name) => sql`${sql.identifier(name)} = excluded.${sql.identifier(name)}`),
    sql`, `,
  );
}

/** Contact columns a wave writes (`contactColumns`), besides id and property. */
const contactProperties = [
  "firstName",
  "middleName",
  "lastName",
  "email",
  "phones",
  "dateOfBirth",
  "addressLine1",
  "addressLine2",
  "city",
  "state",
  "postalCode",
  "isDependent",
  "kind",
  "emailKey",
  "phoneKeys",
  "nameDobKey",
  "blockKeys",
  "secondary",
  "fieldSources",
  "fieldVersions",
] as const;

const linkProperties = [
  "propertyId",
  "personId",
  "userId",
  "syncStatus",
  "resmanStatus",
  "sourceUpdatedAt",
  "sourceHash",
  "matchScore",
  "matchEvidence",
  "attempts",
  "lastError",
  "lastSyncAt",
  "updatedAt",
] as const;

/** The values of a wave's statement: JSON as text, arrays of ids as arrays. */
interface WaveValues {
  propertyId: string;
  /** The guarded keys' ids, as decimal text (`keyIdsOf`'s order). */
  keyIds: string[];
  /** The contacts updated, by id. */
  lockIds: string[];
  expected: string;
  unchanged: string;
  contacts: string;
  now: string;
  claimMs: number | null;
  claims: string;
  rows: string;
  contactRows: string;
  linkRows: string;
  existing: string[];
  reviews: string;
  histories: string;
  outbox: string;
}

/**
 * The guard of a wave, as CTEs: `bumped` bumps every identity key of every write (inserting
 * missing ones at 1; in key id order, as every writer of those rows takes them) and returns the
 * new versions; `locked` then locks the contacts the writes update (in id order) with their
 * versions; `stale` lists the persons whose reading no longer holds (a key not exactly one
 * version past the one read, a key read as too common not at the version read, a contact
 * changed, merged away or gone). A concurrent writer holding a key or contact row makes this
 * wait, and Postgres returns the row as committed; the too-common keys are only read (nobody
 * waits on them: `WaveGuard.unchanged`).
 */
function waveGuard(p: Placeholders<WaveValues>): SQL[] {
  return [
    sql`bumped as (${bumpKeysIn(arrayParam(p.keyIds))} returning key_id, version)`,
    // The one-time filter on `bumped` takes the key rows before any contact row, as the
    // locking transaction and the guarded write do.
    sql`locked as materialized (
      select ${user.id} as id, ${user.version} as version from ${user}
      where ${user.id} = any(${arrayParam(p.lockIds)}::uuid[])
        and ${user.propertyId} = ${p.propertyId} and ${user.mergedIntoId} is null
        and (select count(*) from bumped) >= 0
      order by ${user.id} for update)`,
    sql`stale as (
      select e.person_id from jsonb_to_recordset(${p.expected}::jsonb)
        as e(person_id text, key_id bigint, version bigint)
      left join bumped b on b.key_id = e.key_id
      where b.version is distinct from e.version
      union
      select u.person_id from jsonb_to_recordset(${p.unchanged}::jsonb)
        as u(person_id text, key_id bigint, version bigint)
      where (select k.version from ${identityKey} k where k.key_id = u.key_id)
        is distinct from u.version
      union
      select c.person_id from jsonb_to_recordset(${p.contacts}::jsonb)
        as c(person_id text, id uuid, version int)
      left join locked l on l.id = c.id
      where l.version is distinct from c.version)`,
  ];
}

/** The values of `waveGuard` for `writes` (see there). */
function guardValues(propertyId: string, writes: readonly WaveWrite[]) {
  const ids = keyIdsOf(
    propertyId,
    writes.flatMap(({ guard }) => guard.keys),
  );
  /** Per write, each of its `keys` with the version it must have (`version`). */
  const keyRows = (
    keys: (guard: WaveWrite["guard"]) => readonly string[],
    version: (read: number | undefined) => number | null,
  ) =>
    writes.flatMap(({ write, guard }) =>
      [...new Set(keys(guard))].map((key) => ({
        person_id: write.link.personId,
        key_id: lockIdText(propertyId, key),
        version: version(guard.keyVersions.get(key)),
      })),
    );
  // The guarded keys one version past the one read (this statement bumps them); the keys read
  // as too common at the version read (absent: never bumped).
  const expected = keyRows(
    (guard) => guard.keys,
    (read) => (read ?? 0) + 1,
  );
  const unchanged = keyRows(
    (guard) => guard.unchanged,
    (read) => read ?? null,
  );
  const contacts = writes.flatMap(({ write, guard }) =>
    guard.contactVersion === null
      ? []
      : [{ person_id: write.link.personId, id: write.contact.id, version: guard.contactVersion }],
  );
  return {
    keyIds: ids.map(String),
    lockIds: [...new Set(contacts.map((c) => c.id))].sort(),
    expected: JSON.stringify(expected),
    unchanged: JSON.stringify(unchanged),
    contacts: JSON.stringify(contacts),
  };
}

/**
 * The values of a wave's statement (`waveStatement`) for `writes`: each table's rows as one JSON
 * text, the ids as arrays.
 */
function waveValues(
  propertyId: string,
  writes: readonly WaveWrite[],
  contactRows: readonly ContactRow[],
  now: Date,
  outboxClaimMs: number | undefined,
): WaveValues {
  const linkRows = writes.map(({ write }) => linkValues(propertyId, write, now));
  const existing = writes
    .filter(({ write }) => !write.contact.isNew)
    .map((w) => w.write.contact.id);
  const rows = writes.map(({ write }) => ({
    user_id: write.contact.id,
    person_id: write.link.personId,
  }));
  const reviews = writes.flatMap(({ write }) =>
    write.action === "create" && write.review !== null
      ? [
          {
            person_id: write.link.personId,
            user_id: write.contact.id,
            candidate_id: write.review.candidateId,
            score: write.review.score,
            evidence: write.review.evidence,
          },
        ]
      : [],
  );
  const histories = writes.flatMap(({ write }) => {
    if (write.action !== "merge") return [];
    const documents = syncMergeDocuments(write.merge);
    return [
      {
        person_id: write.link.personId,
        user_id: write.contact.id,
        before: documents.before,
        applied: documents.applied,
        incoming: documents.incoming,
        score: write.merge.score,
        evidence: write.merge.evidence,
      },
    ];
  });
  const outbox = writes.map(({ write, announce }) => ({
    id: announce.id,
    event_type: announce.type,
    contact_id: write.contact.id,
    person_id: write.link.personId,
    status: write.link.status,
    match_score: write.link.matchScore,
  }));
  const claims = writes.flatMap(({ write, guard: { event } }) =>
    event === undefined
      ? []
      : [
          {
            source: event.source,
            id: event.id,
            user_id: write.contact.id,
            person_id: write.link.personId,
          },
        ],
  );
  return {
    ...guardValues(propertyId, writes),
    propertyId,
    now: now.toISOString(),
    claimMs: outboxClaimMs ?? null,
    claims: JSON.stringify(claims),
    rows: JSON.stringify(rows),
    contactRows: recordset(user, contactRows),
    linkRows: recordset(contactSync, linkRows),
    existing,
    reviews: JSON.stringify(reviews),
    histories: JSON.stringify(histories),
    outbox: JSON.stringify(outbox),
  };
}

/**
 * The statement of `writeWave` (see `waveValues`), in one of its four shapes: outbox rows
 * claimed for `claimMs` or not, written contacts returned or not. Made once each.
 */
const shapeOf = (claimed: boolean, returnWritten: boolean) =>
  statementShape<WaveValues, WaveRow>((p) => waveStatement(p, claimed, returnWritten));
const waveShapes = {
  false: { false: shapeOf(false, false), true: shapeOf(false, true) },
  true: { false: shapeOf(true, false), true: shapeOf(true, true) },
};
const waveShape = (claimed: boolean, returnWritten: boolean): StatementShape<WaveValues, WaveRow> =>
  waveShapes[`${claimed}`][`${returnWritten}`];

/**
 * The statement of `writeWave`: the guard (`waveGuard`), then the deliveries' inbox entries
 * claimed for the writes whose reading holds (a write whose entry an earlier delivery holds is
 * `refused`), and for every write neither stale nor refused: contacts upserted by id (an update
 * bumps the version), links upserted by person, then the review items, placeholder removals,
 * merge histories and outbox rows joined to the links by person id (claimed for
 * `claimMs` when `claimed`). It returns each written link (its contact and ResMan status,
 * its outbox row's creation time) and each stale person, and with `returnWritten` each written
 * contact's id, version and times (its columns are the ones sent: `WaveWritten`).
 */
function waveStatement(p: Placeholders<WaveValues>, claimed: boolean, returnWritten: boolean): SQL {
  const propertyId = p.propertyId;
  const contactNames = contactProperties.map((property) => getTableColumns(user)[property].name);
  const linkNames = linkProperties.map((property) => getTableColumns(contactSync)[property].name);
  const linkUpdated = linkSetColumns as readonly string[];
  const claimedUntil = claimed
    ? sql`now() + ${p.claimMs} * interval '1 millisecond'`
    : sql`null::timestamptz`;
  return sql`${sql.raw(PREPARED)} with ${sql.join(waveGuard(p), sql`, `)},
    claim as (
      select * from jsonb_to_recordset(${p.claims}::jsonb)
        as c(source text, id text, user_id uuid, person_id text)
      where c.person_id not in (select person_id from stale)),
    claimed as (
      insert into ${processedEvent} (source, event_id, property_id)
      select source, id, ${propertyId} from claim
      on conflict do nothing
      returning source, event_id),
    skipped as (
      select w.user_id, w.person_id from jsonb_to_recordset(${p.rows}::jsonb)
        as w(user_id uuid, person_id text)
      where w.person_id in (select person_id from stale)
      union all
      select c.user_id, c.person_id from claim c
      where not exists (select 1 from claimed d where d.source = c.source and d.event_id = c.id)),
    contact as (
      insert into ${user} (id, property_id, ${columnNames(user, contactProperties)})
      select id, property_id, ${columnNames(user, contactProperties)}
      from jsonb_populate_recordset(null::${user}, ${p.contactRows}::jsonb)
      where id not in (select user_id from skipped)
      on conflict (id) do update set ${excludedSet(contactNames)},
        updated_at = ${p.now}::timestamptz, version = ${user}.version + 1
        where ${user}.property_id = excluded.property_id
      returning id, version, created_at, updated_at),
    link as (
      insert into ${contactSync} (${columnNames(contactSync, linkProperties)})
      select ${columnNames(contactSync, linkProperties)}
      from jsonb_populate_recordset(null::${contactSync}, ${p.linkRows}::jsonb)
      where resman_contact_id not in (select person_id from skipped)
      on conflict (property_id, resman_contact_id) do update set ${excludedSet(
        linkNames.filter((name) => linkUpdated.includes(name)),
      )}
      returning id, resman_contact_id, user_id, resman_status),
    placeholder as (
      delete from ${contactSync} where ${contactSync.propertyId} = ${propertyId}
        and ${contactSync.personId} is null
        and ${contactSync.userId} = any(${arrayParam(p.existing)}::uuid[])
        and ${contactSync.userId} not in (select user_id from skipped)
      returning id, user_id, created_at, last_sync_at),
    review as (
      insert into ${contactReview} (property_id, user_id, candidate_id, link_id, score, evidence)
      select ${propertyId}, r.user_id, r.candidate_id, link.id, r.score, r.evidence
      from jsonb_to_recordset(${p.reviews}::jsonb) as r(person_id text, user_id uuid,
        candidate_id uuid, score float8, evidence jsonb)
      join link on link.resman_contact_id = r.person_id
      on conflict do nothing),
    history as (
      insert into ${contactMergeHistory} (property_id, user_id, link_id, resman_contact_id,
        before, applied, match_score, match_evidence, incoming)
      select ${propertyId}, h.user_id, link.id, h.person_id, h.before,
        h.applied || jsonb_build_object('placeholders_removed', (
          select coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'contact_id', p.user_id,
            'created_at', p.created_at, 'last_sync_at', p.last_sync_at)), '[]'::jsonb)
          from placeholder as p where p.user_id = h.user_id)),
        h.score, h.evidence, h.incoming
      from jsonb_to_recordset(${p.histories}::jsonb) as h(person_id text, user_id uuid,
        before jsonb, applied jsonb, incoming jsonb, score float8, evidence jsonb)
      join link on link.resman_contact_id = h.person_id),
    outbox as (
      insert into ${outboxEvent} (id, event_type, property_id, contact_id, link_id,
        resman_person_id, status, match_score, claimed_until, attempts)
      select o.id, o.event_type, ${propertyId}, o.contact_id, link.id, o.person_id, o.status,
        o.match_score, ${claimedUntil}, ${claimed ? 1 : 0}
      from jsonb_to_recordset(${p.outbox}::jsonb) as o(id uuid, event_type text, contact_id uuid,
        person_id text, status text, match_score float8)
      join link on link.resman_contact_id = o.person_id
      returning resman_person_id, created_at)
    select link.resman_contact_id as person_id, link.id,
      (floor(extract(epoch from outbox.created_at) * 1000))::bigint::text as created_ms,
      link.user_id, link.resman_status, null::int as version, null::text as updated_ms
    from link left join outbox on outbox.resman_person_id = link.resman_contact_id
    union all
    select person_id, null, null, null, null, null, null from stale${
      returnWritten
        ? sql`
    union all
    select null, null, (floor(extract(epoch from contact.created_at) * 1000))::bigint::text,
      contact.id, null, contact.version,
      (floor(extract(epoch from contact.updated_at) * 1000))::bigint::text from contact`
        : sql``
    }`;
}

/**
 * A row of the wave's statement: a written link (with its outbox row's creation time), a stale
 * person (no link id), or a written contact (no person: its id, version and creation time).
 */
interface WaveRow {
  person_id: string | null;
  id: string | null;
  created_ms: string | null;
  user_id: string | null;
  resman_status: string | null;
  version: number | null;
  updated_ms: string | null;
}

type UserRow = typeof user.$inferSelect;

/** A contact row a wave sends: every column it writes, with its id and property. */
export type ContactRow = ContactColumns & { id: string; propertyId: string };

/**
 * What a wave wrote, for a reader that remembers (`rememberedReadings.ts`): each written
 * contact's row as the statement left it — the columns the wave sent, with the version and
 * creation time the statement returned (a contact the wave wrote is live: its merge is a
 * separate write) — and each written link's person, contact and ResMan status.
 */
export interface WaveWritten {
  contacts: UserRow[];
  links: { personId: string; contactId: string; resmanStatus: string | null }[];
}

/** `ContactStore.writeWave` on `db`: one statement, its outcome per write. */
export async function writeWave(
  db: Database,
  propertyId: string,
  writes: readonly WaveWrite[],
  options: WaveOptions = {},
): Promise<GuardedResult<WaveApplied>[]> {
  return (await runWave(db, propertyId, writes, options, false)).outcomes;
}

/**
 * `writeWave`, with what it wrote (`WaveWritten`): for a reader that remembers. `contactRows`:
 * the rows it sends (`contactRowsOf`), when its caller made them already.
 */
export function writeWaveReturning(
  db: Database,
  propertyId: string,
  writes: readonly WaveWrite[],
  options: WaveOptions = {},
  contactRows: readonly ContactRow[] = contactRowsOf(propertyId, writes),
): Promise<{ outcomes: GuardedResult<WaveApplied>[]; written: WaveWritten }> {
  return runWave(db, propertyId, writes, options, true, contactRows);
}

/** The contact rows a wave sends: one for each write that creates or changes its contact. */
export function contactRowsOf(propertyId: string, writes: readonly WaveWrite[]): ContactRow[] {
  return writes
    .filter(({ write }) => write.contact.isNew || write.contact.changed)
    .map(({ write }) => ({ id: write.contact.id, propertyId, ...contactColumns(write.contact) }));
}

/** A contact row a wave wrote: the columns it sent, live (its merge is a write of its own). */
function writtenRow(sent: ContactRow, version: number, createdAt: Date, updatedAt: Date): UserRow {
  return { ...sent, mergedIntoId: null, version, createdAt, updatedAt };
}

/**
 * What a wave writes if every write applies, known before its statement returns: each contact
 * row as sent — at the version the statement gives it (an update one past the version read,
 * a new contact 0), its times `unknownTime` (the statement sets them) — and each link.
 */
export function writtenIfApplied(
  writes: readonly WaveWrite[],
  contactRows: readonly ContactRow[],
  unknownTime: Date,
): WaveWritten {
  const versions = new Map(
    writes.map(({ write, guard }) => [write.contact.id, (guard.contactVersion ?? -1) + 1]),
  );
  return {
    contacts: contactRows.map((row) =>
      writtenRow(row, versions.get(row.id) ?? 0, unknownTime, unknownTime),
    ),
    links: writes.map(({ write }) => ({
      personId: write.link.personId,
      contactId: write.contact.id,
      resmanStatus: write.link.resmanStatus,
    })),
  };
}

async function runWave(
  db: Database,
  propertyId: string,
  writes: readonly WaveWrite[],
  options: WaveOptions,
  returnWritten: boolean,
  contactRows: readonly ContactRow[] = contactRowsOf(propertyId, writes),
): Promise<{ outcomes: GuardedResult<WaveApplied>[]; written: WaveWritten }> {
  const what: WaveWritten = { contacts: [], links: [] };
  if (writes.length === 0) return { outcomes: [], written: what };
  const now = new Date();
  const rows = await waveShape(options.outboxClaimMs !== undefined, returnWritten)(
    db,
    waveValues(propertyId, writes, contactRows, now, options.outboxClaimMs),
  );
  const sent = returnWritten ? new Map(contactRows.map((row) => [row.id, row])) : new Map();
  const rowOf = new Map<string, WaveRow>();
  for (const row of rows) {
    if (row.person_id === null) {
      const columns = row.user_id === null ? undefined : sent.get(row.user_id);
      if (columns === undefined) throw new Error("wave returned a contact it did not send");
      what.contacts.push(
        writtenRow(
          columns,
          Number(row.version),
          new Date(Number(row.created_ms)),
          new Date(Number(row.updated_ms)),
        ),
      );
      continue;
    }
    rowOf.set(row.person_id, row);
    if (row.user_id !== null)
      what.links.push({
        personId: row.person_id,
        contactId: row.user_id,
        resmanStatus: row.resman_status,
      });
  }
  const outcomes = writes.map(({ write, announce, guard }): GuardedResult<WaveApplied> => {
    const row = rowOf.get(write.link.personId);
    // Listed without a link: its reading no longer held.
    if (row?.id === null) return { status: "conflict" };
    // No link written: its delivery's inbox entry was held by an earlier delivery.
    if (row === undefined && guard.event !== undefined) return { status: "duplicate" };
    if (row === undefined) throw new Error("wave link upsert returned no row");
    const applied = { contactId: write.contact.id, linkId: row.id };
    if (options.outboxClaimMs === undefined) return { status: "applied", ...applied };
    const event = eventOf({
      id: announce.id,
      eventType: announce.type,
      propertyId,
      contactId: write.contact.id,
      mergedContactId: null,
      linkId: row.id,
      personId: write.link.personId,
      status: write.link.status,
      matchScore: write.link.matchScore,
      createdAt: new Date(Number(row.created_ms)),
    });
    return { status: "applied", ...applied, event };
  });
  return { outcomes, written: what };
}
