/**
 * Vitest setup file: runs in each test file's worker before the file. Everything the worker
 * writes to stdout and stderr (the Powertools logger writes there) and everything printed
 * through `console` is also appended to a file under `CONTACT_SYNC_LOG_CAPTURE_DIR`, one per
 * test file, which the global teardown scans for personal data (`test/fixtures/pii.ts`).
 *
 * The logger is pinned to INFO on stdout so the scan sees what production would log, whatever
 * the developer's shell says. A file that logs thousands of lines on purpose (fuzzing) may call
 * `muteTerminal()`: its output is still captured and scanned, just not echoed.
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join, relative } from "node:path";
import { format } from "node:util";
import { afterAll, expect, vi } from "vitest";

export const CAPTURE_DIR_VARIABLE = "CONTACT_SYNC_LOG_CAPTURE_DIR";

// Set before the test file imports the logger, which reads them when it is constructed.
process.env.POWERTOOLS_LOG_LEVEL = "INFO";
// Dev mode would send the logger through vitest's console instead of stdout.
delete process.env.POWERTOOLS_DEV;
// Lambda's log-level control would override POWERTOOLS_LOG_LEVEL.
delete process.env.AWS_LAMBDA_LOG_LEVEL;

interface CaptureState {
  /** Whether stdout, stderr and console are already teed (once per worker process). */
  patched: boolean;
  /** The capture file of the current test file, and which file that is. */
  fd: number | undefined;
  testFile: string | undefined;
  echo: boolean;
}

// On globalThis so a second copy of this module (imported by a test) shares the same state.
const STATE = Symbol.for("contact-sync.captureLogs");
const holder = globalThis as unknown as Record<symbol, CaptureState | undefined>;
const state: CaptureState = holder[STATE] ?? {
  patched: false,
  fd: undefined,
  testFile: undefined,
  echo: true,
};
holder[STATE] = state;

function capture(text: string): void {
  if (state.fd !== undefined && text !== "") writeSync(state.fd, text);
}

function textOf(chunk: unknown, encoding: unknown): string {
  if (typeof chunk === "string") return chunk;
  if (chunk instanceof Uint8Array) {
    const name = typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8";
    return Buffer.from(chunk).toString(name);
  }
  return String(chunk);
}

function tee(stream: NodeJS.WriteStream): void {
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    capture(textOf(chunk, rest[0]));
    if (!state.echo) {
      // Still honour a completion callback, wherever the caller put it.
      const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }
    return original(chunk, ...rest);
  }) as NodeJS.WriteStream["write"];
}

function teeConsole(): void {
  const methods = ["log", "info", "warn", "error", "debug", "trace", "dir"] as const;
  for (const method of methods) {
    const original = console[method].bind(console) as (...args: unknown[]) => void;
    console[method] = (...args: unknown[]) => {
      capture(`${format(...args)}\n`);
      if (state.echo) original(...args);
    };
  }
}

const directory = process.env[CAPTURE_DIR_VARIABLE];
const testFile = relative(process.cwd(), expect.getState().testPath ?? "unknown");
// A test importing `muteTerminal` may load this module a second time: same file, nothing to do.
if (directory !== undefined && state.testFile !== testFile) {
  // Each test file runs in a fresh worker process (forks, isolated); should a worker be reused,
  // the next file gets a capture file of its own all the same.
  if (state.fd !== undefined) closeSync(state.fd);
  const name = `${testFile.replace(/[^\w.-]+/g, "_")}.${process.pid}.log`;
  // Created by the global setup; made again should something have removed it meanwhile.
  mkdirSync(directory, { recursive: true });
  state.fd = openSync(join(directory, name), "a");
  state.testFile = testFile;
  state.echo = true;
  // The first line names the test file, so the teardown can say whose output leaked.
  writeSync(state.fd, `# ${testFile}\n`);
  if (!state.patched) {
    tee(process.stdout);
    tee(process.stderr);
    teeConsole();
    state.patched = true;
  }
  // Unmuted after each file; the capture file stays open until the worker exits, so late
  // output (a logger flushing after the last test) is scanned too.
  afterAll(() => {
    state.echo = true;
  });
}

/**
 * Stops echoing this test file's output to the terminal (it is still captured and scanned);
 * the echo comes back after the file.
 */
export function muteTerminal(): void {
  state.echo = false;
}

/**
 * Runs `run` and returns what it wrote to stdout and stderr, line by line, instead of letting it
 * through (tests that assert on the log lines themselves).
 */
export async function logLinesOf<T>(
  run: () => Promise<T>,
): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const record = (chunk: unknown) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  };
  const out = vi.spyOn(process.stdout, "write").mockImplementation(record);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(record);
  try {
    return { result: await run(), lines };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Whether a captured line is a CloudWatch metrics document (EMF), not a log line. */
export function isMetricsLine(line: string): boolean {
  return line.startsWith('{"_aws":');
}

/**
 * `logLinesOf` without the metrics' EMF lines (every Lambda handler writes one per invocation):
 * the log lines alone, for tests that assert on them (`test/pipeline/metrics.test.ts` reads the
 * EMF lines).
 */
export async function logOnlyLinesOf<T>(
  run: () => Promise<T>,
): Promise<{ result: T; lines: string[] }> {
  const { result, lines } = await logLinesOf(run);
  return { result, lines: lines.filter((line) => !isMetricsLine(line)) };
}
