/**
 * What a merge (`mergePlan.ts`) and its undoing (`unmergePlan.ts`) work on: the contacts taking
 * part with their links, the review items naming them, and how a plan moves links.
 */
import type { Contact } from "./contact.js";
import type { PersonStatus } from "./person.js";
import type { LinkEvidence, LinkStatus } from "./syncDecision.js";

/** A link of a contact as a merge moves it: a ResMan person's, or a lead's placeholder. */
export interface MergeLink {
  id: string;
  /** The ResMan PersonID; null for a chatbot lead's placeholder (pending until linked). */
  personId: string | null;
  status: LinkStatus;
  resmanStatus: PersonStatus | null;
  matchScore: number | null;
  evidence: LinkEvidence | null;
  sourceHash: string | null;
}

/** A contact with what merging it needs: whether it is live, and its links. */
export interface MergeParty {
  contact: Contact;
  mergedIntoId: string | null;
  links: MergeLink[];
}

/** A link's new owner and state. */
export interface LinkMove {
  id: string;
  /** The contact the link moves to. */
  contactId: string;
  status: LinkStatus;
  evidence: LinkEvidence | null;
  matchScore: number | null;
  /** Kept when unchanged; null makes the person's next sync apply it again. */
  sourceHash: string | null;
}

/** A placeholder link (no ResMan person) a merge removed or an unmerge (re)creates. */
export interface PlaceholderLink {
  /** Null: a new one (the database picks the id). */
  id: string | null;
  contactId: string;
}

/** A review item as a merge of its contacts sees it. */
export interface ReviewPair {
  id: string;
  userId: string;
  candidateId: string;
  status: "open" | "approved" | "rejected" | "superseded";
}

/**
 * Which contact of a review item a merge re-pointed: the contact under review (`userId`) or the
 * candidate (`candidateId`), named as `ReviewRecord` names them. (How the merge history stores
 * it is `mergeHistory.ts`'s business.)
 */
export type ReviewSide = "userId" | "candidateId";

/** A review item re-pointed from B to A, and which of its contacts named B. */
export interface MovedReview {
  id: string;
  side: ReviewSide;
}

/** The ResMan statuses of a contact's links. */
export function statusesOf(links: readonly MergeLink[]): PersonStatus[] {
  return links.flatMap((link) => (link.resmanStatus === null ? [] : [link.resmanStatus]));
}
