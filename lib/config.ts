/**
 * Configuration: one zod schema over `process.env`, parsed once and frozen. A bad value fails
 * at start with a message naming the variable (never its value: it may be a secret).
 */
import { z } from "zod";

export const driverNames = ["pglite", "pg", "neon"] as const;
export type DriverName = (typeof driverNames)[number];

const blankToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

const configSchema = z.object({
  DATABASE_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
  ),
  DB_DRIVER: z.preprocess(blankToUndefined, z.enum(driverNames).optional()),
  PGLITE_DATA_DIR: z.preprocess(blankToUndefined, z.string().default(".data/pglite")),
  /** host:port of a WebSocket→TCP proxy for the Neon driver (local tests and development). */
  NEON_WS_PROXY: z.preprocess(blankToUndefined, z.string().optional()),
});

export interface Config {
  readonly databaseUrl: string | undefined;
  readonly dbDriver: DriverName;
  readonly pgliteDataDir: string;
  readonly neonWsProxy: string | undefined;
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
  if (url === undefined) return "pglite";
  if (env.AWS_LAMBDA_FUNCTION_NAME !== undefined || /\.neon\.tech\b/.test(url)) return "neon";
  return "pg";
}

/** Parses a configuration from an environment; exported for tests. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = issue?.path.join(".") ?? "environment";
    throw new ConfigError(`invalid ${variable}: ${issue?.message ?? "invalid value"}`);
  }
  const { DATABASE_URL, DB_DRIVER, PGLITE_DATA_DIR, NEON_WS_PROXY } = parsed.data;
  const dbDriver = DB_DRIVER ?? defaultDriver(DATABASE_URL, env);
  if (env.AWS_LAMBDA_FUNCTION_NAME !== undefined && DATABASE_URL === undefined) {
    // An embedded database inside a Lambda would lose every write with the container.
    throw new ConfigError("invalid DATABASE_URL: required on AWS Lambda");
  }
  if (dbDriver !== "pglite" && DATABASE_URL === undefined) {
    throw new ConfigError(`invalid DATABASE_URL: required when DB_DRIVER is ${dbDriver}`);
  }
  return Object.freeze({
    databaseUrl: DATABASE_URL,
    dbDriver,
    pgliteDataDir: PGLITE_DATA_DIR,
    neonWsProxy: NEON_WS_PROXY,
  });
}

let cached: Config | undefined;

/** The process configuration, read from `process.env` on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
