/**
 * Paging the review queue (`listReviews` on the Drizzle review store) on real databases (PGlite
 * and Postgres through both drivers): keyset pages on (created_at, id) that are disjoint,
 * ordered and cover every open item, in both orders, with ties on the creation time down to the
 * microsecond; the total counts every open item of the filter, as the overview's counts by
 * property do; a decided item still marks its place as a cursor; an unknown cursor or a page
 * size out of range is refused.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contactReview, user } from "../../lib/adapters/db/schema.js";
import { createStores, type Stores } from "../../lib/adapters/db/stores.js";
import { type ListedReviewPage, listReviews } from "../../lib/app/review.js";
import type { DriverName } from "../../lib/config.js";
import { InvalidInputError } from "../../lib/domain/errors.js";
import { allDrivers, openTestDatabase, type TestDatabase } from "../support/drivers.js";

/** An item as the test placed it: its id, property, creation time (µs) and status. */
interface Placed {
  id: string;
  propertyId: string;
  /** Microseconds after `BASE`. */
  at: number;
  status: "open" | "approved";
}

const BASE = Date.UTC(2026, 10, 20, 10, 0, 0);

/** `at` µs after BASE as Postgres text, microseconds kept (a JS Date would drop them). */
function timestamp(at: number): string {
  const date = new Date(BASE + Math.floor(at / 1000)).toISOString().replace("Z", "");
  return `${date}${String(at % 1000).padStart(3, "0")}+00`;
}

