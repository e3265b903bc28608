/**
 * The next IPC message of a forked child, for the benchmarks that run parts of themselves in
 * processes of their own (worker containers, the Neon proxy): the child exiting before it sends
 * one is an error naming `who`.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";

export async function nextMessage<T>(child: ChildProcess, who: string): Promise<T> {
  const exited = new AbortController();
  const [message] = (await Promise.race([
    once(child, "message", { signal: exited.signal }),
    once(child, "exit", { signal: exited.signal }).then(([code]) => {
      throw new Error(`${who} exited (code ${code}) before it reported`);
    }),
  ]).finally(() => exited.abort())) as [T];
  return message;
}
