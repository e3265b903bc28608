/**
 * Runs once before the suites: Postgres must be reachable, or the whole run fails at once with
 * a clear message (instead of every Postgres-backed file failing on its own).
 *
 * It also prepares the personal-data check of the whole suite: every test worker's output is
 * captured into a temporary folder (`captureLogs.ts`, a setup file), and the teardown scans it
 * for every personal value and secret the fixtures hold (`test/fixtures/pii.ts`). A match fails
 * the run, naming the kind of value, its fixture file and the test file whose output held it —
 * never the value itself.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { forbiddenValues, spellings } from "../fixtures/pii.js";
import { assertPostgresReachable } from "./postgres.js";

/** Read by `captureLogs.ts` in each worker (workers inherit the environment). */
const CAPTURE_DIR_VARIABLE = "CONTACT_SYNC_LOG_CAPTURE_DIR";

export default async function setup(): Promise<() => void> {
  await assertPostgresReachable();
  const captureDir = mkdtempSync(join(tmpdir(), "contact-sync-test-output-"));
  process.env[CAPTURE_DIR_VARIABLE] = captureDir;
  return () => assertNoPersonalDataCaptured(captureDir);
}

/** Throws, listing kind, fixture and test file of each match, when captured output leaks. */
function assertNoPersonalDataCaptured(captureDir: string): void {
  if (!existsSync(captureDir)) {
    throw new Error(`personal-data check: ${captureDir} was removed during the run; run again`);
  }
  const values = forbiddenValues();
  // The check must know the fixtures' people, or a clean result proves nothing.
  if (!values.some((value) => value.source.startsWith("test/fixtures/import/"))) {
    throw new Error("personal-data check: no personal values found in test/fixtures/import/");
  }
  const probes = values.flatMap((value) =>
    spellings(value).map((spelling) => ({ ...value, spelling })),
  );
  const leaks = new Set<string>();
  for (const name of readdirSync(captureDir)) {
    const text = readFileSync(join(captureDir, name), "utf8");
    const testFile = /^# (.+)$/m.exec(text)?.[1] ?? name;
    const lower = text.toLowerCase();
    for (const probe of probes) {
      const found =
        probe.kind === "email" ? lower.includes(probe.spelling) : text.includes(probe.spelling);
      if (found) leaks.add(`${probe.kind} from ${probe.source} in the output of ${testFile}`);
    }
  }
  if (leaks.size > 0) {
    throw new Error(
      `personal data or secrets in test output (captured output kept in ${captureDir}):\n` +
        [...leaks].map((leak) => `  - ${leak}`).join("\n"),
    );
  }
  rmSync(captureDir, { recursive: true, force: true });
}
