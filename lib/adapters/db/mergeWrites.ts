/**
 * The writes of the review commands on Postgres: an approval (contact merge), a rejection and an
 * unmerge, each its own statements inside the caller's transaction (`mergeTransaction.ts` takes
 * the locks first). Operator commands, so no round-trip budget: one statement per row written.
 */
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Announcement, Decision, ReviewRecord } from "../../app/ports.js";
import type {
  ContactMergePlan,
  LinkMove,
  MergeHistory,
  UnmergePlan,
} from "../../domain/contactMerge.js";
import { storedPlaceholders } from "../../domain/mergeHistory.js";
import type { Transaction } from "./client.js";
import { contactColumns } from "./contactRows.js";
import {
  contactEnrichmentLog,
  contactMergeHistory,
  contactReview,
  contactSync,
  outboxEvent,
  user,
} from "./schema.js";

/** Updates a contact of the property and bumps its version (guarded writes that read it fail). */
async function updateContact(
  tx: Transaction,
  propertyId: string,
  contactId: string,
  values: Partial<typeof user.$inferInsert>,
  at: Date,
): Promise<void> {
  await tx
    .update(user)
    .set({ ...values, updatedAt: at, version: sql`${user.version} + 1` })
    .where(and(eq(user.id, contactId), eq(user.propertyId, propertyId)));
}

