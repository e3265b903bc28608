import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigError, driverNames, parseConfig, requireConfig } from "../../lib/config.js";

const LOCAL_URL = "postgres://contact_sync@127.0.0.1:5432/contact_sync";
const NEON_URL = "postgresql://app:pw@ep-quiet-lake-123456.us-east-2.aws.neon.tech/contacts";

/** The error `parseConfig` throws for `env`, or a failure if it throws none. */
function configErrorFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("refuses a console CSRF secret under 32 characters and a claim name with spaces", () => {
    expect(() => parseConfig({ CONSOLE_CSRF_SECRET: "short" })).toThrow(
      "invalid CONSOLE_CSRF_SECRET: must be at least 32 characters",
    );
    expect(() => parseConfig({ CONSOLE_PROPERTIES_CLAIM: "my claim" })).toThrow(
      "invalid CONSOLE_PROPERTIES_CLAIM: must be a claim name",
    );
  });

  it("runs on embedded PGlite in .data/ when nothing is set", () => {
    expect(parseConfig({})).toEqual({
      databaseUrl: undefined,
      console: { propertiesClaim: "contact_sync_properties" },
      consoleCsrfSecret: undefined,
      dbDriver: "pglite",
      pgliteDataDir: ".data/pglite",
      neonWsProxy: undefined,
      pgOptions: undefined,
      webhookSecrets: undefined,
      syncQueueUrl: undefined,
      syncDlqUrl: undefined,
      eventBusName: undefined,
      maxReceiveCount: 5,
      progressIntervalMs: 10_000,
      reconcileQueueUrl: undefined,
      resmanPartnerIdParameter: undefined,
      resmanApiKeyParameter: undefined,
      resman: {
        v2Url: "https://partners-api.myresman.com",
        v1Url: "https://api.myresman.com",
        partnerId: undefined,
        apiKey: undefined,
        timeoutMs: 30_000,
      },
      reconcile: {
        backfillSince: new Date("2000-01-01T00:00:00Z"),
        rosterHours: 24,
        periodMinutes: 15,
        claimSeconds: 120,
      },
    });
  });

  it("reads the ResMan and reconciliation settings, and refuses a backfill date in the future", () => {
    const config = parseConfig({
      RESMAN_V2_URL: "http://127.0.0.1:8787/v2",
      RESMAN_INTEGRATION_PARTNER_ID: "partner",
      RESMAN_API_KEY: "key",
      RECONCILE_BACKFILL_SINCE: "2024-06-01T00:00:00Z",
      RECONCILE_ROSTER_HOURS: "6",
    });
    expect(config.resman).toMatchObject({
      v2Url: "http://127.0.0.1:8787/v2",
      partnerId: "partner",
    });
    expect(config.reconcile).toMatchObject({
      backfillSince: new Date("2024-06-01T00:00:00Z"),
      rosterHours: 6,
    });
    expect(() => parseConfig({ RECONCILE_BACKFILL_SINCE: "2999-01-01T00:00:00Z" })).toThrow(
      "invalid RECONCILE_BACKFILL_SINCE: must not be in the future",
    );
    expect(() => parseConfig({ RESMAN_V1_URL: "ftp://example" })).toThrow(/invalid RESMAN_V1_URL/);
  });

  it("reads the import progress interval (a test and tuning knob)", () => {
    expect(parseConfig({ CONTACT_SYNC_PROGRESS_INTERVAL_MS: "0" }).progressIntervalMs).toBe(0);
    expect(parseConfig({ CONTACT_SYNC_PROGRESS_INTERVAL_MS: "2500" }).progressIntervalMs).toBe(
      2500,
    );
  });

  it("reads the pipeline settings", () => {
    const config = parseConfig({
      WEBHOOK_SECRETS: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, whsec_c2Vjb25kLXNlY3JldA==",
      SYNC_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/sync",
      EVENT_BUS_NAME: "contact-sync",
      MAX_RECEIVE_COUNT: "7",
    });
    expect(config.webhookSecrets).toEqual([
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "whsec_c2Vjb25kLXNlY3JldA==",
    ]);
    expect(config.syncQueueUrl).toBe("https://sqs.us-east-1.amazonaws.com/123456789012/sync");
    expect(config.eventBusName).toBe("contact-sync");
    expect(config.maxReceiveCount).toBe(7);
  });

  it.each([
    ["a secret without the whsec_ prefix", { WEBHOOK_SECRETS: "c2VjcmV0" }, "WEBHOOK_SECRETS"],
    ["three secrets", { WEBHOOK_SECRETS: "whsec_YQ==,whsec_Yg==,whsec_Yw==" }, "WEBHOOK_SECRETS"],
    ["a queue URL that is not a URL", { SYNC_QUEUE_URL: "sync-queue" }, "SYNC_QUEUE_URL"],
    ["a receive count of 0", { MAX_RECEIVE_COUNT: "0" }, "MAX_RECEIVE_COUNT"],
    [
      "a negative progress interval",
      { CONTACT_SYNC_PROGRESS_INTERVAL_MS: "-5" },
      "CONTACT_SYNC_PROGRESS_INTERVAL_MS",
    ],
  ])("refuses %s, naming the variable and not the value", (_, env, variable) => {
    const error = configErrorFor(env);
    expect(error.message).toContain(variable);
    for (const value of Object.values(env)) expect(error.message).not.toContain(value);
  });

  it("requireConfig names the first missing variable", () => {
    const config = parseConfig({ SYNC_QUEUE_URL: "https://sqs.example.com/1/q" });
    expect(requireConfig(config, "syncQueueUrl").syncQueueUrl).toBe("https://sqs.example.com/1/q");
    expect(() => requireConfig(config, "syncQueueUrl", "webhookSecrets")).toThrow(
      /missing WEBHOOK_SECRETS/,
    );
  });

  it("returns a frozen configuration", () => {
    const config = parseConfig({ DATABASE_URL: LOCAL_URL });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("treats blank variables as unset", () => {
    expect(
      parseConfig({ DATABASE_URL: " ", DB_DRIVER: "", PGLITE_DATA_DIR: "  ", NEON_WS_PROXY: "" }),
    ).toEqual(parseConfig({}));
  });

  it("reads the PGlite data directory, the Neon proxy address and libpq's startup options", () => {
    const config = parseConfig({
      PGLITE_DATA_DIR: "/tmp/cs-data",
      NEON_WS_PROXY: "127.0.0.1:7432",
      PGOPTIONS: "-c statement_timeout=5000",
    });
    expect(config.pgliteDataDir).toBe("/tmp/cs-data");
    expect(config.neonWsProxy).toBe("127.0.0.1:7432");
    expect(config.pgOptions).toBe("-c statement_timeout=5000");
  });

  it.each([
    ["no URL", {}, "pglite"],
    ["a local URL", { DATABASE_URL: LOCAL_URL }, "pg"],
    ["a postgresql:// URL", { DATABASE_URL: LOCAL_URL.replace("postgres:", "postgresql:") }, "pg"],
    ["a Neon URL", { DATABASE_URL: NEON_URL }, "neon"],
    [
      "any URL on Lambda",
      { DATABASE_URL: LOCAL_URL, AWS_LAMBDA_FUNCTION_NAME: "sync-worker" },
      "neon",
    ],
  ])("infers the driver from %s", (_, env, driver) => {
    expect(parseConfig(env).dbDriver).toBe(driver);
  });

  it("never runs the embedded database on Lambda (it would lose writes with the container)", () => {
    for (const driver of ["pglite", "pg"]) {
      expect(
        configErrorFor({ AWS_LAMBDA_FUNCTION_NAME: "sync-worker", DB_DRIVER: driver }).message,
      ).toBe("invalid DB_DRIVER: only neon runs on AWS Lambda");
    }
    // Without a URL a Lambda gets Neon, and a function needing the database says what is missing.
    const lambda = parseConfig({ AWS_LAMBDA_FUNCTION_NAME: "sync-worker" });
    expect(lambda.dbDriver).toBe("neon");
    expect(() => requireConfig(lambda, "databaseUrl")).toThrow("missing DATABASE_URL");
  });

  it("does not take a host merely containing neon for Neon", () => {
    expect(parseConfig({ DATABASE_URL: "postgres://u@neon-db.internal:5432/db" }).dbDriver).toBe(
      "pg",
    );
  });

  it.each([
    ["pglite", { DATABASE_URL: LOCAL_URL }],
    ["pg", { DATABASE_URL: NEON_URL }],
    ["neon", { DATABASE_URL: LOCAL_URL }],
  ] as const)("lets DB_DRIVER=%s override the inferred driver", (driver, env) => {
    const config = parseConfig({ ...env, DB_DRIVER: driver });
    expect(config.dbDriver).toBe(driver);
    expect(config.databaseUrl).toBe(env.DATABASE_URL);
  });

  it.each(["pg", "neon"])("requires DATABASE_URL when DB_DRIVER is %s", (driver) => {
    const error = configErrorFor({ DB_DRIVER: driver });
    expect(error.name).toBe("ConfigError");
    expect(error.message).toBe(`invalid DATABASE_URL: required when DB_DRIVER is ${driver}`);
  });

  it.each(["mysql", "PG", "postgres", "sqlite-s3cr3t"])(
    "rejects DB_DRIVER=%s naming the variable, not the value",
    (value) => {
      const error = configErrorFor({ DB_DRIVER: value });
      expect(error.message).toMatch(/^invalid DB_DRIVER: /);
      expect(error.message).not.toContain(value);
    },
  );

  it.each([
    "mysql://admin:s3cr3t-pa55@db.lakeview.internal/contacts",
    "s3cr3t-pa55",
    " postgres://admin:s3cr3t-pa55@localhost/contacts",
    "http://admin:s3cr3t-pa55@localhost/contacts",
  ])("rejects a DATABASE_URL that is not a postgres URL without echoing it", (value) => {
    const error = configErrorFor({ DATABASE_URL: value });
    expect(error.message).toMatch(/^invalid DATABASE_URL: /);
    expect(error.message).not.toContain("s3cr3t");
  });

  it("never echoes a bad value, whatever it is", () => {
    const marked = fc.string({ minLength: 1, maxLength: 30 }).map((s) => `zz9${s}`);
    fc.assert(
      fc.property(marked, fc.constantFrom("DB_DRIVER", "DATABASE_URL"), (value, variable) => {
        const error = configErrorFor({ [variable]: value });
        expect(error.message.startsWith(`invalid ${variable}: `)).toBe(true);
        expect(error.message).not.toContain(value.trim());
      }),
    );
  });

  it("accepts exactly the documented drivers", () => {
    expect([...driverNames].sort()).toEqual(["neon", "pg", "pglite"]);
  });
});

describe("config", () => {
  // Each test imports a fresh module, so the cached configuration starts empty.
  beforeEach(() => {
    vi.resetModules();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("reads process.env once and hands out the same frozen object", async () => {
    vi.stubEnv("DATABASE_URL", LOCAL_URL);
    vi.stubEnv("DB_DRIVER", "pg");
    const { config } = await import("../../lib/config.js");
    const first = config();
    vi.stubEnv("DB_DRIVER", "neon");
    expect(config()).toBe(first);
    expect(first.dbDriver).toBe("pg");
    expect(Object.isFrozen(first)).toBe(true);
  });

  it("fails at first use with a ConfigError for a bad environment", async () => {
    vi.stubEnv("DB_DRIVER", "oracle");
    const fresh = await import("../../lib/config.js");
    expect(() => fresh.config()).toThrow(fresh.ConfigError);
    expect(() => fresh.config()).toThrow(/invalid DB_DRIVER/);
  });
});
