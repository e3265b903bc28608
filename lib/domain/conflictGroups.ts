/**
 * Items grouped by shared keys: two items that share a key, directly or through other items,
 * are in one group (union–find over the keys). Groups keep the items' order and come in the
 * order of their first item. A file import uses it on a chunk's rows with the keys their writes
 * guard: a group's rows run one after the other, as a serial import would run them, while
 * groups run side by side without ever invalidating each other's reads.
 */
export function conflictGroups<T>(
  items: readonly T[],
  keysOf: (item: T) => readonly string[],
): T[][] {
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] ?? root;
    for (let at = i; parent[at] !== root; ) {
      const next = parent[at] ?? root;
      parent[at] = root;
      at = next;
    }
    return root;
  };
  const owner = new Map<string, number>();
  items.forEach((item, i) => {
    for (const key of keysOf(item)) {
      const first = owner.get(key);
      if (first === undefined) {
        owner.set(key, i);
        continue;
      }
      const a = find(i);
      const b = find(first);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  });
  const groups = new Map<number, T[]>();
  items.forEach((item, i) => {
    const root = find(i);
    const group = groups.get(root);
    if (group === undefined) groups.set(root, [item]);
    else group.push(item);
  });
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}
