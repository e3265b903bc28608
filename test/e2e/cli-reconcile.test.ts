/**
 * `contact-sync property` and `contact-sync reconcile` against the ResMan stand-in over HTTP,
 * on a real Postgres database: the registry (one property at a time, and a portfolio's file that
 * registers all or nothing), a first run that imports everything, a second that
 * finds nothing new, drift between runs, the overlap that catches a change stamped just before
 * the cursor, a run killed mid-way that loses nothing, one stopped by Ctrl-C that records it and
 * releases its property, retried outages, failures confined to their property, the v1 window
 * split, dry runs, `stats`, and credentials that never show. (Over 400 lines as one thing: the
 * command's behaviour over runs of one stand-in and one database, each case building on the
 * state the ones before left.)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../lib/cli/run.js";
import { type ResmanStub, startResmanStub } from "../../lib/local/resmanStub/server.js";
import { createScratchDatabase, type ScratchDatabase } from "../support/postgres.js";
import {
  databaseEnv,
  expectOneLineError,
  repositoryRoot,
  runInProcess,
  withClient,
} from "./harness.js";

const PARTNER_ID = "partner-7Qz9-e2e";
const API_KEY = "key-Xv81-must-never-show";

let stub: ResmanStub;
let scratch: ScratchDatabase;
let env: NodeJS.ProcessEnv;
/** Everything the commands printed, checked for the credentials at the end. */
const printed: string[] = [];

async function run(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const result = await runInProcess(args, { ...env, ...extra });
  printed.push(result.stdout, result.stderr);
  return result;
}

interface RunJson {
  resman_property_id: string;
  status: string;
  fetched: number;
  created: number;
  updated: number;
  merged: number;
  unchanged: number;
  deactivated: number;
  review: number;
  failed: number;
  cursors_before: Record<string, string> | null;
  cursors_after: Record<string, string> | null;
  errors: Record<string, string> | null;
}

async function reconcile(property: string, ...flags: string[]) {
  const result = await run(["reconcile", "--property", property, "--json", ...flags]);
  const runs = JSON.parse(result.stdout) as RunJson[];
  return { code: result.code, stderr: result.stderr, run: runs[0] as RunJson };
}

/** The PersonIDs contact-sync has a link for, in one ResMan property. */
async function linkedPeople(resmanPropertyId: string): Promise<Set<string>> {
  return withClient(scratch.url, async (client) => {
    const result = await client.query<{ id: string }>(
      `SELECT s.resman_contact_id AS id FROM contact_sync s JOIN property p ON p.id = s.property_id
       WHERE p.resman_property_id = $1 AND s.resman_contact_id IS NOT NULL`,
      [resmanPropertyId],
    );
    return new Set(result.rows.map((row) => row.id));
  });
}

async function cursors(resmanPropertyId: string): Promise<Record<string, string>> {
  return withClient(scratch.url, async (client) => {
    const result = await client.query<{ resource: string; read_until: Date }>(
      `SELECT c.resource, c.read_until FROM reconcile_cursor c JOIN property p ON p.id = c.property_id
       WHERE p.resman_property_id = $1`,
      [resmanPropertyId],
    );
    return Object.fromEntries(result.rows.map((r) => [r.resource, r.read_until.toISOString()]));
  });
}

/** The stand-in's people of a property, by PersonID. */
function stubPeople(propertyId: string): Set<string> {
  return new Set(stub.admin.people(propertyId).map((p) => p.personId));
}

beforeAll(async () => {
  stub = await startResmanStub({
    properties: 3,
    people: 40,
    partnerId: PARTNER_ID,
    apiKey: API_KEY,
  });
  scratch = await createScratchDatabase("e2e_reconcile");
  env = {
    ...databaseEnv(scratch.url),
    RESMAN_V2_URL: stub.v2Url,
    RESMAN_V1_URL: stub.v1Url,
    RESMAN_INTEGRATION_PARTNER_ID: PARTNER_ID,
    RESMAN_API_KEY: API_KEY,
    RESMAN_TIMEOUT_MS: "1000",
    RECONCILE_CLAIM_SECONDS: "1",
  };
  const migrated = await run(["migrate"]);
  expect(migrated.code).toBe(0);
});

