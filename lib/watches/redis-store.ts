/**
 * The shared store for many concurrent function instances: Redis, every multi-key change in
 * one Lua script so it is atomic. Keys under the URL's prefix (default `nettask:`):
 *   <prefix>watch:<id>  hash: version, state, dueAt, leaseOwner, leaseUntil ("" = null), body
 *   <prefix>due         sorted set of watch ids that have a dueAt, scored by it
 *   <prefix>states      hash: watch count per state, kept by the scripts
 *   <prefix>upstream-rate  the next free upstream request slot (epoch ms), for the shared rate limiter
 * The scripts only copy strings and bump integers; the document is assembled in TypeScript.
 * Scripts build watch keys from ids, so this needs one Redis node (not Redis Cluster).
 */
import { Redis } from "ioredis";
import { createSharedRateLimiter } from "../poll/rate-limiter";
import type { RateLimiter } from "../upstream/client";
import { WATCH_STATES, type Watch, type WatchState } from "../schemas/index";
import { fromRow, toRow, type WatchRow } from "./row";
import { StoreConfigError, type ClaimOptions, type WatchStore } from "./store";

const DEFAULT_PREFIX = "nettask:";
/** Keeps a dead or unreachable server from hanging a poll invocation. */
const CONNECTION = { connectTimeout: 5_000, commandTimeout: 10_000, maxRetriesPerRequest: 2 } as const;
const INSERT_BATCH = 1_000;

const FIELDS = ["version", "state", "dueAt", "leaseOwner", "leaseUntil", "body"] as const;
type Reply = (string | null)[];

// KEYS: watch, due, states. ARGV: id, version, state, dueAt, leaseOwner, leaseUntil, body.
// Returns the stored fields when the watch exists, nil when it was inserted.
const INSERT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HMGET', KEYS[1], 'version', 'state', 'dueAt', 'leaseOwner', 'leaseUntil', 'body')
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'state', ARGV[3], 'dueAt', ARGV[4], 'leaseOwner', ARGV[5], 'leaseUntil', ARGV[6], 'body', ARGV[7])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1]) end
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
return false
`;

// KEYS: due. ARGV: now, limit, owner, until, watch key prefix.
// Returns {id, version, state, body} per claimed watch, earliest dueAt first.
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for i, id in ipairs(ids) do
  local key = ARGV[5] .. id
  local version = redis.call('HINCRBY', key, 'version', 1)
  redis.call('HSET', key, 'dueAt', ARGV[4], 'leaseOwner', ARGV[3], 'leaseUntil', ARGV[4])
  redis.call('ZADD', KEYS[1], ARGV[4], id)
  local rest = redis.call('HMGET', key, 'state', 'body')
  out[i] = {id, version, rest[1], rest[2]}
end
return out
`;

// KEYS: watch, due, states. ARGV: id, expected version, state, dueAt, leaseOwner, leaseUntil, body.
// Returns the new version, or nil when the stored version is not the expected one.
const SAVE = `
local current = redis.call('HMGET', KEYS[1], 'version', 'state')
if current[1] ~= ARGV[2] then return false end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'dueAt', ARGV[4], 'leaseOwner', ARGV[5], 'leaseUntil', ARGV[6], 'body', ARGV[7])
if ARGV[4] == '' then redis.call('ZREM', KEYS[2], ARGV[1]) else redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1]) end
if current[2] ~= ARGV[3] then
  redis.call('HINCRBY', KEYS[3], current[2], -1)
  redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
end
return version
`;

// KEYS: limiter. ARGV: interval ms. Books the next free slot, by the server's clock so every
// instance agrees; returns how long to wait for it (ms, as text: Redis truncates Lua numbers).
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + 1000)
return string.format('%.3f', slot - now)
`;

interface ScriptedRedis extends Redis {
  watchInsert(watchKey: string, due: string, states: string, ...args: string[]): Promise<Reply | null>;
  watchClaim(due: string, now: number, limit: number, owner: string, until: number, keyPrefix: string): Promise<[string, number, WatchState, string][]>;
  watchSave(watchKey: string, due: string, states: string, ...args: string[]): Promise<number | null>;
  rateReserve(limiter: string, intervalMs: number): Promise<string>;
}

/** `redis://host:port[/db][?prefix=nettask:]` (or `rediss://` for TLS) → what ioredis needs. */
export function parseRedisUrl(url: string): { connection: string; prefix: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreConfigError("STORE_URL is not a valid URL; expected redis://host:port[/db][?prefix=nettask:]");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new StoreConfigError(`STORE_URL must use redis:// or rediss://, not ${parsed.protocol}//`);
  }
  if (!/^\/?\d*$/.test(parsed.pathname)) {
    throw new StoreConfigError("STORE_URL path must be a database number, as in redis://host:6379/0");
  }
  const prefix = parsed.searchParams.get("prefix") ?? DEFAULT_PREFIX;
  parsed.searchParams.delete("prefix");
  // ioredis would turn any other query parameter into a client option; only prefix is ours.
  const unknown = [...parsed.searchParams.keys()];
  if (unknown.length > 0) throw new StoreConfigError(`STORE_URL has unknown query parameters: ${unknown.join(", ")} (only prefix is supported)`);
  return { connection: parsed.toString(), prefix };
}

