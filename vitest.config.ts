import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    // Drizzle resolved as the command resolves it; then every worker's output captured for the
    // personal-data check of the global teardown.
    setupFiles: ["test/support/moduleLoading.ts", "test/support/captureLogs.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file opens its own databases; two cores run two files at a time.
    pool: "forks",
  },
});
