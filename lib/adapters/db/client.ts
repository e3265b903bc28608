/**
 * One factory for the three drivers: PGlite (embedded, the default without `DATABASE_URL`),
 * node-postgres and Neon serverless over WebSocket (production). Everything above this file
 * sees the same Drizzle `Database` type.
 */
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { DriverName } from "../../config.js";
import { accessEmbedded, type EmbeddedOptions, type EmbeddedServer } from "./embeddedOwner.js";
import { useSessionQueue } from "./embeddedQueue.js";
import { namePreparedStatements } from "./preparedStatements.js";
import * as schema from "./schema.js";

export type Schema = typeof schema;
/** The Drizzle database every repository takes, whatever the driver. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** The transaction `Database.transaction` hands its callback. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

export interface DatabaseHandle {
  readonly db: Database;
  readonly driver: DriverName;
  /**
   * An embedded data directory reached through another process that owns it (false when this
   * process owns it; undefined for a server or an in-memory database).
   */
  readonly throughAnotherProcess?: boolean;
  /** Applies pending migrations (serialised across processes on a server). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  driver: DriverName;
  /** Required for `pg` and `neon`. */
  url?: string | undefined;
  /** PGlite data directory; `undefined` means in memory. */
  dataDir?: string | undefined;
  /** Neon only: `host:port` of a WebSocket→TCP proxy (plain `ws://`), for local servers. */
  neonWsProxy?: string | undefined;
  /**
   * `pg` and `neon`: startup options (`-c name=value …`, libpq's `PGOPTIONS`) sent after the
   * project's own (`-c jit=off`), so a setting named in both is the operator's.
   */
  pgOptions?: string | undefined;
  /** Pool size for `pg` and `neon`. */
  maxConnections?: number | undefined;
  /** Called once per statement sent to the database (counts round trips in benchmarks). */
  onQuery?: (() => void) | undefined;
  /**
   * PGlite data directory only: who opens it and how long to wait for another process that
   * holds it (see `embeddedOwner.ts`); `notice` gets one line for a person (waiting, …).
   */
  embedded?: Partial<EmbeddedOptions> | undefined;
}

/**
 * How many syncs to run at once on a driver: PGlite has a single connection (its transactions
 * run one at a time anyway); a server takes a few, each on its own pooled connection.
 */
export function syncConcurrency(driver: DriverName): number {
  return driver === "pglite" ? 1 : 4;
}

/** The folder of generated SQL migrations, next to the repository root. */
export const migrationsFolder = fileURLToPath(new URL("../../../drizzle", import.meta.url));

/** Any fixed 64-bit number: the advisory lock that serialises concurrent migrators. */
const MIGRATION_LOCK = 7_031_946_113_502_081n;

/** Opens a database with the given driver. Nothing is migrated unless `migrate()` is called. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.driver !== "pglite") return openServer(options.driver, options);
  if (options.dataDir !== undefined) return openEmbeddedDirectory(options, options.dataDir);
  return openInMemory(options);
}

/**
 * No JIT: an import's batched snapshot read (32 persons' lookups in one statement) is estimated
 * costly enough for Postgres to JIT-compile it, ~2 s per statement for a query that runs in
 * ~3 ms. Short OLTP statements never gain from JIT.
 */
const NO_JIT = "-c jit=off";

/** The pool settings `openServer` and the embedded directory give a server driver. */
interface PoolSettings {
  connectionString?: string;
  host?: string;
  user?: string;
  database?: string;
  max: number;
  /** Startup `options` (`-c name=value …`), sent with every new connection. */
  options?: string;
  idleTimeoutMillis?: number;
  connectionTimeoutMillis?: number;
}

/** A server driver's pool, Drizzle on it, and its migrator (run under the migration lock). */
interface ServerConnection {
  pool: ServerPool;
  db: Database;
  migrate(): Promise<void>;
}

/** What differs between the server drivers; everything else is `openServer`'s. */
interface ServerDriver {
  /** Pool size unless `maxConnections` says otherwise. */
  readonly maxConnections: number;
  /** Startup options of every connection. */
  readonly startupOptions: string;
  /** Loads the driver (lazily: a bundle carries only the one it uses) and opens its pool. */
  readonly connect: (
    settings: PoolSettings,
    options: OpenDatabaseOptions,
  ) => Promise<ServerConnection>;
}

