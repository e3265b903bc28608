/**
 * Lambda bundle benchmark (`npm run bench:bundles`): the size and cold-import time of what
 * `npm run package` ships, against the design §8 budgets (≤ 400 KB minified per function,
 * cold import ≤ 80 ms). Prints figures; asserts nothing.
 *
 * The bundles are read from the zips osls wrote to `.serverless/` (so the figure is what
 * ships), extracted to a temp folder and imported by fresh `node` processes (the Node 24 this
 * script runs on), interleaved with bare `node -e 0` processes so that both figures come from
 * the same run (the ratio is cold import over bare node). The temp folder has no node_modules
 * except links to `@aws-sdk` and `@smithy`, standing in for the AWS SDK that the nodejs24.x
 * runtime provides: a bundle that needs any other package fails to import here as it would on
 * Lambda.
 *
 * Attribution: for each function, a module importing only the AWS SDK clients the bundle loads
 * at cold start (its static imports of the runtime's SDK) is timed in the same rounds, so cold
 * import = bare node + those SDK clients + the function's own code; the clients it loads only
 * on first use (dynamic imports: the worker's EventBridge client, the SSM client of the ResMan
 * credentials) are timed alone too, as what that first use adds. Then the largest inputs of
 * each bundle, from esbuild's metafile of a rebuild with serverless.yml's settings.
 *
 *   BENCH_RUNS=20          imports per bundle and bare starts (default 20, after 2 warm-ups)
 *   BENCH_REUSE_PACKAGE=1  measure the zips already in .serverless/ instead of packaging again
 *   BENCH_SDK_VARIANT=1    also build each function with the AWS SDK flipped (bundled ↔
 *                          external), with the esbuild options of serverless.yml, to show what
 *                          that choice costs
 *   BENCH_BREAKDOWN=n      inputs listed per bundle in the breakdown (default 8; 0: none)
 * (Over 400 lines as one thing: packaging, importing and attributing each bundle are the one
 * measurement the figures come from.)
 */
import { rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Table from "cli-table3";
import type { Metafile } from "esbuild";
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

// --- rebuilding a function as osls did -----------------------------------------------------

const SDK_EXTERNALS = RUNTIME_PROVIDED_SCOPES.map((scope) => `${scope}/*`);

/** Whether the esbuild settings leave the AWS SDK to the runtime. */
export function sdkIsExternal(settings: EsbuildSettings): boolean {
  const external = [
    ...(settings.external ?? []),
    ...(Array.isArray(settings.exclude) ? settings.exclude : []),
  ];
  return external.some((name) => name.startsWith("@aws-sdk"));
}

/**
 * Builds a function with serverless.yml's esbuild settings (`flipSdk`: the AWS SDK bundled
 * when it ships external, and the reverse), with esbuild's metafile.
 */
async function rebuild(
  fn: PackagedFunction,
  settings: EsbuildSettings,
  root: string,
  flipSdk: boolean,
): Promise<{ bundle: Buffer; metafile: Metafile }> {
  const esbuild = await import("esbuild");
  const configured = [
    ...(settings.external ?? []),
    ...(Array.isArray(settings.exclude) ? settings.exclude : []),
  ];
  const external = !flipSdk
    ? configured
    : sdkIsExternal(settings)
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
    metafile: true,
    outfile: join(root, ".esbuild-variant", fn.bundlePath),
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  return { bundle: Buffer.from(output.contents), metafile: result.metafile };
}

/** Where a bundle's bytes come from: a package, or a folder of this repository. */
function sourceOf(input: string): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (inPackage !== null) return inPackage[1] as string;
  const parts = input.split("/");
  // lib/domain/refdata/… as a folder, lib/domain/names.ts as a file.
  return parts.length > 3 ? `${parts.slice(0, 3).join("/")}/` : input;
}

/** Bytes in the output by source, largest first. */
export function largestInputs(metafile: Metafile): { source: string; bytes: number }[] {
  const [output] = Object.values(metafile.outputs);
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const source = sourceOf(input);
    bytes.set(source, (bytes.get(source) ?? 0) + bytesInOutput);
  }
  return [...bytes]
    .map(([source, size]) => ({ source, bytes: size }))
    .sort((a, b) => b.bytes - a.bytes);
}

// --- the run -------------------------------------------------------------------------------

interface Row {
  name: string;
  /**
   * `sdk-cold`: a module importing just the runtime-provided SDK packages a bundle imports
   * statically (loaded at its cold start); `sdk-lazy`: those it imports dynamically (loaded on
   * first use).
   */
  variant: "shipped" | "sdk-bundled" | "sdk-external" | "sdk-cold" | "sdk-lazy";
  bundlePath: string;
  bundle: Buffer;
  zipBytes: number | undefined;
  /** The SDK packages a `sdk-*` row imports. */
  packages: string[];
  probes: Probe[];
}