afterAll(async () => {
  await stub?.close();
  await scratch?.drop();
});

beforeEach(() => {
  stub.admin.clearFaults();
});

describe("contact-sync property", () => {
  it("registers, lists, disables and enables; add twice updates", async () => {
    const [a] = stub.properties;
    if (a === undefined) throw new Error("no stand-in property");
    const added = await run([
      "property",
      "add",
      "--property",
      a.propertyId,
      "--account",
      String(a.accountId),
      "--name",
      "Stand-in A",
    ]);
    expect(added).toMatchObject({ code: 0, stderr: "" });
    expect(added.stdout).toBe(
      `Registered property ${a.propertyId} (account ${a.accountId}, v2, enabled).\n`,
    );
    const again = await run([
      "property",
      "add",
      "--property",
      a.propertyId.toUpperCase(),
      "--account",
      String(a.accountId),
      "--disabled",
    ]);
    expect(again.stdout).toBe(
      `Updated property ${a.propertyId} (account ${a.accountId}, v2, disabled).\n`,
    );
    const listed = JSON.parse((await run(["property", "list", "--json"])).stdout) as {
      resman_property_id: string;
      name: string;
      enabled: boolean;
    }[];
    expect(listed).toEqual([
      expect.objectContaining({
        resman_property_id: a.propertyId,
        name: "Stand-in A",
        enabled: false,
      }),
    ]);
    expect((await run(["property", "enable", "--property", a.propertyId])).stdout).toContain(
      "enabled",
    );
    const table = await run(["property", "list"]);
    expect(table.stdout).toContain(a.propertyId);
    expect(table.stdout).toContain("yes");
  });

  it.each([
    [["--property", "not-a-guid", "--account", "400"], /--property.*must be a GUID/],
    [["--property", "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", "--account", "4x"], /AccountID/],
    [["--property", "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", "--account", "0"], /AccountID/],
    [["--property", "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"], /--account/],
    [["--property", "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", "--account", "4", "--api", "v3"], /v3/],
  ])("refuses bad input with exit 2 and writes nothing (%j)", async (args, reason) => {
    const before = await run(["property", "list", "--json"]);
    const refused = await run(["property", "add", ...args]);
    expectOneLineError(refused, 2, reason);
    expect((await run(["property", "list", "--json"])).stdout).toBe(before.stdout);
  });

  it("registers a portfolio from a file, all together, and reads back `property list --json`", async () => {
    const folder = await mkdtemp(join(tmpdir(), "cs-portfolio-"));
    try {
      const guids: string[] = [randomUUID(), randomUUID(), randomUUID()];
      const csv = join(folder, "portfolio.csv");
      await writeFile(
        csv,
        `PropertyID,AccountID,Name,api,enabled\n${guids[0]},400,Oak Ridge,v1,\n${guids[1]?.toUpperCase()},401,,,no\n${guids[2]},402,Birch Hollow,,\n`,
      );
      const added = await run(["property", "add", "--file", csv, "--disabled"]);
      expect(added).toMatchObject({ code: 0, stderr: "" });
      expect(added.stdout).toBe(
        `Registered 3 properties and updated 0 from ${csv}: 0 enabled, 3 disabled.\n`,
      );
      const listed = JSON.parse((await run(["property", "list", "--json"])).stdout) as {
        resman_property_id: string;
        resman_account_id: number;
        name: string;
        api: string;
        enabled: boolean;
      }[];
      const mine = listed.filter((p) => guids.includes(p.resman_property_id));
      expect(mine.sort((x, y) => x.resman_account_id - y.resman_account_id)).toEqual([
        expect.objectContaining({
          resman_account_id: 400,
          name: "Oak Ridge",
          api: "v1",
          enabled: false,
        }),
        expect.objectContaining({
          resman_account_id: 401,
          name: `ResMan property ${guids[1]}`,
          api: "v2",
          enabled: false,
        }),
        expect.objectContaining({ resman_account_id: 402, name: "Birch Hollow", enabled: false }),
      ]);

      // What `property list --json` prints, renamed, goes back in: every property updated.
      const json = join(folder, "registry.json");
      await writeFile(
        json,
        JSON.stringify(
          listed.map((p) => (p.name === "Oak Ridge" ? { ...p, name: "Oak Ridge East" } : p)),
        ),
      );
      const again = await run(["property", "add", "--file", json]);
      expect(again).toMatchObject({ code: 0, stderr: "" });
      expect(again.stdout).toMatch(
        new RegExp(`^Registered 0 properties and updated ${listed.length} from `),
      );
      const relisted = JSON.parse((await run(["property", "list", "--json"])).stdout) as unknown[];
      expect(relisted).toEqual(
        listed.map((p) => (p.name === "Oak Ridge" ? { ...p, name: "Oak Ridge East" } : p)),
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("refuses a portfolio file with a wrong entry: every problem said, none registered", async () => {
    const folder = await mkdtemp(join(tmpdir(), "cs-portfolio-"));
    try {
      const file = join(folder, "portfolio.jsonl");
      const secret = "Sunset Villas of Cedar Park";
      await writeFile(
        file,
        [
          JSON.stringify({
            PropertyID: randomUUID(),
            AccountID: 400,
            name: secret,
            enabled: false,
          }),
          JSON.stringify({ PropertyID: "not-a-guid", AccountID: 400, enabled: false }),
          JSON.stringify({
            PropertyID: randomUUID(),
            AccountID: "4x",
            enabled: false,
            colour: "red",
          }),
        ].join("\n"),
      );
      const before = (await run(["property", "list", "--json"])).stdout;
      const refused = await run(["property", "add", "--file", file]);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toBe("");
      expect(refused.stderr.trimEnd().split("\n")).toEqual([
        "contact-sync: warning: unknown field(s) ignored: `colour`",
        `contact-sync: ${file}: line 2: resman_property_id must be a GUID (the ResMan PropertyID)`,
        `contact-sync: ${file}: line 3: resman_account_id must be a ResMan AccountID (a positive integer)`,
        `contact-sync: ${file}: 2 problems; no property was registered`,
      ]);
      expect(refused.stderr).not.toContain(secret);
      expect((await run(["property", "list", "--json"])).stdout).toBe(before);
      expectOneLineError(
        await run(["property", "add", "--file", file, "--account", "400"]),
        2,
        /--file <path>' cannot be used with option '--account/,
      );
      expectOneLineError(
        await run(["property", "add", "--file", join(folder, "none.csv")]),
        2,
        /cannot read .*none\.csv: no such file/,
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("says which property it does not know", async () => {
    const unknown = await run([
      "property",
      "disable",
      "--property",
      "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
    ]);
    expectOneLineError(unknown, 2, /no registered property 6f1c2a9e-.*property add/);
  });
});

describe("contact-sync reconcile", () => {
  const property = (index: number) => {
    const p = stub.properties[index];
    if (p === undefined) throw new Error("no stand-in property");
    return p;
  };

  beforeAll(async () => {
    for (const [index, api] of [
      [0, "v2"],
      [1, "v2"],
      [2, "v1"],
    ] as const) {
      const p = property(index);
      const added = await run([
        "property",
        "add",
        "--property",
        p.propertyId,
        "--account",
        String(p.accountId),
        "--api",
        api,
      ]);
      expect(added.code).toBe(0);
    }
  });

  it("asks which properties, and needs credentials", async () => {
    expectOneLineError(await run(["reconcile"]), 2, /--property <guid> or --all/);
    const noKey = await run(["reconcile", "--all"], { RESMAN_API_KEY: "" });
    expectOneLineError(noKey, 2, /missing RESMAN_API_KEY: .*`contact-sync resman-stub`/);
  });

  it("imports everything on a first run, then finds nothing new", async () => {
    const { propertyId } = property(0);
    const first = await reconcile(propertyId);
    expect(first.code).toBe(0);
    expect(first.run).toMatchObject({ status: "ok", errors: null });
    expect(first.run.created + first.run.merged + first.run.review).toBeGreaterThan(20);
    expect(first.run.cursors_after).toEqual(
      expect.objectContaining({
        prospects: expect.any(String),
        leases: expect.any(String),
        roster: expect.any(String),
      }),
    );
    // Every person of the stand-in has a link (people with nothing usable get a failed one).
    expect(await linkedPeople(propertyId)).toEqual(stubPeople(propertyId));

    const second = await reconcile(propertyId);
    expect(second.run).toMatchObject({
      status: "ok",
      created: 0,
      updated: 0,
      merged: 0,
      deactivated: 0,
    });
    expect(second.run.cursors_before).toEqual(first.run.cursors_after);
  });

  it("reflects drift: changed email, new prospect, roommate, move-out, duplicate guest card", async () => {
    const { propertyId } = property(1);
    await reconcile(propertyId);
    const people = stub.admin.people(propertyId);
    const prospect = people.find(
      (p) => p.status === "prospect" && p.email !== null && !p.isDependent,
    );
    const resident = people.find((p) => p.status === "resident" && p.onRoster && !p.isDependent);
    if (prospect === undefined || resident === undefined) throw new Error("seed lacks people");
    stub.admin.changePerson(prospect.personId, { email: "new.address@driftmail.org" });
    const card = stub.admin.addProspect(propertyId, {
      people: [{ firstName: "Odalys", lastName: "Marchetti", email: "odalys.m@driftmail.org" }],
    });
    stub.admin.addRoommate(card.prospectId, { firstName: "Teodor", lastName: "Vasquez" });
    stub.admin.moveOut(resident.personId);
    // The same person again on a second guest card, written differently.
    stub.admin.addProspect(propertyId, {
      people: [
        {
          firstName: prospect.firstName.toUpperCase(),
          lastName: prospect.lastName,
          email: "NEW.ADDRESS@driftmail.org",
        },
      ],
    });
    const drift = await reconcile(propertyId, "--full");
    expect(drift.run.status).toBe("ok");
    expect(drift.run.created).toBe(2);
    expect(drift.run.merged).toBe(1);
    expect(drift.run.updated).toBeGreaterThanOrEqual(2);
    expect(drift.run.deactivated).toBe(1);
    expect(await linkedPeople(propertyId)).toEqual(stubPeople(propertyId));
    const kind = await withClient(scratch.url, async (client) => {
      const result = await client.query<{ kind: string }>(
        `SELECT u.kind FROM contact_sync s JOIN "user" u ON u.id = s.user_id WHERE s.resman_contact_id = $1`,
        [resident.personId],
      );
      return result.rows[0]?.kind;
    });
    expect(kind).toBe("former");
  });

  it("sees a change stamped inside the overlap, just before the cursor", async () => {
    const { propertyId } = property(0);
    const before = await cursors(propertyId);
    const cursor = new Date(before.prospects as string);
    const someone = stub.admin
      .people(propertyId)
      .find((p) => p.prospectId !== null && p.email !== null);
    if (someone === undefined) throw new Error("no prospect");
    // Committed in ResMan after the last read, stamped two minutes before its end.
    stub.admin.changePerson(
      someone.personId,
      { email: "late.commit@overlapmail.org" },
      { lastModified: new Date(cursor.getTime() - 120_000).toISOString() },
    );
    const next = await reconcile(propertyId);
    expect(next.run).toMatchObject({ status: "ok", updated: 1 });
  });

  it("retries 429, 500 and timeouts, and completes", async () => {
    const { propertyId } = property(0);
    stub.admin.fault({
      kind: "status",
      status: 429,
      retryAfterSeconds: 1,
      times: 1,
      match: { path: "/Prospects" },
    });
    stub.admin.fault({ kind: "status", status: 500, times: 1, match: { path: "/Leasing/Leases" } });
    stub.admin.clearCalls();
    const retried = await reconcile(propertyId);
    expect(retried.code).toBe(0);
    expect(retried.run.status).toBe("ok");
    const calls = stub.admin.calls().map((call) => `${call.path} ${call.status}`);
    expect(calls).toEqual(
      expect.arrayContaining([
        "/Prospects 429",
        "/Prospects 200",
        "/Leasing/Leases 500",
        "/Leasing/Leases 200",
      ]),
    );
    // Slower than RESMAN_TIMEOUT_MS once: abandoned, tried again.
    stub.admin.fault({ kind: "slow", delayMs: 1500, times: 1, match: { path: "/Prospects" } });
    const afterTimeout = await reconcile(propertyId);
    expect(afterTimeout.run.status).toBe("ok");
    expect(stub.admin.faults()).toEqual([]);
  });

  it("fails only the property whose ResMan answers an error on HTTP 200 or refuses the credentials", async () => {
    const v1 = property(2);
    const v2 = property(1);
    await reconcile(v1.propertyId);
    const v1Cursors = await cursors(v1.propertyId);
    const v2Cursors = await cursors(v2.propertyId);
    stub.admin.fault({ kind: "error_on_200", match: { propertyId: v1.propertyId } });
    stub.admin.fault({ kind: "status", status: 401, match: { propertyId: v2.propertyId } });
    stub.admin.clearCalls();
    const all = await run(["reconcile", "--all", "--json"]);
    expect(all.code).toBe(1);
    const runs = JSON.parse(all.stdout) as RunJson[];
    const byProperty = new Map(runs.map((r) => [r.resman_property_id, r]));
    expect(byProperty.get(v1.propertyId)).toMatchObject({
      status: "failed",
      errors: { prospects: "resman_error" },
    });
    expect(byProperty.get(v2.propertyId)?.status).toBe("auth_failed");
    expect(byProperty.get(property(0).propertyId)?.status).toBe("ok");
    expect(await cursors(v1.propertyId)).toEqual(v1Cursors);
    expect(await cursors(v2.propertyId)).toEqual(v2Cursors);
    // 401: one call, no retry storm.
    expect(stub.admin.calls().filter((c) => c.propertyId === v2.propertyId)).toHaveLength(1);
    expect(all.stderr).toContain("reconciliation failed for 2 properties");
  });

  it("splits a v1 window ResMan finds too large, down to 60 s, then gives up without moving the cursor", async () => {
    const v1 = property(2);
    const before = await cursors(v1.propertyId);
    stub.admin.fault({
      kind: "overflow",
      maxWindowSeconds: 200,
      match: { propertyId: v1.propertyId },
    });
    stub.admin.clearCalls();
    const split = await reconcile(v1.propertyId);
    expect(split.run.status).toBe("ok");
    expect(stub.admin.calls().filter((c) => c.status === 502).length).toBeGreaterThan(0);
    stub.admin.clearFaults();
    stub.admin.fault({
      kind: "overflow",
      maxWindowSeconds: 30,
      match: { propertyId: v1.propertyId },
    });
    const gaveUp = await reconcile(v1.propertyId);
    expect(gaveUp.run).toMatchObject({
      status: "failed",
      errors: { prospects: "window_too_large" },
    });
    expect((await cursors(v1.propertyId)).prospects).not.toBe(before.prospects);
    expect((await cursors(v1.propertyId)).prospects).toBe(split.run.cursors_after?.prospects);
  });

  it("writes nothing on a dry run", async () => {
    const { propertyId } = property(0);
    stub.admin.addProspect(propertyId, { people: [{ firstName: "Ilse", lastName: "Brandvold" }] });
    const before = await cursors(propertyId);
    const linked = await linkedPeople(propertyId);
    const dry = await reconcile(propertyId, "--dry-run");
    expect(dry.run).toMatchObject({ status: "ok", created: 1 });
    expect(await cursors(propertyId)).toEqual(before);
    expect(await linkedPeople(propertyId)).toEqual(linked);
    const text = await run(["reconcile", "--property", propertyId, "--dry-run"]);
    expect(text.stdout).toMatch(/ok \(dry run, nothing written\): \d+ fetched, 1 created/);
  });

  it("loses nothing when a run is killed mid-way", async () => {
    const { propertyId } = property(0);
    stub.admin.addProspect(propertyId, { people: [{ firstName: "Runa", lastName: "Kildahl" }] });
    const resident = stub.admin.addResident(propertyId, {
      firstName: "Piet",
      lastName: "Oosterhuis",
    });
    const before = (await cursors(propertyId)).prospects;
    // Leases answer slower than the client waits (RESMAN_TIMEOUT_MS=1000): the process is killed
    // while it retries them, after the prospects were synced and their cursor moved.
    stub.admin.fault({ kind: "slow", delayMs: 5000, match: { path: "/Leasing/Leases" } });
    const child = spawnCli(["reconcile", "--property", propertyId]);
    await waitFor(async () => (await cursors(propertyId)).prospects !== before);
    process.kill(-(child.pid as number), "SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    stub.admin.clearFaults();
    expect(await linkedPeople(propertyId)).not.toContain(resident.personId);
    await sleep(1100); // RECONCILE_CLAIM_SECONDS=1: the killed run's claim lapses.
    const next = await reconcile(propertyId);
    expect(next.run.status).toBe("ok");
    expect(await linkedPeople(propertyId)).toEqual(stubPeople(propertyId));
    // The killed run's row says so, found by the next run.
    const statuses = await withClient(scratch.url, async (client) => {
      const result = await client.query<{ status: string; errors: Record<string, string> | null }>(
        `SELECT r.status, r.errors FROM reconcile_run r JOIN property p ON p.id = r.property_id
         WHERE p.resman_property_id = $1 ORDER BY r.started_at`,
        [propertyId],
      );
      return result.rows;
    });
    expect(statuses.filter((r) => r.status === "running")).toEqual([]);
    expect(statuses.at(-2)).toEqual({ status: "failed", errors: { run: "interrupted" } });
  });

  it("stops at Ctrl-C after the people in progress: the run says interrupted, the next reads the rest", async () => {
    const { propertyId } = property(1);
    stub.admin.addProspect(propertyId, { people: [{ firstName: "Ilse", lastName: "Varga" }] });
    const resident = stub.admin.addResident(propertyId, {
      firstName: "Tomas",
      lastName: "Renwick",
    });
    const before = (await cursors(propertyId)).prospects;
    // Leases would answer after a minute, within the client's wait here: Ctrl-C comes while
    // they are read, after the prospects were synced and their cursor moved, and stops the read
    // (else the command would still be waiting when the test times out).
    stub.admin.fault({ kind: "slow", delayMs: 60_000, match: { path: "/Leasing/Leases" } });
    const signals = new EventEmitter();
    const stdout: string[] = [];
    const stderr: string[] = [];
    const running = runCli(["reconcile", "--property", propertyId, "--json"], {
      stdout: { write: (text) => stdout.push(text) },
      stderr: { write: (text) => stderr.push(text), isTTY: false },
      env: { ...env, RESMAN_TIMEOUT_MS: "120000" },
      signals,
    });
    await waitFor(async () => (await cursors(propertyId)).prospects !== before);
    signals.emit("SIGINT", "SIGINT");
    expect(await running).toBe(130);
    printed.push(stdout.join(""), stderr.join(""));
    expect(stderr.join("")).toContain(
      "contact-sync: Ctrl-C: stopping after the people in progress",
    );
    const [stopped] = JSON.parse(stdout.join("")) as RunJson[];
    expect(stopped?.status).toBe("partial");
    expect(stopped?.errors).toEqual({ run: "interrupted", leases: "interrupted" });
    expect(stopped?.cursors_after?.leases).toBe(stopped?.cursors_before?.leases);
    expect(await linkedPeople(propertyId)).not.toContain(resident.personId);
    // The claim was released at once: the next run is not skipped, and syncs the rest.
    stub.admin.clearFaults();
    const next = await reconcile(propertyId);
    expect(next.run.status).toBe("ok");
    expect(await linkedPeople(propertyId)).toEqual(stubPeople(propertyId));
  });

  it("shows the last run in stats, and never prints the credentials", async () => {
    const stats = await run(["stats"]);
    expect(stats.stdout).toContain("last reconciliation");
    expect(stats.stdout).toMatch(/ok \d+ s ago/);
    const json = JSON.parse((await run(["stats", "--json"])).stdout) as {
      resman_property_id: string;
      reconciliation: { last_status: string; stale: boolean } | null;
    }[];
    const first = json.find((s) => s.resman_property_id === property(0).propertyId);
    expect(first?.reconciliation).toMatchObject({ last_status: "ok", stale: false });
    const all = printed.join("\n");
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(PARTNER_ID);
    expect(all).not.toContain(Buffer.from(`${PARTNER_ID}:${API_KEY}`).toString("base64"));
  });
});

/** `npx contact-sync …` in its own process group (so the test can kill the whole tree). */
function spawnCli(args: string[]): ChildProcess {
  return spawn("npx", ["--no-install", "contact-sync", ...args], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    detached: true,
    stdio: "ignore",
  });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(50);
  }
}
