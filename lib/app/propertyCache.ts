/**
 * A short-lived, per-process cache of property lookups. A warm worker syncs many people of
 * the same few properties; reading the property row for each would add a round trip per job.
 * Properties change rarely (name, office phone, merge strategy); `ttlMs` bounds how long a
 * change takes to reach a warm worker.
 */
import type { Clock, PropertyContext, PropertyStore, ResmanPropertyRef } from "./ports.js";

export function cachedPropertyStore(
  store: PropertyStore,
  options: { clock: Clock; ttlMs?: number },
): PropertyStore {
  const ttlMs = options.ttlMs ?? 60_000;
  const entries = new Map<string, { value: PropertyContext; expires: number }>();
  const fresh = (key: string) => {
    const entry = entries.get(key);
    return entry !== undefined && entry.expires > options.clock.now().getTime()
      ? entry.value
      : undefined;
  };
  const remember = (key: string, value: PropertyContext) => {
    entries.set(key, { value, expires: options.clock.now().getTime() + ttlMs });
    return value;
  };
  return {
    async ensureResmanProperty(ref: ResmanPropertyRef) {
      const key = `resman:${ref.resmanPropertyId.toLowerCase()}`;
      return fresh(key) ?? remember(key, await store.ensureResmanProperty(ref));
    },
    async findProperty(idOrResmanId: string) {
      const key = `any:${idOrResmanId.toLowerCase()}`;
      const cached = fresh(key);
      if (cached !== undefined) return cached;
      const found = await store.findProperty(idOrResmanId);
      // Unknown properties are not cached: one may be created any moment.
      return found === null ? null : remember(key, found);
    },
  };
}
