/**
 * The three drivers under test, opened on fresh, migrated databases: PGlite in memory, the
 * local Postgres through node-postgres, and the same server through the Neon serverless driver
 * and a local WebSocket→TCP proxy.
 */
import { type DatabaseHandle, openDatabase } from "../../lib/adapters/db/client.js";
import type { DriverName } from "../../lib/config.js";
import { startNeonWsProxy } from "../../lib/local/neonWsProxy.js";
import { createScratchDatabase } from "./postgres.js";

export const allDrivers: readonly DriverName[] = ["pglite", "pg", "neon"];

export interface TestDatabase {
  handle: DatabaseHandle;
  /** Connection URL of the scratch database (server drivers only). */
  url: string | undefined;
  /** The Neon driver's local WebSocket proxy (`host:port`), for other processes to open the same database through. */
  neonWsProxy: string | undefined;
  cleanup(): Promise<void>;
}

/** Opens a migrated, empty database for `driver`. */
export async function openTestDatabase(
  driver: DriverName,
  options: {
    onQuery?: () => void;
    migrate?: boolean;
    maxConnections?: number;
    pgOptions?: string;
    /** Neon only: a proxy already running (`host:port`) instead of one started here. */
    neonWsProxy?: string | undefined;
  } = {},
): Promise<TestDatabase> {
  if (driver === "pglite") {
    const handle = await openDatabase({ driver, onQuery: options.onQuery });
    if (options.migrate !== false) await handle.migrate();
    return { handle, url: undefined, neonWsProxy: undefined, cleanup: () => handle.close() };
  }
  const scratch = await createScratchDatabase(driver);
  const proxy =
    driver === "neon" && options.neonWsProxy === undefined ? await startNeonWsProxy() : null;
  const neonWsProxy = driver === "neon" ? (options.neonWsProxy ?? proxy?.address) : undefined;
  const handle = await openDatabase({
    driver,
    url: scratch.url,
    neonWsProxy,
    onQuery: options.onQuery,
    maxConnections: options.maxConnections,
    pgOptions: options.pgOptions,
  });
  if (options.migrate !== false) await handle.migrate();
  return {
    handle,
    url: scratch.url,
    neonWsProxy,
    cleanup: async () => {
      await handle.close();
      await proxy?.close();
      await scratch.drop();
    },
  };
}
