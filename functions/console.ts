/**
 * Lambda: the operator console (API Gateway HTTP API, `ANY /console/{proxy+}`, behind the JWT
 * authorizer). The app is `lib/console/app.ts`, composed for AWS in `lib/console/lambdaConsole.ts`;
 * this file is the cold start: configuration and the ResMan credentials' source (SSM, read on
 * the first Retry).
 */
import { ssmResmanCredentials } from "../lib/adapters/resman/credentials.js";
import { config, requireConfig } from "../lib/config.js";
import { lambdaConsole } from "../lib/console/lambdaConsole.js";

// Cold start: a missing variable fails here, naming it.
const settings = requireConfig(
  config(),
  "databaseUrl",
  "consoleCsrfSecret",
  "syncQueueUrl",
  "syncDlqUrl",
  "resmanPartnerIdParameter",
  "resmanApiKeyParameter",
);

/** The Lambda entry point. */
export const handler = lambdaConsole({
  config: settings,
  credentials: ssmResmanCredentials({
    partnerIdParameter: settings.resmanPartnerIdParameter,
    apiKeyParameter: settings.resmanApiKeyParameter,
  }),
});
