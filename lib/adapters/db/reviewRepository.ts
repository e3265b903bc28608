/**
 * The review queue and unmerge on Postgres (any driver): listing open items, and the
 * transaction of an approval, a rejection or an unmerge. These are operator commands, so each
 * write is its own statement inside one transaction (no round-trip budget here); the lock order
 * is the sync path's locking transaction's: item or history row, identity keys (sorted),
 * contacts (by id), links.
 */
import { and, asc, count, desc, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type {
  Announcement,
  Decision,
  MergeTarget,
  MergeTransaction,
  ReviewPage,
  ReviewQuery,
  ReviewRecord,
  ReviewStore,
} from "../../app/ports.js";
import type {
  ContactMergePlan,
  LinkMove,
  MergeHistory,
  MergeHistoryRow,
  MergeParty,
  ReviewPair,
  UnmergePlan,
} from "../../domain/contactMerge.js";
import type { PersonStatus } from "../../domain/person.js";
import { DEFAULT_MERGE_STRATEGY } from "../../domain/survivorship.js";
import type { Database } from "./client.js";
import { contactColumns, contactFromRow } from "./contactRows.js";
import { toStoreError } from "./errors.js";
import {
  contactEnrichmentLog,
  contactMatchingRules,
  contactMergeHistory,
  contactReview,
  contactSync,
  outboxEvent,
  property,
  user,
} from "./schema.js";
import { bumpKeys, keyIdsOf } from "./syncRepository.js";

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];
type ReviewRow = typeof contactReview.$inferSelect;

function pairOf(row: Pick<ReviewRow, "id" | "userId" | "candidateId" | "status">): ReviewPair {
  return { id: row.id, userId: row.userId, candidateId: row.candidateId, status: row.status };
}

class DrizzleMergeTransaction implements MergeTransaction {
  constructor(private readonly tx: Tx) {}

  async lockReview(id: string): Promise<ReviewRecord | null> {
    const [row] = await this.tx
      .select({ review: contactReview, strategy: contactMatchingRules.mergeStrategy })
      .from(contactReview)
      .leftJoin(contactMatchingRules, eq(contactMatchingRules.propertyId, contactReview.propertyId))
      .where(eq(contactReview.id, id))
      .for("update", { of: contactReview });
    if (row === undefined) return null;
    const { review } = row;
    return {
      ...pairOf(review),
      propertyId: review.propertyId,
      linkId: review.linkId,
      score: review.score,
      evidence: review.evidence,
      mergeId: review.mergeId,
      strategy: row.strategy ?? DEFAULT_MERGE_STRATEGY,
    };
  }

  async reviewsOf(propertyId: string, contactIds: readonly string[]): Promise<ReviewPair[]> {
    const ids = [...contactIds];
    const rows = await this.tx
      .select()
      .from(contactReview)
      .where(
        and(
          eq(contactReview.propertyId, propertyId),
          or(inArray(contactReview.userId, ids), inArray(contactReview.candidateId, ids)),
        ),
      )
      .orderBy(asc(contactReview.id))
      .for("update");
    return rows.map(pairOf);
  }

  async lockKeys(propertyId: string, keys: readonly string[]): Promise<void> {
    // As the sync path's locking transaction (`bumpKeys`).
    const ids = keyIdsOf(propertyId, keys);
    if (ids.length === 0) return;
    await this.tx.execute(bumpKeys(ids));
  }

  async loadParties(
    propertyId: string,
    contactIds: readonly string[],
    lock: boolean,
  ): Promise<MergeParty[]> {
    const ids = [...contactIds];
    const contactsQuery = this.tx
      .select()
      .from(user)
      .where(and(inArray(user.id, ids), eq(user.propertyId, propertyId)))
      .orderBy(asc(user.id));
    const contacts = lock ? await contactsQuery.for("update") : await contactsQuery;
    const linksQuery = this.tx
      .select()
      .from(contactSync)
      .where(and(inArray(contactSync.userId, ids), eq(contactSync.propertyId, propertyId)))
      .orderBy(asc(contactSync.id));
    const links = lock ? await linksQuery.for("update") : await linksQuery;
    return contacts.map((row) => {
      const own = links.filter((link) => link.userId === row.id);
      const statuses = own.flatMap((link) =>
        link.resmanStatus === null ? [] : [link.resmanStatus as PersonStatus],
      );
      return {
        contact: contactFromRow(row, statuses),
        mergedIntoId: row.mergedIntoId,
        links: own.map((link) => ({
          id: link.id,
          personId: link.resmanContactId,
          status: link.syncStatus ?? "pending",
          resmanStatus: link.resmanStatus as PersonStatus | null,
          matchScore: link.matchScore,
          evidence: link.matchEvidence,
          sourceHash: link.sourceHash,
        })),
      };
    });
  }

  async contactState(
    id: string,
  ): Promise<{ propertyId: string; mergedIntoId: string | null } | null> {
    const [row] = await this.tx
      .select({ propertyId: user.propertyId, mergedIntoId: user.mergedIntoId })
      .from(user)
      .where(eq(user.id, id));
    return row ?? null;
  }

