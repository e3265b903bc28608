/**
 * The first line of each external id in an import file: a second row for the same person is
 * rejected naming that line (`importPeople.ts`). An import keeps every id of its file to the
 * end, so this is the one thing it holds that grows with the file: as a `Map` of id strings,
 * 81.5 MB of JS heap for a million GUIDs (measured: the strings, the entries, the table's
 * slack), which the heap's growth factor makes more — a sixth of the memory budget by the end of
 * the 1,000,000-row file (issue 15). Here an id is kept as 96 bits of its SHA-256 next to its
 * line, 16 bytes in an open-addressing table (linear probing, at most three quarters full):
 * 32.2 MB for a million ids, off the JS heap, at ~1.4 µs more an id.
 *
 * Two different ids are taken for the same only if 96 bits of their digests agree: for a file
 * of n ids, a chance of about n² / 2⁹⁷ (6 × 10⁻¹⁸ for a million), far below any other cause of
 * a wrong rejection.
 */
import { createHash } from "node:crypto";

/** Words a slot takes: three of the digest, then the line (0: an empty slot). */
const SLOT = 4;
const INITIAL_SLOTS = 1 << 12;

export class FirstLines {
  #slots = new Uint32Array(INITIAL_SLOTS * SLOT);
  #mask = INITIAL_SLOTS - 1;
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
    const c = digest.readUInt32LE(8);
    const found = this.#find(a, b, c);
    const slots = this.#slots;
    const held = slots[found + 3] as number;
    if (held !== 0) return held;
    slots[found] = a;
    slots[found + 1] = b;
    slots[found + 2] = c;
    slots[found + 3] = line;
    this.#size += 1;
    if (this.#size * 4 > (this.#mask + 1) * 3) this.#grow();
    return undefined;
  }

  /** The slot (word offset) holding this digest, or the empty slot where it belongs. */
  #find(a: number, b: number, c: number): number {
    const slots = this.#slots;
    for (let index = a & this.#mask; ; index = (index + 1) & this.#mask) {
      const at = index * SLOT;
      if (slots[at + 3] === 0) return at;
      if (slots[at] === a && slots[at + 1] === b && slots[at + 2] === c) return at;
    }
  }

  #grow(): void {
    const old = this.#slots;
    const slotCount = (this.#mask + 1) * 2;
    this.#slots = new Uint32Array(slotCount * SLOT);
    this.#mask = slotCount - 1;
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at + 3] === 0) continue;
      const to = this.#find(old[at] as number, old[at + 1] as number, old[at + 2] as number);
      this.#slots.set(old.subarray(at, at + SLOT), to);
    }
  }
}
