/**
 * Import benchmark (`npm run bench`): synthetic ResMan people imported through the real path
 * (`openImportFile` → `importPeople` → `syncPerson` → the Drizzle stores), per driver and size.
 * (Over 400 lines as one thing: the run of one benchmark — its settings, the case it runs in a
 * child process, the growth figures of that case and the report; the sets and the write floor
 * live in their own files.)
 *
 * Prints figures next to the design §8 budget; asserts nothing. Each (driver, size) case runs
 * in its own child process so that its peak RSS is its own, not the high-water mark of the
 * cases before it.
 *
 *   BENCH_SIZES=1000,5000   people per case (default 100000,1000000: the matcher issue's sizes)
 *   BENCH_DRIVERS=pg        drivers: pglite, pg, neon (default pg)
 *   BENCH_TIME_LIMIT=600    seconds after which a case stops reading rows and reports what it
 *                           did (default 600; 0 = no limit). Ctrl-C does the same, then stops.
 *   BENCH_CHUNK_ROWS=500    most rows per chunk (default `CHUNK_ROWS`): to choose it by measurement.
 *   BENCH_SET=duplicates    the duplicate-heavy set instead (`duplicateHeavy.ts`: ~10 records
 *                           per person, common names, no email or phone); BENCH_SIZES then
 *                           counts records (default 50,000 records of 5,000 people).
 *
 *   BENCH_WRITE_FLOOR=0    skip the write floor (below).
 *
 * After each case, the write floor (`writeFloor.ts`): the rows the import wrote, written again
 * inside the server with nothing read or decided, in statements of a chunk's rows — no import
 * of those rows can be faster on this machine; the import's rate is shown as a share of it.
 *
 * Growth shows in two figures: the rate over the first and the last tenth of the rows, and the
 * time of the second half of the rows over the first half's (issue 15: within 10 %).
 *
 * CPU shows in two figures: this process's (`process.cpuUsage()`) and, for a server on this
 * machine, the Postgres server's (`serverCpu.ts`), each per person read, next to what the
 * budget leaves a person on 2 cores.
 *
 * PGlite runs on a data directory in a temp folder (as the CLI does in `.data/`); Postgres and
 * Neon run on a scratch database of the local server (TEST_DATABASE_URL, see
 * test/support/postgres.ts). Every case imports as `contact-sync import` does: set-based, in
 * waves of `CHUNK_ROWS`-row chunks.
 */
import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import Table from "cli-table3";
import { sql } from "drizzle-orm";
import { type DatabaseHandle, openDatabase } from "../../lib/adapters/db/client.js";
import { storesOn } from "../../lib/adapters/db/stores.js";
import { openImportFile } from "../../lib/adapters/files/importFile.js";
import {
  CHUNK_CONTACTS,
  CHUNK_ROWS,
  type ImportCounts,
  type ImportRecord,
  importPeople,
} from "../../lib/app/importPeople.js";
import { systemClock } from "../../lib/app/ports.js";
import { limitHeapGrowth } from "../../lib/cli/heap.js";
import { type DriverName, driverNames } from "../../lib/config.js";
import { startNeonWsProxy } from "../../lib/local/neonWsProxy.js";
import { PHONE_POOL_SIZE, writePeopleCsv } from "../../lib/local/peopleGenerator.js";
import { createScratchDatabase } from "../support/postgres.js";
import { writeDuplicateHeavyCsv } from "./duplicateHeavy.js";
import { isLocalServer, startServerCpu } from "./serverCpu.js";
import { measureWriteFloor, type WriteFloor } from "./writeFloor.js";

/** Fixed so that every run imports the same people. */
const SEED = 8_031_975;
/** The ResMan property every case imports into (a fresh database each time). */
const BENCH_PROPERTY = "0f5e8a42-3c17-4b9d-a6e1-7d24c58b90f3";
const DEFAULT_SIZES = [100_000, 1_000_000];
const DUPLICATE_SET_SIZES = [50_000];
/** Which set the cases import (`BENCH_SET`). */
const SET = process.env.BENCH_SET === "duplicates" ? "duplicates" : "generated";
const DEFAULT_DRIVERS: DriverName[] = ["pg"];
const DEFAULT_TIME_LIMIT_S = 600;
/** How often RSS is sampled, and how often a running case reports on stderr. */
const RSS_SAMPLE_MS = 50;
const PROGRESS_MS = 5_000;

