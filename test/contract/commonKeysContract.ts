/**
 * The store's common keys (`lib/adapters/db/commonKeys.ts`) on a real driver: a key one
 * snapshot reader counted as too common to search by is not counted again by the next, and is
 * trusted only while its identity key stays at the version it was counted at — a merge that
 * takes it back to the limit (and bumps it, as every merge does) makes the next reader search by
 * it again, reading what a read without them reads.
 */
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { CommonKeys } from "../../lib/adapters/db/commonKeys.js";
import { bumpKeys, lockId } from "../../lib/adapters/db/keyVersions.js";
import { user } from "../../lib/adapters/db/schema.js";
import { snapshotReaderOn } from "../../lib/adapters/db/snapshotReader.js";
import type { PropertyContext, SnapshotRequest } from "../../lib/app/ports.js";
import { prepareSync, snapshotRequestOf, syncPerson } from "../../lib/app/syncPerson.js";
import type { DriverName } from "../../lib/config.js";
import { MAX_BLOCK_SIZE } from "../../lib/domain/blocking.js";
import { blockLockKeys } from "../../lib/domain/lockKeys.js";
import { newProperty, person, syncSuite } from "./fixtures.js";

const clock = { now: () => new Date("2026-11-01T12:00:00Z") };

/** First names starting with A, none another's nickname: with "Quill", one surname key for all. */
const FIRST_NAMES = [
  "Aaron",
  "Abel",
  "Adam",
  "Adrian",
  "Albert",
  "Alfred",
  "Alvin",
  "Amos",
  "Angus",
  "Anton",
  "Archer",
  "Arlo",
  "Arthur",
  "August",
  "Axel",
];

const quill = (firstName: string) =>
  person({
    first_name: firstName,
    last_name: "Quill",
    email: `${firstName.toLowerCase()}.quill@mailbox.dev`,
    phones: [],
  });

export function describeCommonKeysContract(driver: DriverName): void {
  describe(`common keys on ${driver}`, () => {
    const suite = syncSuite(driver, clock);

    /** A property where `holders` Quills share the surname key; the key and a newcomer's request. */
    const surnameCase = async (holders: number) => {
      const property = await newProperty(suite.db);
      for (const name of FIRST_NAMES.slice(0, holders)) {
        await syncPerson(suite.deps, { property, person: quill(name) });
      }
      const request = (name: string) =>
        snapshotRequestOf(prepareSync(property, quill(name), clock));
      const newcomer = request("Axel");
      const key = shared(newcomer, request("Arthur"));
      return { property, request, newcomer, key };
    };

    /** The one blocking key two requests share (the surname's). */
    const shared = (a: SnapshotRequest, b: SnapshotRequest): string => {
      const keys = a.lookup.blocks.filter((key) => b.lookup.blocks.includes(key));
      expect(keys).toHaveLength(1);
      return keys[0] as string;
    };

    const readerWith = (property: PropertyContext, common: CommonKeys) =>
      snapshotReaderOn(suite.db, property.id, 1, common);

    /** A merge's effect on a key: one holder merged away, every key it touched bumped. */
    const mergeAway = async (property: PropertyContext, key: string) => {
      const [holder] = await suite.db
        .select({ id: user.id })
        .from(user)
        .where(
          sql`${user.propertyId} = ${property.id} and ${user.blockKeys} @> array[${key}]::text[]`,
        )
        .limit(1);
      const [other] = await suite.db
        .select({ id: user.id })
        .from(user)
        .where(sql`${user.propertyId} = ${property.id} and ${user.id} <> ${holder?.id}`)
        .limit(1);
      await suite.db
        .update(user)
        .set({ mergedIntoId: other?.id ?? null })
        .where(eq(user.id, holder?.id ?? ""));
      await suite.db.execute(
        bumpKeys(blockLockKeys([key]).map((name) => lockId(property.id, name))),
      );
    };

    it("a key one reader counted as too common is not counted again by the next, which reads what the database reads", async () => {
      const { property, request, newcomer, key } = await surnameCase(MAX_BLOCK_SIZE + 2);
      const common = new CommonKeys();
      const [first] = await readerWith(property, common).read([newcomer]);
      expect(first?.commonKeys).toContain(key);
      expect(common.version(key)).toBeDefined();
      const another = request("Archer");
      const [second] = await readerWith(property, common).read([another]);
      const [plain] = await suite.deps.store.readSnapshots(property.id, [another]);
      expect(second).toEqual(plain);
      expect(second?.commonKeys).toContain(key);
    });

    it("trusts a key remembered as too common only at the version it was counted at", async () => {
      // Two holders only: a remembered entry at the key's current version is believed (the
      // reader does not count the key and finds nobody by it) — the entry is what is read.
      const { property, newcomer, key } = await surnameCase(2);
      const [plain] = await suite.deps.store.readSnapshots(property.id, [newcomer]);
      expect(plain?.commonKeys).not.toContain(key);
      expect(plain?.contacts).toHaveLength(2);
      const common = new CommonKeys();
      const [lockName = ""] = blockLockKeys([key]);
      common.remember(key, plain?.keyVersions.get(lockName) ?? 0);
      const [believed] = await readerWith(property, common).read([newcomer]);
      expect(believed?.commonKeys).toContain(key);
      expect(believed?.contacts).toHaveLength(0);
      // The key moved (a merge bumps every key it touches): forgotten, counted, read as it is.
      await suite.db.execute(
        bumpKeys(blockLockKeys([key]).map((name) => lockId(property.id, name))),
      );
      const [counted] = await readerWith(property, common).read([newcomer]);
      expect(common.version(key)).toBeUndefined();
      const [after] = await suite.deps.store.readSnapshots(property.id, [newcomer]);
      expect(counted).toEqual(after);
      expect(counted?.contacts).toHaveLength(2);
    });

    it("after a merge takes a common key back to the limit, the next reader searches by it again", async () => {
      const { property, newcomer, key } = await surnameCase(MAX_BLOCK_SIZE + 1);
      const common = new CommonKeys();
      const [before] = await readerWith(property, common).read([newcomer]);
      expect(before?.commonKeys).toContain(key);
      expect(before?.contacts).toHaveLength(0);
      await mergeAway(property, key);
      const [after] = await readerWith(property, common).read([newcomer]);
      const [plain] = await suite.deps.store.readSnapshots(property.id, [newcomer]);
      expect(after).toEqual(plain);
      expect(after?.commonKeys).not.toContain(key);
      expect(after?.contacts).toHaveLength(MAX_BLOCK_SIZE);
    });
  });
}
