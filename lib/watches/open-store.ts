/** Picks the store backend from STORE_URL and refuses settings that would lose watches. */
import { realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { STORE_SCHEMES } from "../config";
import type { Logger } from "../log";
import { failureCode, StoreConfigError, StoreUnavailableError, type WatchStore } from "./store";

export interface OpenStoreOptions {
  platform: "scf" | "lambda" | "local";
  /** Where start-up warnings go (a Redis eviction policy that is not noeviction). */
  logger?: Logger;
}

/**
 * Whether the store at `url` offers a rate limiter shared by every process using it (Redis),
 * told without opening it.
 */
export function sharesRateLimit(url: string): boolean {
  return STORE_SCHEMES.redis.some((scheme) => url.startsWith(scheme));
}

export async function openStore(url: string, options: OpenStoreOptions): Promise<WatchStore> {
  return reportingFailures(await openBackend(url, options).catch(asUnavailable));
}

async function openBackend(url: string, options: OpenStoreOptions): Promise<WatchStore> {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (path === "") throw new StoreConfigError("STORE_URL sqlite: needs a file path, as in sqlite:./.data/nettask.db");
    const ephemeral = options.platform === "local" ? undefined : whyEphemeral(path);
    if (ephemeral) {
      throw new StoreConfigError(
        `STORE_URL puts the SQLite file at ${ephemeral}, which does not survive the instance on ${options.platform}: ` +
          "use redis://… or a path on mounted storage (CFS / EFS)",
      );
    }
    // Each backend is loaded on demand (a lazy chunk of the bundles): the cloud functions
    // never load the native better-sqlite3 module, and nothing loads ioredis before it is used.
    const { SqliteWatchStore } = await import("./sqlite-store");
    try {
      return new SqliteWatchStore(path);
    } catch (error) {
      const reason = `cannot open the SQLite file at ${resolve(path)} (${failureCode(error)})`;
      throw new StoreUnavailableError(reason, `${reason}: ${(error as Error).message}`);
    }
  }
  if (sharesRateLimit(url)) return (await import("./redis-store")).openRedisStore(url, options.logger && { logger: options.logger });
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? "(none)";
  throw new StoreConfigError(`STORE_URL must start with sqlite: or redis:// (or rediss://); scheme ${scheme} is not supported`);
}

/** Errors that mean a bug in our code rather than a store that cannot serve. */
const PROGRAMMING_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

/** Rethrows `error` as a StoreUnavailableError unless it already says what is wrong (or is a bug). */
function asUnavailable(error: unknown): never {
  if (
    error instanceof StoreUnavailableError ||
    error instanceof StoreConfigError ||
    PROGRAMMING_ERRORS.some((type) => error instanceof type)
  )
    throw error;
  const reason = `the store failed (${failureCode(error)})`;
  throw new StoreUnavailableError(reason, `${reason}: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * `store`, with every failure of its calls (connection lost, command timed out, SQLITE_BUSY …)
 * thrown as a StoreUnavailableError, so the API answers 503 naming STORE_URL instead of 500.
 */
function reportingFailures(store: WatchStore): WatchStore {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? result.catch(asUnavailable) : result;
        } catch (error) {
          return asUnavailable(error);
        }
      };
    },
  });
}

/**
 * Where a SQLite path really is, and why that is temporary (in memory, or under a temporary
 * directory, symlinks resolved), or undefined when it would outlive the instance.
 */
function whyEphemeral(path: string): string | undefined {
  if (path === ":memory:") return ":memory: (in memory)";
  const file = resolve(path);
  const real = join(realOrSelf(dirname(file)), basename(file));
  for (const dir of new Set(["/tmp", tmpdir()].flatMap((d) => [d, realOrSelf(d)]))) {
    for (const candidate of new Set([file, real]))
      if (isInside(candidate, dir)) return `${candidate} (under the temporary directory ${dir})`;
  }
  return undefined;
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
