/**
 * The sync path on Postgres (any driver): the snapshot read and the guarded write of the
 * optimistic protocol, the locking transaction it falls back to, the inbox, the outbox rows and
 * the enrichment writes.
 *
 * Over 500 lines as one thing: the sync path's statements on Postgres. The snapshot read, the
 * guarded write and the locking transaction share the same SQL fragments (key versions,
 * candidate lookups, counted keys, the write CTEs), which must stay identical across the two
 * protocols for them to exclude each other.
 */
import { createHash } from "node:crypto";
import { and, arrayOverlaps, eq, isNull, type SQL, sql } from "drizzle-orm";
import type {
  Announcement,
  CandidateLookup,
  ContactStore,
  EnrichmentCandidates,
  EnrichmentWrite,
  GuardedEnrichmentResult,
  GuardedEnrichmentSnapshot,
  GuardedSnapshot,
  GuardedWriteResult,
  LinkFailure,
  SnapshotRequest,
  SyncGuard,
  SyncSnapshot,
  SyncTransaction,
  SyncWrite,
} from "../../app/ports.js";
import { MAX_BLOCK_SIZE } from "../../domain/blocking.js";
import type { Contact } from "../../domain/contact.js";
import type { PersonStatus } from "../../domain/person.js";
import type { ContactWrite, LinkState, ReviewWrite } from "../../domain/syncDecision.js";
import type { Database } from "./client.js";
import { contactColumns, contactFromRow, linkFromRow } from "./contactRows.js";
import { toStoreError } from "./errors.js";
import {
  contactEnrichmentLog,
  contactMergeHistory,
  contactReview,
  contactSync,
  identityKey,
  outboxEvent,
  processedEvent,
  user,
} from "./schema.js";
import { insertWhere, rowFromJson } from "./sqlRows.js";

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** One candidate of the snapshot as the read statement returns it (`to_jsonb` rows). */
interface SnapshotJson {
  contact: Record<string, unknown>;
  other: PersonStatus[] | null;
}

/**
 * The 64-bit id of a property-scoped identity key (its `identity_key` row). SHA-256 makes
 * collisions between different keys negligible (a collision would only make two unrelated
 * syncs retry or wait for each other).
 */
export function lockId(propertyId: string, key: string): bigint {
  const digest = createHash("sha256").update(`${propertyId}|${key}`).digest();
  return digest.readBigInt64BE(0);
}

/** JSON columns arrive parsed from some drivers and as text from others. */
function parseJson<T>(value: T | string): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : value;
}

/** A scalar subquery: `[[key id, version], …]` of the identity keys that exist. */
function keyVersionsOf(ids: readonly bigint[]): SQL {
  if (ids.length === 0) return sql`'[]'::jsonb`;
  return sql`(select coalesce(jsonb_agg(jsonb_build_array(k.key_id::text, k.version)), '[]'::jsonb)
    from ${identityKey} k
    where k.key_id in (${sql.join(
      ids.map((id) => sql`${id.toString()}::bigint`),
      sql`, `,
    )}))`;
}

/**
 * Inserts or bumps the version rows of identity keys (ids sorted by `keyIdsOf`). In a
 * transaction the rows stay locked until commit — two transactions never wait on each other in
 * opposite orders — and every guarded write that read them before fails its check.
 */
export function bumpKeys(ids: readonly bigint[]): SQL {
  const rows = ids.map((id) => sql`(${id.toString()}::bigint, 1)`);
  return sql`insert into ${identityKey} (key_id, version) values ${sql.join(rows, sql`, `)}
    on conflict (key_id) do update set version = ${identityKey}.version + 1`;
}

