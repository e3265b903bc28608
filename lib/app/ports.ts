/**
 * Ports of the use cases: everything impure they need, as interfaces, one file per store under
 * `ports/`. This file re-exports them all, so `import … from "./ports.js"` keeps working.
 * Adapters under `lib/adapters/` implement them; tests of the use cases may use fakes, tests of
 * SQL use the real adapters on PGlite and Postgres.
 *
 * - `ports/guarded.ts`: the write protocol's reads and writes (`Guarded`, `WriteGuard`,
 *   `GuardedResult`, `KeyLockingTransaction`), one shape for every store that writes contacts;
 * - `ports/contactStore.ts`: the sync path's store (`ContactStore`, `SyncTransaction`);
 * - `ports/enrichmentStore.ts`: chatbot enrichment's part of it (`EnrichmentStore`);
 * - `ports/candidateLookup.ts`: how both find candidate contacts;
 * - `ports/reviewStore.ts`: the review queue and unmerge (`ReviewStore`, `MergeTransaction`);
 * - `ports/propertyStore.ts`, `ports/rulesStore.ts`, `ports/reportStore.ts`: properties, their
 *   rules, reports;
 * - `ports/outbox.ts`, `ports/eventPublisher.ts`, `ports/syncQueue.ts`: events and messages;
 * - `ports/clock.ts`: time.
 */
export type { CandidateLookup } from "./ports/candidateLookup.js";
export { type Clock, systemClock } from "./ports/clock.js";
export type {
  ContactStore,
  LinkFailure,
  SnapshotReader,
  SnapshotRequest,
  SyncApplied,
  SyncSnapshot,
  SyncTransaction,
  SyncWrite,
  WaveApplied,
  WaveGuard,
  WaveOptions,
  WaveWrite,
} from "./ports/contactStore.js";
export type {
  EnrichmentApplied,
  EnrichmentCandidates,
  EnrichmentStore,
  EnrichmentTransaction,
  EnrichmentWrite,
} from "./ports/enrichmentStore.js";
export type { EventPublisher } from "./ports/eventPublisher.js";
export type {
  EventRef,
  Guarded,
  GuardedResult,
  KeyLockingTransaction,
  WriteGuard,
} from "./ports/guarded.js";
export type { Announcement, OutboxStore } from "./ports/outbox.js";
export type { PropertyContext, PropertyStore, ResmanPropertyRef } from "./ports/propertyStore.js";
export type { LinkListing, PropertyStats, ReportStore } from "./ports/reportStore.js";
export type {
  Decision,
  MergeTarget,
  MergeTransaction,
  ReviewItem,
  ReviewPage,
  ReviewQuery,
  ReviewRecord,
  ReviewStore,
} from "./ports/reviewStore.js";
export type { PropertyRules, RulesStore } from "./ports/rulesStore.js";
export type { SyncQueue } from "./ports/syncQueue.js";
