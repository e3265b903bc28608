/**
 * Chatbot leads become ResMan guest cards, once each (`contact-sync push`). For every lead of a
 * property with the push on, waiting to reach ResMan:
 *
 * 1. record the attempt (`sending`): a push already under way or sent is left alone;
 * 2. look for the person in ResMan: on the roster of applicants and residents (read once per
 *    run), then by the prospect search — email, then phone, then first and last name — keeping
 *    only people whose names say they are the lead (`lib/domain/guestCardMatch.ts`). This runs
 *    before every create, so a retry after an answer that never came finds the card that landed
 *    instead of making a second one;
 * 3. found a prospect (or a lost one): the conversation goes to that prospect as an event (its
 *    ids and the event, nothing about the person); found an applicant or a resident: nothing is
 *    sent, the lead is linked to them in DomIQ only (design §6 invariant 8); found nobody: a new
 *    guest card with the lead's name, email, phone, preferences and a first-contact event;
 * 4. record the outcome together with the lead's link: the ResMan PersonID on the link (`success`
 *    for a card it created, `merged` for a match), so the next reconciliation finds the person
 *    linked; ResMan's refusal (a bad source id, an unknown agent) as `failed` with the reason;
 *    an answer that never came as `unknown` (searched for next time).
 * Then every later conversation of a pushed prospect (an enrichment made after its card was
 * sent) goes to it as an event — the summary, the preferences in words, the interaction — once
 * per enrichment, and only while ResMan still has the person as a prospect.
 * A dry run searches (reads only) and says what it would do.
 */
import { ContactSyncError } from "../domain/errors.js";
import {
  type FoundBy,
  findOnRoster,
  followUpComments,
  isSameLead,
  useOfMatch,
} from "../domain/guestCardMatch.js";
import type { ResmanPerson } from "../domain/person.js";
import { personStatusOf } from "../domain/resmanStatus.js";
import type { Clock } from "./ports/clock.js";
import type {
  FoundProspect,
  GuestCardPort,
  LeadEvent,
  ProspectSearch,
} from "./ports/guestCards.js";
import type {
  PushResult,
  PushSettings,
  PushStore,
  WaitingEvent,
  WaitingLead,
} from "./ports/pushStore.js";
import type { ResmanPropertyAccess, ResmanSource } from "./ports/resmanSource.js";

export interface PushDependencies {
  store: PushStore;
  guestCards: GuestCardPort;
  /** ResMan's applicants and residents (read once per property and run). */
  source: Pick<ResmanSource, "roster">;
  clock: Clock;
}

export interface PushOptions {
  /** Search only; send and record nothing. */
  dryRun?: boolean;
  /** Try the leads whose push ResMan refused again (an operator's retry). */
  includeFailed?: boolean;
  /** At most this many leads per property and run. */
  limit?: number;
}

/** One lead's push, as `push` prints it: ids and outcome only. */
export interface PushLine {
  linkId: string;
  contactId: string;
  outcome:
    | "created"
    | "event"
    | "linked"
    | "failed"
    | "unknown"
    | "busy"
    | "would_create"
    | "would_event"
    | "would_link";
  prospectId: string | null;
  personId: string | null;
  /** An error code and ResMan's reason, never a personal value. */
  error: string | null;
}

/** Leads per property and run unless `limit` says otherwise. */
export const DEFAULT_PUSH_LIMIT = 500;

/** The searches, in order, that the lead's values allow. */
function searchesOf(lead: WaitingLead): { search: ProspectSearch; by: FoundBy }[] {
  const { email, phone, firstName, lastName } = lead.customer;
  return [
    ...(email === null ? [] : [{ search: { email }, by: "email" as const }]),
    ...(phone === null ? [] : [{ search: { phone: phone.number }, by: "phone" as const }]),
    ...(firstName === null || lastName === null
      ? []
      : [{ search: { firstName, lastName }, by: "name" as const }]),
  ];
}

/**
 * Who in ResMan the lead is, if anyone: an applicant or resident on the roster first (the
 * prospect search does not find people who are only on a lease), then the first customer the
 * searches find whose names agree.
 */
async function findLead(
  guestCards: GuestCardPort,
  access: ResmanPropertyAccess,
  lead: WaitingLead,
  roster: readonly ResmanPerson[],
): Promise<FoundProspect | null> {
  const onRoster = findOnRoster(
    { ...lead.customer, phone: lead.customer.phone?.number ?? null },
    roster,
  );
  if (onRoster !== null) {
    return {
      prospectId: onRoster.prospect_id ?? "",
      personId: onRoster.person_id,
      type: onRoster.status === "applicant" ? "applicant" : "current_resident",
      firstName: onRoster.first_name ?? null,
      lastName: onRoster.last_name ?? null,
    };
  }
  for (const { search, by } of searchesOf(lead)) {
    const found = await guestCards.searchProspects(access, search);
    // A prospect before anyone else: it is the one an event may go to.
    const same = found
      .filter((customer) => isSameLead(lead.customer, customer, by))
      .sort(
        (a, b) => Number(useOfMatch(b.type) === "event") - Number(useOfMatch(a.type) === "event"),
      );
    if (same[0] !== undefined) return same[0];
  }
  return null;
}

/**
 * How a push that threw is recorded: `unknown` when trying again may help (the next push
 * searches first), else `failed`; with its code and, from ResMan, its reason.
 */
function failureOf(error: unknown): { status: "unknown" | "failed"; error: string } {
  if (!(error instanceof ContactSyncError)) return { status: "failed", error: "unexpected_error" };
  const detail = (error as { detail?: unknown }).detail;
  return {
    status: error.retryable ? "unknown" : "failed",
    error: typeof detail === "string" && detail !== "" ? `${error.code}: ${detail}` : error.code,
  };
}

