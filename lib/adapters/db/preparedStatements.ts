/**
 * Statements prepared per server connection. A statement whose text starts with `PREPARED`
 * (and whose text is the same for every call: everything that varies travels as parameters) is
 * sent named by a hash of its text, so node-postgres (and the Neon driver, its fork) parses it
 * once per connection and then only binds and executes it; Postgres then keeps a generic plan
 * instead of planning it on every call. That suits a statement whose best plan does not depend
 * on the tables' sizes (the wave's write: JSON recordsets and primary-key lookups).
 *
 * A statement starting with `PREPARED_RENEWED` (the batch's read: its best plan uses the
 * blocking keys' indexes once `user` has more than a few pages) is sent unnamed — planned on
 * every call — for a connection's first `RENEW_FIRST` executions, then prepared under a name
 * that changes each time the executions double (at `RENEW_FIRST`, twice that, four times…;
 * the previous name deallocated) up to `RENEWALS` names, so its generic plan is made again
 * from the tables as they have grown: a generic plan made while they were nearly empty uses
 * sequential scans and was measured 20 × slower once the property had 2,000 contacts
 * (docs/performance-log.md). Where the tables grow with the connection's own executions (a
 * worker's batches, an import's chunks), doubling keeps them within about twice the size they
 * had when the plan in use was made, while the connection plans the read on only a few of its
 * executions. Where autovacuum runs, its ANALYZE also invalidates such plans. PGlite runs in
 * process: nothing to save there, the markers are only comments.
 */
import { hash } from "node:crypto";
import { memoized } from "../../domain/memo.js";

/** The first characters of a statement to prepare (an SQL comment). */
export const PREPARED = "/* prepared */";

/** The first characters of a statement to prepare once tables have grown, again and again. */
export const PREPARED_RENEWED = "/* prepared, renewed */";

/** Executions of a `PREPARED_RENEWED` statement on a connection before its first preparation. */
export const RENEW_FIRST = 10;

/**
 * Preparations of a `PREPARED_RENEWED` statement on a connection, each at twice the executions
 * of the one before; the last one (from `RENEW_FIRST × 2 ** (RENEWALS - 1)` executions) is kept.
 */
export const RENEWALS = 12;

/**
 * The name of a prepared statement: a hash of its text, so a changed text is a new statement.
 * Remembered per text: a statement shape (`statementShapes.ts`) sends the same text every time.
 */
export const preparedName = /* @__PURE__ */ memoized(
  (text: string): string => `cs_${hash("sha256", text, "hex").slice(0, 24)}`,
  1_000,
);

/** A query's first argument as node-postgres takes it: text, or a config with `text`. */
interface QueryConfig {
  text: string;
  name?: string | undefined;
}

/**
 * The name to send a statement under on a connection that has run it `count` times (this one
 * included), and the name it no longer uses (to deallocate), if any.
 */
export function statementName(
  text: string,
  count: number,
): { name: string | undefined; retired?: string } {
  if (text.startsWith(PREPARED)) return { name: preparedName(text) };
  if (!text.startsWith(PREPARED_RENEWED) || count < RENEW_FIRST) return { name: undefined };
  // 1 from RENEW_FIRST executions, 2 from twice that, 3 from four times…, at most RENEWALS.
  const generation = Math.min(32 - Math.clz32(Math.floor(count / RENEW_FIRST)), RENEWALS);
  const name = `${preparedName(text)}_${generation}`;
  const renewed = generation > 1 && count === RENEW_FIRST * 2 ** (generation - 1);
  return renewed ? { name, retired: `${preparedName(text)}_${generation - 1}` } : { name };
}

/** Names the marked statements of every connection `pool` opens. */
export function namePreparedStatements(pool: {
  on(
    event: "connect",
    listener: (client: { query: (...args: never[]) => unknown }) => void,
  ): unknown;
}): void {
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    /** Executions of each renewed statement on this connection, by text. */
    const counts = new Map<string, number>();
    client.query = ((config: unknown, ...rest: unknown[]) => {
      if (
        typeof config !== "object" ||
        config === null ||
        typeof (config as QueryConfig).text !== "string" ||
        (config as QueryConfig).name !== undefined
      ) {
        return query(config, ...rest);
      }
      const text = (config as QueryConfig).text;
      let count = 0;
      if (text.startsWith(PREPARED_RENEWED)) {
        count = (counts.get(text) ?? 0) + 1;
        counts.set(text, count);
      }
      const { name, retired } = statementName(text, count);
      if (name === undefined) return query(config, ...rest);
      // Queued before the statement on the same connection; a failure only leaves it allocated.
      if (retired !== undefined) query(`deallocate ${retired}`).catch(() => {});
      return query({ ...config, name }, ...rest);
    }) as typeof client.query;
  });
}
