/**
 * Recomputing stored blocking keys (`contact-sync reindex`): after an upgrade that changes how
 * blocking keys are built, or for contacts written before they existed, the stored keys no
 * longer say how the contacts are found. Pages through live contacts in id order and rewrites
 * only the keys that differ, bumping each rewritten contact's version (a sync that read the
 * contact meanwhile reads again) and, in the same transaction, the identity keys of the keys it
 * took away: a key shrinks, and every reader that took it as too common to search by
 * (`commonKeys.ts`, a wave's guard) must see it move, as after a merge.
 */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { blockingKeys, searchKeys } from "../../domain/blocking.js";
import { blockLockKeys } from "../../domain/lockKeys.js";
import type { Database } from "./client.js";
import { contactFromRow } from "./contactRows.js";
import { toStoreError } from "./errors.js";
import { bumpKeys, keyIdsOf } from "./keyVersions.js";
import { user } from "./schema.js";

export interface ReindexProgress {
  contacts: number;
  rewritten: number;
  /** True when the signal stopped it before its last page. */
  interrupted?: boolean;
}

/** Contacts read a page (merged-away ones and other properties' included). */
const PAGE = 500;

/** Ids (with their property) read a page when one property is reindexed. */
const ID_PAGE = 5_000;

type ContactRow = typeof user.$inferSelect;

/**
 * The next page of contacts after `after` in id order: `rows` to check (`PAGE` contacts, or of
 * one property those among the next `ID_PAGE` ids), `next` where the page after starts, null
 * after the last. A property's rows are found by walking the ids alone (two columns of each
 * row) and fetching its own by primary key: with the property as a condition, a planner without
 * statistics (PGlite's) read the whole property and sorted it for every page.
 */
async function contactPage(
  db: Database,
  after: string | null,
  propertyId: string | undefined,
): Promise<{ rows: ContactRow[]; next: string | null }> {
  const from = after === null ? undefined : gt(user.id, after);
  if (propertyId === undefined) {
    const rows = await db.select().from(user).where(from).orderBy(asc(user.id)).limit(PAGE);
    return { rows, next: rows.length < PAGE ? null : (rows.at(-1)?.id ?? null) };
  }
  const ids = await db
    .select({ id: user.id, propertyId: user.propertyId })
    .from(user)
    .where(from)
    .orderBy(asc(user.id))
    .limit(ID_PAGE);
  const mine = ids.filter((row) => row.propertyId === propertyId).map((row) => row.id);
  const rows =
    mine.length === 0
      ? []
      : await db
          .select()
          .from(user)
          .where(sql`${user.id} = any(${sql.param(mine)}::uuid[])`)
          .orderBy(asc(user.id));
  return { rows, next: ids.length < ID_PAGE ? null : (ids.at(-1)?.id ?? null) };
}

/**
 * Pages through every contact in id order, the live ones of the property (or of all) checked.
 * A page is the next ids, whatever they hold, filtered here: a filter in the statement
 * (`merged_into_id is null`, a property) is taken as very selective by a planner without
 * statistics (PGlite has no autovacuum, and a bulk import outruns one), which then sorted the
 * whole table (or property) for every page — 149 ms a page at 85,000 contacts, quadratic —
 * where the primary key's order gives the next page in about a millisecond.
 * `signal`: stops after the page in progress (what it rewrote stands; run again to finish);
 * `interrupted` then says so, unless that page was the last.
 */
export async function reindexBlockKeys(
  db: Database,
  options: {
    propertyId?: string | undefined;
    onPage?: (progress: ReindexProgress) => void;
    signal?: AbortSignal | undefined;
  } = {},
): Promise<ReindexProgress> {
  const progress: ReindexProgress = { contacts: 0, rewritten: 0 };
  let after: string | null = null;
  try {
    for (;;) {
      if (options.signal?.aborted === true) {
        progress.interrupted = true;
        break;
      }
      const { rows, next } = await contactPage(db, after, options.propertyId);
      for (const row of rows) {
        if (row.mergedIntoId !== null) continue;
        const contact = contactFromRow(row);
        const keys = blockingKeys(contact.values, contact.secondary);
        progress.contacts += 1;
        if (keys.length === row.blockKeys.length && keys.every((k, i) => k === row.blockKeys[i])) {
          continue;
        }
        // Only if nobody wrote the contact meanwhile (that write computed the keys already).
        const removed = searchKeys(row.blockKeys.filter((key) => !keys.includes(key)));
        const written = await db.transaction(async (tx) => {
          const rewritten = await tx
            .update(user)
            .set({ blockKeys: keys, version: sql`${user.version} + 1` })
            .where(and(eq(user.id, row.id), eq(user.version, row.version)))
            .returning({ id: user.id });
          if (rewritten.length > 0 && removed.length > 0) {
            await tx.execute(bumpKeys(keyIdsOf(row.propertyId, blockLockKeys(removed))));
          }
          return rewritten;
        });
        progress.rewritten += written.length;
      }
      options.onPage?.(progress);
      if (next === null) break;
      after = next;
    }
    return progress;
  } catch (error) {
    throw toStoreError(error, "reindex blocking keys");
  }
}
