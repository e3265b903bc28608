/**
 * A property's stored decisions, for the rule simulation (`contact-sync rules simulate`): its
 * links with their evidence, and its review items. Two statements in one read-only,
 * repeatable-read transaction (one snapshot of the property; nothing can be written).
 */
import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { DecisionStore, StoredDecisions } from "../../app/simulateRules.js";
import type { StoredDecision } from "../../domain/ruleSimulation.js";
import { type LinkEvidence, linkedByOf } from "../../domain/syncDecision.js";
import type { Database } from "./client.js";
import { toStoreError } from "./errors.js";
import { contactMergeHistory, contactReview, contactSync } from "./schema.js";

/** Review items a reviewer closed: their link's outcome is the reviewer's, not the matcher's. */
const DECIDED: ReadonlySet<string> = new Set(["approved", "rejected", "superseded"]);

export class DrizzleDecisionStore implements DecisionStore {
  constructor(private readonly db: Database) {}

  async readDecisions(propertyId: string): Promise<StoredDecisions> {
    try {
      return await this.db
        .transaction(
          async (tx) => {
            // Links whose sync-path merge was undone (`unmerge` of a person link): staff's call.
            const unmerged = tx
              .selectDistinct({ linkId: contactMergeHistory.linkId })
              .from(contactMergeHistory)
              .where(
                and(
                  eq(contactMergeHistory.propertyId, propertyId),
                  isNull(contactMergeHistory.mergedUserId),
                  isNotNull(contactMergeHistory.revertedAt),
                ),
              )
              .as("unmerged");
            const evidence = contactSync.matchEvidence;
            const links = await tx
              .select({
                id: contactSync.id,
                personId: contactSync.personId,
                contactId: contactSync.userId,
                status: contactSync.syncStatus,
                linkedBy: sql<LinkEvidence["linkedBy"] | null>`${evidence}->>'linkedBy'`,
                // 'null' for a link made without a candidate; SQL NULL when nothing was stored.
                bestType: sql<string | null>`jsonb_typeof(${evidence}->'best')`,
                best: sql<unknown>`${evidence}->'best'`,
                unmerged: sql<boolean>`${unmerged.linkId} is not null`,
              })
              .from(contactSync)
              .leftJoin(unmerged, eq(unmerged.linkId, contactSync.id))
              .where(eq(contactSync.propertyId, propertyId));
            const reviews = await tx
              .select({
                id: contactReview.id,
                linkId: contactReview.linkId,
                contactId: contactReview.userId,
                status: contactReview.status,
                // Only a chatbot lead's open item is a decision of its own (a link's item is its
                // link's, whose evidence is the same).
                evidence: sql<unknown>`case when ${contactReview.linkId} is null
                and ${contactReview.status} = 'open' then ${contactReview.evidence} end`,
              })
              .from(contactReview)
              .where(eq(contactReview.propertyId, propertyId));
            return { links, reviews };
          },
          { isolationLevel: "repeatable read", accessMode: "read only" },
        )
        .then(({ links, reviews }) => decisionsOf(links, reviews));
    } catch (error) {
      throw toStoreError(error, "read decisions");
    }
  }
}

interface LinkRead {
  id: string;
  personId: string | null;
  contactId: string | null;
  status: (typeof contactSync.$inferSelect)["syncStatus"];
  linkedBy: LinkEvidence["linkedBy"] | null;
  bestType: string | null;
  best: unknown;
  unmerged: boolean;
}

interface ReviewRead {
  id: string;
  linkId: string | null;
  contactId: string;
  status: string;
  evidence: unknown;
}

/** The rows as decisions: ResMan links with a contact, and chatbot leads' open items. */
function decisionsOf(links: readonly LinkRead[], reviews: readonly ReviewRead[]): StoredDecisions {
  const openItem = new Map<string, string>();
  const decided = new Set<string>();
  for (const review of reviews) {
    if (review.linkId === null) continue;
    if (review.status === "open") openItem.set(review.linkId, review.id);
    else if (DECIDED.has(review.status)) decided.add(review.linkId);
  }
  const decisions: StoredDecision[] = [];
  for (const link of links) {
    // A failed link (no contact) and a chatbot lead's placeholder (no person) decided nothing.
    if (link.contactId === null || link.personId === null) continue;
    decisions.push({
      linkId: link.id,
      personId: link.personId,
      contactId: link.contactId,
      reviewId: openItem.get(link.id) ?? null,
      linkedBy: linkedByOf({
        status: link.status ?? "pending",
        evidence: link.linkedBy === null ? null : { linkedBy: link.linkedBy },
      }),
      best: link.bestType === null ? undefined : link.bestType === "null" ? null : link.best,
      staff: decided.has(link.id) || link.unmerged,
    });
  }
  for (const review of reviews) {
    if (review.linkId !== null || review.status !== "open") continue;
    decisions.push({
      linkId: null,
      personId: null,
      contactId: review.contactId,
      reviewId: review.id,
      linkedBy: "review",
      best: review.evidence,
      staff: false,
    });
  }
  return { decisions, links: links.length };
}
