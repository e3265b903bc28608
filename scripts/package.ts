/**
 * `npm run package`: `osls package` (its arguments passed on), with the temporary folders it
 * makes kept in one folder of their own and removed afterwards, whatever the outcome.
 * serverless-esbuild stages each function's zip in a folder of the system's temporary directory
 * and never removes it (its release is a non-recursive remove of a folder that is never empty,
 * whose failure it ignores — serverless-esbuild pull request #589): left alone, every packaging
 * run would leave a copy of every bundle behind (~2 MB a run here).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const staging = mkdtempSync(join(tmpdir(), "contact-sync-package-"));
let status = 1;
try {
  // npm runs this script with the project's node_modules/.bin on the PATH.
  const run = spawnSync("osls", ["package", ...process.argv.slice(2)], {
    stdio: "inherit",
    // os.tmpdir() reads TMPDIR on every platform osls packages on here (Linux and macOS).
    env: { ...process.env, TMPDIR: staging },
  });
  if (run.error !== undefined) {
    console.error(`contact-sync: osls could not be started: ${run.error.message}`);
  }
  status = run.status ?? 1;
} finally {
  rmSync(staging, { recursive: true, force: true });
}
process.exit(status);
