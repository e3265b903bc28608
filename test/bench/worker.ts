/**
 * Sync worker benchmark: SQS batches of 10 webhook messages through the real worker
 * (`createSyncWorker` → `processSyncMessage` → `syncPerson` → Drizzle) on a scratch database of
 * the local server, next to a raw-SQL floor that writes the same rows again (each round the
 * inbox rows, contacts, links and events the worker's round wrote, into a property of its own:
 * `openFloor` in workerBench.ts) with one hand-written statement per job, in the same run: in
 * rounds, a quarter of the jobs through the worker then as many through the floor, and again,
 * so that the machine
 * changing speed during the run (it does, by 10–20 %) weighs on both; the share is all the
 * worker's jobs over its seconds against the floor's, each round's share printed beside it.
 * Prints figures against design §8 (worker ≥ 50 % of the floor, ≤ 2 round trips per job);
 * asserts nothing.
 *
 * Containers: the worker is measured as one Lambda container (one batch at a time, as a
 * container takes them) and as several side by side, as the sync queue's event source runs them
 * (`syncWorkerMaxConcurrency` in serverless.yml, 5): each container a process of its own
 * (`workerContainer.ts`) with its own pool, the round's batches dealt to them in turn, against a
 * floor with as many times the connections and jobs in flight. Several containers also measure
 * the hot-key case across batches: people who share blocking keys synced at the same moment by
 * different containers (their retries show in the round trips per job).
 *
 * Two cases of names: a same-name burst (every person "Bench<n> Person": one name for the
 * matcher, so every sync shares its name keys with every other — the hot-key case of a common
 * surname, or one building during a backfill) and distinct realistic names (the sample's name
 * lists, seeded). Each person has an email and a phone of their own.
 *
 *   BENCH_WORKER_JOBS=2000     messages per case (default 2000)
 *   BENCH_WORKER_DRIVERS=pg    pg and/or neon (Neon's driver through the local WebSocket proxy,
 *                              in a process of its own as Neon's is on AWS: `proxyProcess.ts`;
 *                              its CPU a job is printed apart from the worker's)
 *   BENCH_WORKER_NAMES=same,distinct   which name cases
 *   BENCH_WORKER_ROUNDS=4      rounds the jobs are split into, worker and floor alternating
 *   BENCH_WORKER_CONTAINERS=1,2   containers side by side, one case each (default 1 and 2:
 *                              this machine's cores; more share the two cores)
 *   BENCH_WORKER_INBOX=0       deliveries already in the inbox (processed_event) before the
 *                              first round, as a retention window's worth of them would be
 *                              (default none: a new database)
 *   BENCH_WORKER_POPULATION=0  generated people imported into the worker's property first (the
 *                              import's generator), among whom the measured people are
 *                              searched and scored, as in a property in use (default none)
 *   BENCH_WORKER_PHASES=1      also print where a batch's time goes: the store calls a batch
 *                              makes (the batch's read, the waves' statements, the outbox's
 *                              claim and stamp) timed around the store, per batch, and the rest
 *                              (decisions, parsing, the handler); the timing adds a little. And
 *                              the CPU time of the process's main thread a batch (its JS, the
 *                              driver's included, in and out of the store calls): what of the
 *                              batch's time Postgres cannot be doing in parallel (one
 *                              container only)
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { SQSEvent } from "aws-lambda";
import { sql } from "drizzle-orm";
import type { DriverName } from "../../lib/config.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";
import { nextMessage } from "./childMessages.js";
import { type ProxyProcess, startProxyProcess } from "./proxyProcess.js";
import { isLocalServer, startServerCpu } from "./serverCpu.js";
import { startStolenTime } from "./stolenTime.js";
import {
  BATCH,
  batches,
  fmt,
  jobsPerSecond,
  messages,
  metricLinesToNullDevice,
  type NameCase,
  openFloor,
  openWorker,
  POOL,
  populate,
  type Round,
} from "./workerBench.js";
import type { ContainerCommand, ContainerReport, ContainerSettings } from "./workerContainer.js";

const JOBS = Number(process.env.BENCH_WORKER_JOBS ?? 2000);
const DRIVERS = (process.env.BENCH_WORKER_DRIVERS ?? "pg,neon").split(",") as DriverName[];
const NAME_CASES = (process.env.BENCH_WORKER_NAMES ?? "same,distinct").split(",") as NameCase[];
const CONTAINERS = (process.env.BENCH_WORKER_CONTAINERS ?? "1,2")
  .split(",")
  .map((n) => Math.max(1, Math.floor(Number(n)) || 1));
const PHASES = process.env.BENCH_WORKER_PHASES === "1";
/** A non-negative whole number from the environment, 0 when unset or not one. */
const count = (name: string) => Math.max(0, Math.floor(Number(process.env[name] ?? 0)) || 0);
const INBOX = count("BENCH_WORKER_INBOX");
const POPULATION = count("BENCH_WORKER_POPULATION");
const ROUNDS = Math.max(1, Number(process.env.BENCH_WORKER_ROUNDS ?? 4));
/** The first number of container k's warm-up people: apart from the measured people's. */
const warmUpFrom = (k: number) => 100_000 + k * 1_000;