/** design §8, printed beside the figures. */
const BUDGET = {
  people: 1_000_000,
  seconds: 300,
  peakRssMb: 512,
  roundTripsPerJob: 2,
};

const number = new Intl.NumberFormat("en-US");
const MB = 1024 * 1024;

interface CaseRequest {
  driver: DriverName;
  /** People in the file. */
  people: number;
  file: string;
  /** Seconds; 0 for none. */
  timeLimit: number;
  /** Rows per chunk (`BENCH_CHUNK_ROWS`); the import's default when absent. */
  chunkRows?: number;
  /** Whether to measure the write floor after the import (`BENCH_WRITE_FLOOR`). */
  writeFloor: boolean;
}

/** What one case measured. */
interface CaseResult {
  driver: DriverName;
  /** People in the file, and rows actually read (fewer when the case was stopped). */
  people: number;
  seconds: number;
  /** Import rate over the first and the last tenth of the rows read: growth shows here. */
  firstTenthRate: number;
  lastTenthRate: number;
  /** Seconds of the second half of the rows read over the first half's. */
  halfRatio: number;
  statements: number;
  /** This process's CPU (user + system) during the import, seconds. */
  cpuSeconds: number;
  /** The Postgres server's CPU during the import, seconds, when it runs on this machine. */
  serverCpuSeconds?: number;
  peakRssMb: number;
  /** RSS once the database is open and migrated, before the first row. */
  startRssMb: number;
  serverVersion: string;
  counts: ImportCounts;
  /** The same file imported a second time (every row already applied): seconds, statements. */
  reimport?: { seconds: number; statements: number; rows: number; unchanged: number };
  /** The write floor of the rows the import wrote (`writeFloor.ts`). */
  floor?: WriteFloor;
  /** Why reading stopped before the end of the file. */
  stopped?: string;
  aborted?: string;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function sizesFromEnv(): number[] {
  const raw = process.env.BENCH_SIZES;
  if (raw === undefined || raw.trim() === "") {
    return SET === "duplicates" ? DUPLICATE_SET_SIZES : DEFAULT_SIZES;
  }
  return raw.split(",").map((value) => {
    const n = Number(value.trim().replace(/_/g, ""));
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`BENCH_SIZES: not a count: "${value}"`);
    return n;
  });
}

function driversFromEnv(): DriverName[] {
  const raw = process.env.BENCH_DRIVERS;
  if (raw === undefined || raw.trim() === "") return DEFAULT_DRIVERS;
  return raw.split(",").map((value) => {
    const driver = value.trim();
    if (!(driverNames as readonly string[]).includes(driver)) {
      throw new Error(`BENCH_DRIVERS: unknown driver "${driver}" (${driverNames.join(", ")})`);
    }
    return driver as DriverName;
  });
}

/** `BENCH_CHUNK_ROWS`: rows per chunk, or undefined for the import's default. */
function chunkRowsFromEnv(): number | undefined {
  const raw = process.env.BENCH_CHUNK_ROWS;
  if (raw === undefined || raw.trim() === "") return undefined;
  const rows = Number(raw);
  if (!Number.isInteger(rows) || rows < 1) {
    throw new Error(`BENCH_CHUNK_ROWS: not a whole number of rows: "${raw}"`);
  }
  return rows;
}

function timeLimitFromEnv(): number {
  const raw = process.env.BENCH_TIME_LIMIT;
  if (raw === undefined || raw.trim() === "") return DEFAULT_TIME_LIMIT_S;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`BENCH_TIME_LIMIT: not a number of seconds: "${raw}"`);
  }
  return seconds;
}

// --- one case, in a child process ----------------------------------------------------------

