/**
 * Lambda bundle benchmark (`npm run bench:bundles`): the size and cold-import time of what
 * `npm run package` ships, against the DESIGN §8 budgets (≤ 400 KB minified per function,
 * cold import ≤ 80 ms). Prints figures; asserts nothing.
 *
 * The bundles are read from the zips osls wrote to `.serverless/` (so the figure is what
 * ships), extracted to a temp folder and imported by fresh `node` processes (the Node 24 this
 * script runs on), interleaved with bare `node -e 0` processes so that both figures come from
 * the same run. The temp folder has no node_modules except links to `@aws-sdk` and `@smithy`,
 * standing in for the AWS SDK that the nodejs24.x runtime provides: a bundle that needs any
 * other package fails to import here as it would on Lambda.
 *
 *   BENCH_RUNS=20          imports per bundle and bare starts (default 20, after 2 warm-ups)
 *   BENCH_REUSE_PACKAGE=1  measure the zips already in .serverless/ instead of packaging again
 *   BENCH_SDK_VARIANT=1    also build each function with the AWS SDK flipped (bundled ↔
 *                          external), with the esbuild options of serverless.yml, to show what
 *                          that choice costs
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, posix, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inflateRawSync } from "node:zlib";
import Table from "cli-table3";

/** DESIGN §8, printed beside the figures. */
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
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
  DB_DRIVER: "neon",
  EVENT_BUS_NAME: "contact-sync",
  MAX_RECEIVE_COUNT: "5",
};

/** The packages the nodejs24.x runtime provides (AWS SDK v3 and its Smithy core). */
export const RUNTIME_PROVIDED_SCOPES = ["@aws-sdk", "@smithy"] as const;

// --- packaging -----------------------------------------------------------------------------

/**
 * Runs `npm run package` (osls package) in the repository from a clean `.serverless/`. Throws
 * with osls's output when it fails: osls is a devDependency, its absence is an error.
 */
