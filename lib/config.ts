/**
 * Configuration: one zod schema over `process.env`, parsed once and frozen. A bad value fails
 * at start with a message naming the variable (never its value: it may be a secret).
 */
import * as z from "./domain/zod.js";
import { zodIssues } from "./domain/zodIssues.js";

export const driverNames = ["pglite", "pg", "neon"] as const;
export type DriverName = (typeof driverNames)[number];

const blankToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

/** An SSM parameter name (a path like `/contact-sync/prod/resman-api-key`), not its value. */
const ssmParameterName = z
  .string()
  .check(z.maxLength(1011), z.regex(/^[A-Za-z0-9_.\-/]+$/, "must be an SSM parameter name"));

/** A variable's value: blank is unset, then `schema`. */
const variable = <T extends z.core.$ZodType>(schema: T) =>
  z.pipe(z.transform(blankToUndefined), schema);

/** A whole number from the environment, `min`–`max`, `fallback` when unset. */
const wholeNumber = (min: number, max: number, fallback: number) =>
  variable(z._default(z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max)), fallback));

const configSchema = z.object({
  DATABASE_URL: variable(
    z.optional(
      z
        .string()
        .check(z.regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")),
    ),
  ),
  DB_DRIVER: variable(z.optional(z.enum(driverNames))),
  PGLITE_DATA_DIR: variable(z._default(z.string(), ".data/pglite")),
  /** host:port of a WebSocket→TCP proxy for the Neon driver (local tests and development). */
  NEON_WS_PROXY: variable(z.optional(z.string())),
  /** libpq's startup options (`-c name=value …`) for every server connection. */
  PGOPTIONS: variable(z.optional(z.string())),
  /** Standard Webhooks secrets (`whsec_<base64>`), comma-separated: one, or two while rotating. */
  WEBHOOK_SECRETS: variable(
    z.optional(
      z.pipe(
        z.pipe(
          z.string(),
          z.transform((value) => value.split(",").map((secret) => secret.trim())),
        ),
        z
          .array(
            z
              .string()
              .check(z.regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, "each secret must be whsec_<base64>")),
          )
          .check(
            z.minLength(1),
            z.maxLength(2, "at most two secrets (the current one and the next, while rotating)"),
          ),
      ),
    ),
  ),
  SYNC_QUEUE_URL: variable(z.optional(z.url())),
  /** The SQS dead-letter queue of the sync queue (for `contact-sync redrive`). */
  SYNC_DLQ_URL: variable(z.optional(z.url())),
  /** The SQS queue of scheduled reconciliations: one message per property (Lambda only). */
  RECONCILE_QUEUE_URL: variable(z.optional(z.url())),
  EVENT_BUS_NAME: variable(z.optional(z.string().check(z.maxLength(256)))),
  /** The sync queue's `maxReceiveCount`: on that receive a failing message is marked failed. */
  MAX_RECEIVE_COUNT: wholeNumber(1, 1000, 5),
  /**
   * How often `import` prints a progress line when stderr is not a terminal (ms; 0: after every
   * row). A tuning and test knob.
   */
  CONTACT_SYNC_PROGRESS_INTERVAL_MS: wholeNumber(0, 86_400_000, 10_000),
  RESMAN_V2_URL: variable(
    z._default(z.url({ protocol: /^https?$/ }), "https://partners-api.myresman.com"),
  ),
  RESMAN_V1_URL: variable(z._default(z.url({ protocol: /^https?$/ }), "https://api.myresman.com")),
  /** ResMan partner credentials (on Lambda: from SSM, see `lib/adapters/resman/credentials.ts`). */
  RESMAN_INTEGRATION_PARTNER_ID: variable(z.optional(z.string().check(z.maxLength(200)))),
  RESMAN_API_KEY: variable(z.optional(z.string().check(z.maxLength(500)))),
  /** On Lambda: the NAMES of the SSM SecureString parameters holding the two credentials. */
  RESMAN_PARTNER_ID_PARAMETER: variable(z.optional(ssmParameterName)),
  RESMAN_API_KEY_PARAMETER: variable(z.optional(ssmParameterName)),
  /** Where a property's first reconciliation starts reading (ISO-8601, not in the future). */
  RECONCILE_BACKFILL_SINCE: variable(
    z
      .pipe(
        z._default(z.iso.datetime({ offset: true }), "2000-01-01T00:00:00Z"),
        z.transform((value) => new Date(value)),
      )
      .check(z.refine((date) => date.getTime() <= Date.now(), "must not be in the future")),
  ),
  /** Hours between two reads of a property's resident roster. */
  RECONCILE_ROSTER_HOURS: variable(
    z._default(z.coerce.number().check(z.positive(), z.maximum(24 * 365)), 24),
  ),
  /** How long one ResMan call may take before it is abandoned (and retried), in ms. */
  RESMAN_TIMEOUT_MS: wholeNumber(100, 300_000, 30_000),
  /**
   * Seconds a reconciliation run's claim on its property lasts unless renewed (it is renewed
   * after every batch): how long a crashed run keeps the next one waiting.
   */
  RECONCILE_CLAIM_SECONDS: wholeNumber(1, 3600, 120),
  /** The console's JWT claim listing the DomIQ property ids a user may see (or `*`). */
  CONSOLE_PROPERTIES_CLAIM: variable(
    z._default(
      z.string().check(z.regex(/^[A-Za-z0-9_:./-]{1,100}$/, "must be a claim name")),
      "contact_sync_properties",
    ),
  ),
  /** The secret the console's form tokens (CSRF) are signed with: 32 characters or more. */
  CONSOLE_CSRF_SECRET: variable(
    z.optional(z.string().check(z.minLength(32, "must be at least 32 characters"))),
  ),
  /** Minutes between two scheduled reconciliations (a property is stale after two). */
  RECONCILE_PERIOD_MINUTES: wholeNumber(1, 24 * 60, 15),
});

