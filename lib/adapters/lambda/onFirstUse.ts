/**
 * Lazy, shared opening of what a Lambda function needs (the database, its stores): opened on
 * the first invocation that asks, not at import, and kept for the container's life. A failed
 * open (the database down at cold start) is not kept: the next invocation tries again instead
 * of failing for the container's lifetime.
 */
export function onFirstUse<T>(open: () => Promise<T>): () => Promise<T> {
  let opening: Promise<T> | undefined;
  return () => {
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
}
