/**
 * `resolveDrizzleQuickly` (lib/cli/moduleLoading.ts) changes how Drizzle's modules are found,
 * not which: in a fresh Node process each, the CLI's modules and the drivers' Drizzle modules
 * load the same files in the same format with the hook as without it. (How much faster and
 * smaller the start is, is measured, not asserted: the module's comment has the figures.)
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(
  new URL("../fixtures/module-loading/drizzleModules.mjs", import.meta.url),
);

async function drizzleModules(...args: string[]): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [script, ...args], {
    timeout: 60_000,
  });
  return JSON.parse(stdout) as string[];
}

describe("resolveDrizzleQuickly", () => {
  it("loads the same Drizzle files, as ES modules, as Node's own resolution", async () => {
    const [plain, hooked] = await Promise.all([drizzleModules(), drizzleModules("hook")]);
    expect(plain.length).toBeGreaterThan(100);
    expect(hooked).toEqual(plain);
    expect(hooked.every((entry) => entry.endsWith(".js module"))).toBe(true);
  });
});
