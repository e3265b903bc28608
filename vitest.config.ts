import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    // Captures every worker's output for the personal-data check of the global teardown.
    setupFiles: ["test/support/captureLogs.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file opens its own databases; two cores run two files at a time.
    pool: "forks",
  },
});
