/**
 * Real Postgres for tests. Every test file gets its own scratch database, created from the
 * server in TEST_DATABASE_URL (default: the local server, database `postgres`) and dropped
 * afterwards. Postgres is required: when it cannot be reached the suites fail with a message
 * saying how to start it; they are never skipped.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export class PostgresMissingError extends Error {
  override name = "PostgresMissingError";
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new PostgresMissingError(
      `Postgres is required by the test suites but ${new URL(ADMIN_URL).host} cannot be reached ` +
        `(${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Start it with ` +
        "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or set TEST_DATABASE_URL.",
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Fails with `PostgresMissingError` unless the test server answers. */
export function assertPostgresReachable(): Promise<void> {
  return admin(async (client) => {
    await client.query("SELECT 1");
  });
}

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates an empty database on the test server. */
export async function createScratchDatabase(label = "test"): Promise<ScratchDatabase> {
  const name = `cs_${label.replace(/\W/g, "_").slice(0, 20)}_${randomBytes(5).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => {},
      ),
  };
}
