/**
 * Blocking keys a snapshot read counted as too common to search by (more than
 * `MAX_BLOCK_SIZE` live holders), remembered by a contact store from one reader to the next
 * (an import's chunks, a worker's batches) with the version their identity key had when they
 * were counted, so that later reads need not count them again.
 *
 * Why that is exact: a key's live holders only grow between merges, and merges and unmerges
 * bump every key they touch, `contact-sync reindex` every key it takes away (`lockKeys.ts`:
 * the guard of every write already relies on it). A
 * read that takes a key's size from here still reads the key's version with the person's
 * other keys; if it is the version remembered, nothing that could shrink the key has happened
 * since it was counted, so it is still too common, and the write's guard checks it stays at that
 * version, as for a key counted by the read itself. If the version moved, the key is forgotten
 * and the person read again, the key counted. At 1,000,000 people, counting the keys of a
 * chunk's persons was ~85 % of its read's time on the server (three keys in four too common).
 */
import type { SnapshotRequest } from "../../app/ports.js";
import { MAX_BLOCK_SIZE } from "../../domain/blocking.js";
import { blockLockKey } from "../../domain/lockKeys.js";

/**
 * Keys remembered per property before the oldest are forgotten (~100 bytes each; the whole
 * 1,000,000-person file remembered ~51,000).
 */
export const KEYS_PER_PROPERTY = 100_000;
/** Properties remembered per store; the one used longest ago is forgotten first (~40 MB at most). */
export const PROPERTIES = 4;

/** A property's common keys and the identity-key version each had when counted (0: no row). */
export class CommonKeys {
  private readonly versions = new Map<string, number>();

  /** The version `key` had when it was counted as too common, if it is remembered. */
  version(key: string): number | undefined {
    return this.versions.get(key);
  }

  remember(key: string, version: number): void {
    this.versions.delete(key);
    if (this.versions.size >= KEYS_PER_PROPERTY) {
      const oldest = this.versions.keys().next().value;
      if (oldest !== undefined) this.versions.delete(oldest);
    }
    this.versions.set(key, version);
  }

  forget(key: string): void {
    this.versions.delete(key);
  }

  get size(): number {
    return this.versions.size;
  }
}

/** Each property's `CommonKeys`, for one store. */
export class CommonKeysByProperty {
  private readonly byProperty = new Map<string, CommonKeys>();

  of(propertyId: string): CommonKeys {
    let keys = this.byProperty.get(propertyId);
    if (keys === undefined) {
      keys = new CommonKeys();
      if (this.byProperty.size >= PROPERTIES) {
        const oldest = this.byProperty.keys().next().value;
        if (oldest !== undefined) this.byProperty.delete(oldest);
      }
    } else this.byProperty.delete(propertyId);
    // Last in the map's order: the most recently used.
    this.byProperty.set(propertyId, keys);
    return keys;
  }
}

/**
 * The requests' blocking keys whose size `known` lacks and `common` remembers: added to
 * `known` as too common; the keys so taken are returned.
 */
export function takeCommon(
  common: CommonKeys,
  requests: readonly SnapshotRequest[],
  known: Record<string, number>,
): Set<string> {
  const taken = new Set<string>();
  for (const { lookup } of requests) {
    for (const key of lookup.blocks) {
      if (known[key] === undefined && common.version(key) !== undefined) {
        known[key] = MAX_BLOCK_SIZE + 1;
        taken.add(key);
      }
    }
  }
  return taken;
}

/**
 * After a person's read: whether every key taken from `common` for it is still at the version
 * remembered (a key that is not is forgotten: the person must be read again, the key counted),
 * and the keys the statement counted as too common remembered at the version it read.
 */
export function settleCommon(
  common: CommonKeys,
  request: SnapshotRequest,
  keyVersions: ReadonlyMap<string, number>,
  taken: ReadonlySet<string>,
  counted: Readonly<Record<string, number | string>>,
): boolean {
  let holds = true;
  for (const key of request.lookup.blocks) {
    if (taken.has(key)) {
      if (common.version(key) !== (keyVersions.get(blockLockKey(key)) ?? 0)) {
        common.forget(key);
        holds = false;
      }
    } else {
      const n = counted[key];
      if (n !== undefined && Number(n) > MAX_BLOCK_SIZE) {
        common.remember(key, keyVersions.get(blockLockKey(key)) ?? 0);
      }
    }
  }
  return holds;
}
