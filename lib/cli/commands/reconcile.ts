/**
 * `contact-sync reconcile`: reads what changed in ResMan for one registered property, or every
 * enabled one, and syncs it in this process through the sync path (no queue locally). On a
 * terminal a bar per property in progress (and one of the properties done); a summary line per
 * property as its run ends (ids and counts only) and, for several, one of their totals; or the
 * run rows as JSON at the end. Exit 0 when every property's run was `ok`, 1 otherwise.
 */
import { MultiBar, type SingleBar } from "cli-progress";
import type { Command } from "commander";
import { configuredResmanSource } from "../../adapters/resman/configuredSource.js";
import { systemClock } from "../../app/ports/clock.js";
import type { ReconcileRunRecord } from "../../app/ports/reconcileStore.js";
import { propertiesToReconcile } from "../../app/propertyRegistry.js";
import { type ReconcileOutcome, reconcileProperties } from "../../app/reconcileProperty.js";
import { syncInProcess } from "../../app/syncInProcess.js";
import { INTERRUPTED } from "../../domain/reconcileRun.js";
import {
  type CommandContext,
  EXIT_FAILURE,
  EXIT_INTERRUPTED,
  ExitError,
  withStores,
} from "../context.js";
import { listenForInterrupt } from "../interrupt.js";
import {
  allPropertiesOption,
  jsonOption,
  propertyFilterOption,
  requirePropertyOrAll,
} from "../options.js";
import { counted, formatReconcileOutcome, formatReconcileTotals } from "../output.js";