  async lockMerge(target: MergeTarget): Promise<MergeHistoryRow | null> {
    const where =
      "mergeId" in target
        ? eq(contactMergeHistory.id, target.mergeId)
        : and(
            "into" in target
              ? eq(contactMergeHistory.userId, target.into)
              : eq(contactMergeHistory.mergedUserId, target.absorbed),
            isNull(contactMergeHistory.revertedAt),
          );
    const [row] = await this.tx
      .select()
      .from(contactMergeHistory)
      .where(where)
      .orderBy(desc(contactMergeHistory.createdAt), desc(contactMergeHistory.id))
      .limit(1)
      .for("update");
    if (row === undefined) return null;
    return {
      id: row.id,
      propertyId: row.propertyId,
      userId: row.userId,
      mergedUserId: row.mergedUserId,
      linkId: row.linkId,
      personId: row.resmanContactId,
      before: row.before,
      applied: row.applied,
      incoming: row.incoming,
      revertedAt: row.revertedAt,
    };
  }

  /** Moves links (each only if still on `from`), with their new status and evidence. */
  private async moveLinks(
    propertyId: string,
    from: string,
    links: readonly LinkMove[],
    at: Date,
  ): Promise<void> {
    for (const link of links) {
      await this.tx
        .update(contactSync)
        .set({
          userId: link.contactId,
          syncStatus: link.status,
          matchEvidence: link.evidence,
          matchScore: link.matchScore,
          sourceHash: link.sourceHash,
          updatedAt: at,
        })
        .where(
          and(
            eq(contactSync.id, link.id),
            eq(contactSync.propertyId, propertyId),
            eq(contactSync.userId, from),
          ),
        );
    }
  }

  private async announce(
    announce: Announcement,
    event: Omit<typeof outboxEvent.$inferInsert, "id" | "eventType">,
  ): Promise<void> {
    await this.tx
      .insert(outboxEvent)
      .values({ id: announce.id, eventType: announce.type, ...event });
  }

  async applyContactMerge(
    review: ReviewRecord,
    plan: ContactMergePlan,
    decision: Decision,
    announce: Announcement,
  ): Promise<{ mergeId: string }> {
    const { propertyId } = review;
    const at = decision.decidedAt;
    const survivorId = plan.survivor.id;
    const absorbedId = review.userId;
    const bump = { updatedAt: at, version: sql`${user.version} + 1` };
    await this.tx
      .update(user)
      .set({ ...contactColumns(plan.survivor), ...bump })
      .where(and(eq(user.id, survivorId), eq(user.propertyId, propertyId)));
    await this.tx
      .update(user)
      .set({ mergedIntoId: survivorId, ...bump })
      .where(and(eq(user.id, absorbedId), eq(user.propertyId, propertyId)));
    await this.moveLinks(propertyId, absorbedId, plan.links, at);
    const removed =
      plan.removedPlaceholders.length === 0
        ? []
        : await this.tx
            .delete(contactSync)
            .where(
              and(
                inArray(
                  contactSync.id,
                  plan.removedPlaceholders.map((p) => p.id),
                ),
                isNull(contactSync.resmanContactId),
              ),
            )
            .returning({
              id: contactSync.id,
              contactId: contactSync.userId,
              createdAt: contactSync.createdAt,
              lastSyncAt: contactSync.lastSyncAt,
            });
    // A lead's conversation history goes with it (later events of the conversation already
    // find the survivor through `merged_into_id`).
    const enrichments = await this.tx
      .update(contactEnrichmentLog)
      .set({ contactId: survivorId })
      .where(eq(contactEnrichmentLog.contactId, absorbedId))
      .returning({ id: contactEnrichmentLog.id });
    const [history] = await this.tx
      .insert(contactMergeHistory)
      .values({
        propertyId,
        userId: survivorId,
        mergedUserId: absorbedId,
        linkId: plan.linkId,
        resmanContactId: plan.personId,
        before: plan.history.before,
        applied: {
          ...plan.history.applied,
          placeholders_removed: removed.map((p) => ({
            id: p.id,
            contact_id: p.contactId,
            created_at: p.createdAt?.toISOString() ?? null,
            last_sync_at: p.lastSyncAt?.toISOString() ?? null,
          })),
        },
        matchScore: review.score,
        matchEvidence: review.evidence,
        incoming: { ...plan.history.incoming, enrichments: enrichments.map((e) => e.id) },
      })
      .returning({ id: contactMergeHistory.id });
    if (history === undefined) throw new Error("merge history insert returned no row");
    await this.tx
      .update(contactReview)
      .set({
        status: "approved",
        decidedAt: at,
        decidedBy: decision.decidedBy,
        mergeId: history.id,
      })
      .where(eq(contactReview.id, review.id));
    for (const moved of plan.movedReviews) {
      await this.tx
        .update(contactReview)
        .set(moved.column === "user_id" ? { userId: survivorId } : { candidateId: survivorId })
        .where(eq(contactReview.id, moved.id));
    }
    if (plan.supersededReviews.length > 0) {
      await this.tx
        .update(contactReview)
        .set({ status: "superseded", decidedAt: at, decidedBy: "merge", mergeId: history.id })
        .where(inArray(contactReview.id, plan.supersededReviews));
    }
    const link = plan.links.find((l) => l.id === plan.linkId);
    await this.announce(announce, {
      propertyId,
      contactId: survivorId,
      mergedContactId: absorbedId,
      linkId: link?.id ?? null,
      resmanPersonId: link === undefined ? null : plan.personId,
      status: link?.status ?? "merged",
      matchScore: review.score,
    });
    return { mergeId: history.id };
  }

