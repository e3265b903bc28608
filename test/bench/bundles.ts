/**
 * Lambda bundle benchmark (`npm run bench:bundles`): the size and cold-import time of what
 * `npm run package` ships, against the design §8 budgets (≤ 400 KB minified per function,
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
import { rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Table from "cli-table3";
import {
  BUNDLE_BUDGET,
  type EsbuildSettings,
  extractBundles,
  type PackagedFunction,
  type Probe,
  packagedEsbuildSettings,
  packageService,
  probeBareNode,
  probeEnv,
  probeImport,
  RUNTIME_PROVIDED_SCOPES,
  readPackagedFunctions,
  repoRoot,
} from "../support/bundles.js";

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
      `design §8 budget: each function bundle ≤ ${BUNDLE_BUDGET.kilobytes} KB minified; cold import ≤ ${BUNDLE_BUDGET.coldImportMs} ms.`,
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
