/**
 * The Lambda bundles as `npm run package` ships them: packaging (osls), reading the zips,
 * laying the bundles out like /var/task and importing them in fresh Node processes. Shared by
 * the infrastructure tests (`test/infra`) and the bundle benchmark (`test/bench/bundles.ts`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inflateRawSync } from "node:zlib";

/** design §8, printed beside the figures. */
export const BUNDLE_BUDGET = { kilobytes: 400, coldImportMs: 80 };

/** The repository root (where serverless.yml is). */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Placeholder configuration for importing a bundle: every function parses its configuration at
 * cold start and refuses to load without it. Never real values.
 */
export const DUMMY_FUNCTION_ENV: Readonly<Record<string, string>> = {
  WEBHOOK_SECRETS: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  SYNC_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
  SYNC_DLQ_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
  RECONCILE_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/reconcile",
  // SSM parameter names (the reconcile worker reads the values on first use, never at import).
  RESMAN_PARTNER_ID_PARAMETER: "/contact-sync/test/resman-partner-id",
  RESMAN_API_KEY_PARAMETER: "/contact-sync/test/resman-api-key",
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
  DB_DRIVER: "neon",
  EVENT_BUS_NAME: "contact-sync",
  MAX_RECEIVE_COUNT: "5",
  CONSOLE_CSRF_SECRET: "console-csrf-placeholder-0123456789abcdef",
};

/** The packages the nodejs24.x runtime provides (AWS SDK v3 and its Smithy core). */
export const RUNTIME_PROVIDED_SCOPES = ["@aws-sdk", "@smithy"] as const;

// --- packaging -----------------------------------------------------------------------------

/**
 * Runs `npm run package` (osls package) in the repository from a clean `.serverless/`, with
 * `tempDir` as the system's temporary directory when given. Throws with osls's output when it
 * fails: osls is a devDependency, its absence is an error.
 */
export function packageService(root: string = repoRoot, tempDir?: string): void {
  rmSync(join(root, ".serverless"), { recursive: true, force: true });
  const run = spawnSync("npm", ["run", "--silent", "package"], {
    cwd: root,
    encoding: "utf8",
    timeout: 300_000,
    env: tempDir === undefined ? process.env : { ...process.env, TMPDIR: tempDir },
  });
  if (run.status !== 0) {
    const output = `${run.stdout ?? ""}\n${run.stderr ?? ""}`.trim();
    throw new Error(
      `npm run package failed (${run.error?.message ?? `exit ${run.status}`}):\n${output}`,
    );
  }
}

/** One function as packaged: its zip and the bundled module inside it. */
export interface PackagedFunction {
  /** The function's key in serverless.yml. */
  name: string;
  /** As in serverless.yml and the template: `functions/sync-worker.handler`. */
  handler: string;
  zipPath: string;
  zipBytes: number;
  /** Path of the bundle inside the zip: `functions/sync-worker.mjs`. */
  bundlePath: string;
  bundle: Buffer;
  /** Every file in the zip. */
  entries: string[];
}

interface ServerlessState {
  service: {
    functions: Record<string, { handler: string; package?: { artifact?: string } }>;
    custom?: { esbuild?: EsbuildSettings };
  };
}

/** The serverless-esbuild block of serverless.yml, as osls resolved it. */
export interface EsbuildSettings {
  bundle?: boolean;
  minify?: boolean;
  sourcemap?: boolean | "external" | "inline" | "linked" | "both";
  target?: string;
  platform?: "node";
  format?: "esm" | "cjs";
  mainFields?: string[];
  banner?: Record<string, string>;
  external?: string[];
  exclude?: string[] | "*";
  outputFileExtension?: string;
}

function readState(root: string): ServerlessState {
  return JSON.parse(
    readFileSync(join(root, ".serverless", "serverless-state.json"), "utf8"),
  ) as ServerlessState;
}

/** The esbuild settings osls packaged with. */
export function packagedEsbuildSettings(root: string = repoRoot): EsbuildSettings {
  return readState(root).service.custom?.esbuild ?? {};
}

/** Every function of the last `osls package`, with its bundle read out of its zip. */
export function readPackagedFunctions(root: string = repoRoot): PackagedFunction[] {
  const { functions } = readState(root).service;
  return Object.entries(functions).map(([name, fn]) => {
    const zipPath = resolve(root, fn.package?.artifact ?? join(".serverless", `${name}.zip`));
    const files = readZip(zipPath);
    const module = fn.handler.slice(0, fn.handler.lastIndexOf("."));
    const bundlePath = `${module}.mjs`;
    const bundle = files.get(bundlePath);
    if (bundle === undefined) {
      throw new Error(`${zipPath} has no ${bundlePath} (it holds ${[...files.keys()].join(", ")})`);
    }
    return {
      name,
      handler: fn.handler,
      zipPath,
      zipBytes: readFileSync(zipPath).length,
      bundlePath,
      bundle,
      entries: [...files.keys()],
    };
  });
}