/** Workers that sync a round's batches: one in this process, or containers side by side. */
interface Workers {
  /** Syncs the batches; returns the jobs, the seconds, the statements sent and the CPU used. */
  round(events: readonly SQSEvent[]): Promise<Round & { statements: number; cpuSeconds: number }>;
  /** Where a batch's time went, one container only (`BENCH_WORKER_PHASES=1`). */
  phasesLine?(seconds: number, batchCount: number): string;
  end(): Promise<void>;
}

/** One container: the worker in this process, its statements counted by the database's hook. */
async function inProcess(
  database: TestDatabase,
  nameCase: NameCase,
  counted: { queries: number },
): Promise<Workers> {
  const worker = await openWorker(database.handle, nameCase, {
    timePhases: PHASES,
    warmUpFrom: warmUpFrom(0),
  });
  return {
    async round(events) {
      counted.queries = 0;
      const cpu = process.cpuUsage();
      const round = await worker.round(events);
      const used = process.cpuUsage(cpu);
      return {
        ...round,
        statements: counted.queries,
        cpuSeconds: (used.user + used.system) / 1e6,
      };
    },
    phasesLine: (seconds, batchCount) => worker.phasesLine(seconds, batchCount),
    end: async () => {},
  };
}

/** The next report of a container, or its failure (or its exit before it reported) as an error. */
async function nextReport(child: ChildProcess): Promise<ContainerReport> {
  const report = await nextMessage<ContainerReport>(child, "a worker container");
  if (report.type === "failed") throw new Error(`a worker container failed: ${report.message}`);
  return report;
}

/**
 * `count` containers, each a process of its own (`workerContainer.ts`) with its own pool on the
 * same database; a round's batches are dealt to them in turn, sent before the clock starts.
 */
