/** The Redis the bench needs (run.ts says so), and removing what a figure (or a test, through test/support/redis.ts) left under its key prefix. */
import type { Redis } from "ioredis";

export const REDIS_SERVER = "redis://127.0.0.1:6379/0";

export async function deletePrefixed(admin: Redis, prefix: string): Promise<void> {
  for await (const keys of admin.scanStream({ match: `${prefix}*`, count: 1_000 }) as AsyncIterable<string[]>) {
    if (keys.length) await admin.unlink(...keys);
  }
}
