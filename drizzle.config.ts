import { defineConfig } from "drizzle-kit";

/** drizzle-kit only generates SQL here (offline); `contact-sync migrate` applies it. */
export default defineConfig({
  dialect: "postgresql",
  schema: "./lib/adapters/db/schema.ts",
  out: "./drizzle",
});
