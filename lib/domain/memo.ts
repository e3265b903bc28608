/**
 * Remembering the results of pure functions of one string or one object. The sync path compares
 * every person with each of its candidates, and the same names, streets and keys come back
 * thousands of times in an import: their normal forms are computed once. A string cache holds
 * at most `size` inputs and starts afresh when full, so memory stays bounded whatever the data;
 * an object's result lives as long as the object (`memoizedPerObject`).
 *
 * A module constant made with them carries a `@__PURE__` annotation before the call: to a bundler a
 * call at a module's top level is a side effect, kept in every bundle that imports the module
 * with everything it refers to, even where nothing calls it (a memoized phone parse in
 * normalize.ts kept the 103 KB phone metadata in two functions that never parse a phone).
 * esbuild does not carry `@__NO_SIDE_EFFECTS__` on these declarations across files.
 */
export function memoized<R>(fn: (input: string) => R, size = 20_000): (input: string) => R {
  const cache = new Map<string, R>();
  return (input) => {
    const hit = cache.get(input);
    if (hit !== undefined || cache.has(input)) return hit as R;
    const result = fn(input);
    if (cache.size >= size) cache.clear();
    cache.set(input, result);
    return result;
  };
}

/**
 * `fn` remembered per input object, for objects never changed once made (a contact's values and
 * variants: the domain makes new ones): the result is dropped with the object.
 */
export function memoizedPerObject<T extends object, R>(fn: (input: T) => R): (input: T) => R {
  const cache = new WeakMap<T, R>();
  return (input) => {
    let result = cache.get(input);
    if (result === undefined) {
      result = fn(input);
      cache.set(input, result);
    }
    return result;
  };
}
