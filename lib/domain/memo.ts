/**
 * Remembering the results of pure functions of one string. The sync path compares every person
 * with each of its candidates, and the same names, streets and keys come back thousands of
 * times in an import: their normal forms are computed once. A cache holds at most `size`
 * inputs and starts afresh when full, so memory stays bounded whatever the data.
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
