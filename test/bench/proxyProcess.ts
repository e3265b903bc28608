/**
 * The Neon driver's local WebSocket proxy in a process of its own, for `bench:worker`. On AWS the
 * proxy is Neon's, on other machines; run inside the benchmark's process, it shared the event
 * loop of the worker measured as one container (every statement and row crossing the proxy's
 * JS on the worker's own thread) and its CPU counted as the worker's. Here it runs on its own
 * process, and its CPU is read from `/proc` (Linux), so the benchmark can show it apart.
 *
 * Forked from this file: the child starts the proxy and sends its address; it stops when the
 * parent disconnects.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { startNeonWsProxy } from "../../lib/local/neonWsProxy.js";
import { nextMessage } from "./childMessages.js";
import { processCpuSeconds } from "./serverCpu.js";

export interface ProxyProcess {
  /** `127.0.0.1:<port>`, as the Neon driver's `neonWsProxy` takes it. */
  address: string;
  /** The proxy process's CPU seconds so far; undefined where `/proc` cannot tell. */
  cpuSeconds(): number | undefined;
  close(): Promise<void>;
}

const CHILD = "BENCH_NEON_PROXY_CHILD";

/** Starts the proxy in a child process (forked with this process's flags: tsx's loader). */
export async function startProxyProcess(): Promise<ProxyProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, [CHILD]: "1" },
  });
  const message = await nextMessage<{ address: string }>(child, "the Neon proxy's process");
  const pid = child.pid;
  return {
    address: message.address,
    cpuSeconds: () => (pid === undefined ? undefined : processCpuSeconds(pid)),
    async close() {
      const gone = once(child, "exit");
      child.disconnect();
      await gone;
    },
  };
}

if (process.env[CHILD] === "1") {
  const proxy = await startNeonWsProxy();
  process.on("disconnect", () => {
    proxy.close().finally(() => process.exit());
  });
  process.send?.({ address: proxy.address });
}
