/**
 * The transaction of a wave (`WaveTransaction`) on Postgres: the identity keys bumped with
 * their new versions returned, the written contacts locked with their versions, and every
 * write of the wave (with the inbox claims of a queue batch's deliveries) in one statement
 * whose size does not depend on how many people it carries — each table's rows travel as one
 * JSON parameter (`jsonb_populate_recordset`, `jsonb_to_recordset`), so the statement text is
 * the same for every wave and a thousand people cost one round trip. The rows are exactly those
 * `syncWrites.ts` writes for one decision.
 */
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { SyncApplied, WaveTransaction, WaveWrite } from "../../app/ports.js";
import { syncMergeDocuments } from "../../domain/mergeHistory.js";
import type { Transaction } from "./client.js";
import { contactColumns } from "./contactRows.js";
import { bumpKeys, keyIdsOf, lockId } from "./keyVersions.js";
import {
  contactMergeHistory,
  contactReview,
  contactSync,
  outboxEvent,
  processedEvent,
  user,
} from "./schema.js";
import { executeRows } from "./sqlRows.js";
import { linkSetColumns, linkValues } from "./syncWrites.js";

/** Rows of `table` as one JSON parameter, keyed by column name (Dates as ISO text). */
function recordset<T extends PgTable>(table: T, rows: readonly Partial<T["$inferInsert"]>[]): SQL {
  const columns = getTableColumns(table);
  const json = rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [property, value] of Object.entries(row)) {
      const column = columns[property];
      if (column === undefined || value === undefined) continue;
      out[column.name] = value instanceof Date ? value.toISOString() : value;
    }
    return out;
  });
  return sql`${JSON.stringify(json)}::jsonb`;
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

/**
 * The statement of `applyAll`: the deliveries' inbox entries claimed (a write whose entry an
 * earlier delivery holds is `refused`: none of its rows is written), contacts upserted by id (an
 * update bumps the version), links upserted by person, then the review items, placeholder
 * removals, merge histories and outbox rows joined to the links by person id.
 */
