/**
 * What the operator console's pages show, composed from the stores: a review item with both
 * contacts side by side and the per-field evidence; a property's sync health with its hourly
 * series. Reads only; the pages' actions are the review, unmerge and rules use cases.
 */
import { isStale } from "../domain/reconcileRun.js";
import { type EvidenceRow, type ReviewEvidence, reviewEvidence } from "../domain/review.js";
import type {
  ConsoleProperty,
  ConsoleStore,
  ContactDetail,
  DeadLetterDepth,
  HourlyOutcome,
  LinkView,
  OutboundEventView,
  ReviewView,
} from "./ports/consoleStore.js";
import type { ReconcileHealth, ReconcileStore } from "./ports/reconcileStore.js";
import type { PropertyStats, ReportStore } from "./ports/reportStore.js";
import type { ReviewStore } from "./ports/reviewStore.js";

export interface ConsoleDependencies {
  console: ConsoleStore;
  reports: Pick<ReportStore, "stats">;
  reviews: Pick<ReviewStore, "listOpen" | "openCounts">;
  reconcile: Pick<ReconcileStore, "registered" | "health">;
  deadLetters: DeadLetterDepth;
  /** The schedule's period, for the stale flag (`RECONCILE_PERIOD_MINUTES`). */
  reconcilePeriodMinutes: number;
}

export interface ReviewPage {
  item: ReviewView;
  /** The record's contact (B), created for the record under review. */
  record: ContactDetail | null;
  /** The existing contact it may be (A). */
  candidate: ContactDetail | null;
  evidence: EvidenceRow[];
  thresholds: ReviewEvidence["thresholds"];
  guard: string | null;
  swappedNames: boolean;
  /** Open items of the property, this one included when open. */
  openTotal: number;
}

/** A review item with its two contacts; null when there is no such item. */
export async function reviewPage(
  deps: Pick<ConsoleDependencies, "console" | "reviews">,
  id: string,
): Promise<ReviewPage | null> {
  const item = await deps.console.review(id);
  if (item === null) return null;
  const [record, candidate, open] = await Promise.all([
    deps.console.contact(item.userId),
    deps.console.contact(item.candidateId),
    deps.reviews.listOpen({ propertyId: item.propertyId, limit: 1, order: "oldest" }),
  ]);
  const { rows, thresholds, guard, swappedNames } = reviewEvidence(item.evidence);
  return {
    item,
    record,
    candidate,
    evidence: rows,
    thresholds,
    guard,
    swappedNames,
    openTotal: open?.total ?? 0,
  };
}

/** The oldest open item of a property (the queue's head), or null when the queue is empty. */
export async function nextReviewId(
  deps: Pick<ConsoleDependencies, "reviews">,
  propertyId: string,
): Promise<{ id: string | null; total: number }> {
  const page = await deps.reviews.listOpen({ propertyId, limit: 1, order: "oldest" });
  return { id: page?.items[0]?.id ?? null, total: page?.total ?? 0 };
}

export interface ReconciliationHealth {
  registered: boolean;
  enabled: boolean;
  lastStatus: string | null;
  lastStartedAt: Date | null;
  lastOkAt: Date | null;
  /** Seconds since the last run started. */
  ageSeconds: number | null;
  stale: boolean;
}

export interface PropertyHealth {
  property: ConsoleProperty;
  stats: PropertyStats | null;
  reviewBacklog: number;
  /** Messages in the dead-letter queue (all properties: the queue is shared); null if unknown. */
  deadLetters: number | null;
  reconciliation: ReconciliationHealth;
  /** Syncs per hour and outcome over `days` days. */
  hourly: HourlyOutcome[];
  since: Date;
  failedLinks: LinkView[];
  outboundEvents: OutboundEventView[];
}

function reconciliationOf(
  propertyId: string,
  registered: { id: string; enabled: boolean }[],
  health: ReconcileHealth[],
  now: Date,
  periodMinutes: number,
): ReconciliationHealth {
  const registration = registered.find((r) => r.id === propertyId);
  const h = health.find((r) => r.propertyId === propertyId);
  const last = h?.lastRun ?? null;
  return {
    registered: registration !== undefined,
    enabled: registration?.enabled ?? false,
    lastStatus: last?.status ?? null,
    lastStartedAt: last?.startedAt ?? null,
    lastOkAt: h?.lastOkAt ?? null,
    ageSeconds: last === null ? null : (now.getTime() - last.startedAt.getTime()) / 1000,
    stale: registration?.enabled === true && isStale(h?.lastOkAt ?? null, now, periodMinutes),
  };
}

/** Hours the health charts cover. */
export const HEALTH_CHART_DAYS = 7;

/** The sync health of each property (the overview), without the per-property lists. */
export async function healthOverview(
  deps: ConsoleDependencies,
  properties: readonly ConsoleProperty[],
  now: Date,
): Promise<Omit<PropertyHealth, "hourly" | "failedLinks" | "outboundEvents" | "since">[]> {
  const [stats, registered, health, deadLetters, open] = await Promise.all([
    deps.reports.stats(),
    deps.reconcile.registered(),
    deps.reconcile.health(),
    deps.deadLetters.depth(),
    deps.reviews.openCounts(properties.map((property) => property.id)),
  ]);
  const statsOf = new Map(stats.map((s) => [s.propertyId, s]));
  return properties.map((property) => ({
    property,
    stats: statsOf.get(property.id) ?? null,
    reviewBacklog: open.get(property.id) ?? 0,
    deadLetters,
    reconciliation: reconciliationOf(
      property.id,
      registered,
      health,
      now,
      deps.reconcilePeriodMinutes,
    ),
  }));
}

/** One property's sync health with its hourly series, failed links and outbound events. */
export async function propertyHealth(
  deps: ConsoleDependencies,
  property: ConsoleProperty,
  now: Date,
): Promise<PropertyHealth> {
  const since = new Date(now.getTime() - HEALTH_CHART_DAYS * 24 * 3_600_000);
  const [[overview], hourly, failedLinks, outboundEvents] = await Promise.all([
    healthOverview(deps, [property], now),
    deps.console.hourlyOutcomes(property.id, since),
    deps.console.failedLinks(property.id, 100),
    deps.console.outboundEvents(property.id, 25),
  ]);
  if (overview === undefined) throw new Error("no overview for the property");
  return { ...overview, hourly, since, failedLinks, outboundEvents };
}
