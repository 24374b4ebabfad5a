import { Redis } from "ioredis";
import { deletePrefixed } from "../../scripts/bench/redis";

export { deletePrefixed };

/** Deletes the keys a test wrote under `prefix` in the Redis at `url`, so runs leave nothing behind. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await deletePrefixed(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
