/**
 * The `ReviewStore` port on Postgres (any driver): listing open items (keyset paging), and the
 * transaction an approval, a rejection or an unmerge runs in (`mergeTransaction.ts`).
 */
import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import type { MergeTransaction, ReviewPage, ReviewQuery, ReviewStore } from "../../app/ports.js";
import type { Database } from "./client.js";
import { toStoreError } from "./errors.js";
import { DrizzleMergeTransaction } from "./mergeTransaction.js";
import { contactReview, contactSync, property } from "./schema.js";

/** The `ReviewStore` port on a Drizzle database. */
export class DrizzleReviewStore implements ReviewStore {
  constructor(private readonly db: Database) {}

  /**
   * Keyset paging on (created_at, id), in SQL: the cursor item's position is read by the
   * database itself (a JS Date would drop created_at's microseconds), and the page is the next
   * `limit` open items from there — an index range scan on `idx_contact_review_open` (property,
   * created_at) for one property. One row more than the page tells whether another follows.
   */
  async listOpen(query: ReviewQuery): Promise<ReviewPage | null> {
    try {
      const inProperty =
        query.propertyId === undefined ? undefined : eq(contactReview.propertyId, query.propertyId);
      if (query.after !== undefined) {
        const [cursor] = await this.db
          .select({ id: contactReview.id })
          .from(contactReview)
          .where(and(eq(contactReview.id, query.after), inProperty));
        if (cursor === undefined) return null;
      }
      const newest = query.order === "newest";
      const cursorAt = sql`(select c.created_at from ${contactReview} c where c.id = ${query.after}::uuid)`;
      const position =
        query.after === undefined
          ? undefined
          : newest
            ? sql`(${contactReview.createdAt}, ${contactReview.id}) < (${cursorAt}, ${query.after}::uuid)`
            : sql`(${contactReview.createdAt}, ${contactReview.id}) > (${cursorAt}, ${query.after}::uuid)`;
      const direction = newest ? desc : asc;
      const rows = await this.db
        .select({
          review: contactReview,
          resmanPropertyId: property.resmanPropertyId,
          personId: contactSync.personId,
        })
        .from(contactReview)
        .innerJoin(property, eq(property.id, contactReview.propertyId))
        .leftJoin(contactSync, eq(contactSync.id, contactReview.linkId))
        .where(and(eq(contactReview.status, "open"), inProperty, position))
        .orderBy(direction(contactReview.createdAt), direction(contactReview.id))
        .limit(query.limit + 1);
      const [counted] = await this.db
        .select({ total: count() })
        .from(contactReview)
        .where(and(eq(contactReview.status, "open"), inProperty));
      const page = rows.slice(0, query.limit);
      return {
        total: counted?.total ?? 0,
        items: page.map(({ review, resmanPropertyId, personId }) => ({
          id: review.id,
          propertyId: review.propertyId,
          resmanPropertyId,
          userId: review.userId,
          candidateId: review.candidateId,
          linkId: review.linkId,
          personId,
          score: review.score,
          evidence: review.evidence,
          createdAt: review.createdAt ?? new Date(0),
        })),
        nextAfter: rows.length > query.limit ? (page.at(-1)?.review.id ?? null) : null,
      };
    } catch (error) {
      throw toStoreError(error, "list reviews");
    }
  }

  /**
   * One grouped count for all the properties named (the console's overview: one statement
   * instead of a page and a count per property), read from `idx_contact_review_open`.
   */
  async openCounts(propertyIds: readonly string[]): Promise<Map<string, number>> {
    if (propertyIds.length === 0) return new Map();
    try {
      const rows = await this.db
        .select({ propertyId: contactReview.propertyId, open: count() })
        .from(contactReview)
        .where(
          and(
            eq(contactReview.status, "open"),
            inArray(contactReview.propertyId, [...propertyIds]),
          ),
        )
        .groupBy(contactReview.propertyId);
      return new Map(rows.map((row) => [row.propertyId, Number(row.open)]));
    } catch (error) {
      throw toStoreError(error, "count open review items");
    }
  }

  async transaction<T>(work: (tx: MergeTransaction) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction((tx) => work(new DrizzleMergeTransaction(tx)));
    } catch (error) {
      throw toStoreError(error, "review transaction");
    }
  }
}