export interface Config {
  readonly databaseUrl: string | undefined;
  readonly console: { readonly propertiesClaim: string };
  readonly consoleCsrfSecret: string | undefined;
  readonly dbDriver: DriverName;
  readonly pgliteDataDir: string;
  readonly neonWsProxy: string | undefined;
  /** `PGOPTIONS`: startup options of every server connection, after the project's own. */
  readonly pgOptions: string | undefined;
  readonly webhookSecrets: readonly string[] | undefined;
  readonly syncQueueUrl: string | undefined;
  readonly syncDlqUrl: string | undefined;
  readonly reconcileQueueUrl: string | undefined;
  /** SSM parameter names of the ResMan credentials (Lambda), never the credentials. */
  readonly resmanPartnerIdParameter: string | undefined;
  readonly resmanApiKeyParameter: string | undefined;
  readonly eventBusName: string | undefined;
  readonly maxReceiveCount: number;
  /** `import` progress lines off a terminal: one per this many ms. */
  readonly progressIntervalMs: number;
  readonly resman: {
    readonly v2Url: string;
    readonly v1Url: string;
    readonly partnerId: string | undefined;
    readonly apiKey: string | undefined;
    readonly timeoutMs: number;
  };
  readonly reconcile: {
    readonly backfillSince: Date;
    readonly rosterHours: number;
    readonly periodMinutes: number;
    readonly claimSeconds: number;
  };
}

/** Config keys a function may require, with the variable each comes from. */
const variableOf = {
  databaseUrl: "DATABASE_URL",
  webhookSecrets: "WEBHOOK_SECRETS",
  syncQueueUrl: "SYNC_QUEUE_URL",
  syncDlqUrl: "SYNC_DLQ_URL",
  eventBusName: "EVENT_BUS_NAME",
  reconcileQueueUrl: "RECONCILE_QUEUE_URL",
  resmanPartnerIdParameter: "RESMAN_PARTNER_ID_PARAMETER",
  resmanApiKeyParameter: "RESMAN_API_KEY_PARAMETER",
  consoleCsrfSecret: "CONSOLE_CSRF_SECRET",
} as const;

type Required<K extends keyof typeof variableOf> = Config & {
  readonly [P in K]-?: NonNullable<Config[P]>;
};