const serverDrivers: Record<Exclude<DriverName, "pglite">, ServerDriver> = {
  pg: {
    maxConnections: 10,
    startupOptions: NO_JIT,
    connect: (settings) => connectNodePostgres(settings),
  },
  neon: {
    maxConnections: 10,
    // The Neon driver (a node-postgres fork) sends `options` in its startup message: checked
    // with `SHOW jit` through the WebSocket proxy to a local server
    // (test/contract/startup-options.test.ts).
    startupOptions: NO_JIT,
    connect: async (settings, options) => {
      const { Pool, neonConfig } = await import("@neondatabase/serverless");
      const { drizzle } = await import("drizzle-orm/neon-serverless");
      const { migrate } = await import("drizzle-orm/neon-serverless/migrator");
      // Node's built-in WebSocket (Node ≥ 22) keeps the Lambda bundle without `ws`. It re-emits
      // a server close after `pool.end()` as an ErrorEvent, which is harmless only because every
      // pool and client has an error listener (`survivesLostConnections`).
      neonConfig.webSocketConstructor = globalThis.WebSocket ?? (await import("ws")).default;
      if (options.neonWsProxy !== undefined) {
        const proxy = options.neonWsProxy;
        neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
        neonConfig.useSecureWebSocket = false;
        neonConfig.pipelineConnect = false;
        neonConfig.pipelineTLS = false;
      }
      const pool = new Pool(settings);
      const db = drizzle({ client: pool, schema });
      return { pool, db, migrate: () => migrate(db, { migrationsFolder }) };
    },
  },
};

/** node-postgres: the `pg` driver, and the embedded directory's socket. */
async function connectNodePostgres(settings: PoolSettings): Promise<ServerConnection> {
  const { default: pg } = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate } = await import("drizzle-orm/node-postgres/migrator");
  const pool = new pg.Pool(settings);
  const db = drizzle({ client: pool, schema });
  return { pool, db, migrate: () => migrate(db, { migrationsFolder }) };
}

/** A Postgres server through the `pg` or `neon` driver (`serverDrivers`). */
async function openServer(
  name: Exclude<DriverName, "pglite">,
  options: OpenDatabaseOptions,
): Promise<DatabaseHandle> {
  const driver = serverDrivers[name];
  const connection = await driver.connect(
    {
      connectionString: requireUrl(options),
      max: options.maxConnections ?? driver.maxConnections,
      // Given `options`, the drivers no longer read PGOPTIONS themselves: it is appended here.
      options: [driver.startupOptions, options.pgOptions?.trim()].filter(Boolean).join(" "),
    },
    options,
  );
  survivesLostConnections(connection.pool);
  namePreparedStatements(connection.pool);
  if (options.onQuery) countPoolQueries(connection.pool, options.onQuery);
  return serverHandle(name, connection, () => connection.pool.end());
}

/** The handle of a pool-backed database: migrations serialised by a session lock. */
function serverHandle(
  driver: DriverName,
  { pool, db, migrate }: ServerConnection,
  close: () => Promise<void>,
): DatabaseHandle {
  return { db, driver, migrate: () => withSessionLock(pool, MIGRATION_LOCK, migrate), close };
}

/** An in-memory PGlite belongs to this process alone. */
async function openInMemory(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const client = await PGlite.create();
  if (options.onQuery) countPgliteQueries(client, options.onQuery);
  const db = drizzle({ client, schema });
  return {
    db,
    driver: "pglite",
    // Nobody else can reach an in-memory database: no concurrent migrator to lock out.
    migrate: () => migrate(db, { migrationsFolder }),
    close: () => client.close(),
  };
}

/**
 * A PGlite data directory, reached through the Unix socket of the process that owns it (this
 * one, or another command already running): node-postgres over the Postgres wire protocol.
 */
async function openEmbeddedDirectory(
  options: OpenDatabaseOptions,
  dataDir: string,
): Promise<DatabaseHandle> {
  const notice = options.embedded?.notice ?? (() => {});
  const connect = async (socketDir: string) => {
    const connection = await connectNodePostgres({
      host: socketDir,
      user: "postgres",
      database: "postgres",
      max: options.maxConnections ?? 4,
      // Connections stay open until `close()`: the owner waits for them before it stops.
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: 5_000,
    });
    const { pool } = connection;
    survivesLostConnections(pool);
    try {
      await pool.query("SELECT 1");
      return connection;
    } catch {
      await pool.end().catch(() => {});
      return null;
    }
  };
  const access = await accessEmbedded(
    dataDir,
    {
      waitSeconds: options.embedded?.waitSeconds ?? 30,
      command: options.embedded?.command ?? "process",
      notice,
      onLockLost:
        options.embedded?.onLockLost ??
        ((line) => {
          notice(line);
          process.exit(1);
        }),
    },
    serveEmbedded,
    connect,
  );
  const { pool } = access.connection;
  if (options.onQuery) countPoolQueries(pool, options.onQuery);
  const handle = serverHandle("pglite", access.connection, async () => {
    await pool.end();
    await access.release(notice);
  });
  return { ...handle, throughAnotherProcess: !access.owner };
}