/** Oldest first: creation time, then id (lower-case UUIDs sort as Postgres sorts them). */
function byPosition(a: Placed, b: Placed): number {
  return a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function describeReviewList(driver: DriverName): void {
  describe(`review list pages on ${driver}`, () => {
    let database: TestDatabase;
    let stores: Stores;
    let first: string;
    let second: string;
    const placed: Placed[] = [];

    /**
     * Items of one property, each a pair of the property's first contact with one of its own.
     * Several share a creation time, two differ by a microsecond only.
     */
    async function place(propertyId: string, items: readonly Omit<Placed, "id" | "propertyId">[]) {
      const db = database.handle.db;
      const contacts = await db
        .insert(user)
        .values(Array.from({ length: items.length + 1 }, () => ({ propertyId })))
        .returning({ id: user.id });
      const [candidate, ...others] = contacts.map((c) => c.id);
      if (candidate === undefined) throw new Error("no contacts inserted");
      for (const [index, item] of items.entries()) {
        const userId = others[index];
        if (userId === undefined) throw new Error("missing contact");
        const id = randomUUID();
        await db.insert(contactReview).values({
          id,
          propertyId,
          userId,
          candidateId: candidate,
          score: 10,
          evidence: { fields: { first_name: { level: "exact" } } },
          status: item.status,
          createdAt: sql`${timestamp(item.at)}::timestamptz`,
        });
        placed.push({ id, propertyId, ...item });
      }
    }

    /** Every page from the start, following `nextAfter`. */
    async function allPages(query: {
      propertyId?: string;
      limit: number;
      order?: "oldest" | "newest";
    }): Promise<ListedReviewPage[]> {
      const pages: ListedReviewPage[] = [];
      let after: string | undefined;
      do {
        const page = await listReviews(stores, { ...query, after });
        pages.push(page);
        after = page.nextAfter ?? undefined;
      } while (after !== undefined && pages.length < 20);
      return pages;
    }

    const open = (propertyId?: string) =>
      placed
        .filter(
          (p) => p.status === "open" && (propertyId === undefined || p.propertyId === propertyId),
        )
        .sort(byPosition)
        .map((p) => p.id);

    beforeAll(async () => {
      database = await openTestDatabase(driver);
      stores = createStores(database.handle.db);
      first = (await stores.properties.ensureResmanProperty({ resmanPropertyId: randomUUID() })).id;
      second = (await stores.properties.ensureResmanProperty({ resmanPropertyId: randomUUID() }))
        .id;
      await place(first, [
        { at: 5_000_000, status: "open" },
        { at: 1_000_000, status: "open" },
        { at: 1_000_000, status: "open" },
        { at: 1_000_000, status: "open" },
        { at: 1_000_001, status: "open" },
        { at: 1_000_002, status: "open" },
        { at: 2_000_000, status: "approved" },
        { at: 3_000_000, status: "open" },
        { at: 3_000_000, status: "open" },
      ]);
      await place(second, [
        { at: 500_000, status: "open" },
        { at: 2_500_000, status: "open" },
        { at: 1_000_000, status: "open" },
        { at: 1_000_002, status: "open" },
      ]);
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    it("pages a property oldest first: disjoint, ordered, complete, with the total", async () => {
      const expected = open(first);
      expect(expected).toHaveLength(8);
      const pages = await allPages({ propertyId: first, limit: 3 });
      expect(pages.map((page) => page.items.length)).toEqual([3, 3, 2]);
      expect(pages.map((page) => page.total)).toEqual([8, 8, 8]);
      const ids = pages.flatMap((page) => page.items.map((item) => item.id));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expected);
      expect(pages.map((page) => page.nextAfter)).toEqual([ids[2], ids[5], null]);
      for (const page of pages) {
        expect(page.items.every((item) => item.propertyId === first)).toBe(true);
      }
      expect(pages[0]?.items[0]?.levels).toEqual({ first_name: "exact" });
    });

    it("counts open items by property in one statement: the properties named only, decided items not", async () => {
      const empty = (
        await stores.properties.ensureResmanProperty({ resmanPropertyId: randomUUID() })
      ).id;
      const counts = await stores.reviews.openCounts([first, empty]);
      expect([...counts]).toEqual([[first, open(first).length]]);
      expect(counts.get(first)).toBe(8);
      const both = await stores.reviews.openCounts([first, second]);
      expect(both.get(second)).toBe(open(second).length);
      expect((await stores.reviews.openCounts([])).size).toBe(0);
    });

    it("pages newest first in the reverse order", async () => {
      const pages = await allPages({ propertyId: first, limit: 2, order: "newest" });
      expect(pages.map((page) => page.items.length)).toEqual([2, 2, 2, 2]);
      expect(pages.flatMap((page) => page.items.map((item) => item.id))).toEqual(
        open(first).reverse(),
      );
    });

    it("pages every property when none is named, and a full last page has no next one", async () => {
      const expected = open();
      expect(expected).toHaveLength(12);
      const pages = await allPages({ limit: 6 });
      expect(pages.map((page) => page.items.length)).toEqual([6, 6]);
      expect(pages.map((page) => page.total)).toEqual([12, 12]);
      expect(pages[1]?.nextAfter).toBeNull();
      expect(pages.flatMap((page) => page.items.map((item) => item.id))).toEqual(expected);
      const single = await listReviews(stores, {});
      expect(single).toMatchObject({ total: 12, nextAfter: null });
      expect(single.items.map((item) => item.id)).toEqual(expected);
    });

    it("starts after a decided item where it stood, and after an item a microsecond apart", async () => {
      const approved = placed.find((p) => p.status === "approved");
      if (approved === undefined) throw new Error("no approved item");
      const after = await listReviews(stores, { propertyId: first, after: approved.id });
      expect(after.items.map((item) => item.id)).toEqual(
        placed
          .filter((p) => p.propertyId === first && p.status === "open" && p.at > approved.at)
          .sort(byPosition)
          .map((p) => p.id),
      );
      expect(after.total).toBe(8);
      // The last of the three items created in the same microsecond: the next is 1 µs later.
      const ids = open(first);
      const tied = await listReviews(stores, { propertyId: first, after: ids[2], limit: 1 });
      expect(tied.items.map((item) => item.id)).toEqual([ids[3]]);
      // Items 1 and 2 µs after a whole millisecond: after the second comes the 3 s item, not
      // the first again (a cursor cut to milliseconds would bring it back).
      expect([ids[3], ids[4]].map((id) => placed.find((p) => p.id === id)?.at)).toEqual([
        1_000_001, 1_000_002,
      ]);
      const micro = await listReviews(stores, { propertyId: first, after: ids[4], limit: 2 });
      expect(micro.items.map((item) => item.id)).toEqual([ids[5], ids[6]]);
      const back = await listReviews(stores, {
        propertyId: first,
        after: ids[4],
        order: "newest",
      });
      expect(back.items.map((item) => item.id)).toEqual(ids.slice(0, 4).reverse());
    });

    it("refuses an unknown cursor, one of another property and a page size out of range", async () => {
      const unknown = randomUUID();
      await expect(listReviews(stores, { propertyId: first, after: unknown })).rejects.toThrow(
        new InvalidInputError(`no review item ${unknown} in property ${first}`),
      );
      const elsewhere = open(second)[0];
      await expect(listReviews(stores, { propertyId: first, after: elsewhere })).rejects.toThrow(
        `no review item ${elsewhere} in property ${first}`,
      );
      await expect(listReviews(stores, { after: elsewhere })).resolves.toMatchObject({
        total: 12,
      });
      for (const limit of [0, 1001, 2.5]) {
        await expect(listReviews(stores, { limit })).rejects.toThrow(InvalidInputError);
      }
      await expect(listReviews(stores, { limit: 1000 })).resolves.toMatchObject({ total: 12 });
    });
  });
}

for (const driver of allDrivers) describeReviewList(driver);