/**
 * The files of a zip archive (stored or deflated entries, no zip64: what osls writes), read
 * with node:zlib so that no `unzip` binary is needed.
 */
export function readZip(path: string): Map<string, Buffer> {
  const zip = readFileSync(path);
  // End of central directory: 22 bytes plus a comment of up to 64 KB, at the end.
  let end = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error(`${path} is not a zip archive`);
  const count = zip.readUInt16LE(end + 10);
  let entry = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(entry) !== 0x02014b50) throw new Error(`${path}: bad central directory`);
    const method = zip.readUInt16LE(entry + 10);
    const compressedSize = zip.readUInt32LE(entry + 20);
    const nameLength = zip.readUInt16LE(entry + 28);
    const extraLength = zip.readUInt16LE(entry + 30);
    const commentLength = zip.readUInt16LE(entry + 32);
    const localHeader = zip.readUInt32LE(entry + 42);
    const name = zip.toString("utf8", entry + 46, entry + 46 + nameLength);
    const dataStart =
      localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    if (!name.endsWith("/")) {
      if (method === 0) files.set(name, Buffer.from(data));
      else if (method === 8) files.set(name, inflateRawSync(data));
      else throw new Error(`${path}: ${name} uses compression method ${method}`);
    }
    entry += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

// --- cold import ---------------------------------------------------------------------------

/**
 * A folder laid out like /var/task: the bundles at their zip paths, and a node_modules holding
 * only what the runtime provides. Returns the folder; the caller removes it.
 */
export async function extractBundles(
  bundles: readonly { bundlePath: string; bundle: Buffer }[],
  root: string = repoRoot,
): Promise<string> {
  const task = mkdtempSync(join(tmpdir(), "contact-sync-bundles-"));
  mkdirSync(join(task, "node_modules"));
  for (const scope of RUNTIME_PROVIDED_SCOPES) {
    const target = join(root, "node_modules", scope);
    if (existsSync(target)) symlinkSync(target, join(task, "node_modules", scope), "dir");
  }
  for (const { bundlePath, bundle } of bundles) {
    const file = join(task, ...bundlePath.split(posix.sep));
    mkdirSync(dirname(file), { recursive: true });
    await writeFile(file, bundle);
  }
  return task;
}

/** The environment of an import probe: Lambda-like, with placeholder configuration. */
export function probeEnv(functionName: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_REGION: "us-east-1",
    AWS_LAMBDA_FUNCTION_NAME: `contact-sync-bench-${functionName}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024",
    ...DUMMY_FUNCTION_ENV,
  };
}

/** What one fresh process took. */
export interface Probe {
  /** Spawn to exit, measured by this process. */
  wallMs: number;
  /** `performance.now()` in the child once the import resolved (time since its start). */
  inProcessMs: number;
  /**
   * CPU time (user + system, all threads) the child had used by then: far less sensitive than
   * wall time to other work on the machine.
   */
  cpuMs: number;
}

/** What the child prints once it is done: its clock and its CPU time. */
const REPORT_TIMES =
  "const c=process.cpuUsage();" +
  "process.stdout.write(performance.now()+' '+(c.user+c.system)/1000);";

function probe(args: string[], env: NodeJS.ProcessEnv, what: string): Probe {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { env, encoding: "utf8" });
  const wallMs = performance.now() - started;
  if (run.status !== 0) {
    // Node prints the failing (minified) source line first, then the error and its stack.
    const lines = run.stderr.split("\n");
    const stack = lines.findIndex((line) => line.startsWith("    at "));
    const reason = (stack > 0 ? lines[stack - 1] : lines.findLast((l) => l.trim() !== "")) ?? "";
    throw new Error(`${what} failed: ${reason.trim().slice(0, 500)}`);
  }
  const [inProcessMs, cpuMs] = run.stdout.split(" ").map(Number);
  return { wallMs, inProcessMs: inProcessMs ?? Number.NaN, cpuMs: cpuMs ?? Number.NaN };
}

/**
 * Imports `file` in a fresh Node process (the one running this script). Throws with the child's
 * error when the import fails.
 */
export function probeImport(file: string, env: NodeJS.ProcessEnv): Probe {
  const code = `await import(${JSON.stringify(pathToFileURL(file).href)});${REPORT_TIMES}`;
  return probe(["--input-type=module", "-e", code], env, `importing ${file}`);
}

/** A bare Node start, measured the same way. */
export function probeBareNode(env: NodeJS.ProcessEnv): Probe {
  return probe(["-e", REPORT_TIMES], env, "node -e");
}