/** Opens a migrated, empty database for the driver; `cleanup` removes every trace of it. */
async function openBenchDatabase(
  driver: DriverName,
  onQuery: () => void,
): Promise<{ handle: DatabaseHandle; url?: string; cleanup: () => Promise<void> }> {
  if (driver === "pglite") {
    const dataDir = await mkdtemp(join(tmpdir(), "contact-sync-bench-pglite-"));
    try {
      const handle = await openDatabase({ driver, dataDir, onQuery });
      await handle.migrate();
      return {
        handle,
        cleanup: async () => {
          await handle.close();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  const scratch = await createScratchDatabase(`bench_${driver}`);
  const proxy = driver === "neon" ? await startNeonWsProxy() : null;
  try {
    const handle = await openDatabase({
      driver,
      url: scratch.url,
      neonWsProxy: proxy?.address,
      onQuery,
    });
    await handle.migrate();
    return {
      handle,
      url: scratch.url,
      cleanup: async () => {
        await handle.close();
        await proxy?.close();
        await scratch.drop();
      },
    };
  } catch (error) {
    await proxy?.close();
    await scratch.drop();
    throw error;
  }
}

/** Rows of `records` until `stopReason()` says otherwise; the import then ends normally. */
async function* until(
  records: AsyncIterable<ImportRecord>,
  stopReason: () => string | null,
): AsyncIterable<ImportRecord> {
  for await (const record of records) {
    if (stopReason() !== null) return;
    yield record;
  }
}

/** Seconds for the second half of a timeline's rows over the first half's. */
function halfRatio(timeline: readonly (readonly [number, number])[]): number {
  const end = timeline.at(-1);
  if (end === undefined || end[1] === 0) return 0;
  const half = timeline.find(([, r]) => r >= end[1] / 2) ?? end;
  return (end[0] - half[0]) / Math.max(half[0], 1e-3);
}

/** Rows per second over the first and the last tenth of a timeline of (seconds, rows). */
function tenthRates(timeline: readonly (readonly [number, number])[]): [number, number] {
  const end = timeline.at(-1);
  if (end === undefined || end[1] === 0) return [0, 0];
  const [endSeconds, rows] = end;
  const tenth = rows / 10;
  const firstAt = timeline.find(([, r]) => r >= tenth) ?? end;
  const lastFrom = timeline.findLast(([, r]) => r <= rows - tenth) ?? [0, 0];
  return [
    firstAt[1] / Math.max(firstAt[0], 1e-3),
    (rows - lastFrom[1]) / Math.max(endSeconds - lastFrom[0], 1e-3),
  ];
}

async function runCase(request: CaseRequest): Promise<CaseResult> {
  let stopped: string | null = null;
  const stop = (reason: string) => {
    stopped ??= reason;
  };
  // Ctrl-C reaches the whole process group: finish the rows in flight, report, clean up.
  process.on("SIGINT", () => stop("interrupted"));
  process.on("SIGTERM", () => stop("interrupted"));

  let statements = 0;
  const { handle, url, cleanup } = await openBenchDatabase(request.driver, () => {
    statements += 1;
  });
  try {
    const version = (await handle.db.execute(sql`SHOW server_version`)) as unknown as {
      rows: { server_version: string }[];
    };
    const serverVersion = version.rows[0]?.server_version ?? "?";
    const stores = storesOn(handle);
    const property = await stores.properties.ensureResmanProperty({
      resmanPropertyId: BENCH_PROPERTY,
    });
    const file = await openImportFile(request.file);

    const startRss = process.memoryUsage().rss;
    let peakRss = startRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, RSS_SAMPLE_MS);
    const tag = `[${request.driver} ${number.format(request.people)}]`;
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    let rowsRead = 0;
    // One point a second: enough to see growth, small even for hours of import.
    const timeline: [number, number][] = [[0, 0]];
    const tick = setInterval(() => {
      timeline.push([elapsed(), rowsRead]);
      if (request.timeLimit > 0 && elapsed() >= request.timeLimit) {
        stop(`time limit ${request.timeLimit} s`);
      }
    }, 1_000);
    const progress = setInterval(() => {
      log(
        `${tag} ${number.format(rowsRead)} rows (${Math.round((100 * rowsRead) / request.people)}%), ` +
          `${number.format(Math.round(rowsRead / elapsed()))} rows/s, ` +
          memoryLine(),
      );
    }, PROGRESS_MS);

    statements = 0;
    const cpuBefore = process.cpuUsage();
    const serverCpu = isLocalServer(url) ? startServerCpu() : undefined;
    const summary = await importPeople(
      { store: stores.contacts, clock: systemClock },
      {
        property,
        records: until(file.records, () => stopped),
        ...(request.chunkRows === undefined ? {} : { chunkRows: request.chunkRows }),
        // As the CLI: PGlite has one connection, a server takes a few syncs at once.
        onProgress: (counts) => {
          rowsRead = counts.rows;
        },
      },
    );
    const seconds = elapsed();
    const cpu = process.cpuUsage(cpuBefore);
    const serverCpuSeconds = serverCpu?.stop();
    const roundTrips = statements;
    for (const timer of [tick, progress]) clearInterval(timer);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    timeline.push([seconds, summary.rows]);
    const [firstTenthRate, lastTenthRate] = tenthRates(timeline);
    const halves = halfRatio(timeline);

    // Second pass over the same file: the replay path (re-imports, reconciliation pulls of
    // people that did not change). Only when the first pass read the whole file.
    let reimport: CaseResult["reimport"];
    if (stopped === null && summary.aborted === undefined) {
      log(`${tag} re-importing the same file`);
      const again = await openImportFile(request.file);
      statements = 0;
      const restarted = performance.now();
      const second = await importPeople(
        { store: stores.contacts, clock: systemClock },
        { property, records: again.records },
      );
      reimport = {
        seconds: (performance.now() - restarted) / 1000,
        statements,
        rows: second.rows,
        unchanged: second.unchanged,
      };
    }
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    let floor: WriteFloor | undefined;
    if (request.writeFloor && summary.rows > 0) {
      log(`${tag} the write floor: the same rows written again inside the server`);
      floor = await measureWriteFloor(handle, summary.rows, request.chunkRows ?? CHUNK_ROWS);
    }

    const { rows, created, merged, updated, unchanged, review, failed, rejected } = summary;
    return {
      driver: request.driver,
      people: request.people,
      seconds,
      firstTenthRate,
      lastTenthRate,
      halfRatio: halves,
      statements: roundTrips,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      ...(serverCpuSeconds === undefined ? {} : { serverCpuSeconds }),
      peakRssMb: peakRss / MB,
      startRssMb: startRss / MB,
      serverVersion,
      counts: { rows, created, merged, updated, unchanged, review, failed, rejected },
      ...(reimport === undefined ? {} : { reimport }),
      ...(floor === undefined ? {} : { floor }),
      ...(stopped === null ? {} : { stopped }),
      ...(summary.aborted === undefined ? {} : { aborted: summary.aborted }),
    };
  } finally {
    await cleanup();
  }
}

/** RSS and where it is: the JS heap in use and reserved, and buffers outside it. */
function memoryLine(): string {
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / MB);
  return `rss ${mb(rss)} MB (heap ${mb(heapUsed)} of ${mb(heapTotal)}, external ${mb(external)})`;
}

function runCaseInChild(request: CaseRequest): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    // The child inherits tsx's loader flags through execArgv, and stderr for its progress.
    const child = fork(fileURLToPath(import.meta.url), ["--case", JSON.stringify(request)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result: CaseResult | undefined;
    let failure: string | undefined;
    child.on("message", (message: { result?: CaseResult; error?: string }) => {
      result = message.result ?? result;
      failure = message.error ?? failure;
    });
    child.on("error", reject);
    // `close` comes after the last message, unlike `exit`.
    child.on("close", (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(failure ?? `the ${request.driver} case exited with code ${code}`));
    });
  });
}

