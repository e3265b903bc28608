/**
 * Whether a database's migrations are behind this code: the migrations of `drizzle/` (its
 * journal) newer than the last one the database applied (`drizzle.__drizzle_migrations`, which
 * drizzle's migrator keeps). A command on a server database checks it before any work, so an
 * upgrade run before `contact-sync migrate` stops with one line instead of failing every
 * statement that uses what is missing.
 */
import { sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { type Database, migrationsFolder } from "./client.js";
import { toStoreError } from "./errors.js";
import { executeRows } from "./sqlRows.js";

/** How many of this code's migrations the database has not applied (0: up to date). */
export async function pendingMigrations(db: Database): Promise<number> {
  // The migrations as drizzle's migrator reads them, which applies those newer than the last.
  const migrations = readMigrationFiles({ migrationsFolder });
  let last: number;
  try {
    const [row] = await executeRows<{ last: string | number | null }>(
      db,
      sql`select max(created_at) as last from drizzle.__drizzle_migrations`,
    );
    last = Number(row?.last ?? 0);
  } catch (error) {
    throw toStoreError(error, "check the database's migrations");
  }
  return migrations.filter((migration) => migration.folderMillis > last).length;
}