/** Pushes one lead (see the module header). Throws only when the database fails. */
async function pushLead(
  deps: PushDependencies,
  access: ResmanPropertyAccess,
  settings: PushSettings & { sourceId: string; agentId: string },
  lead: WaitingLead,
  roster: () => Promise<readonly ResmanPerson[]>,
  dryRun: boolean,
): Promise<PushLine> {
  const line = (outcome: PushLine["outcome"], extra: Partial<PushLine> = {}): PushLine => ({
    linkId: lead.linkId,
    contactId: lead.contactId,
    outcome,
    prospectId: null,
    personId: null,
    error: null,
    ...extra,
  });
  if (!dryRun && !(await deps.store.startPush(lead))) return line("busy");
  const event = (firstContact: boolean): LeadEvent => ({
    type: "Other",
    date: firstContact ? lead.firstContactAt : deps.clock.now().toISOString(),
    sourceId: settings.sourceId,
    agentId: settings.agentId,
    firstContact,
    comments: lead.summary,
  });
  let result: PushResult;
  try {
    const found = await findLead(deps.guestCards, access, lead, await roster());
    if (dryRun) {
      if (found === null) return line("would_create");
      const ids = { prospectId: found.prospectId, personId: found.personId };
      return line(useOfMatch(found.type) === "event" ? "would_event" : "would_link", ids);
    }
    if (found !== null) {
      const ids = { prospectId: found.prospectId, personId: found.personId };
      const use = useOfMatch(found.type);
      if (use === "event") await deps.guestCards.addProspectEvent(access, ids, event(false));
      result = {
        status: "sent",
        outcome: use === "event" ? "event" : "linked",
        ...ids,
        // A customer type the mapping does not know is taken for the most protected: a resident.
        resmanStatus: personStatusOf(found.type) ?? "resident",
      };
    } else {
      const ids = await deps.guestCards.createGuestCard(access, {
        customer: lead.customer,
        preferences: lead.preferences,
        event: event(true),
      });
      result = { status: "sent", outcome: "created", ...ids, resmanStatus: "prospect" };
    }
  } catch (error) {
    result = failureOf(error);
  }
  await deps.store.finishPush(lead, result);
  return result.status === "sent"
    ? line(result.outcome, { prospectId: result.prospectId, personId: result.personId })
    : line(result.status, { error: result.error });
}

/**
 * Sends a later conversation of a pushed prospect as an event on it (its ids and the event:
 * never a contact edit), once per enrichment. Null for an enrichment with nothing to say (a
 * captured contact): recorded as done, not printed.
 */
async function pushEvent(
  deps: PushDependencies,
  access: ResmanPropertyAccess,
  settings: PushSettings & { sourceId: string; agentId: string },
  event: WaitingEvent,
  dryRun: boolean,
): Promise<PushLine | null> {
  const comments = followUpComments(event.kind, event.data);
  const line = (outcome: PushLine["outcome"], error: string | null = null): PushLine => ({
    linkId: event.linkId,
    contactId: event.contactId,
    outcome,
    ...event.prospect,
    error,
  });
  if (dryRun) return comments === null ? null : line("would_event");
  if (!(await deps.store.startEventPush(event))) return null;
  if (comments === null) {
    await deps.store.finishEventPush(event, { status: "sent", skipped: true });
    return null;
  }
  try {
    await deps.guestCards.addProspectEvent(access, event.prospect, {
      type: event.kind === "conversation_data" ? "TextFromProspect" : "Other",
      date: event.occurredAt,
      sourceId: settings.sourceId,
      agentId: settings.agentId,
      firstContact: false,
      comments,
    });
  } catch (error) {
    const result = failureOf(error);
    await deps.store.finishEventPush(event, result);
    return line(result.status, result.error);
  }
  await deps.store.finishEventPush(event, { status: "sent", skipped: false });
  return line("event");
}

/** The settings a push needs; a push without a source or an agent is refused before it starts. */
export function readyToPush(
  settings: PushSettings | null,
): settings is PushSettings & { sourceId: string; agentId: string } {
  return settings?.enabled === true && settings.sourceId !== null && settings.agentId !== null;
}

/**
 * Pushes the waiting leads of one property, one after another (ResMan's per-account limit and
 * the order of first contacts both favour it). A property with the push off pushes nothing.
 */
export async function pushGuestCards(
  deps: PushDependencies,
  property: ResmanPropertyAccess & { id: string },
  options: PushOptions = {},
): Promise<PushLine[]> {
  const settings = await deps.store.pushSettings(property.id);
  if (!readyToPush(settings)) return [];
  const leads = await deps.store.waitingLeads(property.id, {
    includeFailed: options.includeFailed === true,
    limit: options.limit ?? DEFAULT_PUSH_LIMIT,
  });
  // The roster is read once per run, when the first lead needs it.
  let people: Promise<readonly ResmanPerson[]> | undefined;
  const roster = () => {
    people ??= deps.source.roster(property).then((read) => read.people);
    return people;
  };
  const lines: PushLine[] = [];
  for (const lead of leads) {
    lines.push(await pushLead(deps, property, settings, lead, roster, options.dryRun === true));
  }
  const events = await deps.store.waitingEvents(property.id, {
    limit: options.limit ?? DEFAULT_PUSH_LIMIT,
  });
  for (const event of events) {
    const line = await pushEvent(deps, property, settings, event, options.dryRun === true);
    if (line !== null) lines.push(line);
  }
  return lines;
}