  async applyRejection(
    review: ReviewRecord,
    link: LinkMove | null,
    decision: Decision,
    announce: Announcement | null,
  ): Promise<void> {
    await this.tx
      .update(contactReview)
      .set({ status: "rejected", decidedAt: decision.decidedAt, decidedBy: decision.decidedBy })
      .where(eq(contactReview.id, review.id));
    if (link === null) return;
    await this.moveLinks(review.propertyId, review.userId, [link], decision.decidedAt);
    if (announce === null) return;
    const [row] = await this.tx
      .select({ personId: contactSync.resmanContactId })
      .from(contactSync)
      .where(eq(contactSync.id, link.id));
    await this.announce(announce, {
      propertyId: review.propertyId,
      contactId: review.userId,
      linkId: link.id,
      resmanPersonId: row?.personId ?? null,
      status: link.status,
      matchScore: link.matchScore,
    });
  }

  async applyUnmerge(
    merge: MergeHistory,
    plan: UnmergePlan,
    at: Date,
    announce: Announcement,
  ): Promise<void> {
    const { propertyId } = merge;
    const survivorId = merge.userId;
    const bump = { updatedAt: at, version: sql`${user.version} + 1` };
    await this.tx
      .update(user)
      .set({ ...contactColumns(plan.survivor), ...bump })
      .where(and(eq(user.id, survivorId), eq(user.propertyId, propertyId)));
    let splitId: string;
    if (plan.split.kind === "contact") {
      splitId = plan.split.contactId;
      await this.tx
        .update(user)
        .set({ mergedIntoId: null, ...bump })
        .where(and(eq(user.id, splitId), eq(user.propertyId, propertyId)));
    } else {
      splitId = plan.split.contact.id;
      await this.tx.insert(user).values({
        id: splitId,
        propertyId,
        ...contactColumns(plan.split.contact),
        updatedAt: at,
      });
    }
    await this.moveLinks(propertyId, survivorId, plan.links, at);
    for (const placeholder of plan.placeholders) {
      // A placeholder the merge removed comes back with its id and timestamps.
      const removed = merge.placeholdersRemoved.find((p) => p.id === placeholder.id);
      await this.tx
        .insert(contactSync)
        .values({
          ...(placeholder.id === null ? {} : { id: placeholder.id }),
          propertyId,
          userId: placeholder.contactId,
          resmanContactId: null,
          syncStatus: "pending",
          lastSyncAt: removed?.lastSyncAt ?? at,
          ...(removed?.createdAt ? { createdAt: removed.createdAt } : {}),
          updatedAt: at,
        })
        .onConflictDoNothing();
    }
    if (plan.split.kind === "contact" && merge.enrichments.length > 0) {
      await this.tx
        .update(contactEnrichmentLog)
        .set({ contactId: splitId })
        .where(
          and(
            inArray(contactEnrichmentLog.id, merge.enrichments),
            eq(contactEnrichmentLog.contactId, survivorId),
          ),
        );
    }
    if (plan.split.kind === "contact") {
      // The approval is undone: its item is open again (reject it to keep the two apart), and
      // the items it moved or superseded are as they were.
      const reopened = { status: "open" as const, decidedAt: null, decidedBy: null, mergeId: null };
      await this.tx
        .update(contactReview)
        .set(reopened)
        .where(
          and(
            eq(contactReview.mergeId, merge.id),
            inArray(contactReview.status, ["approved", "superseded"]),
          ),
        );
      for (const moved of merge.reviewsMoved) {
        const column =
          moved.column === "user_id" ? contactReview.userId : contactReview.candidateId;
        await this.tx
          .update(contactReview)
          .set(moved.column === "user_id" ? { userId: splitId } : { candidateId: splitId })
          .where(
            and(
              eq(contactReview.id, moved.id),
              eq(column, survivorId),
              eq(contactReview.status, "open"),
            ),
          );
      }
    }
    await this.tx
      .update(contactMergeHistory)
      .set({ revertedAt: at })
      .where(eq(contactMergeHistory.id, merge.id));
    await this.announce(announce, {
      propertyId,
      contactId: survivorId,
      mergedContactId: splitId,
      linkId: plan.link?.id ?? null,
      resmanPersonId: plan.link === null ? null : merge.personId,
      status: plan.link?.status ?? "success",
      matchScore: null,
    });
  }
}

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
          personId: contactSync.resmanContactId,
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

  async transaction<T>(work: (tx: MergeTransaction) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction((tx) => work(new DrizzleMergeTransaction(tx)));
    } catch (error) {
      throw toStoreError(error, "review transaction");
    }
  }
}