/** Opens PGlite on a data directory and serves it on a Unix socket (this process owns it). */
async function serveEmbedded(dataDir: string, socketPath: string): Promise<EmbeddedServer> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const pglite = await PGlite.create(dataDir);
  // Every command sharing the database (this one's pool included) is a connection.
  const server = new PGLiteSocketServer({ db: pglite, path: socketPath, maxConnections: 256 });
  // One connection's extended-protocol batch at a time: see `embeddedQueue.ts`.
  useSessionQueue(server, pglite);
  try {
    await server.start();
  } catch (error) {
    await pglite.close();
    throw error;
  }
  return {
    otherConnections: () => server.getStats().activeConnections,
    stop: async () => {
      try {
        await server.stop();
      } finally {
        await pglite.close();
      }
    },
  };
}

/** The part of a `pg` or Neon pool this file uses. */
interface ServerPool {
  connect(): Promise<{
    query(text: string, params?: unknown[]): Promise<unknown>;
    release(): void;
  }>;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "connect", listener: (client: PooledClient) => void): unknown;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}

interface PooledClient {
  query: (...args: never[]) => unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}

/**
 * A server connection that dies (terminated backend, network cut) makes its client emit
 * `error`. The pool listens only while a client is idle; a client checked out between two
 * statements of a transaction has no listener, and the event becomes an uncaught exception that
 * kills the process. With a listener on every client, the loss surfaces where it belongs: the
 * pending or next query fails (→ `StoreUnavailableError`, retryable) and the pool discards the
 * broken client.
 */
function survivesLostConnections(pool: ServerPool): void {
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
}

function requireUrl(options: OpenDatabaseOptions): string {
  if (options.url === undefined) throw new Error(`the ${options.driver} driver needs a URL`);
  return options.url;
}

/** Runs `work` while holding a session-level advisory lock on a dedicated connection. */
async function withSessionLock<T>(pool: ServerPool, key: bigint, work: () => Promise<T>) {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [key.toString()]);
    try {
      return await work();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [key.toString()]);
    }
  } finally {
    client.release();
  }
}

function countPoolQueries(pool: ServerPool, onQuery: () => void): void {
  pool.on("connect", (client) => {
    const query = client.query.bind(client);
    client.query = ((...args: never[]) => {
      onQuery();
      return query(...args);
    }) as typeof client.query;
  });
}

/**
 * PGlite runs in process, so a "round trip" is a statement. Its `transaction()` sends BEGIN and
 * COMMIT itself: they are counted here so the figures compare with the server drivers.
 */
function countPgliteQueries(client: PGlite, onQuery: () => void): void {
  const query = client.query.bind(client);
  const transaction = client.transaction.bind(client);
  client.query = ((...args: Parameters<typeof query>) => {
    onQuery();
    return query(...args);
  }) as typeof client.query;
  client.transaction = (async (callback: Parameters<typeof transaction>[0]) => {
    onQuery();
    try {
      return await transaction(async (tx) => {
        const txQuery = tx.query.bind(tx);
        tx.query = ((...args: Parameters<typeof txQuery>) => {
          onQuery();
          return txQuery(...args);
        }) as typeof tx.query;
        return callback(tx);
      });
    } finally {
      onQuery();
    }
  }) as typeof client.transaction;
}

/** Opens the database the configuration names (see `lib/config.ts`). */
export function openConfiguredDatabase(
  config: {
    dbDriver: DriverName;
    databaseUrl: string | undefined;
    pgliteDataDir: string;
    neonWsProxy: string | undefined;
    pgOptions?: string | undefined;
  },
  extra: Pick<OpenDatabaseOptions, "onQuery" | "maxConnections" | "embedded"> = {},
): Promise<DatabaseHandle> {
  return openDatabase({
    driver: config.dbDriver,
    url: config.databaseUrl,
    dataDir: config.pgliteDataDir,
    neonWsProxy: config.neonWsProxy,
    pgOptions: config.pgOptions,
    ...extra,
  });
}