/** Connects to the Redis store at `url`; rejects when the server cannot be reached. */
export async function openRedisStore(url: string): Promise<RedisWatchStore> {
  const { connection, prefix } = parseRedisUrl(url);
  const redis = new Redis(connection, { ...CONNECTION, lazyConnect: true });
  // Failures reach callers through the commands that fail; without a listener ioredis
  // would also print every reconnect error to stderr. The last one explains a failed connect.
  let lastError: Error | undefined;
  redis.on("error", (error: Error) => (lastError = error));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const { hostname, port } = new URL(connection);
    throw new Error(`cannot connect to the Redis store at ${hostname}:${port || 6379}: ${(lastError ?? (error as Error)).message}`);
  }
  return new RedisWatchStore(redis, prefix);
}

export class RedisWatchStore implements WatchStore {
  private readonly redis: ScriptedRedis;
  private readonly keys;

  constructor(redis: Redis, prefix: string) {
    redis.defineCommand("watchInsert", { numberOfKeys: 3, lua: INSERT });
    redis.defineCommand("watchClaim", { numberOfKeys: 1, lua: CLAIM });
    redis.defineCommand("watchSave", { numberOfKeys: 3, lua: SAVE });
    redis.defineCommand("rateReserve", { numberOfKeys: 1, lua: RESERVE });
    this.redis = redis as ScriptedRedis;
    this.keys = { watchPrefix: `${prefix}watch:`, due: `${prefix}due`, states: `${prefix}states`, limiter: `${prefix}upstream-rate` };
  }

  async insert(watch: Watch): Promise<{ watch: Watch; created: boolean }> {
    const existing = await this.redis.watchInsert(...this.scriptArgs(watch));
    return existing ? { watch: this.decode(watch.id, existing), created: false } : { watch, created: true };
  }

  /** Inserts many watches in pipelined batches (bulk loads, benchmarks); returns how many were new. */
  async insertMany(watches: readonly Watch[]): Promise<number> {
    let created = 0;
    for (let i = 0; i < watches.length; i += INSERT_BATCH) {
      const pipeline = this.redis.pipeline() as unknown as Pick<ScriptedRedis, "watchInsert"> & { exec(): Promise<[Error | null, unknown][] | null> };
      for (const watch of watches.slice(i, i + INSERT_BATCH)) void pipeline.watchInsert(...this.scriptArgs(watch));
      for (const [error, existing] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        if (existing === null) created++;
      }
    }
    return created;
  }

  async get(id: string): Promise<Watch | undefined> {
    const reply: Reply = await this.redis.hmget(this.watchKey(id), ...FIELDS);
    return reply[0] === null ? undefined : this.decode(id, reply);
  }

  async claimDue({ now, limit, owner, leaseMs }: ClaimOptions): Promise<Watch[]> {
    const until = now + leaseMs;
    const claimed = await this.redis.watchClaim(this.keys.due, now, limit, owner, until, this.keys.watchPrefix);
    return claimed.map(([id, version, state, body]) =>
      fromRow({ id, version, state, dueAt: until, leaseOwner: owner, leaseUntil: until, body }),
    );
  }

  async save(watch: Watch): Promise<Watch | undefined> {
    const newVersion = await this.redis.watchSave(...this.scriptArgs(watch));
    return newVersion === null ? undefined : { ...watch, version: newVersion };
  }

  async countByState(): Promise<Record<WatchState, number>> {
    const stored = await this.redis.hgetall(this.keys.states);
    return Object.fromEntries(WATCH_STATES.map((s) => [s, Number(stored[s] ?? 0)])) as Record<WatchState, number>;
  }

  async nextDueAt(): Promise<number | null> {
    const [, score] = await this.redis.zrange(this.keys.due, 0, 0, "WITHSCORES");
    return score === undefined ? null : Number(score);
  }

  sharedRateLimiter(ratePerSecond: number): RateLimiter {
    return createSharedRateLimiter(async (intervalMs) => Number(await this.redis.rateReserve(this.keys.limiter, intervalMs)), ratePerSecond);
  }

  async close(): Promise<void> {
    if (this.redis.status === "end") return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private watchKey(id: string): string {
    return `${this.keys.watchPrefix}${id}`;
  }

  /** KEYS and ARGV of the insert and save scripts (for save, `version` is the expected one). */
  private scriptArgs(watch: Watch): Parameters<ScriptedRedis["watchInsert"]> {
    const f = encode(toRow(watch));
    return [this.watchKey(f.id), this.keys.due, this.keys.states, f.id, f.version, f.state, f.dueAt, f.leaseOwner, f.leaseUntil, f.body];
  }

  /** A watch from its hash fields, in FIELDS order. */
  private decode(id: string, [version, state, dueAt, leaseOwner, leaseUntil, body]: Reply): Watch {
    const numberOrNull = (s: string | null | undefined) => (s ? Number(s) : null);
    return fromRow({
      id,
      version: Number(version),
      state: state as WatchState,
      dueAt: numberOrNull(dueAt),
      leaseOwner: leaseOwner || null,
      leaseUntil: numberOrNull(leaseUntil),
      body: body!,
    });
  }
}

/** A row as the strings the scripts store; "" stands for null. */
function encode(row: WatchRow): Record<keyof WatchRow, string> {
  const text = (v: string | number | null) => (v === null ? "" : String(v));
  return {
    id: row.id,
    version: text(row.version),
    state: row.state,
    dueAt: text(row.dueAt),
    leaseOwner: text(row.leaseOwner),
    leaseUntil: text(row.leaseUntil),
    body: row.body,
  };
}
