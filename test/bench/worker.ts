/**
 * Sync worker benchmark: SQS batches of 10 webhook messages through the real worker
 * (`createSyncWorker` → `processSyncMessage` → `syncPerson` → Drizzle) on a scratch database of
 * the local server, next to a raw-SQL floor that writes the same rows (inbox, contact, link,
 * outbox) with one hand-written statement per job, in the same run: in rounds, a quarter of
 * the jobs through the worker then as many through the floor, and again, so that the machine
 * changing speed during the run (it does, by 10–20 %) weighs on both; the share is all the
 * worker's jobs over its seconds against the floor's, each round's share printed beside it.
 * Prints figures against design §8 (worker ≥ 50 % of the floor, ≤ 2 round trips per job);
 * asserts nothing.
 *
 * Two cases of names: a same-name burst (every person "Bench<n> Person": one name for the
 * matcher, so every sync shares its name keys with every other — the hot-key case of a common
 * surname, or one building during a backfill) and distinct realistic names (the sample's name
 * lists, seeded). Each person has an email and a phone of their own.
 *
 *   BENCH_WORKER_JOBS=2000     messages per case (default 2000)
 *   BENCH_WORKER_DRIVERS=pg    pg and/or neon (Neon's driver through the local WebSocket proxy)
 *   BENCH_WORKER_NAMES=same,distinct   which name cases
 *   BENCH_WORKER_ROUNDS=4      rounds the jobs are split into, worker and floor alternating
 *   BENCH_WORKER_PHASES=1      also print where a batch's time goes: the store calls a batch
 *                              makes (the batch's read, the waves' statements, the outbox's
 *                              claim and stamp) timed around the store, per batch, and the rest
 *                              (decisions, parsing, the handler); the timing adds a little. And
 *                              the CPU time of the process's main thread a batch (its JS, the
 *                              driver's included, in and out of the store calls): what of the
 *                              batch's time Postgres cannot be doing in parallel
 */
import { randomUUID } from "node:crypto";
import { openSync, writeSync } from "node:fs";
import { devNull } from "node:os";
import { performance } from "node:perf_hooks";
import type { Context, SQSEvent } from "aws-lambda";
import pg from "pg";
import type { DatabaseHandle } from "../../lib/adapters/db/client.js";
import { createStores } from "../../lib/adapters/db/stores.js";
import { createSyncWorker } from "../../lib/adapters/lambda/syncWorker.js";
import { systemClock } from "../../lib/app/ports.js";
import { cachedPropertyStore } from "../../lib/app/propertyCache.js";
import type { DriverName } from "../../lib/config.js";
import type { SyncMessage } from "../../lib/domain/events.js";
import { FIRST_NAMES, LAST_NAMES, mulberry32 } from "../../lib/local/peopleGenerator.js";
import { openTestDatabase } from "../support/drivers.js";
import { startStolenTime } from "./stolenTime.js";

const JOBS = Number(process.env.BENCH_WORKER_JOBS ?? 2000);
const DRIVERS = (process.env.BENCH_WORKER_DRIVERS ?? "pg,neon").split(",") as DriverName[];
const BATCH = 10;
/** Records of a batch run concurrently; the pool matches the Lambda's (see lib/adapters/lambda/runtime.ts). */
const POOL = 4;
const PROPERTY = "2b7d4f1e-8c3a-4e6b-9f0d-5a1c7e3b2d48";
type NameCase = "same" | "distinct";
const NAME_CASES = (process.env.BENCH_WORKER_NAMES ?? "same,distinct").split(",") as NameCase[];
const PHASES = process.env.BENCH_WORKER_PHASES === "1";
const ROUNDS = Math.max(1, Number(process.env.BENCH_WORKER_ROUNDS ?? 4));

/** Milliseconds spent in each store call a batch makes, summed over the measured batches. */
type Phases = Record<"read" | "waves" | "claim" | "stamp", number>;

