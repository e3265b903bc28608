/**
 * The sync worker benchmark's parts (`worker.ts` runs them, `workerContainer.ts` runs one
 * worker in a process of its own): the messages and SQS batches, one worker with its timing,
 * the raw-SQL floor, and the figures' arithmetic.
 */
import { randomUUID } from "node:crypto";
import { openSync, writeSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { devNull, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Context, SQSEvent } from "aws-lambda";
import { sql } from "drizzle-orm";
import pg from "pg";
import type { DatabaseHandle } from "../../lib/adapters/db/client.js";
import { createStores, storesOn } from "../../lib/adapters/db/stores.js";
import { openImportFile } from "../../lib/adapters/files/importFile.js";
import { createSyncWorker } from "../../lib/adapters/lambda/syncWorker.js";
import { importPeople } from "../../lib/app/importPeople.js";
import { systemClock } from "../../lib/app/ports.js";
import { cachedPropertyStore } from "../../lib/app/propertyCache.js";
import type { SyncMessage } from "../../lib/domain/events.js";
import {
  FIRST_NAMES,
  LAST_NAMES,
  mulberry32,
  writePeopleCsv,
} from "../../lib/local/peopleGenerator.js";

export const BATCH = 10;
/** Records of a batch run concurrently; the pool matches the Lambda's (see lib/adapters/lambda/runtime.ts). */
export const POOL = 4;
export const PROPERTY = "2b7d4f1e-8c3a-4e6b-9f0d-5a1c7e3b2d48";
const ACCOUNT = 4321;
export type NameCase = "same" | "distinct";

/** Milliseconds spent in each store call a batch makes, summed over the measured batches. */
export type Phases = Record<"read" | "waves" | "claim" | "stamp", number>;

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

/**
 * `count` new people, numbered from `first`: their emails and phones carry the number, so
 * people of different numbers never share one (the warm-ups take numbers of their own).
 */
export function messages(
  count: number,
  nameCase: NameCase = "same",
  seed = 1,
  first = 0,
): SyncMessage[] {
  const names = namesOf(nameCase, count, seed);
  return Array.from({ length: count }, (_, j) => ({
    kind: "resman",
    event_id: randomUUID(),
    envelope: {
      type: "person.upserted",
      occurred_at: "2026-11-20T10:00:00Z",
      account_id: ACCOUNT,
      property_id: PROPERTY,
      person: {
        person_id: randomUUID(),
        status: "prospect",
        first_name: names[j]?.[0] ?? "Ann",
        last_name: names[j]?.[1] ?? "Person",
        email: `bench.person.${first + j}@mailbox.dev`,
        phones: [{ type: "mobile", number: `+1 512 3${String(first + j).padStart(6, "0")}` }],
        last_modified: "2026-11-20T09:59:00Z",
      },
    },
  }));
}

export function batches(all: SyncMessage[]): SQSEvent[] {
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

/**
 * `people` generated people (the import's generator, seeded) imported into the worker's property
 * before it starts, as a property in use holds them: the measured people are then searched and
 * scored among them. Their emails and phones are not the measured people's.
 */
export async function populate(handle: DatabaseHandle, people: number): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), "bench-worker-"));
  try {
    const path = join(folder, "people.csv");
    await writePeopleCsv(path, { seed: 11, rows: people, label: "population" });
    const stores = storesOn(handle);
    const property = await stores.properties.ensureResmanProperty({
      resmanPropertyId: PROPERTY,
      resmanAccountId: ACCOUNT,
    });
    const file = await openImportFile(path);
    await importPeople(
      { store: stores.contacts, clock: systemClock },
      { property, records: file.records },
    );
    // Their events published, as the running system's would have been long since.
    await handle.db.execute(sql`update outbox_event set published_at = now()
      where published_at is null`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** One round's measurement: its jobs and seconds. */
export interface Round {
  jobs: number;
  seconds: number;
}

/** How a worker is opened: whether its phases are timed, and its warm-up people's numbers. */
export interface WorkerOptions {
  timePhases: boolean;
  /** The first number of its 50 warm-up people (a container's own, see `messages`). */
  warmUpFrom: number;
}

/**
 * One worker (one Lambda container) with its stores and timing, warmed up: `round` syncs the
 * batches it is given, one after the other, as a container takes them.
 */
export async function openWorker(
  handle: DatabaseHandle,
  nameCase: NameCase,
  options: WorkerOptions,
) {
  const stores = createStores(handle.db);
  const phases: Phases = { read: 0, waves: 0, claim: 0, stamp: 0 };
  if (options.timePhases) timePhases(stores, phases);
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
  for (const event of batches(messages(50, nameCase, 7, options.warmUpFrom))) {
    await worker(event, context);
  }
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

/** What the worker wrote for one job, as the floor writes it again: the link, its contact, its event. */
interface WrittenJob {
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phones: unknown;
  kind: string;
  email_key: string | null;
  phone_keys: string[];
  name_dob_key: string | null;
  block_keys: string[];
  secondary: unknown;
  field_sources: unknown;
  field_versions: unknown;
  sync_status: string | null;
  resman_status: string | null;
  source_updated_at: Date | null;
  source_hash: string | null;
  match_score: number | null;
  match_evidence: unknown;
  event_type: string;
  event_status: string;
  /** Text, not a Date: Postgres keeps microseconds, which a Date would drop. */
  created_at: string;
}

/**
 * The floor: per job one statement writing again exactly the rows the worker wrote for one of
 * its jobs — the inbox row, the link's contact with every column the worker filled (its keys,
 * blocking keys, variants, field sources and versions), the link with its evidence, the event
 * as published — prepared once a connection as the worker's statements are, with no locks, no
 * reads, no decision, ten jobs at a time on four connections as a worker runs them; for
 * `containers` workers, as many times ten jobs at once on as many times four connections. Each round writes the jobs of the worker's round before it (read before the
 * clock starts), into a property of its own, so the worker never finds the floor's contacts.
 * What it leaves out is the sync's own bookkeeping: the identity keys' versions, a review
 * item's row, a merged contact's update in place (a merge's link gets a contact of its own).
 */
export async function openFloor(url: string, containers = 1) {
  const pool = new pg.Pool({ connectionString: url, max: POOL * containers });
  pool.on("error", () => {});
  const worker = await pool.query<{ id: string }>(
    "select id from property where resman_property_id = $1",
    [PROPERTY],
  );
  const workerProperty = worker.rows[0]?.id;
  if (workerProperty === undefined) throw new Error("the floor found no worker property");
  const own = await pool.query<{ id: string }>(
    "insert into property (name, resman_property_id) values ('bench floor', $1) returning id",
    [randomUUID()],
  );
  const propertyId = own.rows[0]?.id;
  const write = `with inbox as (
      insert into processed_event (source, event_id, property_id) values ('resman', $1, $2)),
    contact as (
      insert into "user" (id, property_id, first_name, last_name, email, phones, kind, email_key,
        phone_keys, name_dob_key, block_keys, secondary, field_sources, field_versions)
      values ($3, $2, $4, $5, $6, $7::jsonb, $8, $9, $10::text[], $11, $12::text[], $13::jsonb,
        $14::jsonb, $15::jsonb)),
    link as (
      insert into contact_sync (property_id, user_id, resman_contact_id, sync_status,
        resman_status, source_updated_at, source_hash, match_score, match_evidence)
      values ($2, $3, $16, $17, $18, $19, $20, $21, $22::jsonb) returning id)
    insert into outbox_event (event_type, property_id, contact_id, link_id, resman_person_id,
      status, match_score, published_at, attempts)
    select $23, $2, $3, link.id, $16, $24, $21, now(), 1 from link`;
  // Prepared once a connection, as the worker's own write is (a statement parsed and planned
  // afresh for every job was half of the floor's time on the server).
  const named = { name: "bench_floor_write", text: write };
  // The jobs the worker wrote after `since`, oldest first: a link each, with its contact and
  // its (first) event.
  const read = `select u.first_name, u.last_name, u.email, u.phones, u.kind, u.email_key,
      u.phone_keys, u.name_dob_key, u.block_keys, u.secondary, u.field_sources, u.field_versions,
      l.sync_status, l.resman_status, l.source_updated_at, l.source_hash, l.match_score,
      l.match_evidence, e.event_type, e.status as event_status, l.created_at::text as created_at
    from contact_sync l join "user" u on u.id = l.user_id
      cross join lateral (select event_type, status from outbox_event
        where link_id = l.id order by created_at limit 1) e
    where l.property_id = $1 and l.created_at > $2::timestamptz
    order by l.created_at, l.id limit $3`;
  const latest = await pool.query<{ at: string }>(
    "select coalesce(max(created_at), 'epoch')::text as at from contact_sync where property_id = $1",
    [workerProperty],
  );
  let since = latest.rows[0]?.at ?? "epoch";
  // The pool's connections opened before the first round, as the worker's warm-up opens its.
  await Promise.all(Array.from({ length: POOL * containers }, () => pool.query("select 1")));
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  let jobs: WrittenJob[] = [];
  return {
    /** Reads the `count` jobs the worker wrote since the floor's last round (not timed). */
    async prepare(count: number): Promise<void> {
      jobs = (await pool.query<WrittenJob>(read, [workerProperty, since, count])).rows;
      if (jobs.length < count) {
        throw new Error(`the floor found ${jobs.length} of the worker's ${count} jobs`);
      }
      since = (jobs.at(-1) as WrittenJob).created_at;
    },
    /** Writes the prepared jobs again. */
    async round(): Promise<Round> {
      const atOnce = BATCH * containers;
      const started = performance.now();
      for (let i = 0; i < jobs.length; i += atOnce) {
        await Promise.all(
          jobs
            .slice(i, i + atOnce)
            .map((job) =>
              pool.query(named, [
                randomUUID(),
                propertyId,
                randomUUID(),
                job.first_name,
                job.last_name,
                job.email,
                json(job.phones),
                job.kind,
                job.email_key,
                job.phone_keys,
                job.name_dob_key,
                job.block_keys,
                json(job.secondary),
                json(job.field_sources),
                json(job.field_versions),
                randomUUID(),
                job.sync_status,
                job.resman_status,
                job.source_updated_at,
                job.source_hash,
                job.match_score,
                json(job.match_evidence),
                job.event_type,
                job.event_status,
              ]),
            ),
        );
      }
      return { jobs: jobs.length, seconds: (performance.now() - started) / 1000 };
    },
    end: () => pool.end(),
  };
}

/** Jobs a second over rounds: all their jobs over all their seconds. */
export const jobsPerSecond = (...rounds: readonly Round[]) =>
  rounds.reduce((sum, r) => sum + r.jobs, 0) / rounds.reduce((sum, r) => sum + r.seconds, 0);

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * The worker writes one CloudWatch EMF line per invocation to stdout, as on Lambda: ~800 lines of
 * JSON that would bury the report. They are still made and written, to the null device (a
 * write each, as Lambda's stdout pipe takes them), not to the terminal. (Metrics turned off
 * instead measured 2–4 % more jobs/s: that is their cost, which the figures keep.)
 */
export function metricLinesToNullDevice(): void {
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
