/**
 * One sync worker in a process of its own, as one Lambda container: `worker.ts` forks one per
 * container when `BENCH_WORKER_CONTAINERS` asks for more than one, so that the containers' JS
 * runs on separate threads as it does on Lambda (one process's JS would take their batches in
 * turn). It opens its own pool on the benchmark's database, warms up with people of its own,
 * then syncs the batches each round gives it, one after the other, and reports its jobs and
 * statements and CPU time. Messages from the parent (`ContainerCommand`) and back (`ContainerReport`) go over
 * the fork's IPC channel.
 */
import type { SQSEvent } from "aws-lambda";
import { openDatabase } from "../../lib/adapters/db/client.js";
import type { DriverName } from "../../lib/config.js";
import { metricLinesToNullDevice, type NameCase, openWorker, POOL } from "./workerBench.js";

/** What the parent tells a container, in `BENCH_WORKER_CONTAINER` (JSON). */
export interface ContainerSettings {
  driver: Exclude<DriverName, "pglite">;
  url: string;
  neonWsProxy: string | undefined;
  nameCase: NameCase;
  warmUpFrom: number;
}

export type ContainerCommand =
  | { type: "batches"; events: SQSEvent[] }
  | { type: "go" }
  | { type: "end" };

export type ContainerReport =
  | { type: "ready" }
  | { type: "prepared" }
  | { type: "done"; jobs: number; statements: number; cpuSeconds: number }
  | { type: "failed"; message: string };

function report(message: ContainerReport): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_WORKER_CONTAINER ?? "null") as ContainerSettings;
  metricLinesToNullDevice();
  const counted = { statements: 0 };
  const handle = await openDatabase({
    driver: settings.driver,
    url: settings.url,
    neonWsProxy: settings.neonWsProxy,
    maxConnections: POOL,
    onQuery: () => {
      counted.statements += 1;
    },
  });
  const worker = await openWorker(handle, settings.nameCase, {
    timePhases: false,
    warmUpFrom: settings.warmUpFrom,
  });
  let batches: SQSEvent[] = [];
  process.on("message", (command: ContainerCommand) => {
    if (command.type === "batches") {
      batches = command.events;
      report({ type: "prepared" });
    } else if (command.type === "go") {
      counted.statements = 0;
      const cpu = process.cpuUsage();
      worker.round(batches).then(
        (round) => {
          const used = process.cpuUsage(cpu);
          report({
            type: "done",
            jobs: round.jobs,
            statements: counted.statements,
            cpuSeconds: (used.user + used.system) / 1e6,
          });
        },
        (error: unknown) => report({ type: "failed", message: String(error) }),
      );
    } else {
      handle.close().finally(() => process.disconnect());
    }
  });
  // The parent gone (it ended, or failed before it said "end"): nothing left to measure.
  process.on("disconnect", () => process.exit());
  report({ type: "ready" });
}

main().catch((error: unknown) => {
  report({ type: "failed", message: String(error) });
  process.exitCode = 1;
});
