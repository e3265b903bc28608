/**
 * The committed migrations match the Drizzle schema: drizzle-kit, run against a copy of
 * `drizzle/`, finds nothing to generate. (A schema change without its migration fails here.)
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("migrations", () => {
  it("are up to date with the schema", async () => {
    const work = await mkdtemp(join(tmpdir(), "contact-sync-migrations-"));
    try {
      await cp(join(root, "drizzle"), join(work, "drizzle"), { recursive: true });
      const config = join(work, "drizzle.config.mjs");
      await writeFile(
        config,
        `export default ${JSON.stringify({
          dialect: "postgresql",
          // drizzle-kit wants relative paths (it prefixes "./").
          schema: relative(work, join(root, "lib/adapters/db/schema.ts")),
          out: "drizzle",
        })};\n`,
      );
      const before = await readdir(join(work, "drizzle"));
      // drizzle-kit's own entry point on this Node: npx would look the package up from the
      // temporary folder, outside this project, and refuse to install it.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(root, "node_modules/drizzle-kit/bin.cjs"), "generate", `--config=${config}`],
        { cwd: work },
      );
      expect(stdout).toContain("No schema changes");
      expect(await readdir(join(work, "drizzle"))).toEqual(before);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
