/**
 * How every Lambda function is built: its handler logic in the one middy chain below, so the
 * webhook, the chatbot events, the sync worker and the reconciliation's two functions get the
 * same middleware, in the same order. `functions/*.ts` only configure and call the handler
 * factories, which call this.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { logger } from "../observability/logger.js";
import { metrics } from "../observability/metrics.js";

/** A function's handler logic, before middleware. */
export type HandlerLogic<Event, Result> = (event: Event, context: Context) => Promise<Result>;

/**
 * The Lambda handler of `logic`: the logger gets the invocation's context, never its event; the
 * metrics the logic recorded (`invocationMetrics`) are written as one EMF line when the
 * invocation ends, also when it throws.
 */
export function lambdaHandler<Event, Result>(logic: HandlerLogic<Event, Result>) {
  return (
    middy<Event, Result>()
      // Every event holds personal data (a raw body, a contact block, a person): never log it,
      // whatever the environment says; keys a handler appends last one invocation.
      .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
      .use(logMetrics(metrics))
      .handler(logic)
  );
}
