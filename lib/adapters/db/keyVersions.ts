/**
 * Identity-key versioning on Postgres. Every lock key of a property (its format:
 * `lib/domain/lockKeys.ts`) has a 64-bit id and a version row in `identity_key`: a guarded
 * write checks and bumps the versions it read (`guardedWrite.ts`), a locking transaction bumps
 * them to hold the rows until commit (`DrizzleKeyLockingTransaction`, the base of the sync and
 * enrichment transactions; the review commands' `DrizzleMergeTransaction` calls `bumpKeys`
 * itself). Both protocols use these functions, so they exclude each other.
 */
import { hash } from "node:crypto";
import { type SQL, sql } from "drizzle-orm";
import type { KeyLockingTransaction } from "../../app/ports.js";
import { memoized } from "../../domain/memo.js";
import type { Transaction } from "./client.js";
import { identityKey, processedEvent } from "./schema.js";
import { arrayParam, executeRows, parseJson } from "./sqlRows.js";

/**
 * The 64-bit id of a property-scoped identity key (its `identity_key` row). SHA-256 makes
 * collisions between different keys negligible (a collision would only make two unrelated
 * syncs retry or wait for each other).
 */
export function lockId(propertyId: string, key: string): bigint {
  return lockIdsOf(propertyId)(key);
}

/** `lockId` as decimal text (a statement's JSON parameter). */
export function lockIdText(propertyId: string, key: string): string {
  return lockTextsOf(propertyId)(key);
}

/**
 * `lockId`s and their text, remembered per property and key (an import asks for the same keys
 * many times: one lookup of the key it has, not a new `property|key` string to hash each time).
 * Bounded: the last few properties, each as `memoized` bounds its keys.
 */
const perProperty = <R>(fn: (propertyId: string, key: string) => R) => {
  const byProperty = new Map<string, (key: string) => R>();
  return (propertyId: string): ((key: string) => R) => {
    let of = byProperty.get(propertyId);
    if (of === undefined) {
      if (byProperty.size >= 16) byProperty.clear();
      of = memoized((key: string) => fn(propertyId, key));
      byProperty.set(propertyId, of);
    }
    return of;
  };
};
const lockIdsOf = perProperty((propertyId, key) =>
  hash("sha256", `${propertyId}|${key}`, "buffer").readBigInt64BE(0),
);
const lockTextsOf = perProperty((propertyId, key) => lockId(propertyId, key).toString());

/** A key id as a SQL `bigint` parameter. */
export function keyIdParam(id: bigint): SQL {
  return sql`${id.toString()}::bigint`;
}

/** The sorted, distinct 64-bit ids of a property's identity keys. */
export function keyIdsOf(propertyId: string, keys: readonly string[]): bigint[] {
  return [...new Set(keys.map((key) => lockId(propertyId, key)))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
}

/**
 * Inserts or bumps the version rows of identity keys (ids sorted by `keyIdsOf`), taken in that
 * order. In a transaction the rows stay locked until commit — two transactions never wait on
 * each other in opposite orders — and every guarded write that read them before fails its
 * check. The ids travel as one array parameter: the text is the same for any number of keys
 * (a wave's statement is prepared, `preparedStatements.ts`).
 */
export function bumpKeys(ids: readonly bigint[]): SQL {
  return bumpKeysIn(arrayParam(ids.map(String)));
}

/** `bumpKeys` of the ids (as decimal text) one array parameter holds: a statement shape's. */
export function bumpKeysIn(ids: SQL): SQL {
  return sql`insert into ${identityKey} (key_id, version)
    select k, 1 from unnest(${ids}::bigint[]) with ordinality as u(k, n)
    order by n
    on conflict (key_id) do update set version = ${identityKey}.version + 1`;
}

/** A `keyVersionsOf` column: `[[key id, version], …]`, parsed or as text. */
export type KeyVersionsJson = [string, number | string][] | string;

/** A scalar subquery: `[[key id, version], …]` of the identity keys that exist. */
export function keyVersionsOf(ids: readonly bigint[]): SQL {
  if (ids.length === 0) return sql`'[]'::jsonb`;
  return sql`(select coalesce(jsonb_agg(jsonb_build_array(k.key_id::text, k.version)), '[]'::jsonb)
    from ${identityKey} k
    where k.key_id in (${sql.join(ids.map(keyIdParam), sql`, `)}))`;
}

/** A `keyVersionsOf` column as versions by key name (keys without a row are left out). */
export function keyVersionsByName(
  json: KeyVersionsJson,
  propertyId: string,
  lockKeys: readonly string[],
): Map<string, number> {
  const nameOf = new Map(lockKeys.map((key) => [lockIdText(propertyId, key), key]));
  const keyVersions = new Map<string, number>();
  for (const [id, version] of parseJson(json)) {
    const name = nameOf.get(id);
    if (name !== undefined) keyVersions.set(name, Number(version));
  }
  return keyVersions;
}

/** The locking half of the write protocol (`KeyLockingTransaction`) in a Drizzle transaction. */
export class DrizzleKeyLockingTransaction implements KeyLockingTransaction {
  constructor(protected readonly tx: Transaction) {}

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
    const [row] = await executeRows<{ claimed: number }>(
      this.tx,
      sql`with ${sql.join(parts, sql`, `)} select ${claimed} as claimed, ${bumped} as bumped`,
    );
    return Number(row?.claimed) === 1;
  }
}
