/**
 * The link listing (`contact-sync links`, `DrizzleReportStore.links`) on PGlite and Postgres:
 * every link of the property once — those with a PersonID in PersonID order, then those without
 * one — across page boundaries, none of another property's, whose PersonIDs interleave.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DrizzleReportStore } from "../../lib/adapters/db/reportRepository.js";
import { contactSync } from "../../lib/adapters/db/schema.js";
import type { DriverName } from "../../lib/config.js";
import { openTestDatabase, type TestDatabase } from "../support/drivers.js";
import { newProperty } from "./fixtures.js";

function describeListing(driver: DriverName): void {
  describe(`link listing on ${driver}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await openTestDatabase(driver);
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    it("lists every link of the property once, in PersonID order then those without one, across pages", async () => {
      const db = database.handle.db;
      const [mine, theirs] = [await newProperty(db), await newProperty(db)];
      // Interleaved PersonIDs: the other property's sort between ours.
      const people = Array.from({ length: 7 }, (_, n) => `P${String(n).padStart(2, "0")}`);
      await db.insert(contactSync).values([
        ...people.map((personId, n) => ({
          propertyId: n % 2 === 0 ? mine.id : theirs.id,
          personId,
          syncStatus: "success" as const,
        })),
        ...people.map((personId) => ({
          propertyId: mine.id,
          personId: `${personId}b`,
          syncStatus: "pending" as const,
        })),
        ...[1, 2, 3].map(() => ({
          propertyId: mine.id,
          personId: null,
          syncStatus: "failed" as const,
        })),
        { propertyId: theirs.id, personId: null, syncStatus: "failed" as const },
      ]);
      const expected = [
        ...people.filter((_, n) => n % 2 === 0),
        ...people.map((p) => `${p}b`),
      ].sort();
      for (const pageSize of [2, 3, 5000]) {
        const listed = [];
        for await (const link of new DrizzleReportStore(db, pageSize).links(mine.id)) {
          listed.push(link);
        }
        expect(listed.map((l) => l.personId)).toEqual([...expected, null, null, null]);
        expect(listed.slice(-3).map((l) => l.syncStatus)).toEqual(["failed", "failed", "failed"]);
      }
      const empty = await newProperty(db);
      const none = [];
      for await (const link of new DrizzleReportStore(db, 2).links(empty.id)) none.push(link);
      expect(none).toEqual([]);
    });
  });
}

for (const driver of ["pglite", "pg"] as const) describeListing(driver);
