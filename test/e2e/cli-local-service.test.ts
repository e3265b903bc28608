import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockPath, ownerFile } from "../../lib/adapters/db/embeddedOwner.js";
import { listedValues, spellings } from "../fixtures/pii.js";
import { chatbotDetails, RESMAN_PROPERTY_ID, webhookEnvelope } from "../fixtures/webhook.js";
import {
  type BackgroundRun,
  type CliRun,
  expectNoPersonalData,
  runInBackground,
  runProcess,
  stopGroup,
} from "./harness.js";

/** The account the first webhook creates the property under; the poison names another. */
const ACCOUNT = 4021;
const OTHER_ACCOUNT = 4022;
/** How long any one wait may last before the test gives up (a cap, not an expectation). */
const CAP_MS = 60_000;

let folder: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;
/** Every output of every command, for the personal-data check at the end. */
const printed: string[] = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "cs-local-service-"));
  dataDir = join(folder, "db");
  env = { PGLITE_DATA_DIR: dataDir };
});

afterAll(async () => {
  if (server !== undefined) stopGroup(server);
  await rm(folder, { recursive: true, force: true });
});

/** Runs a command as a real process, keeping its output for the personal-data check. */
async function cli(args: readonly string[]): Promise<CliRun> {
  const run = await runProcess(args, env);
  printed.push(run.stdout, run.stderr);
  return run;
}

/** `start --serve` in the background. */
let server: BackgroundRun | undefined;

/** Reads until `done` holds, at most `CAP_MS`; the last value read either way. */
async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean) {
  const cap = Date.now() + CAP_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > cap) throw new Error(`gave up waiting for ${what}`);
    await sleep(250);
  }
}

interface LinkRow {
  resman_contact_id: string | null;
  user_id: string;
  sync_status: string;
}

async function links(): Promise<LinkRow[]> {
  const run = await cli(["links", "--property", RESMAN_PROPERTY_ID, "--json"]);
  // Before the first webhook is applied the property does not exist yet (exit 2).
  return run.code === 0 ? (JSON.parse(run.stdout) as LinkRow[]) : [];
}

interface QueueRow {
  queue: string;
  receive_count: number;
  last_error: string | null;
  dead_lettered_at: Date | null;
  first_received_at: Date | null;
}

/** The local queue's row of the message naming `personId`, through the owner's socket. */
async function queueRow(personId: string): Promise<QueueRow | undefined> {
  const owner = JSON.parse(await readFile(ownerFile(dataDir), "utf8")) as { socket_dir: string };
  const client = new pg.Client({ host: owner.socket_dir, user: "postgres", database: "postgres" });
  await client.connect();
  try {
    const result = await client.query<QueueRow>(
      `select queue, receive_count, last_error, dead_lettered_at, first_received_at
         from local_queue_message where strpos(body, $1) > 0`,
      [personId],
    );
    return result.rows[0];
  } finally {
    await client.end();
  }
}

/** A person-only webhook file (`send-webhook` wraps it with --property and --account). */
async function personFile(name: string, personId: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, JSON.stringify({ ...webhookEnvelope.person, person_id: personId }));
  return path;
}