function waveStatement(propertyId: string, writes: readonly WaveWrite[], now: Date): SQL {
  const contactRows = writes
    .filter(({ write }) => write.contact.isNew || write.contact.changed)
    .map(({ write }) => ({ id: write.contact.id, propertyId, ...contactColumns(write.contact) }));
  const linkRows = writes.map(({ write }) => linkValues(propertyId, write, now));
  const existing = writes
    .filter(({ write }) => !write.contact.isNew)
    .map((w) => w.write.contact.id);
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
  const claims = writes.flatMap(({ write, event }) =>
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
  const json = (rows: unknown[]) => sql`${JSON.stringify(rows)}::jsonb`;
  const contactNames = contactProperties.map((p) => getTableColumns(user)[p].name);
  const linkNames = linkProperties.map((p) => getTableColumns(contactSync)[p].name);
  const linkUpdated = linkSetColumns as readonly string[];
  return sql`with claim as (
      select * from jsonb_to_recordset(${json(claims)})
        as c(source text, id text, user_id uuid, person_id text)),
    claimed as (
      insert into ${processedEvent} (source, event_id, property_id)
      select source, id, ${propertyId} from claim
      on conflict do nothing
      returning source, event_id),
    refused as (
      select c.user_id, c.person_id from claim c
      where not exists (select 1 from claimed d where d.source = c.source and d.event_id = c.id)),
    contact as (
      insert into ${user} (id, property_id, ${columnNames(user, contactProperties)})
      select id, property_id, ${columnNames(user, contactProperties)}
      from jsonb_populate_recordset(null::${user}, ${recordset(user, contactRows)})
      where id not in (select user_id from refused)
      on conflict (id) do update set ${excludedSet(contactNames)},
        updated_at = ${now.toISOString()}::timestamptz, version = ${user}.version + 1
        where ${user}.property_id = excluded.property_id
      returning id),
    link as (
      insert into ${contactSync} (${columnNames(contactSync, linkProperties)})
      select ${columnNames(contactSync, linkProperties)}
      from jsonb_populate_recordset(null::${contactSync}, ${recordset(contactSync, linkRows)})
      where resman_contact_id not in (select person_id from refused)
      on conflict (property_id, resman_contact_id) do update set ${excludedSet(
        linkNames.filter((name) => linkUpdated.includes(name)),
      )}
      returning id, resman_contact_id),
    placeholder as (
      delete from ${contactSync} where ${contactSync.propertyId} = ${propertyId}
        and ${contactSync.personId} is null
        and ${contactSync.userId} = any(${sql.param(existing, user.phoneKeys)}::uuid[])
        and ${contactSync.userId} not in (select user_id from refused)
      returning id, user_id, created_at, last_sync_at),
    review as (
      insert into ${contactReview} (property_id, user_id, candidate_id, link_id, score, evidence)
      select ${propertyId}, r.user_id, r.candidate_id, link.id, r.score, r.evidence
      from jsonb_to_recordset(${json(reviews)}) as r(person_id text, user_id uuid,
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
      from jsonb_to_recordset(${json(histories)}) as h(person_id text, user_id uuid,
        before jsonb, applied jsonb, incoming jsonb, score float8, evidence jsonb)
      join link on link.resman_contact_id = h.person_id),
    outbox as (
      insert into ${outboxEvent} (id, event_type, property_id, contact_id, link_id,
        resman_person_id, status, match_score)
      select o.id, o.event_type, ${propertyId}, o.contact_id, link.id, o.person_id, o.status,
        o.match_score
      from jsonb_to_recordset(${json(outbox)}) as o(id uuid, event_type text, contact_id uuid,
        person_id text, status text, match_score float8)
      join link on link.resman_contact_id = o.person_id)
    select resman_contact_id as person_id, id from link`;
}

/** `WaveTransaction` in a Drizzle transaction. */
export class DrizzleWaveTransaction implements WaveTransaction {
  constructor(private readonly tx: Transaction) {}

  async bumpKeys(
    propertyId: string,
    keys: readonly string[],
  ): Promise<ReadonlyMap<string, number>> {
    const versions = new Map<string, number>();
    if (keys.length === 0) return versions;
    const nameOf = new Map(keys.map((key) => [lockId(propertyId, key).toString(), key]));
    const rows = await executeRows<{ key_id: string; version: string | number }>(
      this.tx,
      sql`${bumpKeys(keyIdsOf(propertyId, keys))} returning key_id::text, version`,
    );
    for (const row of rows) {
      const name = nameOf.get(String(row.key_id));
      if (name !== undefined) versions.set(name, Number(row.version));
    }
    return versions;
  }

  async lockContacts(
    propertyId: string,
    ids: readonly string[],
  ): Promise<ReadonlyMap<string, number>> {
    const versions = new Map<string, number>();
    if (ids.length === 0) return versions;
    const sorted = [...new Set(ids)].sort();
    const rows = await executeRows<{ id: string; version: number }>(
      this.tx,
      sql`select ${user.id} as id, ${user.version} as version from ${user}
        where ${user.id} = any(${sql.param(sorted, user.phoneKeys)}::uuid[])
          and ${user.propertyId} = ${propertyId} and ${user.mergedIntoId} is null
        order by ${user.id} for update`,
    );
    for (const row of rows) versions.set(row.id, Number(row.version));
    return versions;
  }

  async applyAll(
    propertyId: string,
    writes: readonly WaveWrite[],
  ): Promise<(SyncApplied | null)[]> {
    if (writes.length === 0) return [];
    const rows = await executeRows<{ person_id: string; id: string }>(
      this.tx,
      waveStatement(propertyId, writes, new Date()),
    );
    const linkOf = new Map(rows.map((row) => [row.person_id, row.id]));
    return writes.map(({ write, event }) => {
      const linkId = linkOf.get(write.link.personId);
      // No link written: its delivery's inbox entry was held by an earlier delivery.
      if (linkId === undefined && event !== undefined) return null;
      if (linkId === undefined) throw new Error("wave link upsert returned no row");
      return { contactId: write.contact.id, linkId };
    });
  }
}
