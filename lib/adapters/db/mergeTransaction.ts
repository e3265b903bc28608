/**
 * The transaction of a review command on Postgres (approve, reject, unmerge): its locking reads
 * here, its writes in `mergeWrites.ts`. The lock order is the sync path's locking
 * transaction's: item or history row, identity keys (sorted), contacts (by id), links.
 */
import { and, asc, desc, eq, inArray, isNull, or } from "drizzle-orm";
import type {
  Announcement,
  Decision,
  MergeTarget,
  MergeTransaction,
  ReviewRecord,
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
import type { Transaction } from "./client.js";
import { contactFromRow } from "./contactRows.js";
import { bumpKeys, keyIdsOf } from "./keyVersions.js";
import { applyContactMerge, applyRejection, applyUnmerge } from "./mergeWrites.js";
import {
  contactMatchingRules,
  contactMergeHistory,
  contactReview,
  contactSync,
  user,
} from "./schema.js";

type ReviewRow = typeof contactReview.$inferSelect;

function pairOf(row: Pick<ReviewRow, "id" | "userId" | "candidateId" | "status">): ReviewPair {
  return { id: row.id, userId: row.userId, candidateId: row.candidateId, status: row.status };
}

/** The transaction of a review command (`ReviewStore.transaction`). */
export class DrizzleMergeTransaction implements MergeTransaction {
  constructor(private readonly tx: Transaction) {}

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
          personId: link.personId,
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
      personId: row.personId,
      before: row.before,
      applied: row.applied,
      incoming: row.incoming,
      revertedAt: row.revertedAt,
    };
  }

  applyContactMerge(
    review: ReviewRecord,
    plan: ContactMergePlan,
    decision: Decision,
    announce: Announcement,
  ): Promise<{ mergeId: string }> {
    return applyContactMerge(this.tx, review, plan, decision, announce);
  }

  applyRejection(
    review: ReviewRecord,
    link: LinkMove | null,
    decision: Decision,
    announce: Announcement | null,
  ): Promise<void> {
    return applyRejection(this.tx, review, link, decision, announce);
  }

  applyUnmerge(
    merge: MergeHistory,
    plan: UnmergePlan,
    at: Date,
    announce: Announcement,
  ): Promise<void> {
    return applyUnmerge(this.tx, merge, plan, at, announce);
  }
}
