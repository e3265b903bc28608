/**
 * Chromium for the browser tests: Debian's package (`apt-get install -y chromium`, which
 * `.ci/run` runs when it is missing) driven by playwright-core; never a browser download.
 * `CHROMIUM_PATH` overrides where it is looked for. Missing, the suite fails with that advice
 * (it never skips). Screenshots go to `test-results/console/` (ignored by git).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";

const candidates = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"];

export function chromiumPath(): string {
  const configured = process.env.CHROMIUM_PATH;
  const found = configured ?? candidates.find((path) => existsSync(path));
  if (found === undefined || !existsSync(found)) {
    throw new Error(
      `Chromium not found (${configured ?? candidates.join(", ")}): install Debian's package with \`apt-get install -y chromium\` (.ci/run does) or set CHROMIUM_PATH`,
    );
  }
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    // Root in CI containers: Chromium's sandbox needs user namespaces it may not have.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** Where the screenshots of a suite go. */
export function screenshotDir(suite: string): string {
  const dir = join(process.cwd(), "test-results", suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}