interface ReconcileCommandOptions {
  property?: string;
  all?: boolean;
  full?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** A run row in JSON: snake_case like every JSON the CLI prints; ids and counts only. */
export function runRecord(run: ReconcileRunRecord) {
  const cursors = (c: ReconcileRunRecord["cursorsBefore"] | null) =>
    c === null
      ? null
      : Object.fromEntries(Object.entries(c).map(([k, v]) => [k, (v as Date).toISOString()]));
  return {
    id: run.id,
    property_id: run.propertyId,
    resman_property_id: run.resmanPropertyId,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt?.toISOString() ?? null,
    status: run.status,
    full: run.full,
    fetched: run.fetched,
    enqueued: run.enqueued,
    created: run.created,
    updated: run.updated,
    merged: run.merged,
    unchanged: run.unchanged,
    deactivated: run.deactivated,
    review: run.review,
    failed: run.failed,
    unreadable: run.unreadable,
    cursors_before: cursors(run.cursorsBefore),
    cursors_after: cursors(run.cursorsAfter),
    errors: run.errors,
  };
}

/** `reconcile --json`: one entry per property, the run row or why there is none. */
function outcomeRecord(outcome: ReconcileOutcome, dryRun: boolean) {
  if (outcome.kind === "run") return { ...runRecord(outcome.run), dry_run: dryRun };
  return {
    property_id: outcome.propertyId,
    resman_property_id: outcome.resmanPropertyId,
    status: outcome.kind,
    ...(outcome.kind === "error" ? { errors: { run: outcome.code } } : {}),
  };
}

/** Registers `reconcile`. */
export function registerReconcile(program: Command, context: CommandContext): void {
  const { io } = context;
  program
    .command("reconcile")
    .summary("read what changed in ResMan and sync it")
    .description(
      "Read what changed in ResMan for a registered property (--property) or every enabled one (--all) and sync it through the sync path in this process: prospects and leases since each one's cursor (minus 5 minutes), the resident roster when due (RECONCILE_ROSTER_HOURS) or with --full. Nothing is written to ResMan. Credentials: RESMAN_INTEGRATION_PARTNER_ID and RESMAN_API_KEY; endpoints: RESMAN_V2_URL, RESMAN_V1_URL.",
    )
    .addOption(propertyFilterOption())
    .addOption(allPropertiesOption("every enabled registered property"))
    .option("--full", "re-read everything since RECONCILE_BACKFILL_SINCE, roster included")
    .option("--dry-run", "read and decide, write nothing (no contacts, cursors or run rows)")
    .addOption(jsonOption("the run rows"))
    .addHelpText(
      "after",
      "\nCtrl-C stops after the people in progress (a second Ctrl-C at once): what was synced is\n" +
        "kept, each run is recorded as interrupted, and the next run reads the rest.\n" +
        "\nExit status: 0 when every property's run was ok, 1 when any failed or was partial,\n" +
        "130 when stopped by Ctrl-C (143 by SIGTERM).\n" +
        "\nExample:\n" +
        "  contact-sync property add --property <guid> --account 400\n" +
        "  contact-sync reconcile --property <guid>",
    )
    .action(async (options: ReconcileCommandOptions) => {
      requirePropertyOrAll(options);
      const config = context.config();
      // Ctrl-C (below) also stops a ResMan read in flight or waiting to be tried again.
      const stop = new AbortController();
      const source = configuredResmanSource(config.resman, stop.signal);
      const dryRun = options.dryRun === true;
      /** The exit code of the signal that came, if one did. */
      let signalled: number | undefined;
      const started = performance.now();
      const outcomes = await withStores(context, async (stores) => {
        const properties = await propertiesToReconcile(stores.reconcile, options.property);
        if (properties.length === 0) {
          io.stderr.write(
            "No enabled registered properties: add one with `contact-sync property add`.\n",
          );
          return [];
        }
        const text = options.json !== true;
        const bars =
          io.stderr.isTTY === true && text ? progressBars(io.stderr, properties.length) : null;
        // Each property's line as its run ends: above the bars when they share the terminal,
        // else straight to stdout (a log of a portfolio's run shows it as it goes).
        const printLine = (line: string) => {
          if (bars !== null && io.stdout.isTTY === true) bars.log(line);
          else io.stdout.write(`${line}\n`);
        };
        // Listened for once the database is open: a Ctrl-C while it opens (or waits for the
        // embedded database's owner) ends the command at once, as before any work.
        const interruption = listenForInterrupt(
          io,
          "stopping after the people in progress; what was synced is kept, and the next run reads the rest (again to stop at once).",
          { atOnce: () => bars?.stop() },
        );
        interruption.signal.addEventListener("abort", () => stop.abort(), { once: true });
        try {
          return await reconcileProperties(
            {
              source,
              store: stores.reconcile,
              sink: syncInProcess({
                store: stores.contacts,
                properties: stores.properties,
                clock: systemClock,
              }),
              clock: systemClock,
              settings: config.reconcile,
            },
            properties,
            {
              full: options.full === true,
              dryRun,
              signal: interruption.signal,
              ...(bars === null ? {} : { onProgress: bars.update }),
              ...(text
                ? {
                    onDone: (property, outcome) => {
                      bars?.done(property);
                      printLine(formatReconcileOutcome(outcome, dryRun));
                    },
                  }
                : {}),
            },
          );
        } finally {
          interruption.dispose();
          signalled = interruption.exitCode();
          bars?.stop();
        }
      });
      if (options.json === true) {
        io.stdout.write(
          `${JSON.stringify(
            outcomes.map((outcome) => outcomeRecord(outcome, dryRun)),
            null,
            2,
          )}\n`,
        );
      } else if (outcomes.length > 1) {
        io.stdout.write(
          `${formatReconcileTotals(outcomes, (performance.now() - started) / 1000, dryRun)}\n`,
        );
      }
      // Exit 130 when the signal stopped a run or kept one from starting (one that came after
      // every run had finished changes nothing).
      const stopped = outcomes.some((o) =>
        o.kind === "run"
          ? o.run.errors?.run === INTERRUPTED
          : o.kind === "error" && o.code === INTERRUPTED,
      );
      if (stopped) throw new ExitError(signalled ?? EXIT_INTERRUPTED);
      const failed = outcomes.filter(
        (o) => o.kind === "error" || (o.kind === "run" && o.run.status !== "ok"),
      );
      if (failed.length > 0) {
        const refused = failed.some((o) => o.kind === "run" && o.run.status === "auth_failed");
        io.stderr.write(
          `contact-sync: reconciliation failed for ${counted(failed.length, "property", "properties")}${
            refused
              ? " (auth_failed: ResMan refused the credentials or the account: check RESMAN_INTEGRATION_PARTNER_ID, RESMAN_API_KEY and the property's --account)"
              : ""
          }\n`,
        );
        throw new ExitError(EXIT_FAILURE);
      }
    });
}

/**
 * Bars on a terminal: one for each property being reconciled (people handed to the sync path of
 * those read so far), gone when its run ends, so a portfolio shows the few runs in progress
 * (`PROPERTY_CONCURRENCY`) and, for more than one property, one bar of the properties done.
 */
function progressBars(
  stderr: NodeJS.WritableStream | { write(text: string): void },
  total: number,
) {
  const multi = new MultiBar({
    stream: stderr as NodeJS.WritableStream,
    format: "{property} |{bar}| {value}/{total} people synced | {resource}",
    hideCursor: true,
    clearOnComplete: false,
  });
  const properties =
    total > 1
      ? multi.create(total, 0, {}, { format: "properties |{bar}| {value}/{total} done" })
      : null;
  const bars = new Map<string, SingleBar>();
  let stopped = false;
  return {
    update: (
      property: { resmanPropertyId: string },
      progress: { resource: string; fetched: number; synced: number },
    ) => {
      let bar = bars.get(property.resmanPropertyId);
      if (bar === undefined) {
        bar = multi.create(progress.fetched, 0, { property: property.resmanPropertyId });
        bars.set(property.resmanPropertyId, bar);
      }
      bar.setTotal(Math.max(progress.fetched, 1));
      bar.update(progress.synced, { resource: progress.resource });
    },
    /** The property's run ended: its bar goes, the properties' bar moves on. */
    done: (property: { resmanPropertyId: string }) => {
      const bar = bars.get(property.resmanPropertyId);
      if (bar !== undefined) multi.remove(bar);
      bars.delete(property.resmanPropertyId);
      properties?.increment();
    },
    /** A line printed above the bars, at their next drawing. */
    log: (line: string) => multi.log(`${line}\n`),
    /** Once (a second Ctrl-C stops them at once, then the command's end again). */
    stop: () => {
      if (stopped) return;
      stopped = true;
      // The lines not drawn yet are written before the bars stop (stop() drops them).
      multi.update();
      multi.stop();
    },
  };
}
