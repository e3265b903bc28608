/** The repositories over one database: what the use cases take as their stores. */
import type { DriverName } from "../../config.js";
import type { Database, DatabaseHandle } from "./client.js";
import { DrizzleConsoleStore } from "./consoleRepository.js";
import { DrizzleContactStore } from "./contactStore.js";
import { DrizzleDecisionStore } from "./decisionRepository.js";
import { DrizzleOutboxStore } from "./outboxRepository.js";
import { DrizzlePropertyStore } from "./propertyRepository.js";
import { DrizzlePushStore } from "./pushRepository.js";
import { DrizzleReconcileStore } from "./reconcileRepository.js";
import { DrizzleReportStore } from "./reportRepository.js";
import { DrizzleReviewStore } from "./reviewRepository.js";
import { DrizzleRulesStore } from "./rulesRepository.js";

/**
 * `readParts`: statements a snapshot reader's large read may be split into (default 1: never;
 * `storesOn` sets the driver's).
 */
export function createStores(db: Database, options: { readParts?: number } = {}) {
  return {
    console: new DrizzleConsoleStore(db),
    contacts: new DrizzleContactStore(db, options.readParts),
    decisions: new DrizzleDecisionStore(db),
    outbox: new DrizzleOutboxStore(db),
    properties: new DrizzlePropertyStore(db),
    push: new DrizzlePushStore(db),
    reconcile: new DrizzleReconcileStore(db),
    reports: new DrizzleReportStore(db),
    reviews: new DrizzleReviewStore(db),
    rules: new DrizzleRulesStore(db),
  };
}

export type Stores = ReturnType<typeof createStores>;

/**
 * How many statements a large snapshot read (an import chunk's first: ~1,000 persons) is split
 * into, sent at once. Postgres runs one statement on one core, and the importing process waits
 * for it; two let a 2-core server read with both (docs/performance-log.md, "Reads in two"). PGlite
 * runs one statement at a time: never split there.
 */
export function snapshotReadParts(driver: DriverName): number {
  return driver === "pglite" ? 1 : 2;
}

/** The stores of an open database, with its driver's settings (`snapshotReadParts`). */
export function storesOn(handle: Pick<DatabaseHandle, "db" | "driver">): Stores {
  return createStores(handle.db, { readParts: snapshotReadParts(handle.driver) });
}