// --- the run -------------------------------------------------------------------------------

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  return (
    `Machine: ${availableParallelism()} CPUs (${cpu}), ${Math.round(totalmem() / MB / 1024)} GB RAM, ` +
    `Node ${process.version}, ${process.platform}/${process.arch}`
  );
}

/** CPU milliseconds the budget leaves a person on 2 cores (both busy the whole time). */
const BUDGET_CPU_MS_PER_PERSON = (2 * BUDGET.seconds * 1000) / BUDGET.people;

/** "node + postgres = total" CPU ms per row read, or Node's alone without the server's. */
function cpuPerPerson(r: CaseResult): string {
  const perRow = (seconds: number) => (1000 * seconds) / Math.max(1, r.counts.rows);
  if (r.serverCpuSeconds === undefined) return perRow(r.cpuSeconds).toFixed(2);
  const node = perRow(r.cpuSeconds);
  const server = perRow(r.serverCpuSeconds);
  return `${node.toFixed(2)} + ${server.toFixed(2)} = ${(node + server).toFixed(2)}`;
}

function report(results: readonly CaseResult[], phoneShare: ReadonlyMap<number, number>): string {
  const table = new Table({
    // No colours: the table is read in logs and pasted into reports.
    style: { head: [], border: [] },
    head: [
      "driver",
      "server",
      "people",
      "seconds",
      "people/s",
      "first 10% /s",
      "last 10% /s",
      "2nd half / 1st half time",
      "write floor people/s (import's share)",
      "round trips / person",
      "Node CPU s (share of time)",
      "Postgres CPU s (share of time)",
      "CPU ms / person (Node + Postgres)",
      "peak RSS MB",
      "re-import people/s",
      "re-import round trips / person",
      "created",
      "merged",
      "updated",
      "unchanged",
      "review",
      "failed",
      "rejected",
    ],
  });
  for (const r of results) {
    const people =
      r.stopped === undefined
        ? number.format(r.people)
        : `${number.format(r.counts.rows)} of ${number.format(r.people)}*`;
    table.push([
      r.driver,
      r.serverVersion.split(" ")[0] ?? "",
      people,
      r.seconds.toFixed(1),
      number.format(Math.round(r.counts.rows / r.seconds)),
      number.format(Math.round(r.firstTenthRate)),
      number.format(Math.round(r.lastTenthRate)),
      r.halfRatio.toFixed(2),
      r.floor === undefined
        ? "-"
        : `${number.format(Math.round(r.floor.peoplePerSecond))} (${((100 * r.counts.rows) / r.seconds / r.floor.peoplePerSecond).toFixed(0)} %)`,
      (r.statements / Math.max(1, r.counts.rows)).toFixed(2),
      `${r.cpuSeconds.toFixed(1)} (${((100 * r.cpuSeconds) / r.seconds).toFixed(0)} %)`,
      r.serverCpuSeconds === undefined
        ? "-"
        : `${r.serverCpuSeconds.toFixed(1)} (${((100 * r.serverCpuSeconds) / r.seconds).toFixed(0)} %)`,
      cpuPerPerson(r),
      `${Math.round(r.peakRssMb)} (start ${Math.round(r.startRssMb)})`,
      r.reimport === undefined
        ? "-"
        : number.format(Math.round(r.reimport.rows / r.reimport.seconds)),
      r.reimport === undefined
        ? "-"
        : (r.reimport.statements / Math.max(1, r.reimport.rows)).toFixed(2),
      ...[
        r.counts.created,
        r.counts.merged,
        r.counts.updated,
        r.counts.unchanged,
        r.counts.review,
        r.counts.failed,
        r.counts.rejected,
      ].map((n) => number.format(n)),
    ]);
  }
  const lines = [table.toString()];
  for (const r of results) {
    if (r.stopped !== undefined) {
      lines.push(
        `* ${r.driver} ${number.format(r.people)}: stopped (${r.stopped}); figures cover the rows read.`,
      );
    }
    if (r.aborted !== undefined) {
      lines.push(`! ${r.driver} ${number.format(r.people)}: the import aborted: ${r.aborted}`);
    }
  }
  const budgetRate = Math.ceil(BUDGET.people / BUDGET.seconds);
  lines.push(
    "",
    `design §8 budget: ${number.format(BUDGET.people)} people in ≤ ${BUDGET.seconds / 60} min on 2 cores ` +
      `(≥ ${number.format(budgetRate)} people/s), peak memory ≤ ${BUDGET.peakRssMb} MB, near-linear growth ` +
      `(last 10% /s close to first 10% /s); ≤ ${BUDGET.roundTripsPerJob} database round trips per queue job.`,
    "Round trips: statements this process sent during the import (BEGIN and COMMIT included) per row read; " +
      "rows are read and written in waves, many rows a statement.",
    "Write floor: the rows the import wrote, copied inside the server into empty copies of their tables " +
      "(same indexes and keys) in statements of a chunk's rows, each committed: nothing read, decided, " +
      "sent or rewritten, so no import of those rows can be faster here.",
    ...results.flatMap((r) =>
      r.floor === undefined
        ? []
        : [
            `  ${r.driver} ${number.format(r.counts.rows)}: ${r.floor.seconds.toFixed(1)} s = ` +
              r.floor.tables
                .map((t) => `${t.table} ${number.format(t.rows)} rows ${t.seconds.toFixed(1)} s`)
                .join(", "),
          ],
    ),
    "Node CPU: this process's user + system CPU during the import (JS, the driver and, for PGlite, its " +
      "engine; over 100 % when V8's helper threads, the garbage collector's, ran alongside); the rest of " +
      "the time it was waiting, on a server driver mostly for Postgres.",
    "Postgres CPU: the local server's processes (backends, WAL writer, checkpointer) during the import, " +
      "from /proc; '-' for PGlite (inside Node's figure) or a server elsewhere. CPU ms / person: both, per " +
      `row read. On 2 cores the budget leaves ${BUDGET_CPU_MS_PER_PERSON.toFixed(2)} ms of CPU a person ` +
      "for everything (2 cores × the budget's seconds / its people), if both cores were busy all the time.",
    "Re-import: the same file again; every accepted row is a replay (unchanged), bad rows are rejected again.",
    "Peak RSS: this Node process only; it includes PGlite's engine, not the Postgres server's memory.",
    `Rows with a phone: ${[...phoneShare].map(([people, share]) => `${number.format(people)} → ${(100 * share).toFixed(0)}%`).join(", ")} ` +
      `(the generator has ${number.format(PHONE_POOL_SIZE)} fictional numbers; people beyond them have none).`,
  );
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  const sizes = sizesFromEnv();
  const drivers = driversFromEnv();
  const timeLimit = timeLimitFromEnv();
  const chunkRows = chunkRowsFromEnv();
  let interrupted = false;
  // The running case sees Ctrl-C too and stops itself; the run reports what it has.
  process.on("SIGINT", () => {
    interrupted = true;
  });
  process.stdout.write(`${machine()}\n`);
  process.stdout.write(
    `Cases: ${drivers.join(", ")} × ${sizes.map((n) => number.format(n)).join(", ")} people ` +
      `(seed ${SEED}; set-based, chunks of at most ${number.format(chunkRows ?? CHUNK_ROWS)} rows ` +
      `and about ${number.format(CHUNK_CONTACTS)} candidate contacts; ` +
      `${timeLimit > 0 ? `time limit ${timeLimit} s a case` : "no time limit"})\n`,
  );

  const folder = await mkdtemp(join(tmpdir(), "contact-sync-bench-"));
  const results: CaseResult[] = [];
  const phoneShare = new Map<number, number>();
  try {
    const files = new Map<number, string>();
    for (const people of sizes) {
      const path = join(folder, `people-${people}.csv`);
      const started = performance.now();
      let withPhone = 0;
      if (SET === "duplicates") {
        const written = await writeDuplicateHeavyCsv(path, { records: people, seed: SEED });
        log(
          `duplicate-heavy set: ${number.format(written.records)} records of ${number.format(written.people)} people`,
        );
      } else {
        await writePeopleCsv(path, {
          seed: SEED,
          rows: people,
          onRow: ({ row }) => {
            if (row.phone !== "") withPhone += 1;
          },
        });
      }
      phoneShare.set(people, withPhone / people);
      log(
        `generated ${number.format(people)} people in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      files.set(people, path);
    }
    for (const driver of drivers) {
      for (const people of sizes) {
        if (interrupted) break;
        const tag = `[${driver} ${number.format(people)}]`;
        log(`${tag} importing…`);
        const file = files.get(people) ?? "";
        const result = await runCaseInChild({
          driver,
          people,
          file,
          timeLimit,
          ...(chunkRows === undefined ? {} : { chunkRows }),
          writeFloor: process.env.BENCH_WRITE_FLOOR !== "0",
        });
        log(
          `${tag} ${result.stopped === undefined ? "done" : `stopped (${result.stopped})`}: ` +
            `${number.format(result.counts.rows)} rows in ${result.seconds.toFixed(1)} s`,
        );
        results.push(result);
      }
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  process.stdout.write(`\n${report(results, phoneShare)}`);
}

if (process.argv[2] === "--case") {
  const request = JSON.parse(process.argv[3] ?? "{}") as CaseRequest;
  // The heap grows as the CLI lets it (`lib/cli/heap.ts`): RSS is the CLI's.
  limitHeapGrowth();
  let message: { result: CaseResult } | { error: string };
  try {
    message = { result: await runCase(request) };
  } catch (error) {
    message = { error: error instanceof Error ? error.message : String(error) };
  }
  // Exit once the message is out: an unfinished CSV stream must not keep the child alive.
  process.send?.(message, () => process.exit("error" in message ? 1 : 0));
} else {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