describe("the local service, as real processes on the embedded database", () => {
  let demoProperty: string;
  let url: string;
  const personId = randomUUID();
  const poisonId = randomUUID();

  it("start --once on a fresh data directory reconciles the demo community", async () => {
    const once = await cli(["start", "--once"]);
    expect(once.code).toBe(0);
    const reconciled =
      /Reconciled .+ from the in-process ResMan stand-in:\n {2}(\S+) ok: \d+ fetched, [1-9]\d* created, .*, 1 review, 0 failed/.exec(
        once.stdout,
      );
    expect(reconciled).not.toBeNull();
    demoProperty = reconciled?.[1] ?? "";
    expect(once.stdout).toContain("Local queue: 0 processed, 0 dead-lettered, 0 left.");
    // The sample's and the demo's outbound events are handed to the local bus, as the serving
    // worker does: none is left waiting.
    const outbox = /Outbox: (\d[\d,]*) outbound events marked published/.exec(once.stdout);
    expect(Number(outbox?.[1]?.replace(/,/g, "") ?? 0)).toBeGreaterThan(100);
    const stats = await cli(["stats", "--json"]);
    const waiting = (JSON.parse(stats.stdout) as { events_waiting: number }[]).map(
      (property) => property.events_waiting,
    );
    expect(waiting).toHaveLength(3);
    expect(waiting).toEqual([0, 0, 0]);
    // The demo leaves one open review item for the console.
    const review = await cli(["review", "list", "--property", demoProperty, "--json"]);
    expect(review.code).toBe(0);
    expect(JSON.parse(review.stdout)).toMatchObject({ total: 1 });
    expect(existsSync(lockPath(dataDir))).toBe(false);
  }, 90_000);

  it("start --serve applies a webhook from send-webhook and a chatbot event from send-event", async () => {
    server = runInBackground(["start", "--serve", "--port", "0"], {
      ...env,
      MAX_RECEIVE_COUNT: "2",
    });
    const ready = await until(
      "the local service to be ready",
      async () => server?.output().stdout ?? "",
      (text) => /^Ready\.$/m.test(text) || server?.child.exitCode !== null,
    );
    expect(ready).toMatch(/^Ready\.$/m);
    // The same stand-in data again: nothing new (the demo replays).
    expect(ready).toMatch(new RegExp(`${demoProperty} ok: 0 fetched, 0 created`));
    url = /Local service at (http:\/\/127\.0\.0\.1:\d+)/.exec(ready)?.[1] ?? "";
    expect(url).toMatch(/:\d+$/);
    expect(url).not.toMatch(/:0$/);

    const sent = await cli([
      "send-webhook",
      "--url",
      url,
      "--file",
      await personFile("person.json", personId),
      "--property",
      RESMAN_PROPERTY_ID,
      "--account",
      String(ACCOUNT),
    ]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^202 accepted: delivery \S+$/m);
    const linked = await until("the person's link", links, (rows) =>
      rows.some((row) => row.resman_contact_id === personId),
    );
    expect(linked).toEqual([
      expect.objectContaining({ resman_contact_id: personId, sync_status: "success" }),
    ]);

    // The chatbot event names the property the webhook created (by its ResMan GUID).
    const detail = join(folder, "detail.json");
    await writeFile(
      detail,
      JSON.stringify({
        ...chatbotDetails["Contact Captured"],
        event_id: randomUUID(),
        conversation_id: randomUUID(),
        property_id: RESMAN_PROPERTY_ID,
      }),
    );
    const event = await cli([
      "send-event",
      "--url",
      url,
      "--type",
      "Contact Captured",
      "--file",
      detail,
    ]);
    expect(event.code).toBe(0);
    // Someone else than the webhook's person: a lead of its own, with no ResMan person yet.
    const both = await until("the chatbot's contact", links, (rows) => rows.length === 2);
    const lead = both.find((row) => row.resman_contact_id === null);
    expect(lead).toMatchObject({ sync_status: "pending" });
    expect(lead?.user_id).not.toBe(linked[0]?.user_id);
  }, 90_000);

  it("dead-letters a webhook the worker can never apply; redrive --local brings it back", async () => {
    const poison = await cli([
      "send-webhook",
      "--url",
      url,
      "--file",
      await personFile("poison.json", poisonId),
      "--property",
      RESMAN_PROPERTY_ID,
      "--account",
      String(OTHER_ACCOUNT),
    ]);
    // The edge cannot know the property's account: it accepts the delivery.
    expect(poison.code).toBe(0);
    const dead = await until(
      "the poison message in the dead-letter queue",
      () => queueRow(poisonId),
      (row) => row?.queue === "sync-dlq",
    );
    // Received MAX_RECEIVE_COUNT (2) times, failing each time; moved at the receive after.
    expect(dead).toMatchObject({ receive_count: 2, last_error: expect.any(String) });
    const firstDeadLetter = dead?.dead_lettered_at?.getTime() ?? 0;

    const redriveStarted = Date.now();
    const redriven = await cli(["redrive", "--local"]);
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toBe(
      "Moved 1 message from the local dead-letter queue back to the local sync queue.\n",
    );
    // Back in the sync queue (it stays there for its two receives, seconds apart)...
    expect((await queueRow(poisonId))?.queue).toBe("sync");
    // ...received again from there, and dead-lettered again after its receives: nothing lost.
    const again = await until(
      "the poison message dead-lettered again",
      () => queueRow(poisonId),
      (row) =>
        row?.queue === "sync-dlq" && (row.dead_lettered_at?.getTime() ?? 0) > firstDeadLetter,
    );
    expect(again?.receive_count).toBe(2);
    expect(again?.first_received_at?.getTime()).toBeGreaterThanOrEqual(redriveStarted - 1_000);
    // Never applied: the property's links are still the person's and the lead's.
    const rows = await links();
    expect(rows.map((row) => row.resman_contact_id)).not.toContain(poisonId);
    expect(rows).toHaveLength(2);
    expect(server?.output().stdout).toMatch(/^worker: 0 processed, 1 failed, 0 dead-lettered$/m);
  }, 90_000);

  it("a second start --serve on the port the first serves says so in one line and exits 1", async () => {
    const port = new URL(url).port;
    const second = await cli(["start", "--serve", "--port", port]);
    expect(second.code).toBe(1);
    const lines = second.stderr.trimEnd().split("\n");
    // Its notice that it works through the first, then the failure.
    expect(lines.at(-1)).toBe(
      `contact-sync: 127.0.0.1:${port} is already in use (another contact-sync start or resman-stub?): stop it, or choose another port with --port <n> (0: any free port)`,
    );
    expect(second.stderr).not.toMatch(/\bat .+:\d+:\d+\)?$/m);
    // The first still serves.
    expect((await fetch(`${url}/health`)).status).toBe(200);
  }, 90_000);

  it("a second start --serve on another port serves through the first, and says so", async () => {
    const second = runInBackground(["start", "--serve", "--port", "0"], env);
    try {
      const serving = await until(
        "the second start to serve",
        async () => second.output().stdout,
        (text) => /^Serving/m.test(text) || second.child.exitCode !== null,
      );
      expect(serving).toMatch(
        /^Serving, on the embedded database of another contact-sync process \(it waits for this one before it stops\)\. Ctrl-C to stop\.$/m,
      );
      expect(second.output().stderr).toMatch(
        /Using the embedded database through contact-sync start/,
      );
    } finally {
      process.kill(-(second.child.pid as number), "SIGINT");
    }
    const stopped = await second.done;
    printed.push(stopped.stdout, stopped.stderr);
    expect(stopped.stdout).toMatch(/^Stopping \(SIGINT\)\.$/m);
    // The first still serves.
    expect((await fetch(`${url}/health`)).status).toBe(200);
  }, 90_000);

  it("stops on SIGINT with exit 0", async () => {
    const running = server;
    if (running === undefined) throw new Error("the server never started");
    const { pid } = JSON.parse(await readFile(ownerFile(dataDir), "utf8")) as { pid: number };
    // Ctrl-C reaches the command itself (npx is only its parent).
    process.kill(pid, "SIGINT");
    const stopped = await running.done;
    server = undefined;
    printed.push(stopped.stdout, stopped.stderr);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^Stopping \(SIGINT\)\.$/m);
    expect(existsSync(lockPath(dataDir))).toBe(false);
    expect(existsSync(ownerFile(dataDir))).toBe(false);
    // Ids, counts and codes only: none of the fixtures' personal values were printed.
    expectNoPersonalData(printed.join("\n"), [...new Set(listedValues.flatMap(spellings))]);
  }, 60_000);
});
