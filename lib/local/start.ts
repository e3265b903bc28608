/**
 * The local stack behind `npm start`: migrate the database, import the bundled sample of ResMan
 * people (one CSV per property, named after the ResMan property GUID) through the sync path,
 * reconcile a community of an in-process ResMan stand-in and push a demo chatbot lead to it
 * (`resmanDemo.ts`), then print each summary and the per-property sync health; on the embedded
 * database, optionally keep serving it (and the stand-in) to other processes until stopped.
 */
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { performance } from "node:perf_hooks";
import type { DatabaseHandle } from "../adapters/db/client.js";
import { storesOn } from "../adapters/db/stores.js";
import { openImportFile } from "../adapters/files/importFile.js";
import { importPeople } from "../app/importPeople.js";
import { systemClock } from "../app/ports.js";
import {
  formatImportSummary,
  formatStats,
  type Output,
  reconcileSummaries,
} from "../cli/output.js";
import { type ResmanDemo, runResmanDemo } from "./resmanDemo.js";
import { sampleFolder } from "./sampleFolder.js";
import { sampleProperties } from "./sampleProperties.js";

/** The schedule's default period (`RECONCILE_PERIOD_MINUTES`), for the stale flag of `stats`. */
const RECONCILE_PERIOD_MINUTES = 15;

/** The bundled sample files, sorted. */
export async function sampleFiles(folder = sampleFolder): Promise<string[]> {
  const names = await readdir(folder);
  return names
    .filter((name) => name.endsWith(".csv"))
    .sort()
    .map((name) => join(folder, name));
}

/**
 * Runs the local stack once; resolves with the ResMan stand-in still running (for the commands
 * of other terminals while `start` serves): close it when done.
 */
export async function startLocalStack(handle: DatabaseHandle, out: Output): Promise<ResmanDemo> {
  await handle.migrate();
  out.write(
    `Database ready (${handle.driver}${handle.driver === "pglite" ? ", embedded" : ""}).\n\n`,
  );
  const stores = storesOn(handle);
  for (const path of await sampleFiles()) {
    const resmanPropertyId = basename(path, ".csv");
    // The sample's communities are created with their names and office phones, so the rows
    // carrying the office number are recognised as placeholders.
    const known = sampleProperties.find((p) => p.resmanPropertyId === resmanPropertyId);
    const property = await stores.properties.ensureResmanProperty({
      resmanPropertyId,
      name: known?.name,
      officePhone: known?.officePhone,
    });
    const file = await openImportFile(path);
    const started = performance.now();
    const summary = await importPeople(
      { store: stores.contacts, clock: systemClock },
      { property, records: file.records },
    );
    const seconds = (performance.now() - started) / 1000;
    out.write(formatImportSummary(summary, `sample/${basename(path)}`, seconds));
    out.write("\n");
  }
  const demo = await runResmanDemo(stores, out);
  out.write("Sync health per property:\n");
  const reconciliation = reconcileSummaries(
    await stores.reconcile.registered(),
    await stores.reconcile.health(),
    new Date(),
    RECONCILE_PERIOD_MINUTES,
  );
  out.write(formatStats(await stores.reports.stats(), reconciliation));
  return demo;
}

/** What stops the local stack: Ctrl-C, a process manager's stop, its terminal closed. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Does nothing: a signal that must not cut a stop short. */
const ignoreSignal = () => {};

/**
 * Keeps the process (and the embedded database it owns) up until Ctrl-C, SIGTERM or SIGHUP:
 * the commands run in other terminals reach the database through this process meanwhile (or,
 * `throughAnotherProcess`, this one reaches it through the process that owns it).
 * Stopping then lets them finish and removes the database's socket and owner file, so a
 * SIGTERM or SIGHUP that follows the first signal is ignored (a whole process group signalled
 * at once, or the terminal hanging up as npm exits, sends more than one); a second Ctrl-C
 * still ends the process at once.
 */
export async function serveUntilStopped(
  out: Output,
  { throughAnotherProcess = false }: { throughAnotherProcess?: boolean } = {},
): Promise<void> {
  out.write(
    throughAnotherProcess
      ? "\nServing, on the embedded database of another contact-sync process (it waits for this one before it stops). Ctrl-C to stop.\n"
      : "\nServing the embedded database: contact-sync commands in other terminals use it through this process. Ctrl-C to stop.\n",
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      for (const name of STOP_SIGNALS) process.off(name, stop);
      process.on("SIGTERM", ignoreSignal);
      process.on("SIGHUP", ignoreSignal);
      resolve(received);
    };
    for (const name of STOP_SIGNALS) process.on(name, stop);
  });
  out.write(`Stopping (${signal}).\n`);
}