async function containers(
  database: TestDatabase,
  driver: DriverName,
  nameCase: NameCase,
  count: number,
): Promise<Workers> {
  if (driver === "pglite" || database.url === undefined) {
    throw new Error("containers side by side need a server database (pg or neon)");
  }
  const script = fileURLToPath(new URL("./workerContainer.ts", import.meta.url));
  const children = Array.from({ length: count }, (_, k) => {
    const settings: ContainerSettings = {
      driver,
      url: database.url as string,
      neonWsProxy: database.neonWsProxy,
      nameCase,
      warmUpFrom: warmUpFrom(k),
    };
    // Forked with this process's flags: tsx's loader comes along.
    return fork(script, [], {
      env: { ...process.env, BENCH_WORKER_CONTAINER: JSON.stringify(settings) },
    });
  });
  const send = (child: ChildProcess, command: ContainerCommand) => child.send(command);
  await Promise.all(children.map(nextReport));
  return {
    async round(events) {
      await Promise.all(
        children.map((child, k) => {
          send(child, { type: "batches", events: events.filter((_, i) => i % count === k) });
          return nextReport(child);
        }),
      );
      const started = performance.now();
      const reports = await Promise.all(
        children.map((child) => {
          send(child, { type: "go" });
          return nextReport(child);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      let jobs = 0;
      let statements = 0;
      let cpuSeconds = 0;
      for (const report of reports) {
        if (report.type !== "done") throw new Error(`a worker container said ${report.type}`);
        jobs += report.jobs;
        statements += report.statements;
        cpuSeconds += report.cpuSeconds;
      }
      return { jobs, seconds, statements, cpuSeconds };
    },
    async end() {
      await Promise.all(
        children.map((child) => {
          const exited = once(child, "exit");
          send(child, { type: "end" });
          return exited;
        }),
      );
    },
  };
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
    `Sync worker benchmark: ${fmt(JOBS)} new people per case, SQS batches of ${BATCH}, pool of ${POOL} a container${INBOX > 0 ? `, ${fmt(INBOX)} deliveries in the inbox` : ""}${POPULATION > 0 ? `, ${fmt(POPULATION)} people in the property first` : ""}`,
  );
  const results: Record<string, unknown>[] = [];
  for (const driver of DRIVERS) {
    for (const nameCase of NAME_CASES) {
      for (const containerCount of CONTAINERS) {
        const counted = { queries: 0 };
        // The Neon driver's proxy in a process of its own, as Neon's is elsewhere on AWS
        // (`proxyProcess.ts`): every pool of the case, this process's included, goes through it.
        const proxy: ProxyProcess | undefined =
          driver === "neon" ? await startProxyProcess() : undefined;
        const database = await openTestDatabase(driver, {
          maxConnections: POOL,
          onQuery: () => {
            counted.queries += 1;
          },
          neonWsProxy: proxy?.address,
        });
        try {
          if (INBOX > 0) {
            await database.handle.db.execute(sql`insert into processed_event (source, event_id)
              select 'bench-inbox', 'delivery-' || g from generate_series(1, ${INBOX}) as g`);
          }
          if (POPULATION > 0) await populate(database.handle, POPULATION);
          const workers =
            containerCount === 1
              ? await inProcess(database, nameCase, counted)
              : await containers(database, driver, nameCase, containerCount);
          const floor = await openFloor(String(database.url), containerCount);
          const events = batches(messages(JOBS, nameCase));
          const perRound = Math.ceil(events.length / ROUNDS);
          const workerRounds: Round[] = [];
          const floorRounds: Round[] = [];
          let statements = 0;
          /** CPU seconds of the worker's processes and of Postgres, and of the floor's. */
          const cpu = { worker: 0, workerServer: 0, proxy: 0, floor: 0, floorServer: 0 };
          const metered = isLocalServer(database.url);
          const stolen = startStolenTime();
          try {
            // Interleaved, so that a change in the machine's speed during the run weighs on both.
            for (let i = 0; i < events.length; i += perRound) {
              let server = metered ? startServerCpu() : undefined;
              const proxyBefore = proxy?.cpuSeconds();
              const round = await workers.round(events.slice(i, i + perRound));
              cpu.workerServer += server?.stop() ?? 0;
              const proxyAfter = proxy?.cpuSeconds();
              if (proxyBefore !== undefined && proxyAfter !== undefined) {
                cpu.proxy += proxyAfter - proxyBefore;
              }
              statements += round.statements;
              cpu.worker += round.cpuSeconds;
              workerRounds.push(round);
              await floor.prepare(round.jobs);
              server = metered ? startServerCpu() : undefined;
              const floorCpu = process.cpuUsage();
              floorRounds.push(await floor.round());
              const used = process.cpuUsage(floorCpu);
              cpu.floorServer += server?.stop() ?? 0;
              cpu.floor += (used.user + used.system) / 1e6;
            }
          } finally {
            await floor.end();
            await workers.end();
          }
          const stolenPercent = stolen();
          const workerRate = jobsPerSecond(...workerRounds);
          const floorRate = jobsPerSecond(...floorRounds);
          const share = (workerRate / floorRate) * 100;
          const shares = workerRounds.map(
            (round, i) => (jobsPerSecond(round) / jobsPerSecond(floorRounds[i] as Round)) * 100,
          );
          const roundTripsPerJob = statements / JOBS;
          if (PHASES && workers.phasesLine !== undefined) {
            const seconds = workerRounds.reduce((sum, r) => sum + r.seconds, 0);
            console.log(workers.phasesLine(seconds, events.length));
          }
          const label = nameCase === "same" ? "same-name burst" : "distinct names";
          const side = containerCount === 1 ? "1 container" : `${containerCount} containers`;
          const range =
            shares.length > 1
              ? ` (rounds ${fmt(Math.min(...shares))}–${fmt(Math.max(...shares))} %)`
              : "";
          console.log(
            `  ${driver.padEnd(5)} ${label.padEnd(15)} ${side.padEnd(12)} worker ${fmt(workerRate)} jobs/s · raw-SQL floor ${fmt(floorRate)} jobs/s (node-postgres) · worker = ${fmt(share)} % of floor${range} (budget ≥ 50 %) · ${fmt(roundTripsPerJob, 2)} round trips/job (budget ≤ 2)${stolenPercent === undefined || stolenPercent < 0.5 ? "" : ` · ${fmt(stolenPercent)} % of the CPUs' time taken by the hypervisor`}`,
          );
          const perJob = (seconds: number) => (seconds * 1000) / JOBS;
          if (metered) {
            console.log(
              `        CPU a job, ms: worker ${fmt(perJob(cpu.worker + cpu.workerServer), 2)} (its process${containerCount === 1 ? "" : "es"} ${fmt(perJob(cpu.worker), 2)} + Postgres ${fmt(perJob(cpu.workerServer), 2)})${proxy === undefined ? "" : `, and the local WebSocket proxy's process ${fmt(perJob(cpu.proxy), 2)}`} · floor ${fmt(perJob(cpu.floor + cpu.floorServer), 2)} (${fmt(perJob(cpu.floor), 2)} + ${fmt(perJob(cpu.floorServer), 2)})`,
            );
          }
          results.push({
            driver,
            names: nameCase,
            containers: containerCount,
            jobs: JOBS,
            rounds: workerRounds.length,
            workerJobsPerSecond: Math.round(workerRate),
            floorJobsPerSecond: Math.round(floorRate),
            shareOfFloorPercent: Math.round(share),
            shareOfFloorPercentByRound: shares.map((x) => Math.round(x)),
            roundTripsPerJob: Number(roundTripsPerJob.toFixed(2)),
            cpuMsPerJob: metered
              ? {
                  worker: Number(perJob(cpu.worker).toFixed(3)),
                  workerPostgres: Number(perJob(cpu.workerServer).toFixed(3)),
                  neonProxy: proxy === undefined ? null : Number(perJob(cpu.proxy).toFixed(3)),
                  floor: Number(perJob(cpu.floor).toFixed(3)),
                  floorPostgres: Number(perJob(cpu.floorServer).toFixed(3)),
                }
              : null,
            stolenPercent: stolenPercent === undefined ? null : Number(stolenPercent.toFixed(1)),
          });
        } finally {
          await database.cleanup();
          await proxy?.close();
        }
      }
    }
  }
  console.log(JSON.stringify({ bench: "worker", results }));
}

await main();