/** Wraps the stores' calls of a batch so that their time adds up in `phases`. */
function timePhases(stores: ReturnType<typeof createStores>, phases: Phases): void {
  const timed =
    <A extends unknown[], R>(phase: keyof Phases, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        return await call(...args);
      } finally {
        phases[phase] += performance.now() - started;
      }
    };
  const { contacts, outbox } = stores;
  const snapshotReader = contacts.snapshotReader.bind(contacts);
  contacts.snapshotReader = (propertyId) => {
    const reader = snapshotReader(propertyId);
    return {
      read: timed("read", reader.read.bind(reader)),
      writeWave: timed("waves", reader.writeWave.bind(reader)),
      forget: reader.forget.bind(reader),
      readAhead: (requests) => reader.readAhead(requests),
      aheadHeld: () => reader.aheadHeld(),
    };
  };
  outbox.claim = timed("claim", outbox.claim.bind(outbox));
  outbox.markPublished = timed("stamp", outbox.markPublished.bind(outbox));
}

/** A first and last name per person: one name for all, or the sample's lists drawn at random. */
function namesOf(nameCase: NameCase, count: number, seed: number): [string, string][] {
  const random = mulberry32(seed);
  const pick = (list: readonly string[]) => list[Math.floor(random() * list.length)] ?? "Ann";
  return Array.from({ length: count }, (_, i) =>
    nameCase === "same" ? [`Bench${i}`, "Person"] : [pick(FIRST_NAMES), pick(LAST_NAMES)],
  );
}

function messages(count: number, nameCase: NameCase = "same", seed = 1): SyncMessage[] {
  const names = namesOf(nameCase, count, seed);
  return Array.from({ length: count }, (_, i) => ({
    kind: "resman",
    event_id: randomUUID(),
    envelope: {
      type: "person.upserted",
      occurred_at: "2026-11-20T10:00:00Z",
      account_id: 4321,
      property_id: PROPERTY,
      person: {
        person_id: randomUUID(),
        status: "prospect",
        first_name: names[i]?.[0] ?? "Ann",
        last_name: names[i]?.[1] ?? "Person",
        email: `bench.person.${i}@mailbox.dev`,
        phones: [{ type: "mobile", number: `+1 512 3${String(i).padStart(6, "0")}` }],
        last_modified: "2026-11-20T09:59:00Z",
      },
    },
  }));
}

function batches(all: SyncMessage[]): SQSEvent[] {
  const events: SQSEvent[] = [];
  for (let i = 0; i < all.length; i += BATCH) {
    events.push({
      Records: all.slice(i, i + BATCH).map((message) => ({
        messageId: randomUUID(),
        receiptHandle: "r",
        body: JSON.stringify(message),
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: "0",
          SenderId: "bench",
          ApproximateFirstReceiveTimestamp: "0",
        },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:bench",
        awsRegion: "us-east-1",
      })),
    });
  }
  return events;
}

const context = { awsRequestId: "bench" } as unknown as Context;

/** One round's measurement: its jobs and seconds. */
interface Round {
  jobs: number;
  seconds: number;
}

/** The worker with its stores and timing, warmed up: `round` syncs the batches it is given. */
async function openWorker(handle: DatabaseHandle, nameCase: NameCase) {
  const stores = createStores(handle.db);
  const phases: Phases = { read: 0, waves: 0, claim: 0, stamp: 0 };
  if (PHASES) timePhases(stores, phases);
  const pipeline = {
    store: stores.contacts,
    properties: cachedPropertyStore(stores.properties, { clock: systemClock }),
    outbox: stores.outbox,
    clock: systemClock,
  };
  // EventBridge is not what is measured: a publisher that accepts everything at once.
  const worker = createSyncWorker({
    pipeline: async () => pipeline,
    publisher: { publish: async () => ({ failed: [] }) },
    maxReceiveCount: 5,
  });
  // Warm-up: the property row, prepared plans, pool connections.
  for (const event of batches(messages(50, nameCase, 7))) await worker(event, context);
  for (const phase of Object.keys(phases) as (keyof Phases)[]) phases[phase] = 0;
  /** The main thread's CPU microseconds over the measured rounds. */
  let cpuMicros = 0;
  return {
    async round(events: readonly SQSEvent[]): Promise<Round> {
      const started = performance.now();
      const mainThread = process.threadCpuUsage();
      let failures = 0;
      for (const event of events) {
        failures += (await worker(event, context)).batchItemFailures.length;
      }
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.threadCpuUsage(mainThread);
      cpuMicros += cpu.user + cpu.system;
      if (failures > 0) throw new Error(`${failures} jobs failed during the worker benchmark`);
      return { jobs: events.reduce((n, event) => n + event.Records.length, 0), seconds };
    },
    /** Where the rounds' batches spent their time (`BENCH_WORKER_PHASES=1`). */
    phasesLine(seconds: number, batchCount: number): string {
      const perBatch = (ms: number) => fmt(ms / batchCount, 2);
      const inStores = phases.read + phases.waves + phases.claim + phases.stamp;
      return `        a batch of ${BATCH}, ms: ${perBatch(seconds * 1000)} = read ${perBatch(phases.read)} + waves ${perBatch(phases.waves)} + outbox claim ${perBatch(phases.claim)} + stamp ${perBatch(phases.stamp)} + the rest ${perBatch(seconds * 1000 - inStores)}; the main thread's CPU ${perBatch(cpuMicros / 1000)}`;
    },
  };
}

