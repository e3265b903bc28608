/**
 * A portfolio through the command, in process, on a scratch Postgres database and the ResMan
 * stand-in with eight properties: registered from one file (the stand-in's own list of its
 * properties, as its admin API gives it), then reconciled with `--all`. Each property's line
 * comes as its run ends and one line gives the totals; on a terminal the bars are those of the
 * runs in progress and of the properties done, not one per property of the portfolio.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROPERTY_CONCURRENCY } from "../../lib/app/reconcileProperty.js";
import { runCli } from "../../lib/cli/run.js";
import { type ResmanStub, startResmanStub } from "../../lib/local/resmanStub/server.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import { databaseEnv, runInProcess } from "./harness.js";

const PROPERTIES = 8;
let stub: ResmanStub;
let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;
let folder: string;

beforeAll(async () => {
  stub = await startResmanStub({ properties: PROPERTIES, people: 6, partnerId: "p", apiKey: "k" });
  scratch = await createScratchDatabase("e2e_portfolio");
  folder = await mkdtemp(join(tmpdir(), "cs-portfolio-"));
  env = {
    ...databaseEnv(scratch.url),
    RESMAN_V2_URL: stub.v2Url,
    RESMAN_V1_URL: stub.v1Url,
    RESMAN_INTEGRATION_PARTNER_ID: "p",
    RESMAN_API_KEY: "k",
  };
  expect((await runInProcess(["migrate"], env)).code).toBe(0);
});

afterAll(async () => {
  await stub?.close();
  await scratch?.drop();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

/** A property's line: `<PropertyID> ok: 12 fetched, … (0.3 s)`. */
const LINE = /^([0-9a-f-]{36}) ok: (\d+) fetched, (\d+) created, /;

describe("a portfolio", () => {
  it("registers from the stand-in's list of its properties, as a file", async () => {
    const response = await fetch(`${stub.url}/_admin/properties`);
    const file = join(folder, "stand-in.json");
    await writeFile(file, await response.text());
    const added = await runInProcess(["property", "add", "--file", file], env);
    expect(added).toMatchObject({ code: 0, stderr: "" });
    expect(added.stdout).toBe(
      `Registered ${PROPERTIES} properties and updated 0 from ${file}: ${PROPERTIES} enabled, 0 disabled.\n`,
    );
  });

  it("reconciles --all: a line per property as its run ends, then the totals", async () => {
    const run = await runInProcess(["reconcile", "--all"], env);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(PROPERTIES + 1);
    const properties = lines.slice(0, PROPERTIES).map((line) => LINE.exec(line));
    expect(properties.every((match) => match !== null)).toBe(true);
    expect(new Set(properties.map((match) => match?.[1]))).toEqual(
      new Set(stub.properties.map((p) => p.propertyId)),
    );
    const sum = (group: number) =>
      properties.reduce((total, match) => total + Number(match?.[group]), 0);
    expect(sum(2)).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^Reconciled ${PROPERTIES} properties in \\d+\\.\\d s: ${PROPERTIES} ok; ${sum(2)} fetched, ${sum(3)} created, `,
      ),
    );
  });

  it("on a terminal, draws bars for the runs in progress and the properties done, not for every property", async () => {
    const terminal: string[] = [];
    const stdout: string[] = [];
    const code = await runCli(["reconcile", "--all", "--full"], {
      stdout: { write: (text: string) => stdout.push(text), isTTY: true },
      stderr: { write: (text: string) => terminal.push(text), isTTY: true },
      env,
    });
    expect(code).toBe(0);
    const drawn = terminal.join("");
    // The bars are redrawn from the top one: never more lines up than the runs at once and the
    // properties' bar (with a bar per property, PROPERTIES - 1).
    const cursorUp = new RegExp(`${String.fromCharCode(27)}\\[(\\d+)A`, "gu");
    const ups = [...drawn.matchAll(cursorUp)].map((m) => Number(m[1]));
    expect(ups.length).toBeGreaterThan(0);
    expect(Math.max(...ups)).toBeLessThanOrEqual(PROPERTY_CONCURRENCY);
    expect(drawn).toContain(`properties |`);
    expect(drawn).toContain(`${PROPERTIES}/${PROPERTIES} done`);
    // Each property's line, once, above the bars (the terminal is both streams).
    for (const { propertyId } of stub.properties) {
      expect(drawn.split(`${propertyId} ok: `)).toHaveLength(2);
    }
    expect(stdout.join("")).toMatch(new RegExp(`^Reconciled ${PROPERTIES} properties in `));
  });
});
