/**
 * The console function's composition on AWS: the console app over the configured database
 * (opened on the first request and kept for the container's life), the sync DLQ's depth from
 * SQS, and Retry reading ResMan with the SSM credentials and sending the person to the sync
 * queue (the worker syncs it, as for every other source). Claims come from API Gateway's JWT
 * authorizer; the form tokens are signed with `CONSOLE_CSRF_SECRET`.
 */
import { openConfiguredDatabase } from "../adapters/db/client.js";
import { DrizzleConsoleStore } from "../adapters/db/consoleRepository.js";
import { DrizzlePropertyStore } from "../adapters/db/propertyRepository.js";
import { DrizzleReconcileStore } from "../adapters/db/reconcileRepository.js";
import { DrizzleReportStore } from "../adapters/db/reportRepository.js";
import { DrizzleReviewStore } from "../adapters/db/reviewRepository.js";
import { DrizzleRulesStore } from "../adapters/db/rulesRepository.js";
import { onFirstUse } from "../adapters/lambda/onFirstUse.js";
import { lazyResmanSource } from "../adapters/lambda/resmanRuntime.js";
import { logger } from "../adapters/observability/logger.js";
import { queueSink } from "../adapters/queue/queueSink.js";
import { sqsDeadLetterDepth } from "../adapters/queue/sqsDeadLetterDepth.js";
import { createSqsClient } from "../adapters/queue/sqsSyncQueue.js";
import type { CredentialsSource } from "../adapters/resman/credentials.js";
import { systemClock } from "../app/ports/clock.js";
import { resyncLink } from "../app/resyncLink.js";
import type { Config } from "../config.js";
import { createConsoleApp } from "./app.js";
import { type ConsoleHandler, consoleHandler } from "./handler.js";

export interface LambdaConsoleSettings {
  config: Config & {
    databaseUrl: string;
    consoleCsrfSecret: string;
    syncQueueUrl: string;
    syncDlqUrl: string;
  };
  credentials: CredentialsSource;
}

export function lambdaConsole({ config, credentials }: LambdaConsoleSettings): ConsoleHandler {
  const sqs = createSqsClient();
  const source = lazyResmanSource(config.resman, credentials);
  const handler = onFirstUse(async () => {
    const { db } = await openConfiguredDatabase(config, { maxConnections: 2 });
    // The stores the console uses, not `createStores`: no sync, outbox or push repository in
    // its bundle.
    const stores = {
      console: new DrizzleConsoleStore(db),
      properties: new DrizzlePropertyStore(db),
      reconcile: new DrizzleReconcileStore(db),
      reports: new DrizzleReportStore(db),
      reviews: new DrizzleReviewStore(db),
      rules: new DrizzleRulesStore(db),
    };
    const app = createConsoleApp({
      stores,
      deadLetters: sqsDeadLetterDepth(sqs, config.syncDlqUrl),
      reconcilePeriodMinutes: config.reconcile.periodMinutes,
      clock: systemClock,
      retryLink: async (propertyId, linkId) =>
        resyncLink(
          {
            source: await source(),
            registry: stores.reconcile,
            links: stores.console,
            sink: queueSink(sqs, config.syncQueueUrl),
            clock: systemClock,
          },
          propertyId,
          linkId,
        ),
      claimName: config.console.propertiesClaim,
      csrfSecret: config.consoleCsrfSecret,
      onError: (code) => logger.error("console request failed", { code }),
    });
    return consoleHandler(app);
  });
  return async (event, context) => (await handler())(event, context);
}
