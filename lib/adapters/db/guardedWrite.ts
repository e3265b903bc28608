/**
 * The optimistic protocol's guarded statement: the guard CTEs (identity-key versions still as
 * read, the target contact's version, the event claimed) followed by writes conditioned on the
 * guard's `go`, in one statement, and its outcome (applied, conflict or duplicate).
 */
import { type SQL, sql } from "drizzle-orm";
import type { WriteGuard } from "../../app/ports.js";
import type { Database } from "./client.js";
import { toStoreError } from "./errors.js";
import { keyIdParam, lockId } from "./keyVersions.js";
import { identityKey, processedEvent, user } from "./schema.js";
import { executeRows } from "./sqlRows.js";

/** The condition a guarded statement's writes take (`guardParts`' `go`). */
export const guardGo = sql`(select go from go)`;

/**
 * The guard of a guarded write, as CTEs: `known`/`fresh` bump every identity key still at the
 * version read (inserting the ones that did not exist), `ok` says whether all of them and the
 * target contact's version held, `go` whether to write (ok, and the event claimed if there is
 * one). Each key still at the version read is bumped; one that changed (or appeared) is not,
 * and then nothing conditioned on `go` is written. A concurrent writer holding a key row makes
 * this wait, and Postgres re-checks the version against its committed value.
 */
export function guardParts(propertyId: string, contactId: string, guard: WriteGuard): SQL[] {
  const parts: SQL[] = [];
  const known: SQL[] = [];
  const fresh: SQL[] = [];
  const knownIds: SQL[] = [];
  // In key id order, as every other writer of these rows takes them (`keyIdsOf`).
  const keys = [...new Set(guard.keys)].map((key) => ({ key, id: lockId(propertyId, key) }));
  for (const { key, id } of keys.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const param = keyIdParam(id);
    const version = guard.keyVersions.get(key);
    if (version === undefined) fresh.push(sql`(${param}, 1)`);
    else {
      known.push(sql`(${param}, ${version}::bigint)`);
      knownIds.push(param);
    }
  }
  // The rows are locked in key id order first (an UPDATE … FROM takes them in whatever order
  // its join runs, which could deadlock against a wave or a locking transaction).
  parts.push(
    known.length === 0
      ? sql`known as (select null::bigint as key_id where false)`
      : sql`locked as materialized (
          select key_id from ${identityKey} where key_id in (${sql.join(knownIds, sql`, `)})
          order by key_id for update),
        known as (
          update ${identityKey} k set version = k.version + 1
          from (values ${sql.join(known, sql`, `)}) as r(key_id, version)
          where k.key_id = r.key_id and k.version = r.version
            and k.key_id in (select key_id from locked)
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

/** The outcome of a guarded statement: the `link` CTE's id when applied. */
export type GuardedOutcome =
  | { status: "applied"; id: string | null }
  | { status: "conflict" | "duplicate" };

/**
 * Runs a guarded statement (`guardParts` + writes conditioned on `guardGo`, one of them named
 * `link`) and reads its outcome.
 */
export async function runGuarded(
  db: Database,
  parts: SQL[],
  operation: string,
): Promise<GuardedOutcome> {
  try {
    const [row] = await executeRows<{ ok: boolean; go: boolean; id: string | null }>(
      db,
      sql`with ${sql.join(parts, sql`, `)}
        select (select ok from ok) as ok, (select go from go) as go, (select id from link) as id`,
    );
    if (row === undefined || row.ok !== true) return { status: "conflict" };
    if (row.go !== true) return { status: "duplicate" };
    return { status: "applied", id: row.id };
  } catch (error) {
    throw toStoreError(error, operation);
  }
}