export function packageService(root: string = repoRoot): void {
  rmSync(join(root, ".serverless"), { recursive: true, force: true });
  const run = spawnSync("npm", ["run", "--silent", "package"], {
    cwd: root,
    encoding: "utf8",
    timeout: 300_000,
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
function probeBareNode(env: NodeJS.ProcessEnv): Probe {
  return probe(["-e", REPORT_TIMES], env, "node -e");
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

// --- the optional SDK variant --------------------------------------------------------------

const SDK_EXTERNALS = RUNTIME_PROVIDED_SCOPES.map((scope) => `${scope}/*`);

/** Whether the esbuild settings leave the AWS SDK to the runtime. */
export function sdkIsExternal(settings: EsbuildSettings): boolean {
  const external = [
    ...(settings.external ?? []),
    ...(Array.isArray(settings.exclude) ? settings.exclude : []),
  ];
  return external.some((name) => name.startsWith("@aws-sdk"));
}

/** Builds a function with serverless.yml's esbuild settings, the AWS SDK flipped. */
async function buildSdkVariant(
  fn: PackagedFunction,
  settings: EsbuildSettings,
  root: string,
): Promise<Buffer> {
  const esbuild = await import("esbuild");
  const configured = [
    ...(settings.external ?? []),
    ...(Array.isArray(settings.exclude) ? settings.exclude : []),
  ];
  const external = sdkIsExternal(settings)
    ? configured.filter((name) => !RUNTIME_PROVIDED_SCOPES.some((s) => name.startsWith(s)))
    : [...configured, ...SDK_EXTERNALS];
  const entry = join(root, `${fn.bundlePath.slice(0, -".mjs".length)}.ts`);
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: settings.bundle ?? true,
    minify: settings.minify ?? true,
    platform: settings.platform ?? "node",
    target: settings.target ?? "node24",
    format: settings.format ?? "esm",
    mainFields: settings.mainFields ?? ["module", "main"],
    ...(settings.banner === undefined ? {} : { banner: settings.banner }),
    external,
    write: false,
    outfile: join(root, ".esbuild-variant", fn.bundlePath),
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  return Buffer.from(output.contents);
}

// --- the run -------------------------------------------------------------------------------

interface Row {
  name: string;
  /** `sdk-only`: a module importing just the runtime-provided SDK packages a bundle imports. */
  variant: "shipped" | "sdk-bundled" | "sdk-external" | "sdk-only";
  bundlePath: string;
  bundle: Buffer;
  zipBytes: number | undefined;
  probes: Probe[];
}

/** The runtime-provided packages a bundle imports (it leaves them to the runtime). */
export function runtimeImports(bundle: Buffer): string[] {
  const found = new Set<string>();
  const specifier = /(?:\bfrom|\bimport)\s*\(?\s*["']((?:@aws-sdk|@smithy)\/[^"']+)["']/g;
  for (const match of bundle.toString("utf8").matchAll(specifier)) found.add(match[1] as string);
  return [...found].sort();
}

const KB = 1024;

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
  return (
    `Machine: ${availableParallelism()} CPUs (${cpu}), Node ${process.version}, ` +
    `${process.platform}/${process.arch}, load average ${load} (other work skews the timings)`
  );
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 20);
  const warmups = 2;
  if (!Number.isInteger(runs) || runs < 1) throw new Error("BENCH_RUNS must be a positive integer");

  if (process.env.BENCH_REUSE_PACKAGE !== "1") {
    process.stderr.write("packaging (npm run package)…\n");
    packageService();
  }
  const packaged = readPackagedFunctions();
  const settings = packagedEsbuildSettings();
  const shippedSdk = sdkIsExternal(settings) ? "sdk-external" : "sdk-bundled";

  const rows: Row[] = packaged.map((fn) => ({
    name: fn.name,
    variant: "shipped",
    bundlePath: fn.bundlePath,
    bundle: fn.bundle,
    zipBytes: fn.zipBytes,
    probes: [],
  }));
  if (process.env.BENCH_SDK_VARIANT === "1") {
    for (const fn of packaged) {
      rows.push({
        name: fn.name,
        variant: shippedSdk === "sdk-external" ? "sdk-bundled" : "sdk-external",
        bundlePath: fn.bundlePath.replace(/\.mjs$/, ".variant.mjs"),
        bundle: await buildSdkVariant(fn, settings, repoRoot),
        zipBytes: undefined,
        probes: [],
      });
    }
  }

  // What the runtime's SDK alone costs each shipped bundle that leaves it to the runtime.
  for (const fn of packaged) {
    const sdk = runtimeImports(fn.bundle);
    if (sdk.length === 0) continue;
    rows.push({
      name: fn.name,
      variant: "sdk-only",
      bundlePath: fn.bundlePath.replace(/\.mjs$/, ".sdk-only.mjs"),
      bundle: Buffer.from(sdk.map((name) => `import ${JSON.stringify(name)};`).join("\n")),
      zipBytes: undefined,
      probes: [],
    });
  }

  const task = await extractBundles(rows);
  const baseline: Probe[] = [];
  try {
    process.stderr.write(`importing each bundle ${runs}× (after ${warmups} warm-ups)…\n`);
    // Interleaved rounds: drift on the machine affects every variant alike.
    for (let round = 0; round < warmups + runs; round++) {
      const bare = probeBareNode(probeEnv("baseline"));
      if (round >= warmups) baseline.push(bare);
      for (const row of rows) {
        const probe = probeImport(join(task, row.bundlePath), probeEnv(row.name));
        if (round >= warmups) row.probes.push(probe);
      }
    }
  } finally {
    rmSync(task, { recursive: true, force: true });
  }

  const baselineMs = median(baseline.map((p) => p.wallMs));
  const baselineCpuMs = median(baseline.map((p) => p.cpuMs));
  const table = new Table({
    style: { head: [], border: [] },
    head: [
      "function",
      "AWS SDK",
      `bundle KB (≤ ${BUNDLE_BUDGET.kilobytes})`,
      "zip KB",
      `cold import ms (≤ ${BUNDLE_BUDGET.coldImportMs})`,
      "over node -e 0",
      "in-process ms",
      "CPU ms",
      "within budget",
    ],
  });
  const results = rows.map((row) => {
    const importMs = median(row.probes.map((p) => p.wallMs));
    const bundleKb = row.bundle.length / KB;
    const measured = row.variant !== "sdk-only";
    return {
      function: row.name,
      variant: row.variant,
      sdk: row.variant === "shipped" ? shippedSdk : row.variant,
      bundleKb: measured ? Number(bundleKb.toFixed(1)) : null,
      zipKb: row.zipBytes === undefined ? null : Number((row.zipBytes / KB).toFixed(1)),
      coldImportMs: Number(importMs.toFixed(1)),
      overBaselineMs: Number((importMs - baselineMs).toFixed(1)),
      inProcessMs: Number(median(row.probes.map((p) => p.inProcessMs)).toFixed(1)),
      cpuMs: Number(median(row.probes.map((p) => p.cpuMs)).toFixed(1)),
      sizeWithinBudget: measured ? bundleKb <= BUNDLE_BUDGET.kilobytes : null,
      importWithinBudget: measured ? importMs <= BUNDLE_BUDGET.coldImportMs : null,
    };
  });
  const label: Record<Row["variant"], (name: string) => string> = {
    shipped: (name) => name,
    "sdk-bundled": (name) => `${name} (variant)`,
    "sdk-external": (name) => `${name} (variant)`,
    "sdk-only": (name) => `  ${name}: its AWS SDK alone`,
  };
  for (const r of results) {
    table.push([
      label[r.variant](r.function),
      r.sdk === "sdk-bundled" ? "bundled" : "runtime's",
      r.bundleKb?.toFixed(1) ?? "-",
      r.zipKb?.toFixed(1) ?? "-",
      r.coldImportMs.toFixed(1),
      r.overBaselineMs.toFixed(1),
      r.inProcessMs.toFixed(1),
      r.cpuMs.toFixed(1),
      r.sizeWithinBudget === null
        ? ""
        : `${r.sizeWithinBudget ? "size ✓" : "size ✗"} ${r.importWithinBudget ? "import ✓" : "import ✗"}`,
    ]);
  }
  table.push([
    "node -e 0 (baseline)",
    "",
    "",
    "",
    baselineMs.toFixed(1),
    "0.0",
    median(baseline.map((p) => p.inProcessMs)).toFixed(1),
    baselineCpuMs.toFixed(1),
    "",
  ]);

  console.log(machine());
  console.log(table.toString());
  console.log(
    [
      "",
      `DESIGN §8 budget: each function bundle ≤ ${BUNDLE_BUDGET.kilobytes} KB minified; cold import ≤ ${BUNDLE_BUDGET.coldImportMs} ms.`,
      `Cold import: median wall time of ${runs} fresh \`node\` processes (spawn to exit) importing the bundle`,
      "with placeholder configuration, interleaved with bare `node -e 0` starts. In-process: the child's",
      "performance.now() when the import resolved; CPU: the child's user + system time by then (all",
      'threads), the figure least skewed by other work on the machine. "its AWS SDK alone": a module',
      "importing only the SDK packages that bundle leaves to the runtime.",
      "A local proxy only: Lambda's init adds its own overhead, and a runtime-provided SDK loads from",
      "the runtime's node_modules (here: links to this repository's copy).",
    ].join("\n"),
  );
  console.log(
    JSON.stringify({
      bench: "bundles",
      node: process.version,
      runs,
      budget: BUNDLE_BUDGET,
      baselineMs: Number(baselineMs.toFixed(1)),
      baselineCpuMs: Number(baselineCpuMs.toFixed(1)),
      loadAverage: loadavg().map((n) => Number(n.toFixed(2))),
      functions: results,
    }),
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