/**
 * The configuration with the given optional settings present, or a `ConfigError` naming the
 * first missing variable. Each function calls it once at cold start with what it needs.
 */
export function requireConfig<K extends keyof typeof variableOf>(
  current: Config,
  ...keys: K[]
): Required<K> {
  for (const key of keys) {
    if (current[key] === undefined)
      throw new ConfigError(`missing ${variableOf[key]}: required here`);
  }
  return current as Required<K>;
}

/** Thrown when the environment does not describe a runnable configuration. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * The driver when `DB_DRIVER` is unset: PGlite without a URL, Neon's WebSocket driver on Lambda
 * (where the URL points at Neon), node-postgres everywhere else.
 */
function defaultDriver(url: string | undefined, env: NodeJS.ProcessEnv): DriverName {
  if (env.AWS_LAMBDA_FUNCTION_NAME !== undefined) return "neon";
  if (url === undefined) return "pglite";
  if (/\.neon\.tech\b/.test(url)) return "neon";
  return "pg";
}

/** Parses a configuration from an environment; exported for tests. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = zodIssues(parsed.error, { limit: 1 })[0];
    const variable = issue?.path || "environment";
    throw new ConfigError(`invalid ${variable}: ${issue?.message ?? "invalid value"}`);
  }
  const { DATABASE_URL, DB_DRIVER, PGLITE_DATA_DIR, NEON_WS_PROXY } = parsed.data;
  const data = parsed.data;
  const dbDriver = DB_DRIVER ?? defaultDriver(DATABASE_URL, env);
  const onLambda = env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
  if (onLambda && dbDriver !== "neon") {
    // An embedded database inside a Lambda would lose every write with the container, and the
    // Lambda bundles carry only the Neon driver (serverless.yml) to stay small.
    throw new ConfigError("invalid DB_DRIVER: only neon runs on AWS Lambda");
  }
  // On Lambda a function that never touches the database (the webhook) runs without a URL;
  // the ones that do require it at cold start (`requireConfig(…, "databaseUrl")`).
  if (!onLambda && dbDriver !== "pglite" && DATABASE_URL === undefined) {
    throw new ConfigError(`invalid DATABASE_URL: required when DB_DRIVER is ${dbDriver}`);
  }
  return Object.freeze({
    databaseUrl: DATABASE_URL,
    console: Object.freeze({ propertiesClaim: data.CONSOLE_PROPERTIES_CLAIM }),
    consoleCsrfSecret: data.CONSOLE_CSRF_SECRET,
    dbDriver,
    pgliteDataDir: PGLITE_DATA_DIR,
    neonWsProxy: NEON_WS_PROXY,
    pgOptions: data.PGOPTIONS,
    webhookSecrets: data.WEBHOOK_SECRETS,
    syncQueueUrl: data.SYNC_QUEUE_URL,
    syncDlqUrl: data.SYNC_DLQ_URL,
    reconcileQueueUrl: data.RECONCILE_QUEUE_URL,
    resmanPartnerIdParameter: data.RESMAN_PARTNER_ID_PARAMETER,
    resmanApiKeyParameter: data.RESMAN_API_KEY_PARAMETER,
    eventBusName: data.EVENT_BUS_NAME,
    maxReceiveCount: data.MAX_RECEIVE_COUNT,
    progressIntervalMs: data.CONTACT_SYNC_PROGRESS_INTERVAL_MS,
    resman: Object.freeze({
      v2Url: data.RESMAN_V2_URL,
      v1Url: data.RESMAN_V1_URL,
      partnerId: data.RESMAN_INTEGRATION_PARTNER_ID,
      apiKey: data.RESMAN_API_KEY,
      timeoutMs: data.RESMAN_TIMEOUT_MS,
    }),
    reconcile: Object.freeze({
      backfillSince: data.RECONCILE_BACKFILL_SINCE,
      rosterHours: data.RECONCILE_ROSTER_HOURS,
      periodMinutes: data.RECONCILE_PERIOD_MINUTES,
      claimSeconds: data.RECONCILE_CLAIM_SECONDS,
    }),
  });
}

let cached: Config | undefined;

/** The process configuration, read from `process.env` on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
