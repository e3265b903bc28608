/**
 * Statements prepared once per server connection. A statement whose text starts with
 * `PREPARED` (and whose text is the same for every call: everything that varies travels as
 * parameters) is sent named by a hash of its text, so node-postgres (and the Neon driver, its
 * fork) parses it once per connection and then only binds and executes it; Postgres may then
 * keep one generic plan instead of planning it on every call. Only for statements whose plan
 * does not depend on their parameters' values (the wave's write: JSON recordsets and primary-key
 * lookups) — the batch's read, prepared the same way, got a generic plan 9 × slower where every
 * person shares one name (README, Performance). PGlite runs in process: nothing to save there,
 * the marker is only a comment.
 */
import { createHash } from "node:crypto";

/** The first characters of a statement to prepare (an SQL comment). */
export const PREPARED = "/* prepared */";

/** The name of a prepared statement: a hash of its text, so a changed text is a new statement. */
export function preparedName(text: string): string {
  return `cs_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
}

/** A query's first argument as node-postgres takes it: text, or a config with `text`. */
interface QueryConfig {
  text: string;
  name?: string | undefined;
}

/** Names the marked statements of every connection `pool` opens. */
export function namePreparedStatements(pool: {
  on(
    event: "connect",
    listener: (client: { query: (...args: never[]) => unknown }) => void,
  ): unknown;
}): void {
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((config: unknown, ...rest: unknown[]) => {
      if (
        typeof config === "object" &&
        config !== null &&
        typeof (config as QueryConfig).text === "string" &&
        (config as QueryConfig).name === undefined &&
        (config as QueryConfig).text.startsWith(PREPARED)
      ) {
        const text = (config as QueryConfig).text;
        return query({ ...config, name: preparedName(text) }, ...rest);
      }
      return query(config, ...rest);
    }) as typeof client.query;
  });
}