/**
 * The floor: per job one statement writing exactly the rows a new person costs (inbox,
 * contact with its keys, link, outbox), no locks, no reads, no decision, ten jobs at a time on
 * four connections as the worker runs them. Its people have emails and phones of their own
 * (none of the worker's people matches one of them in a later round).
 */
async function openFloor(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  pool.on("error", () => {});
  const property = await pool.query<{ id: string }>("select id from property limit 1");
  const propertyId = property.rows[0]?.id;
  const write = `with inbox as (
      insert into processed_event (source, event_id, property_id) values ('resman', $1, $2)),
    contact as (
      insert into "user" (id, property_id, first_name, last_name, email, phones, kind,
        email_key, phone_keys, field_sources)
      values ($3, $2, $4, 'Person', $5, $6::jsonb, 'prospect', $5, array[$7], '{}'::jsonb)),
    link as (
      insert into contact_sync (property_id, user_id, resman_contact_id, sync_status,
        resman_status, source_hash)
      values ($2, $3, $8, 'success', 'prospect', $9) returning id)
    insert into outbox_event (event_type, property_id, contact_id, link_id, resman_person_id, status)
    select 'contact.synced', $2, $3, link.id, $8, 'success' from link`;
  // The pool's connections opened before the first round, as the worker's warm-up opens its.
  await Promise.all(Array.from({ length: POOL }, () => pool.query("select 1")));
  const all = messages(JOBS, "same", 2);
  let next = 0;
  return {
    async round(jobs: number): Promise<Round> {
      const mine = all.slice(next, next + jobs);
      const first = next;
      next += mine.length;
      const started = performance.now();
      for (let i = 0; i < mine.length; i += BATCH) {
        await Promise.all(
          mine.slice(i, i + BATCH).map((message, j) => {
            if (message.kind !== "resman") throw new Error("unexpected message");
            const person = message.envelope.person;
            const n = first + i + j;
            const e164 = `+1512${String(4_000_000 + n)}`;
            return pool.query(write, [
              message.event_id,
              propertyId,
              randomUUID(),
              person.first_name,
              `floor.${n}@mailbox.dev`,
              JSON.stringify([{ type: "mobile", raw: e164, e164 }]),
              e164,
              person.person_id,
              "0".repeat(64),
            ]);
          }),
        );
      }
      return { jobs: mine.length, seconds: (performance.now() - started) / 1000 };
    },
    end: () => pool.end(),
  };
}

/** Jobs a second over rounds: all their jobs over all their seconds. */
const jobsPerSecond = (...rounds: readonly Round[]) =>
  rounds.reduce((sum, r) => sum + r.jobs, 0) / rounds.reduce((sum, r) => sum + r.seconds, 0);

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * The worker writes one CloudWatch EMF line per invocation to stdout, as on Lambda: ~800 lines of
 * JSON that would bury the report. They are still made and written, to the null device (a
 * write each, as Lambda's stdout pipe takes them), not to the terminal. (Metrics turned off
 * instead measured 2–4 % more jobs/s: that is their cost, which the figures keep.)
 */
