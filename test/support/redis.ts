import { Redis } from "ioredis";

/** Deletes the keys a test wrote under `prefix` in the Redis at `url`, so runs leave nothing behind. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
