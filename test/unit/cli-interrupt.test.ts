/**
 * `listenForInterrupt`: the first Ctrl-C or SIGTERM aborts the work's signal and says what
 * happens; a second runs `atOnce` and ends the process with 128 + the first signal's number.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { listenForInterrupt } from "../../lib/cli/interrupt.js";

function listening() {
  const source = new EventEmitter();
  const stderr: string[] = [];
  const calls: string[] = [];
  const interruption = listenForInterrupt(
    { stderr: { write: (text) => stderr.push(text) }, signals: source },
    "stopping after the rows in progress.",
    {
      atOnce: () => calls.push("atOnce"),
      exit: (code) => calls.push(`exit ${code}`),
    },
  );
  return { source, stderr, calls, interruption };
}

describe("listenForInterrupt", () => {
  it("aborts at the first Ctrl-C, saying so, and exits with 130 at the second", () => {
    const { source, stderr, calls, interruption } = listening();
    expect(interruption.signal.aborted).toBe(false);
    expect(interruption.exitCode()).toBeUndefined();
    source.emit("SIGINT", "SIGINT");
    expect(interruption.signal.aborted).toBe(true);
    expect(interruption.exitCode()).toBe(130);
    expect(stderr.join("")).toBe("\ncontact-sync: Ctrl-C: stopping after the rows in progress.\n");
    expect(calls).toEqual([]);
    source.emit("SIGINT", "SIGINT");
    expect(calls).toEqual(["atOnce", "exit 130"]);
    expect(stderr.at(-1)).toBe("contact-sync: stopped at once.\n");
  });

  it("gives 143 for SIGTERM, and the first signal's code when a different one follows", () => {
    const { source, stderr, calls, interruption } = listening();
    source.emit("SIGTERM", "SIGTERM");
    expect(interruption.exitCode()).toBe(143);
    expect(stderr.join("")).toContain("contact-sync: SIGTERM: stopping");
    source.emit("SIGINT", "SIGINT");
    expect(calls).toEqual(["atOnce", "exit 143"]);
  });

  it("stops listening when disposed", () => {
    const { source, interruption } = listening();
    expect(source.listenerCount("SIGINT")).toBe(1);
    expect(source.listenerCount("SIGTERM")).toBe(1);
    interruption.dispose();
    expect(source.listenerCount("SIGINT")).toBe(0);
    expect(source.listenerCount("SIGTERM")).toBe(0);
    source.emit("SIGINT", "SIGINT");
    expect(interruption.signal.aborted).toBe(false);
  });
});