function metricLinesToNullDevice(): void {
  const sink = openSync(devNull, "w");
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk === "string" && chunk.startsWith('{"_aws"')) {
      writeSync(sink, chunk);
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
}

async function main() {
  metricLinesToNullDevice();
  // One INFO line per job would flood the report (and cost the worker its writes): the npm
  // script sets POWERTOOLS_LOG_LEVEL=WARN. `logger.setLogLevel` would not last: the handler's
  // middleware puts the logger back to its initial level at every invocation.
  if (process.env.POWERTOOLS_LOG_LEVEL === undefined) {
    console.log(
      "(POWERTOOLS_LOG_LEVEL unset: one INFO line per job follows; npm run bench:worker sets WARN)",
    );
  }
  console.log(
    `Sync worker benchmark: ${fmt(JOBS)} new people per case, SQS batches of ${BATCH}, pool of ${POOL}`,
  );
  const results: Record<string, unknown>[] = [];
  for (const driver of DRIVERS) {
    for (const nameCase of NAME_CASES) {
      const counted = { queries: 0 };
      const database = await openTestDatabase(driver, {
        maxConnections: POOL,
        onQuery: () => {
          counted.queries += 1;
        },
      });
      try {
        const worker = await openWorker(database.handle, nameCase);
        const floor = await openFloor(String(database.url));
        const events = batches(messages(JOBS, nameCase));
        const perRound = Math.ceil(events.length / ROUNDS);
        const workerRounds: Round[] = [];
        const floorRounds: Round[] = [];
        counted.queries = 0;
        const stolen = startStolenTime();
        try {
          // Interleaved, so that a change in the machine's speed during the run weighs on both.
          for (let i = 0; i < events.length; i += perRound) {
            const round = await worker.round(events.slice(i, i + perRound));
            workerRounds.push(round);
            floorRounds.push(await floor.round(round.jobs));
          }
        } finally {
          await floor.end();
        }
        const stolenPercent = stolen();
        const workerRate = jobsPerSecond(...workerRounds);
        const floorRate = jobsPerSecond(...floorRounds);
        const share = (workerRate / floorRate) * 100;
        const shares = workerRounds.map(
          (round, i) => (jobsPerSecond(round) / jobsPerSecond(floorRounds[i] as Round)) * 100,
        );
        const roundTripsPerJob = counted.queries / JOBS;
        if (PHASES) {
          const seconds = workerRounds.reduce((sum, r) => sum + r.seconds, 0);
          console.log(worker.phasesLine(seconds, events.length));
        }
        const label = nameCase === "same" ? "same-name burst" : "distinct names";
        const range =
          shares.length > 1
            ? ` (rounds ${fmt(Math.min(...shares))}–${fmt(Math.max(...shares))} %)`
            : "";
        console.log(
          `  ${driver.padEnd(5)} ${label.padEnd(15)} worker ${fmt(workerRate)} jobs/s · raw-SQL floor ${fmt(floorRate)} jobs/s (node-postgres) · worker = ${fmt(share)} % of floor${range} (budget ≥ 50 %) · ${fmt(roundTripsPerJob, 2)} round trips/job (budget ≤ 2)${stolenPercent === undefined || stolenPercent < 0.5 ? "" : ` · ${fmt(stolenPercent)} % of the CPUs' time taken by the hypervisor`}`,
        );
        results.push({
          driver,
          names: nameCase,
          jobs: JOBS,
          rounds: workerRounds.length,
          workerJobsPerSecond: Math.round(workerRate),
          floorJobsPerSecond: Math.round(floorRate),
          shareOfFloorPercent: Math.round(share),
          shareOfFloorPercentByRound: shares.map((x) => Math.round(x)),
          roundTripsPerJob: Number(roundTripsPerJob.toFixed(2)),
          stolenPercent: stolenPercent === undefined ? null : Number(stolenPercent.toFixed(1)),
        });
      } finally {
        await database.cleanup();
      }
    }
  }
  console.log(JSON.stringify({ bench: "worker", results }));
}

await main();
