/**
 * Which statements are sent named, under which name, and when a renewed statement's previous
 * name is retired (`lib/adapters/db/preparedStatements.ts`).
 */
import { describe, expect, it } from "vitest";
import {
  PREPARED,
  PREPARED_RENEWED,
  preparedName,
  RENEW_FIRST,
  RENEWALS,
  statementName,
} from "../../lib/adapters/db/preparedStatements.js";

describe("statementName", () => {
  const wave = `${PREPARED} with bumped as (select 1)`;
  const read = `${PREPARED_RENEWED} with req as (select 1)`;

  it("names a prepared statement by its text from its first execution, never retiring it", () => {
    expect(statementName(wave, 0)).toEqual({ name: preparedName(wave) });
    expect(statementName(wave, 5_000)).toEqual({ name: preparedName(wave) });
    expect(preparedName(wave)).not.toBe(preparedName(`${wave} `));
  });

  it("leaves an unmarked statement unnamed", () => {
    expect(statementName("select 1", 1)).toEqual({ name: undefined });
  });

  it("sends a renewed statement unnamed at first, then under a name that changes each time its executions double, retiring the previous one", () => {
    const base = preparedName(read);
    expect(statementName(read, 1).name).toBeUndefined();
    expect(statementName(read, RENEW_FIRST - 1).name).toBeUndefined();
    expect(statementName(read, RENEW_FIRST)).toEqual({ name: `${base}_1` });
    expect(statementName(read, 2 * RENEW_FIRST - 1)).toEqual({ name: `${base}_1` });
    expect(statementName(read, 2 * RENEW_FIRST)).toEqual({
      name: `${base}_2`,
      retired: `${base}_1`,
    });
    expect(statementName(read, 3 * RENEW_FIRST)).toEqual({ name: `${base}_2` });
    expect(statementName(read, 4 * RENEW_FIRST - 1)).toEqual({ name: `${base}_2` });
    expect(statementName(read, 4 * RENEW_FIRST)).toEqual({
      name: `${base}_3`,
      retired: `${base}_2`,
    });
    expect(statementName(read, 8 * RENEW_FIRST + 1)).toEqual({ name: `${base}_4` });
  });

  it("keeps the last preparation after RENEWALS", () => {
    const base = preparedName(read);
    const last = RENEW_FIRST * 2 ** (RENEWALS - 1);
    expect(statementName(read, last - 1)).toEqual({ name: `${base}_${RENEWALS - 1}` });
    expect(statementName(read, last)).toEqual({
      name: `${base}_${RENEWALS}`,
      retired: `${base}_${RENEWALS - 1}`,
    });
    expect(statementName(read, 2 * last)).toEqual({ name: `${base}_${RENEWALS}` });
    expect(statementName(read, 100 * last)).toEqual({ name: `${base}_${RENEWALS}` });
  });
});
