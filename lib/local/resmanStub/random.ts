/**
 * Randomness of the ResMan stand-in: one 32-bit stream seed per (seed, stream), so each
 * property (and the admin API) draws from a sequence of its own; a hash of an id to seed streams
 * of one property (its lookups, its drift); GUIDs drawn from a stream, so the same seed gives
 * the same ids; and the draws the seeding makes over a stream.
 */
import type { Random } from "../peopleGenerator.js";

/** A seed for one stream of a seed: different streams never share draws. */
export function streamSeed(seed: number, stream: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** A 32-bit hash of an id (FNV-1a, case ignored), as the seed of streams of its own. */
export function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (const char of text.toLowerCase()) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A version-4-shaped GUID, lower case, from 16 draws. */
export function guidFrom(random: Random): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The draws seeding makes over one stream. */
export class Draws {
  constructor(protected readonly next: Random) {}

  /** True with the given probability. */
  protected chance = (probability: number): boolean => this.next() < probability;

  /** A whole number from `low` to `high`, both included. */
  protected int = (low: number, high: number): number =>
    low + Math.floor(this.next() * (high + 1 - low));

  /** One of `items`, evenly. */
  protected pick = <T>(items: readonly T[]): T =>
    items[Math.floor(this.next() * items.length)] as T;

  /** A whole second from `from` to `to` (`from` when the span is empty). */
  protected between(from: number, to: number): number {
    const ms = from + this.next() * Math.max(0, to - from);
    return Math.min(Math.ceil(ms / 1000) * 1000, Math.max(from, to));
  }

  protected guid(): string {
    return guidFrom(this.next);
  }
}
