/**
 * Runs once before the suites: Postgres must be reachable, or the whole run fails at once with
 * a clear message (instead of every Postgres-backed file failing on its own).
 */
import { assertPostgresReachable } from "./postgres.js";

export default async function setup(): Promise<void> {
  await assertPostgresReachable();
}