/** The sorted, distinct 64-bit ids of a property's identity keys. */
export function keyIdsOf(propertyId: string, keys: readonly string[]): bigint[] {
  return [...new Set(keys.map((key) => lockId(propertyId, key)))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
}

/**
 * Live contacts of the property holding any of the phones. The GIN index on the phones must
 * drive: `OFFSET 0` keeps the property condition out of the inner scan, because a planner
 * without statistics (PGlite never analyses; a server without autovacuum) would otherwise
 * reach the property through the second column of a key index and scan the whole property.
 */
function phoneLookup(propertyId: string, phones: readonly string[], unblocked = false): SQL {
  return sql`select by_phone.id from (
      select ${user.id} as id, ${user.propertyId} as property_id, ${user.blockKeys} as block_keys
      from ${user}
      where ${arrayOverlaps(user.phoneKeys, [...phones])} and ${user.mergedIntoId} is null
      offset 0) as by_phone
    where by_phone.property_id = ${propertyId}${unblocked ? sql` and cardinality(by_phone.block_keys) = 0` : sql``}`;
}

/**
 * The contacts with these ids, read by primary key. `= any(array(…))` computes the ids first
 * and then fetches each by id: with `in (…)` and a property condition next to it, a planner
 * without statistics may scan the whole property and hash-join (the cost grows with every
 * contact the property has). Every branch of `ids` already keeps to one property.
 */
function byIds(ids: SQL): SQL {
  return sql`${user.id} = any(array(${ids}))`;
}

/** `key`'s live contacts in the property, at most one more than `MAX_BLOCK_SIZE` (fenced). */
function blockMembers(propertyId: string, key: SQL): SQL {
  return sql`select 1 from (
      select ${user.propertyId} as property_id, ${user.mergedIntoId} as merged_into_id
      from ${user} where ${user.blockKeys} @> array[${key}]::text[] offset 0) as member
    where member.property_id = ${propertyId} and member.merged_into_id is null
    limit ${MAX_BLOCK_SIZE + 1}`;
}

/** The person's blocking keys held by more than `MAX_BLOCK_SIZE` live contacts (an array). */
function commonBlocks(propertyId: string, blocks: readonly string[]): SQL {
  if (blocks.length === 0) return sql`'{}'::text[]`;
  return sql`array(select k from unnest(${textArray(blocks)}) as k
    where (select count(*) from (${blockMembers(propertyId, sql`k`)}) as c) > ${MAX_BLOCK_SIZE})`;
}

/**
 * How many live contacts hold each of `keys` (counted keys and the dwelling key, see
 * `countedKeys`), each counted up to one more than `MAX_BLOCK_SIZE`: a JSON object.
 */
function keyCounts(propertyId: string, keys: readonly string[]): SQL {
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
 * (`MAX_BLOCK_SIZE`), through the GIN index on `block_keys` (fenced like `phoneLookup`, for
 * the same reason). Each key's size is counted up to the limit only, so a person's lookup costs
 * at most about `MAX_BLOCK_SIZE` rows per key, however large the property.
 */
function blockLookup(propertyId: string, blocks: readonly string[]): SQL {
  return sql`select by_block.id from (
      select ${user.id} as id, ${user.propertyId} as property_id from ${user}
      where ${user.blockKeys} && (select array(select unnest(${textArray(blocks)})
          except select unnest(${commonBlocks(propertyId, blocks)})))
        and ${user.mergedIntoId} is null
      offset 0) as by_block
    where by_block.property_id = ${propertyId}`;
}

/**
 * Lookups of the live contacts that could be the person: every contact sharing a blocking key,
 * and (for contacts written before blocking keys existed, whose `block_keys` is empty) the
 * exact email, phone and name + birth date keys. One indexed lookup each, for UNION.
 */
function keyLookups(propertyId: string, lookup: CandidateLookup): SQL[] {
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
  if (keys.phones.length > 0) contactIds.push(phoneLookup(propertyId, keys.phones, true));
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
function candidateIds(propertyId: string, personId: string, lookup: CandidateLookup): SQL {
  const contactIds: SQL[] = [
    sql`select ${contactSync.userId} from ${contactSync}
          where ${contactSync.propertyId} = ${propertyId} and ${contactSync.resmanContactId} = ${personId}
            and ${contactSync.userId} is not null`,
    ...keyLookups(propertyId, lookup),
  ];
  return sql.join(contactIds, sql` union `);
}

type Writer = Pick<Database, "insert" | "update">;

/**
 * The CTE writing a contact (insert or update) when `condition` holds, or nothing when the
 * contact did not change. Every update bumps the contact's version.
 */
function contactWrites(
  db: Writer,
  propertyId: string,
  contact: ContactWrite,
  now: Date,
  condition: SQL,
): SQL[] {
  if (contact.isNew) {
    const values = { id: contact.id, propertyId, ...contactColumns(contact) };
    return [sql`contact as (${insertWhere(user, values, condition)})`];
  }
  if (contact.changed) {
    const update = db
      .update(user)
      .set({ ...contactColumns(contact), updatedAt: now, version: sql`${user.version} + 1` })
      .where(and(eq(user.id, contact.id), eq(user.propertyId, propertyId), condition));
    return [sql`contact as (${update.getSQL()})`];
  }
  return [];
}

/** Columns a link upsert sets (all of them also on conflict). */
const linkSetColumns = [
  "user_id",
  "sync_status",
  "resman_status",
  "source_updated_at",
  "source_hash",
  "match_score",
  "match_evidence",
  "attempts",
  "last_error",
  "last_sync_at",
  "updated_at",
] as const;

/**
 * The CTEs of a decision, each applied only when `condition` holds: the contact, the link
 * upsert (named `link`, returning its id), the merge history, the removal of a chatbot lead's
 * placeholder link, and the outbox row announcing it.
 */
function decisionWrites(
  db: Writer,
  propertyId: string,
  write: SyncWrite,
  announce: Announcement | null,
  condition: SQL,
): SQL[] {
  const { contact, link } = write;
  const now = new Date();
  const parts = contactWrites(db, propertyId, contact, now, condition);
  // An upsert even for a "new" link: a row left without a contact (user_id NULL, which the
  // seed allows, e.g. a person marked failed) is re-pointed instead of duplicated.
  const upsert = insertWhere(
    contactSync,
    {
      propertyId,
      resmanContactId: link.personId,
      userId: contact.id,
      syncStatus: link.status,
      resmanStatus: link.resmanStatus,
      sourceUpdatedAt: link.sourceUpdatedAt,
      sourceHash: link.sourceHash,
      matchScore: link.matchScore,
      matchEvidence: link.evidence,
      attempts: 0,
      lastError: null,
      lastSyncAt: now,
      updatedAt: now,
    },
    condition,
    sql`on conflict (property_id, resman_contact_id) do update set ${sql.join(
      linkSetColumns.map((name) => sql`${sql.identifier(name)} = excluded.${sql.identifier(name)}`),
      sql`, `,
    )} returning id`,
  );
  parts.push(sql`link as (${upsert})`);
  if (write.action === "create" && write.review !== null) {
    parts.push(reviewWrite(propertyId, contact.id, write.review, sql`(select id from link)`));
  }
  if (!contact.isNew) {
    // A chatbot-only contact waits on a placeholder link (no ResMan person, `pending`) until
    // a ResMan person is linked: that is now, so the placeholder goes (recorded in the merge
    // history, so an unmerge can put it back as it was).
    parts.push(sql`placeholder as (
      delete from ${contactSync} where ${contactSync.userId} = ${contact.id}
        and ${contactSync.propertyId} = ${propertyId} and ${contactSync.resmanContactId} is null
        and ${condition}
      returning id, user_id, created_at, last_sync_at)`);
  }
  if (write.action === "merge") {
    const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;
    const applied = {
      fields: write.merge.applied,
      secondary_before: write.merge.secondaryBefore,
      kind_before: write.merge.kindBefore,
    };
    parts.push(sql`history as (
      insert into ${contactMergeHistory} (property_id, user_id, link_id, resman_contact_id,
        before, applied, match_score, match_evidence, incoming)
      select ${propertyId}, ${contact.id}, link.id, ${link.personId}, ${json(write.merge.before)},
        ${json(applied)} || jsonb_build_object('placeholders_removed', (
          select coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'contact_id', p.user_id,
            'created_at', p.created_at, 'last_sync_at', p.last_sync_at)), '[]'::jsonb)
          from placeholder as p)),
        ${write.merge.score}::float8, ${json(write.merge.evidence)},
        ${json({ values: write.merge.incoming, sources: "resman" })}
      from link)`);
  }
  if (announce !== null) {
    parts.push(sql`outbox as (
      insert into ${outboxEvent} (id, event_type, property_id, contact_id, link_id,
        resman_person_id, status, match_score)
      select ${announce.id}, ${announce.type}, ${propertyId}, ${contact.id}, link.id,
        ${link.personId}, ${link.status}, ${link.matchScore}::float8
      from link)`);
  }
  return parts;
}

/**
 * The CTE inserting a review item for a new contact and its review-band candidate (after the
 * contact and link CTEs, whose rows it references). A pair already reviewed either way round is
 * left as it is: a rejected pair is never proposed again.
 */
function reviewWrite(propertyId: string, contactId: string, review: ReviewWrite, linkId: SQL): SQL {
  return sql`review as (
    insert into ${contactReview} (property_id, user_id, candidate_id, link_id, score, evidence)
    select ${propertyId}, ${contactId}, ${review.candidateId}, ${linkId}, ${review.score}::float8,
      ${JSON.stringify(review.evidence)}::jsonb
    from link
    on conflict do nothing)`;
}

/**
 * The guard of a guarded write, as CTEs: `known`/`fresh` bump every identity key still at the
 * version read (inserting the ones that did not exist), `ok` says whether all of them and the
 * target contact's version held, `go` whether to write (ok, and the event claimed if there is
 * one). Each key still at the version read is bumped; one that changed (or appeared) is not,
 * and then nothing conditioned on `go` is written. A concurrent writer holding a key row makes
 * this wait, and Postgres re-checks the version against its committed value.
 */
function guardParts(propertyId: string, contactId: string, guard: SyncGuard): SQL[] {
  const parts: SQL[] = [];
  const known: SQL[] = [];
  const fresh: SQL[] = [];
  for (const key of [...new Set(guard.keys)].sort()) {
    const id = sql`${lockId(propertyId, key).toString()}::bigint`;
    const version = guard.keyVersions.get(key);
    if (version === undefined) fresh.push(sql`(${id}, 1)`);
    else known.push(sql`(${id}, ${version}::bigint)`);
  }
  parts.push(
    known.length === 0
      ? sql`known as (select null::bigint as key_id where false)`
      : sql`known as (
          update ${identityKey} k set version = k.version + 1
          from (values ${sql.join(known, sql`, `)}) as r(key_id, version)
          where k.key_id = r.key_id and k.version = r.version
          returning k.key_id)`,
  );
  parts.push(
    fresh.length === 0
      ? sql`fresh as (select null::bigint as key_id where false)`
      : sql`fresh as (
          insert into ${identityKey} (key_id, version) values ${sql.join(fresh, sql`, `)}
          on conflict (key_id) do nothing
          returning key_id)`,
  );
  const expected = known.length + fresh.length;
  const contactGuard =
    guard.contactVersion === null
      ? sql`true`
      : sql`exists (select 1 from ${user} where ${user.id} = ${contactId}
          and ${user.propertyId} = ${propertyId} and ${user.version} = ${guard.contactVersion}
          for update)`;
  parts.push(sql`ok as (select
    (select count(*) from known) + (select count(*) from fresh) = ${expected} and ${contactGuard}
    as ok)`);
  if (guard.event !== undefined) {
    parts.push(sql`claimed as (
      insert into ${processedEvent} (source, event_id, property_id)
      select ${guard.event.source}, ${guard.event.id}, ${propertyId} where (select ok from ok)
      on conflict do nothing
      returning 1)`);
    parts.push(sql`go as (select exists (select 1 from claimed) as go)`);
  } else {
    parts.push(sql`go as (select ok as go from ok)`);
  }
  return parts;
}

/**
 * The CTEs of an enrichment, each applied only when `condition` holds: the contact, a new
 * lead's placeholder link (named `link`), the log row and the outbox row.
 */
function enrichmentWrites(
  db: Writer,
  propertyId: string,
  write: EnrichmentWrite,
  condition: SQL,
): SQL[] {
  const { contact, log, announce } = write;
  const now = new Date();
  const parts = contactWrites(db, propertyId, contact, now, condition);
  if (write.createPendingLink) {
    // A chatbot-only contact: a link without a ResMan person, pending until one is linked.
    const insert = insertWhere(
      contactSync,
      {
        propertyId,
        userId: contact.id,
        resmanContactId: null,
        syncStatus: "pending",
        lastSyncAt: now,
        updatedAt: now,
      },
      condition,
      sql`returning id`,
    );
    parts.push(sql`link as (${insert})`);
  } else {
    parts.push(sql`link as (select null::uuid as id where false)`);
  }
  const entry = insertWhere(
    contactEnrichmentLog,
    {
      contactId: contact.id,
      enrichmentType: log.enrichmentType,
      enrichedData: log.data,
      source: "chatbot",
      conversationId: log.conversationId,
      eventId: log.eventId,
      propertyId,
    },
    condition,
  );
  parts.push(sql`entry as (${entry})`);
  if (write.review !== null) {
    parts.push(reviewWrite(propertyId, contact.id, write.review, sql`link.id`));
  }
  if (announce !== null) {
    parts.push(sql`outbox as (
      insert into ${outboxEvent} (id, event_type, property_id, contact_id, link_id, status)
      select ${announce.id}, ${announce.type}, ${propertyId}, ${contact.id}, link.id, 'pending'
      from link)`);
  }
  return parts;
}

/**
 * The contact an enrichment's conversation went to last (or the contact it was merged into),
 * as a scalar subquery.
 */
function conversationContactId(propertyId: string, conversationId: string): SQL {
  return sql`(
    select coalesce(earlier.merged_into_id, earlier.id) from ${user} as earlier
    where earlier.id = (
      select log.contact_id from ${contactEnrichmentLog} as log
      where log.conversation_id = ${conversationId} and log.property_id = ${propertyId}
      order by log.created_at desc limit 1))`;
}

/** Ids of the contacts an enrichment reads: the conversation's, and the candidates. */
function enrichmentCandidateIds(
  propertyId: string,
  lookup: CandidateLookup,
  conversationId: string,
): SQL {
  const contactIds: SQL[] = [
    sql`select ${conversationContactId(propertyId, conversationId)}`,
    ...keyLookups(propertyId, lookup),
  ];
  return sql.join(contactIds, sql` union `);
}

/** Splits an enrichment's contacts into candidates and the conversation's contact. */
function enrichmentFound(
  lookup: CandidateLookup,
  contacts: { contact: Contact; isConversation: boolean }[],
): { candidates: Contact[]; conversationContact: Contact | null } {
  const { keys } = lookup;
  const blocks = new Set(lookup.blocks);
  const shares = (c: Contact) =>
    c.blockKeys.some((block) => blocks.has(block)) ||
    (keys.email !== null && c.keys.email === keys.email) ||
    c.keys.phones.some((phone) => keys.phones.includes(phone)) ||
    (keys.nameDob !== null && c.keys.nameDob === keys.nameDob);
  return {
    candidates: contacts.filter(({ contact }) => shares(contact)).map(({ contact }) => contact),
    conversationContact: contacts.find((c) => c.isConversation)?.contact ?? null,
  };
}

class DrizzleSyncTransaction implements SyncTransaction {
  constructor(private readonly tx: Tx) {}

  async claimAndLock(
    propertyId: string,
    keys: readonly string[],
    event?: { source: string; id: string } | undefined,
  ): Promise<boolean> {
    // Bumping the keys' version rows locks them until commit (and tells every guarded write
    // that read them before that it is stale). Sorted: two transactions never wait on each
    // other in opposite orders. The inbox insert rides in the same statement.
    const ids = keyIdsOf(propertyId, keys);
    const parts: SQL[] = [];
    if (event !== undefined) {
      const claim = this.tx
        .insert(processedEvent)
        .values({ source: event.source, eventId: event.id, propertyId })
        .onConflictDoNothing()
        .returning({ eventId: processedEvent.eventId });
      parts.push(sql`claimed as (${claim.getSQL()})`);
    }
    if (ids.length > 0) parts.push(sql`bumped as (${bumpKeys(ids)} returning 1)`);
    if (parts.length === 0) return true;
    const claimed = event === undefined ? sql`1` : sql`(select count(*) from claimed)::int`;
    const bumped = ids.length === 0 ? sql`0` : sql`(select count(*) from bumped)::int`;
    const result = (await this.tx.execute(
      sql`with ${sql.join(parts, sql`, `)} select ${claimed} as claimed, ${bumped} as bumped`,
    )) as unknown as { rows: { claimed: number }[] };
    return Number(result.rows[0]?.claimed) === 1;
  }

  async loadSnapshot(
    propertyId: string,
    personId: string,
    lookup: CandidateLookup,
  ): Promise<SyncSnapshot> {
    // The contacts to read: the one the person is linked to, and every live contact sharing a
    // key. One indexed lookup per key, combined with UNION: a single OR across the link join
    // and the keys cannot use the indexes and would scan the whole property on every sync.
    const contactIds = candidateIds(propertyId, personId, lookup);
    const rows = await this.tx
      .select({
        contact: user,
        link: contactSync,
        // The statuses of the contact's other ResMan records decide its kind (best status wins).
        otherStatuses: sql<PersonStatus[] | null>`(
          select array_agg(other.resman_status) from ${contactSync} as other
          where other.user_id = ${user.id} and other.resman_contact_id <> ${personId}
            and other.resman_status is not null)`,
      })
      .from(user)
      .leftJoin(
        contactSync,
        and(
          eq(contactSync.userId, user.id),
          eq(contactSync.propertyId, propertyId),
          eq(contactSync.resmanContactId, personId),
        ),
      )
      .where(byIds(contactIds))
      // Row locks in id order: two syncs updating overlapping contacts queue instead of
      // deadlocking, and each sees the other's committed values (READ COMMITTED re-reads a
      // locked row's newest version).
      .orderBy(user.id)
      .for("update", { of: user });
    let link: SyncSnapshot["link"] = null;
    for (const row of rows) if (row.link !== null) link = linkFromRow(row.link);
    return {
      link,
      contacts: rows.map((row) => contactFromRow(row.contact, row.otherStatuses ?? [])),
      ...(await this.keyStatistics(propertyId, lookup)),
    };
  }

  /**
   * The person's blocking keys too common to find candidates by (`MAX_BLOCK_SIZE`), and how many
   * contacts hold each of its counted keys.
   */
  private async keyStatistics(
    propertyId: string,
    lookup: CandidateLookup,
  ): Promise<{ commonKeys: string[]; keyCounts: Record<string, number> }> {
    const result = (await this.tx.execute(
      sql`select ${commonBlocks(propertyId, lookup.blocks)} as common,
        ${keyCounts(propertyId, lookup.counted ?? [])} as counts`,
    )) as unknown as { rows: Pick<GuardedReadRow<unknown>, "common" | "counts">[] };
    const [row] = result.rows;
    return { commonKeys: row?.common ?? [], keyCounts: countsOf(row?.counts) };
  }

  /**
   * Writes a decision in one statement: the contact insert or update, the link upsert and, for a
   * merge, the history row, as data-modifying CTEs. One round trip instead of three; foreign
   * keys are checked at the end of the statement, when the new contact exists.
   */
  async apply(
    propertyId: string,
    write: SyncWrite,
    announce: Announcement | null,
  ): Promise<{ contactId: string; linkId: string }> {
    const parts = decisionWrites(this.tx, propertyId, write, announce, sql`true`);
    const result = (await this.tx.execute(
      sql`with ${sql.join(parts, sql`, `)} select id from link`,
    )) as unknown as { rows: { id: string }[] };
    const saved = result.rows[0];
    if (saved === undefined) throw new Error("link upsert returned no row");
    return { contactId: write.contact.id, linkId: saved.id };
  }

  async loadEnrichmentCandidates(
    propertyId: string,
    lookup: CandidateLookup,
    conversationId: string,
  ): Promise<EnrichmentCandidates> {
    const conversation = conversationContactId(propertyId, conversationId);
    const rows = await this.tx
      .select({
        contact: user,
        isConversation: sql<boolean>`${user.id} = ${conversation}`,
        statuses: sql<PersonStatus[] | null>`(
          select array_agg(other.resman_status) from ${contactSync} as other
          where other.user_id = ${user.id} and other.resman_status is not null)`,
      })
      .from(user)
      .where(
        and(
          byIds(enrichmentCandidateIds(propertyId, lookup, conversationId)),
          isNull(user.mergedIntoId),
        ),
      )
      .orderBy(user.id)
      .for("update", { of: user });
    return {
      ...enrichmentFound(
        lookup,
        rows.map((row) => ({
          contact: contactFromRow(row.contact, row.statuses ?? []),
          isConversation: row.isConversation === true,
        })),
      ),
      commonKeys: (await this.keyStatistics(propertyId, lookup)).commonKeys,
    };
  }

  async applyEnrichment(
    propertyId: string,
    write: EnrichmentWrite,
  ): Promise<{ contactId: string; linkId: string | null }> {
    const parts = enrichmentWrites(this.tx, propertyId, write, sql`true`);
    const result = (await this.tx.execute(
      sql`with ${sql.join(parts, sql`, `)} select (select id from link) as id`,
    )) as unknown as { rows: { id: string | null }[] };
    return { contactId: write.contact.id, linkId: result.rows[0]?.id ?? null };
  }
}

/** `exists(inbox row)` for a delivery, or `false` without one. */
function inboxHas(event: { source: string; id: string } | undefined): SQL {
  if (event === undefined) return sql`false`;
  return sql`exists (select 1 from ${processedEvent}
    where ${processedEvent.source} = ${event.source} and ${processedEvent.eventId} = ${event.id})`;
}

/**
 * The columns of one person's snapshot read: the inbox check, the key versions, the person's
 * link and the candidates as JSON. A link that already holds this exact version is a replay
 * whatever the candidates say, so they are not fetched then (re-imports and redeliveries stay
 * cheap).
 */
function snapshotColumns(
  propertyId: string,
  request: SnapshotRequest,
  event: { source: string; id: string } | undefined,
): SQL {
  const { personId, lookup, lockKeys, digest } = request;
  const personLink = sql`from ${contactSync} as pl where pl.property_id = ${propertyId}
      and pl.resman_contact_id = ${personId} and pl.user_id is not null`;
  const replay = sql`exists (select 1 ${personLink} and pl.source_hash = ${digest})`;
  return sql`${inboxHas(event)} as seen,
    ${keyVersionsOf(keyIdsOf(propertyId, lockKeys))} as versions,
    (select to_jsonb(pl) ${personLink}) as link,
    (select coalesce(jsonb_agg(jsonb_build_object('contact', to_jsonb(u),
        'other', (select array_agg(other.resman_status) from ${contactSync} as other
          where other.user_id = u.id and other.resman_contact_id <> ${personId}
            and other.resman_status is not null))), '[]'::jsonb)
      from ${user} as u
      where u.id = any(array(${candidateIds(propertyId, personId, lookup)}))
        and not ${replay}) as rows,
    (case when ${replay} then '{}'::text[]
      else ${commonBlocks(propertyId, lookup.blocks)} end) as common,
    (case when ${replay} then '{}'::jsonb
      else ${keyCounts(propertyId, lookup.counted ?? [])} end) as counts`;
}

/** What every guarded read returns next to its own columns. */
interface GuardedReadRow<R> {
  seen: boolean;
  versions: [string, number | string][] | string;
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
function guardedReadOf<R extends SnapshotJson>(
  row: GuardedReadRow<R>,
  propertyId: string,
  lockKeys: readonly string[],
) {
  const nameOf = new Map(lockKeys.map((key) => [lockId(propertyId, key).toString(), key]));
  const keyVersions = new Map<string, number>();
  for (const [id, version] of parseJson(row.versions)) {
    const name = nameOf.get(id);
    if (name !== undefined) keyVersions.set(name, Number(version));
  }
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
    keyVersions,
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

/** The `ContactStore` port on a Drizzle database. */
export class DrizzleContactStore implements ContactStore {
  constructor(private readonly db: Database) {}

  async findLink(propertyId: string, personId: string): Promise<LinkState | null> {
    try {
      const [row] = await this.db
        .select()
        .from(contactSync)
        .where(
          and(eq(contactSync.propertyId, propertyId), eq(contactSync.resmanContactId, personId)),
        );
      return row === undefined ? null : linkFromRow(row);
    } catch (error) {
      throw toStoreError(error, "find link");
    }
  }

  async readSnapshot(
    propertyId: string,
    personId: string,
    lookup: CandidateLookup,
    lockKeys: readonly string[],
    event: { source: string; id: string } | undefined,
    digest: string,
  ): Promise<GuardedSnapshot> {
    const [snapshot] = await this.readSnapshotRows(
      propertyId,
      [{ personId, lookup, lockKeys, digest }],
      event,
    );
    if (snapshot === undefined) throw toStoreError(new Error("no row"), "read snapshot");
    return snapshot;
  }

  async readSnapshots(
    propertyId: string,
    requests: readonly SnapshotRequest[],
  ): Promise<GuardedSnapshot[]> {
    if (requests.length === 0) return [];
    return this.readSnapshotRows(propertyId, requests, undefined);
  }

  /**
   * The snapshot reads of one or more persons in one statement: one row per request, in order
   * (`union all` of the single-person selects, numbered).
   */
  private async readSnapshotRows(
    propertyId: string,
    requests: readonly SnapshotRequest[],
    event: { source: string; id: string } | undefined,
  ): Promise<GuardedSnapshot[]> {
    const selects = requests.map(
      (request, index) =>
        sql`select ${index}::int as i, ${snapshotColumns(propertyId, request, event)}`,
    );
    try {
      const result = (await this.db.execute(sql.join(selects, sql` union all `))) as unknown as {
        rows: (GuardedReadRow<SnapshotJson> & {
          i: number;
          link: Record<string, unknown> | string | null;
        })[];
      };
      if (result.rows.length !== requests.length) throw new Error("snapshot rows missing");
      const snapshots: GuardedSnapshot[] = new Array(requests.length);
      for (const row of result.rows) {
        const request = requests[Number(row.i)];
        if (request === undefined) throw new Error("snapshot row out of range");
        const { candidates, ...read } = guardedReadOf(row, propertyId, request.lockKeys);
        const link =
          row.link === null ? null : linkFromRow(rowFromJson(contactSync, parseJson(row.link)));
        snapshots[Number(row.i)] = { ...read, link, contacts: candidates.map((c) => c.contact) };
      }
      return snapshots;
    } catch (error) {
      throw toStoreError(error, "read snapshot");
    }
  }

  async writeGuarded(
    propertyId: string,
    write: SyncWrite,
    announce: Announcement | null,
    guard: SyncGuard,
  ): Promise<GuardedWriteResult> {
    const result = await this.runGuarded(
      [
        ...guardParts(propertyId, write.contact.id, guard),
        ...decisionWrites(this.db, propertyId, write, announce, sql`(select go from go)`),
      ],
      "guarded write",
    );
    if (result.status !== "applied") return result;
    if (result.id === null) throw new Error("guarded write applied but returned no link");
    return { status: "applied", contactId: write.contact.id, linkId: result.id };
  }

  /** Runs a guarded statement (`guardParts` + writes naming `link`) and reads its outcome. */
  private async runGuarded(
    parts: SQL[],
    operation: string,
  ): Promise<{ status: "applied"; id: string | null } | { status: "conflict" | "duplicate" }> {
    try {
      const result = (await this.db.execute(
        sql`with ${sql.join(parts, sql`, `)}
          select (select ok from ok) as ok, (select go from go) as go, (select id from link) as id`,
      )) as unknown as { rows: { ok: boolean; go: boolean; id: string | null }[] };
      const [row] = result.rows;
      if (row === undefined || row.ok !== true) return { status: "conflict" };
      if (row.go !== true) return { status: "duplicate" };
      return { status: "applied", id: row.id };
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  async readEnrichment(
    propertyId: string,
    lookup: CandidateLookup,
    conversationId: string,
    lockKeys: readonly string[],
    event: { source: string; id: string },
  ): Promise<GuardedEnrichmentSnapshot> {
    const query = sql`select ${inboxHas(event)} as seen,
      ${keyVersionsOf(keyIdsOf(propertyId, lockKeys))} as versions,
      (select coalesce(jsonb_agg(jsonb_build_object('contact', to_jsonb(u),
          'conversation', u.id = ${conversationContactId(propertyId, conversationId)},
          'other', (select array_agg(other.resman_status) from ${contactSync} as other
            where other.user_id = u.id and other.resman_status is not null))), '[]'::jsonb)
        from ${user} as u
        where u.id = any(array(${enrichmentCandidateIds(propertyId, lookup, conversationId)}))
          and u.merged_into_id is null) as rows,
      ${commonBlocks(propertyId, lookup.blocks)} as common`;
    try {
      const result = (await this.db.execute(query)) as unknown as {
        rows: GuardedReadRow<SnapshotJson & { conversation: boolean | null }>[];
      };
      const [first] = result.rows;
      if (first === undefined) throw new Error("enrichment query returned no row");
      const { candidates, ...read } = guardedReadOf(first, propertyId, lockKeys);
      return {
        ...read,
        ...enrichmentFound(
          lookup,
          candidates.map((c) => ({
            contact: c.contact,
            isConversation: c.json.conversation === true,
          })),
        ),
      };
    } catch (error) {
      throw toStoreError(error, "read enrichment");
    }
  }

  async writeEnrichmentGuarded(
    propertyId: string,
    write: EnrichmentWrite,
    guard: SyncGuard,
  ): Promise<GuardedEnrichmentResult> {
    const result = await this.runGuarded(
      [
        ...guardParts(propertyId, write.contact.id, guard),
        ...enrichmentWrites(this.db, propertyId, write, sql`(select go from go)`),
      ],
      "guarded enrichment write",
    );
    if (result.status !== "applied") return result;
    return { status: "applied", contactId: write.contact.id, linkId: result.id };
  }

  async markFailed(propertyId: string, personId: string, failure: LinkFailure): Promise<void> {
    const now = new Date();
    const lastError = `${failure.code}: ${failure.message}`.slice(0, 1000);
    try {
      await this.db
        .insert(contactSync)
        .values({
          propertyId,
          resmanContactId: personId,
          syncStatus: "failed",
          attempts: 1,
          lastError,
          lastSyncAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [contactSync.propertyId, contactSync.resmanContactId],
          set: {
            syncStatus: "failed",
            attempts: sql`${contactSync.attempts} + 1`,
            lastError,
            lastSyncAt: now,
            updatedAt: now,
          },
        });
    } catch (error) {
      throw toStoreError(error, "mark link failed");
    }
  }

  async transaction<T>(work: (tx: SyncTransaction) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction((tx) => work(new DrizzleSyncTransaction(tx)));
    } catch (error) {
      throw toStoreError(error, "sync transaction");
    }
  }
}
