/**
 * Ctrl-C (SIGINT) or SIGTERM during a long command (`import`, `reconcile`, `reindex`). The
 * first asks the work to stop where what it did stands (an `AbortSignal` it checks between its
 * chunks, batches or pages) and says so on stderr; the command then reports what it did and,
 * when the signal left work undone, exits with 128 + the signal's number (130 for Ctrl-C), as a
 * shell reports a command a signal ended (a signal after the last of the work changes nothing).
 * A second signal stops the process at once, after `atOnce` (a progress bar gives the
 * terminal its cursor back), with the same exit code.
 */
import { constants } from "node:os";
import type { Output } from "./output.js";

/** The signals a long command stops on. */
export const INTERRUPT_SIGNALS = ["SIGINT", "SIGTERM"] as const;
type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/** Where signals come from: the process, or an emitter in tests. */
export interface SignalSource {
  on(name: InterruptSignal, listener: (name: InterruptSignal) => void): unknown;
  off(name: InterruptSignal, listener: (name: InterruptSignal) => void): unknown;
}

export interface Interruption {
  /** Aborted at the first signal. */
  readonly signal: AbortSignal;
  /** 128 + the first signal's number once one came, else undefined. */
  exitCode(): number | undefined;
  /** Stops listening (the command is done). */
  dispose(): void;
}

/**
 * Listens for Ctrl-C and SIGTERM (from `signals`, the process unless a test gives an emitter)
 * while a command works. `stopping` is what the first signal prints (what is kept, what happens
 * next); `atOnce` runs before a second signal ends the process.
 */
export function listenForInterrupt(
  { stderr, signals: source = process }: { stderr: Output; signals?: SignalSource | undefined },
  stopping: string,
  {
    atOnce = () => {},
    exit = (code: number) => process.exit(code),
  }: { atOnce?: () => void; exit?: (code: number) => void } = {},
): Interruption {
  const controller = new AbortController();
  let code: number | undefined;
  const listener = (name: InterruptSignal) => {
    if (code !== undefined) {
      atOnce();
      stderr.write("contact-sync: stopped at once.\n");
      exit(code);
      return;
    }
    code = 128 + constants.signals[name];
    stderr.write(`\ncontact-sync: ${name === "SIGINT" ? "Ctrl-C" : name}: ${stopping}\n`);
    controller.abort();
  };
  for (const name of INTERRUPT_SIGNALS) source.on(name, listener);
  return {
    signal: controller.signal,
    exitCode: () => code,
    dispose: () => {
      for (const name of INTERRUPT_SIGNALS) source.off(name, listener);
    },
  };
}
