/** The repositories over one database: what the use cases take as their stores. */
import type { Database } from "./client.js";
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

export function createStores(db: Database) {
  return {
    console: new DrizzleConsoleStore(db),
    contacts: new DrizzleContactStore(db),
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
