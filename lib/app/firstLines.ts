/**
 * The first line of each external id in an import file: a second row for the same person is
 * rejected naming that line (`importPeople.ts`). An import keeps every id of its file to the
 * end, so this is the one thing it holds that grows with the file: as a `Map` of id strings,
 * 81.5 MB of JS heap for a million GUIDs (measured: the strings, the entries, the table's
 * slack), which the heap's growth factor makes more — a sixth of the memory budget by the end of
 * the 1,000,000-row file (issue 15). Here an id is kept as 64 bits of its SHA-256 next to its
 * line, 12 bytes in open-addressing tables (linear probing, each at most three quarters full):
 * 24 MB for a million ids, off the JS heap, at ~1.4 µs more an id.
 *
 * The ids are spread by their digest over 64 tables that grow one at a time, so a growth copies
 * a sixty-fourth of what is held: one table for everything doubled all at once, holding the old
 * and the new copy together (16 + 32 MB at the 786,433rd id with 16-byte slots), which lifted
 * the million-row import's peak RSS by ~15 MB, past the budget.
 *
 * Two different ids are taken for the same only if 64 bits of their digests agree: for a file
 * of n ids, a chance of about n² / 2⁶⁵ (3 × 10⁻⁸ for a million). The cost of that chance is one
 * row rejected as a repeat of another line — reported, never merged, imported by importing it
 * again.
 */
import { createHash } from "node:crypto";

/** Words a slot takes: two of the digest, then the line (0: an empty slot). */
const SLOT = 3;
const INITIAL_SLOTS = 1 << 6;
/** Tables, chosen by the top bits of the digest's second word. */
const TABLE_BITS = 6;

/** One open-addressing table of digests and lines. */
class Table {
  slots = new Uint32Array(INITIAL_SLOTS * SLOT);
  mask = INITIAL_SLOTS - 1;
  size = 0;

  /** The slot (word offset) holding this digest, or the empty slot where it belongs. */
  find(a: number, b: number): number {
    const slots = this.slots;
    for (let index = a & this.mask; ; index = (index + 1) & this.mask) {
      const at = index * SLOT;
      if (slots[at + 2] === 0) return at;
      if (slots[at] === a && slots[at + 1] === b) return at;
    }
  }

  grow(): void {
    const old = this.slots;
    const slotCount = (this.mask + 1) * 2;
    this.slots = new Uint32Array(slotCount * SLOT);
    this.mask = slotCount - 1;
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at + 2] === 0) continue;
      const to = this.find(old[at] as number, old[at + 1] as number);
      this.slots.set(old.subarray(at, at + SLOT), to);
    }
  }
}

export class FirstLines {
  readonly #tables = Array.from({ length: 1 << TABLE_BITS }, () => new Table());
  #size = 0;

  /** How many ids are held. */
  get size(): number {
    return this.#size;
  }

  /**
   * The line `id` was first seen on, or undefined — then `line` is remembered as its first.
   * Lines start at 1.
   */
  firstOrRemember(id: string, line: number): number | undefined {
    if (!Number.isInteger(line) || line < 1 || line > 0xffffffff) {
      throw new RangeError("a line number is a whole number from 1");
    }
    const digest = createHash("sha256").update(id).digest();
    const a = digest.readUInt32LE(0);
    const b = digest.readUInt32LE(4);
    const table = this.#tables[b >>> (32 - TABLE_BITS)] as Table;
    const found = table.find(a, b);
    const slots = table.slots;
    const held = slots[found + 2] as number;
    if (held !== 0) return held;
    slots[found] = a;
    slots[found + 1] = b;
    slots[found + 2] = line;
    table.size += 1;
    this.#size += 1;
    if (table.size * 4 > (table.mask + 1) * 3) table.grow();
    return undefined;
  }
}
