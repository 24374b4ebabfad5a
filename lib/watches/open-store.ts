/** Picks the store backend from STORE_URL and refuses settings that would lose watches. */
import { realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Logger } from "../log";
import { StoreConfigError, type WatchStore } from "./store";

export interface OpenStoreOptions {
  platform: "scf" | "lambda" | "local";
  /** Where start-up warnings go (a Redis eviction policy that is not noeviction). */
  logger?: Logger;
}

const REDIS_SCHEMES = ["redis://", "rediss://"];

/**
 * Whether the store at `url` offers a rate limiter shared by every process using it (Redis),
 * told without opening it.
 */
export function sharesRateLimit(url: string): boolean {
  return REDIS_SCHEMES.some((scheme) => url.startsWith(scheme));
}

export async function openStore(url: string, options: OpenStoreOptions): Promise<WatchStore> {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (path === "") throw new StoreConfigError("STORE_URL sqlite: needs a file path, as in sqlite:./.data/nettask.db");
    if (options.platform !== "local" && isEphemeral(path)) {
      throw new StoreConfigError(
        `STORE_URL puts the SQLite file at ${path}, which does not survive the instance on ${options.platform}: ` +
          "use redis://… or a path on mounted storage (CFS / EFS)",
      );
    }
    // Each backend is loaded on demand (a lazy chunk of the bundles): the cloud functions
    // never load the native better-sqlite3 module, and nothing loads ioredis before it is used.
    const { SqliteWatchStore } = await import("./sqlite-store");
    return new SqliteWatchStore(path);
  }
  if (sharesRateLimit(url)) return (await import("./redis-store")).openRedisStore(url, options.logger && { logger: options.logger });
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? "(none)";
  throw new StoreConfigError(`STORE_URL must start with sqlite: or redis:// (or rediss://); scheme ${scheme} is not supported`);
}

/** In memory or under a temporary directory: gone when a cloud function instance is recycled. */
function isEphemeral(path: string): boolean {
  if (path === ":memory:") return true;
  const file = resolve(path);
  const files = [file, join(realOrSelf(dirname(file)), basename(file))];
  const temporary = ["/tmp", tmpdir()].flatMap((dir) => [dir, realOrSelf(dir)]);
  return files.some((f) => temporary.some((dir) => isInside(f, dir)));
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
