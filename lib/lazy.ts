/**
 * A value made on first use and shared by every caller after; if making it fails, the callers
 * waiting on that attempt see the error and the next caller tries again (a store that was
 * down at a cold start must not stay down for the container's lifetime).
 */
export function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () =>
    (promise ??= make().catch((error: unknown) => {
      promise = undefined;
      throw error;
    }));
}
