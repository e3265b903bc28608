import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CHUNK_CONTACTS,
  CHUNK_ROWS,
  MIN_CHUNK_ROWS,
  nextChunkRows,
} from "../../lib/app/importPeople.js";

describe("nextChunkRows", () => {
  it("shrinks a chunk whose reading held more contacts than the target, in proportion", () => {
    expect(nextChunkRows(1000, 2 * CHUNK_CONTACTS, CHUNK_ROWS)).toBe(500);
    expect(nextChunkRows(500, CHUNK_CONTACTS + CHUNK_CONTACTS / 4, CHUNK_ROWS)).toBe(400);
  });

  it("lets it grow back, never past the most rows", () => {
    expect(nextChunkRows(400, CHUNK_CONTACTS / 2, CHUNK_ROWS)).toBe(800);
    expect(nextChunkRows(800, CHUNK_CONTACTS / 4, CHUNK_ROWS)).toBe(CHUNK_ROWS);
    expect(nextChunkRows(7, 3, 7, 30)).toBe(7);
  });

  it("keeps the most rows when nothing was read (an empty property, a failed read)", () => {
    expect(nextChunkRows(250, 0, CHUNK_ROWS)).toBe(CHUNK_ROWS);
  });

  it("never goes below the smallest chunk, or below the most rows when those are fewer", () => {
    expect(nextChunkRows(1000, 1_000_000, CHUNK_ROWS)).toBe(MIN_CHUNK_ROWS);
    expect(nextChunkRows(40, 1_000_000, 40)).toBe(40);
  });

  it("stays a whole number of rows within its bounds for any reading", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (rows, contacts, most, target) => {
          const next = nextChunkRows(rows, contacts, most, target);
          expect(Number.isInteger(next)).toBe(true);
          expect(next).toBeLessThanOrEqual(most);
          expect(next).toBeGreaterThanOrEqual(Math.min(MIN_CHUNK_ROWS, most));
        },
      ),
    );
  });
});
