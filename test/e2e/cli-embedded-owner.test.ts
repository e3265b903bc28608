import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockPath, ownerFile } from "../../lib/adapters/db/embeddedOwner.js";
import { writePeopleCsv } from "../../lib/local/peopleGenerator.js";
import { expectOneLineError, runInBackground, runProcess, stopGroup } from "./harness.js";

const BIG = "12121212-0000-4000-8000-000000000001";
const SMALL = "12121212-0000-4000-8000-000000000002";

let scratch: string;
let bigFile: string;
let smallFile: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cs-owner-"));
  bigFile = join(scratch, "big.csv");
  smallFile = join(scratch, "small.csv");
  // Big enough that the first import still runs when the second starts (tens of seconds).
  await writePeopleCsv(bigFile, { seed: 101, rows: 3_000, label: "big" });
  await writePeopleCsv(smallFile, { seed: 102, rows: 25, label: "small" });
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A fresh data directory (not created yet: the command creates it). */
async function dataDir(name: string): Promise<string> {
  const parent = join(scratch, name);
  await mkdir(parent);
  return join(parent, "db");
}

/** A command started in the background, as in a second terminal. */

/** Waits until the directory's owner serves it (its owner file names a socket). */
/** Whether a process of this machine is still running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForOwnerSocket(dir: string, within = 60_000): Promise<{ pid: number }> {
  const until = Date.now() + within;
  while (Date.now() < until) {
    try {
      const owner = JSON.parse(await readFile(ownerFile(dir), "utf8"));
      if (owner.socket_dir) return owner;
    } catch {}
    await sleep(100);
  }
  throw new Error("the owner never served the directory");
}

interface ImportJson {
  rows: number;
  rejected: number;
  failed: number;
}

interface StatsJson {
  resman_property_id: string;
  links: number;
}

async function statsOf(env: NodeJS.ProcessEnv): Promise<StatsJson[]> {
  const run = await runProcess(["stats", "--json"], env);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as StatsJson[];
}

describe("the embedded database has one owner", () => {
  it("two imports at once into one data directory both land whole", async () => {
    const env = { PGLITE_DATA_DIR: await dataDir("race") };
    const first = runInBackground(["import", "--property", BIG, "--file", bigFile, "--json"], env);
    await waitForOwnerSocket(env.PGLITE_DATA_DIR);
    const second = await runProcess(
      ["import", "--property", SMALL, "--file", smallFile, "--json"],
      env,
    );
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/through contact-sync import \(pid \d+\)/);
    // The first was still running: the second went through it, not around it.
    expect(first.child.exitCode).toBeNull();
    const firstRun = await first.done;
    expect(firstRun.code).toBe(0);

    const big = JSON.parse(firstRun.stdout) as ImportJson;
    const small = JSON.parse(second.stdout) as ImportJson;
    expect(big.failed + small.failed).toBe(0);
    const stats = await statsOf(env);
    const linksOf = (id: string) => stats.find((s) => s.resman_property_id === id)?.links;
    expect(linksOf(BIG)).toBe(big.rows - big.rejected);
    expect(linksOf(SMALL)).toBe(small.rows - small.rejected);
    expect(existsSync(lockPath(env.PGLITE_DATA_DIR))).toBe(false);
    expect(existsSync(ownerFile(env.PGLITE_DATA_DIR))).toBe(false);
  }, 180_000);

  it("a command next to a running `start --serve` works through it; Ctrl-C stops it cleanly", async () => {
    const env = { PGLITE_DATA_DIR: await dataDir("serve") };
    const server = runInBackground(["start", "--serve", "--port", "0"], env);
    let ownerPid: number | undefined;
    try {
      ownerPid = (await waitForOwnerSocket(env.PGLITE_DATA_DIR)).pid;
      const until = Date.now() + 60_000;
      while (!server.output().stdout.includes("Serving the embedded database")) {
        if (Date.now() > until) throw new Error("start never said it serves");
        await sleep(100);
      }
      const imported = await runProcess(
        ["import", "--property", SMALL, "--file", smallFile, "--json"],
        env,
      );
      expect(imported.code).toBe(0);
      expect(imported.stderr).toMatch(/through contact-sync start \(pid \d+\)/);
      const small = JSON.parse(imported.stdout) as ImportJson;
      const stats = await statsOf(env);
      // The sample's two properties, the stand-in's demo community and the one just imported.
      expect(stats).toHaveLength(4);
      expect(stats.find((s) => s.resman_property_id === SMALL)?.links).toBe(
        small.rows - small.rejected,
      );
    } finally {
      // Ctrl-C reaches the command itself (npx is only its parent); the whole group otherwise.
      if (ownerPid !== undefined) process.kill(ownerPid, "SIGINT");
      else stopGroup(server);
    }
    const stopped = await server.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/Stopping \(SIGINT\)/);
    expect(existsSync(lockPath(env.PGLITE_DATA_DIR))).toBe(false);
    expect(existsSync(ownerFile(env.PGLITE_DATA_DIR))).toBe(false);
  }, 180_000);

  it.each([
    // In a terminal, npm (the session's leader) exits on SIGTERM at once and the terminal
    // then hangs up on the rest: a SIGHUP arrives while the command is stopping.
    ["SIGTERM to its whole process group, then SIGHUP", "group"],
    ["SIGHUP (its terminal closed)", "owner"],
  ] as const)(
    "a running `start --serve` stops cleanly on %s",
    async (_, target) => {
      const env = { PGLITE_DATA_DIR: await dataDir(`signal-${target}`) };
      const server = runInBackground(["start", "--serve", "--port", "0"], env);
      const owner = (await waitForOwnerSocket(env.PGLITE_DATA_DIR)) as {
        pid: number;
        socket_dir: string;
      };
      const until = Date.now() + 60_000;
      while (!server.output().stdout.includes("Serving the embedded database")) {
        if (Date.now() > until) {
          stopGroup(server);
          throw new Error("start never said it serves");
        }
        await sleep(100);
      }
      if (target === "group") process.kill(-(server.child.pid as number), "SIGTERM");
      process.kill(owner.pid, "SIGHUP");
      await server.done;
      // npx may exit before the command it ran has finished stopping: wait for the command.
      const stoppedBy = Date.now() + 30_000;
      while (alive(owner.pid) && Date.now() < stoppedBy) await sleep(100);
      expect(alive(owner.pid)).toBe(false);
      expect(server.output().stdout).toMatch(/Stopping \(SIG(TERM|HUP)\)/);
      expect(existsSync(ownerFile(env.PGLITE_DATA_DIR))).toBe(false);
      expect(existsSync(lockPath(env.PGLITE_DATA_DIR))).toBe(false);
      expect(existsSync(owner.socket_dir)).toBe(false);
    },
    180_000,
  );

  it("takes over the lock of an owner that was killed, keeps what it had written and removes its socket folder", async () => {
    const env = { PGLITE_DATA_DIR: await dataDir("killed") };
    const imported = await runProcess(
      ["import", "--property", SMALL, "--file", smallFile, "--json"],
      env,
    );
    expect(imported.code).toBe(0);
    const small = JSON.parse(imported.stdout) as ImportJson;

    const owner = runInBackground(["start", "--serve", "--port", "0"], env);
    const { pid, socket_dir } = (await waitForOwnerSocket(env.PGLITE_DATA_DIR)) as {
      pid: number;
      socket_dir: string;
    };
    process.kill(pid, "SIGKILL");
    await owner.done;
    expect(existsSync(lockPath(env.PGLITE_DATA_DIR))).toBe(true);
    expect(existsSync(socket_dir)).toBe(true);

    const run = await runProcess(["stats", "--json", "--wait", "50"], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`held by contact-sync start \\(pid ${pid}\\), which is gone`),
    );
    const stats = JSON.parse(run.stdout) as StatsJson[];
    expect(stats.find((s) => s.resman_property_id === SMALL)?.links).toBe(
      small.rows - small.rejected,
    );
    expect(existsSync(socket_dir)).toBe(false);
  }, 180_000);

  it("waits --wait seconds for an owner that never serves, then fails with one line and writes nothing", async () => {
    const dir = await dataDir("held");
    await mkdir(dir);
    // A live process (this test) holding the lock, still starting: no socket yet.
    await mkdir(lockPath(dir));
    await writeFile(
      ownerFile(dir),
      JSON.stringify({
        pid: process.pid,
        hostname: (await import("node:os")).hostname(),
        command: "import",
        started_at: new Date().toISOString(),
        socket_dir: null,
      }),
    );
    const run = await runProcess(
      ["import", "--property", SMALL, "--file", smallFile, "--wait", "1"],
      { PGLITE_DATA_DIR: dir },
    );
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/Waiting for contact-sync import \(pid \d+\) to open the embedded/);
    expect(lines.at(-1)).toMatch(
      /^contact-sync: the embedded database .* is held by contact-sync import \(pid \d+\); waited 1 s \(--wait <s> to wait longer\)$/,
    );
    expect(run.stdout).toBe("");
  }, 60_000);

  it.each([
    ["under /proc", "/proc/contact-sync-nope/db", /no such file or directory/],
    ["below a file", "/etc/hostname/db", /not a directory/],
  ])("fails at once with one line on an unusable data directory (%s)", async (_, dir, reason) => {
    const run = await runProcess(["stats"], { PGLITE_DATA_DIR: dir });
    expectOneLineError(run, 1, reason);
    expect(run.stderr).toMatch(/cannot use the embedded database/);
  });
});