/** Moves links (each only if still on `from`), with their new status and evidence. */
async function moveLinks(
  tx: Transaction,
  propertyId: string,
  from: string,
  links: readonly LinkMove[],
  at: Date,
): Promise<void> {
  for (const link of links) {
    await tx
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

async function insertAnnouncement(
  tx: Transaction,
  announce: Announcement,
  event: Omit<typeof outboxEvent.$inferInsert, "id" | "eventType">,
): Promise<void> {
  await tx.insert(outboxEvent).values({ id: announce.id, eventType: announce.type, ...event });
}

/** An approval: the survivor written, the absorbed contact merged into it, links and reviews moved. */
export async function applyContactMerge(
  tx: Transaction,
  review: ReviewRecord,
  plan: ContactMergePlan,
  decision: Decision,
  announce: Announcement,
): Promise<{ mergeId: string }> {
  const { propertyId } = review;
  const at = decision.decidedAt;
  const survivorId = plan.survivor.id;
  const absorbedId = plan.absorbedId;
  await updateContact(tx, propertyId, survivorId, contactColumns(plan.survivor), at);
  await updateContact(tx, propertyId, absorbedId, { mergedIntoId: survivorId }, at);
  await moveLinks(tx, propertyId, absorbedId, plan.links, at);
  if (plan.reviewedLink !== null) {
    await moveLinks(tx, propertyId, survivorId, [plan.reviewedLink], at);
  }
  const removed =
    plan.removedPlaceholders.length === 0
      ? []
      : await tx
          .delete(contactSync)
          .where(
            and(
              inArray(
                contactSync.id,
                plan.removedPlaceholders.map((p) => p.id),
              ),
              isNull(contactSync.personId),
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
  const enrichments = await tx
    .update(contactEnrichmentLog)
    .set({ contactId: survivorId })
    .where(eq(contactEnrichmentLog.contactId, absorbedId))
    .returning({ id: contactEnrichmentLog.id });
  const [history] = await tx
    .insert(contactMergeHistory)
    .values({
      propertyId,
      userId: survivorId,
      mergedUserId: absorbedId,
      linkId: plan.linkId,
      personId: plan.personId,
      before: plan.history.before,
      applied: {
        ...plan.history.applied,
        placeholders_removed: storedPlaceholders(removed),
      },
      matchScore: review.score,
      matchEvidence: review.evidence,
      incoming: { ...plan.history.incoming, enrichments: enrichments.map((e) => e.id) },
    })
    .returning({ id: contactMergeHistory.id });
  if (history === undefined) throw new Error("merge history insert returned no row");
  await tx
    .update(contactReview)
    .set({
      status: "approved",
      decidedAt: at,
      decidedBy: decision.decidedBy,
      mergeId: history.id,
    })
    .where(eq(contactReview.id, review.id));
  for (const moved of plan.movedReviews) {
    await tx
      .update(contactReview)
      .set(moved.side === "userId" ? { userId: survivorId } : { candidateId: survivorId })
      .where(eq(contactReview.id, moved.id));
  }
  if (plan.supersededReviews.length > 0) {
    await tx
      .update(contactReview)
      .set({ status: "superseded", decidedAt: at, decidedBy: "merge", mergeId: history.id })
      .where(inArray(contactReview.id, plan.supersededReviews));
  }
  const link = [...plan.links, ...(plan.reviewedLink === null ? [] : [plan.reviewedLink])].find(
    (l) => l.id === plan.linkId,
  );
  await insertAnnouncement(tx, announce, {
    propertyId,
    contactId: survivorId,
    mergedContactId: absorbedId,
    linkId: link?.id ?? null,
    personId: link === undefined ? null : plan.personId,
    status: link?.status ?? "merged",
    matchScore: review.score,
  });
  return { mergeId: history.id };
}

/** A rejection: the item closed, and the link moved back when the sync had taken it. */
export async function applyRejection(
  tx: Transaction,
  review: ReviewRecord,
  link: LinkMove | null,
  decision: Decision,
  announce: Announcement | null,
): Promise<void> {
  await tx
    .update(contactReview)
    .set({ status: "rejected", decidedAt: decision.decidedAt, decidedBy: decision.decidedBy })
    .where(eq(contactReview.id, review.id));
  if (link === null) return;
  await moveLinks(tx, review.propertyId, review.userId, [link], decision.decidedAt);
  if (announce === null) return;
  const [row] = await tx
    .select({ personId: contactSync.personId })
    .from(contactSync)
    .where(eq(contactSync.id, link.id));
  await insertAnnouncement(tx, announce, {
    propertyId: review.propertyId,
    contactId: review.userId,
    linkId: link.id,
    personId: row?.personId ?? null,
    status: link.status,
    matchScore: link.matchScore,
  });
}

/** An unmerge: the absorbed contact back (or a new one split off), its links and reviews too. */
export async function applyUnmerge(
  tx: Transaction,
  merge: MergeHistory,
  plan: UnmergePlan,
  at: Date,
  announce: Announcement,
): Promise<void> {
  const { propertyId } = merge;
  const survivorId = merge.survivorId;
  await updateContact(tx, propertyId, survivorId, contactColumns(plan.survivor), at);
  let splitId: string;
  if (plan.split.kind === "contact") {
    splitId = plan.split.contactId;
    await updateContact(tx, propertyId, splitId, { mergedIntoId: null }, at);
  } else {
    splitId = plan.split.contact.id;
    await tx.insert(user).values({
      id: splitId,
      propertyId,
      ...contactColumns(plan.split.contact),
      updatedAt: at,
    });
  }
  await moveLinks(tx, propertyId, survivorId, plan.links, at);
  for (const placeholder of plan.placeholders) {
    // A placeholder the merge removed comes back with its id and timestamps.
    const removed = merge.placeholdersRemoved.find((p) => p.id === placeholder.id);
    await tx
      .insert(contactSync)
      .values({
        ...(placeholder.id === null ? {} : { id: placeholder.id }),
        propertyId,
        userId: placeholder.contactId,
        personId: null,
        syncStatus: "pending",
        lastSyncAt: removed?.lastSyncAt ?? at,
        ...(removed?.createdAt ? { createdAt: removed.createdAt } : {}),
        updatedAt: at,
      })
      .onConflictDoNothing();
  }
  if (plan.split.kind === "contact" && merge.enrichments.length > 0) {
    await tx
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
    await tx
      .update(contactReview)
      .set(reopened)
      .where(
        and(
          eq(contactReview.mergeId, merge.id),
          inArray(contactReview.status, ["approved", "superseded"]),
        ),
      );
    for (const moved of merge.reviewsMoved) {
      const column = moved.side === "userId" ? contactReview.userId : contactReview.candidateId;
      await tx
        .update(contactReview)
        .set(moved.side === "userId" ? { userId: splitId } : { candidateId: splitId })
        .where(
          and(
            eq(contactReview.id, moved.id),
            eq(column, survivorId),
            eq(contactReview.status, "open"),
          ),
        );
    }
  }
  await tx
    .update(contactMergeHistory)
    .set({ revertedAt: at })
    .where(eq(contactMergeHistory.id, merge.id));
  await insertAnnouncement(tx, announce, {
    propertyId,
    contactId: survivorId,
    mergedContactId: splitId,
    linkId: plan.link?.id ?? null,
    personId: plan.link === null ? null : merge.personId,
    status: plan.link?.status ?? "success",
    matchScore: null,
  });
}