/**
 * The runtime-provided packages a bundle imports (it leaves them to the runtime): statically
 * (`import … from`, loaded at cold start) and dynamically (`import(…)`, loaded when the code
 * that needs them first runs).
 */
export function runtimeImports(bundle: Buffer): { atColdStart: string[]; onFirstUse: string[] } {
  const text = bundle.toString("utf8");
  const sdk = String.raw`["']((?:@aws-sdk|@smithy)\/[^"']+)["']`;
  const collect = (pattern: RegExp) =>
    [...new Set([...text.matchAll(pattern)].map((match) => match[1] as string))].sort();
  const atColdStart = collect(new RegExp(String.raw`(?:\bfrom|\bimport)\s*${sdk}`, "g"));
  const dynamic = collect(new RegExp(String.raw`\bimport\s*\(\s*${sdk}\s*\)`, "g"));
  return { atColdStart, onFirstUse: dynamic.filter((name) => !atColdStart.includes(name)) };
}

/** A module that only imports `packages`. */
function importsOnly(packages: readonly string[]): Buffer {
  return Buffer.from(packages.map((name) => `import ${JSON.stringify(name)};`).join("\n"));
}

/** `client-sqs, client-ssm` for `@aws-sdk/client-sqs, @aws-sdk/client-ssm`. */
function shortNames(packages: readonly string[]): string {
  return packages.map((name) => name.replace(/^@aws-sdk\//, "")).join(", ");
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
  const breakdownSize = Number(process.env.BENCH_BREAKDOWN ?? 8);

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
    packages: [],
    probes: [],
  }));
  if (process.env.BENCH_SDK_VARIANT === "1") {
    for (const fn of packaged) {
      rows.push({
        name: fn.name,
        variant: shippedSdk === "sdk-external" ? "sdk-bundled" : "sdk-external",
        bundlePath: fn.bundlePath.replace(/\.mjs$/, ".variant.mjs"),
        bundle: (await rebuild(fn, settings, repoRoot, true)).bundle,
        zipBytes: undefined,
        packages: [],
        probes: [],
      });
    }
  }

  // What the runtime's SDK alone costs each shipped bundle: at cold start, and on first use.
  for (const fn of packaged) {
    const { atColdStart, onFirstUse } = runtimeImports(fn.bundle);
    for (const [variant, packages] of [
      ["sdk-cold", atColdStart],
      ["sdk-lazy", onFirstUse],
    ] as const) {
      if (packages.length === 0) continue;
      rows.push({
        name: fn.name,
        variant,
        bundlePath: fn.bundlePath.replace(/\.mjs$/, `.${variant}.mjs`),
        bundle: importsOnly(packages),
        zipBytes: undefined,
        packages,
        probes: [],
      });
    }
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
  const figures = (row: Row) => {
    const importMs = median(row.probes.map((p) => p.wallMs));
    return {
      coldImportMs: Number(importMs.toFixed(1)),
      overBaselineMs: Number((importMs - baselineMs).toFixed(1)),
      ratioToBaseline: Number((importMs / baselineMs).toFixed(2)),
      inProcessMs: Number(median(row.probes.map((p) => p.inProcessMs)).toFixed(1)),
      cpuMs: Number(median(row.probes.map((p) => p.cpuMs)).toFixed(1)),
    };
  };
  const sdkRow = (name: string, variant: "sdk-cold" | "sdk-lazy") =>
    rows.find((row) => row.name === name && row.variant === variant);

  const measured = rows.filter((row) => row.variant !== "sdk-cold" && row.variant !== "sdk-lazy");
  const results = measured.map((row) => {
    const bundleKb = row.bundle.length / KB;
    const own = figures(row);
    const cold = row.variant === "shipped" ? sdkRow(row.name, "sdk-cold") : undefined;
    const lazy = row.variant === "shipped" ? sdkRow(row.name, "sdk-lazy") : undefined;
    const sdkCold = cold === undefined ? undefined : figures(cold);
    const sdkLazy = lazy === undefined ? undefined : figures(lazy);
    return {
      function: row.name,
      variant: row.variant,
      sdk: row.variant === "shipped" ? shippedSdk : row.variant,
      bundleKb: Number(bundleKb.toFixed(1)),
      zipKb: row.zipBytes === undefined ? null : Number((row.zipBytes / KB).toFixed(1)),
      ...own,
      sizeWithinBudget: bundleKb <= BUNDLE_BUDGET.kilobytes,
      importWithinBudget: own.coldImportMs <= BUNDLE_BUDGET.coldImportMs,
      /** The SDK clients loaded at cold start, imported alone: ms, and over bare node. */
      sdkAtColdStart:
        cold === undefined || sdkCold === undefined
          ? null
          : {
              packages: cold.packages,
              importMs: sdkCold.coldImportMs,
              overBaselineMs: sdkCold.overBaselineMs,
            },
      /** Cold import minus its SDK clients imported alone: the function's own code. */
      ownCodeMs:
        sdkCold === undefined
          ? own.overBaselineMs
          : Number((own.coldImportMs - sdkCold.coldImportMs).toFixed(1)),
      /** The SDK clients loaded on first use, imported alone (over bare node). */
      sdkOnFirstUse:
        lazy === undefined || sdkLazy === undefined
          ? null
          : { packages: lazy.packages, overBaselineMs: sdkLazy.overBaselineMs },
    };
  });

  const label: Record<"shipped" | "sdk-bundled" | "sdk-external", (name: string) => string> = {
    shipped: (name) => name,
    "sdk-bundled": (name) => `${name} (variant)`,
    "sdk-external": (name) => `${name} (variant)`,
  };
  const table = new Table({
    style: { head: [], border: [] },
    head: [
      "function",
      "AWS SDK",
      `bundle KB (≤ ${BUNDLE_BUDGET.kilobytes})`,
      "zip KB",
      `cold import ms (≤ ${BUNDLE_BUDGET.coldImportMs})`,
      "× node -e 0",
      "its SDK at cold start: import alone ms",
      "own code ms",
      "SDK on first use: + ms",
      "CPU ms",
      "within budget",
    ],
  });
  for (const r of results) {
    table.push([
      label[r.variant as keyof typeof label](r.function),
      r.sdk === "sdk-bundled" ? "bundled" : "runtime's",
      r.bundleKb.toFixed(1),
      r.zipKb?.toFixed(1) ?? "-",
      r.coldImportMs.toFixed(1),
      `${r.ratioToBaseline.toFixed(2)}×`,
      r.sdkAtColdStart === null
        ? "none"
        : `${r.sdkAtColdStart.importMs.toFixed(1)} (${shortNames(r.sdkAtColdStart.packages)})`,
      r.ownCodeMs.toFixed(1),
      r.sdkOnFirstUse === null
        ? "-"
        : `${r.sdkOnFirstUse.overBaselineMs.toFixed(1)} (${shortNames(r.sdkOnFirstUse.packages)})`,
      r.cpuMs.toFixed(1),
      `${r.sizeWithinBudget ? "size ✓" : "size ✗"} ${r.importWithinBudget ? "import ✓" : "import ✗"}`,
    ]);
  }
  table.push([
    "node -e 0 (baseline)",
    "",
    "",
    "",
    baselineMs.toFixed(1),
    "1.00×",
    "",
    "",
    "",
    baselineCpuMs.toFixed(1),
    "",
  ]);

  // Where each shipped bundle's bytes come from (a rebuild with the same settings).
  const breakdown: {
    function: string;
    rebuiltKb: number;
    inputs: { source: string; kb: number }[];
  }[] = [];
  if (breakdownSize > 0) {
    for (const fn of packaged) {
      const { bundle, metafile } = await rebuild(fn, settings, repoRoot, false);
      breakdown.push({
        function: fn.name,
        rebuiltKb: Number((bundle.length / KB).toFixed(1)),
        inputs: largestInputs(metafile)
          .slice(0, breakdownSize)
          .map(({ source, bytes }) => ({ source, kb: Number((bytes / KB).toFixed(1)) })),
      });
    }
  }

  console.log(machine());
  console.log(table.toString());
  console.log(
    [
      "",
      `design §8 budget: each function bundle ≤ ${BUNDLE_BUDGET.kilobytes} KB minified; cold import ≤ ${BUNDLE_BUDGET.coldImportMs} ms.`,
      `Cold import: median wall time of ${runs} fresh \`node\` processes (spawn to exit) importing the bundle`,
      "with placeholder configuration, interleaved with bare `node -e 0` starts (× node -e 0: the ratio).",
      '"its SDK at cold start": a module importing only the AWS SDK packages the bundle imports statically',
      '(the runtime provides them), timed in the same rounds; own code = cold import − that. "SDK on first',
      'use": the packages the bundle imports dynamically, imported alone, over bare node: what the first',
      "invocation that needs them adds. CPU: the child's user + system time (all threads), the figure least",
      "skewed by other work on the machine.",
      "A local proxy only: Lambda's init adds its own overhead, and a runtime-provided SDK loads from",
      "the runtime's node_modules (here: links to this repository's copy).",
    ].join("\n"),
  );
  if (breakdown.length > 0) {
    console.log(
      "\nLargest inputs per bundle (KB in the minified output; esbuild metafile of a rebuild):",
    );
    for (const { function: name, rebuiltKb, inputs } of breakdown) {
      const listed = inputs.map(({ source, kb }) => `${source} ${kb.toFixed(1)}`).join(", ");
      console.log(`  ${name} (${rebuiltKb.toFixed(1)} KB): ${listed}`);
    }
  }
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
      breakdown,
    }),
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
