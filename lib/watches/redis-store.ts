/**
 * The shared store for many concurrent function instances: Redis, every multi-key change in
 * one Lua script so it is atomic. Keys under the URL's prefix (default `nettask:`):
 *   <prefix>watch:<id>  hash: version, state, dueAt, leaseOwner, leaseUntil ("" = null), body
 *   <prefix>due         sorted set of watch ids that have a dueAt, scored by it
 *   <prefix>states      hash: watch count per state, kept by the scripts
 *   <prefix>upstream-rate  the next free upstream request slot (epoch ms), for the shared rate limiter
 *                       (lib/upstream/rate-limit.ts)
 *   <prefix>list:all    sorted set (all scores 0, ordered by member) of every watch's position,
 *                       "<createdAt ms, 15 digits>|<id>"; the hash keeps it as `listPos`
 *   <prefix>list:<filter>  the same per filter of lib/watches/listing.ts, "<value>|<position>"
 *   <prefix>list:scanned   the watch count when watches stored without the listing (by an older
 *                       version) were last looked for
 *   <prefix>list:layout    the indexes the watches were last all put into (a new filter re-indexes)
 * The scripts only copy strings and bump integers; the document is assembled in TypeScript.
 * Scripts build watch keys from ids, so this needs one Redis node (not Redis Cluster).
 *
 * Leases and due times are read on the server's clock: each instance keeps its offset to
 * `TIME`, measured at connect and again with every claim (to within half a round trip), so
 * instances whose own clocks disagree still agree on when a lease runs out.
 */
import { Redis } from "ioredis";
import type { Logger } from "../log";
import { createSharedRateLimiter, type RateLimiter } from "../upstream/rate-limit";
import { WATCH_STATES, type Watch, type WatchState } from "../schemas/index";
import {
  fixedFilterValues,
  LIST_FILTER_NAMES,
  MUTABLE_FILTER,
  pageOf,
  walkPlan,
  positionOf,
  type ListFilter,
  type ListPage,
  type ListQuery,
  type Position,
} from "./listing";
import { fromRow, toRow, type WatchRow } from "./row";
import { failureCode, StoreConfigError, StoreUnavailableError, type ClaimOptions, type WatchStore } from "./store";

const DEFAULT_PREFIX = "nettask:";
/**
 * Timeouts keep a dead or unreachable server from hanging a poll invocation. Each connection
 * is named (CLIENT LIST: name=nettask-relay) rather than described by ioredis's CLIENT SETINFO,
 * which costs a cold start a file read and two round trips and, from a bundle, cannot find
 * ioredis's version anyway.
 */
export const REDIS_CONNECTION_NAME = "nettask-relay";
const CONNECTION = {
  connectTimeout: 5_000,
  commandTimeout: 10_000,
  maxRetriesPerRequest: 2,
  connectionName: REDIS_CONNECTION_NAME,
  disableClientInfo: true,
} as const;
const INSERT_BATCH = 1_000;

const FIELDS = ["version", "state", "dueAt", "leaseOwner", "leaseUntil", "body"] as const;
type Reply = (string | null)[];

/**
 * Lua that puts watch KEYS[1] into the listing indexes: its state's entry into KEYS[stateKey],
 * and the entries ARGV[firstEntry..] into KEYS[stateKey + 1..]. The position is kept in the
 * hash, so a save can move the state entry.
 */
const addToListing = (stateKey: number, state: string, position: string, firstEntry: number) => `
redis.call('HSET', KEYS[1], 'listPos', ${position})
redis.call('ZADD', KEYS[${stateKey}], 0, ${state} .. '|' .. ${position})
for i = ${stateKey + 1}, #KEYS do redis.call('ZADD', KEYS[i], 0, ARGV[i + ${firstEntry - stateKey - 1}]) end`;

// KEYS: watch, due, states, then the listing indexes (state first). ARGV: id, version, state,
// dueAt, leaseOwner, leaseUntil, body, listing position, then the other listing entries.
// Returns the stored fields when the watch exists, nil when it was inserted (over a hash
// without a body too: a half-record is no watch).
const INSERT = `
if redis.call('HEXISTS', KEYS[1], 'body') == 1 then
  return redis.call('HMGET', KEYS[1], 'version', 'state', 'dueAt', 'leaseOwner', 'leaseUntil', 'body')
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'state', ARGV[3], 'dueAt', ARGV[4], 'leaseOwner', ARGV[5], 'leaseUntil', ARGV[6], 'body', ARGV[7])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1]) end
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
${addToListing(4, "ARGV[3]", "ARGV[8]", 9)}
return false
`;

// KEYS: due. ARGV: now, limit, owner, until, watch key prefix.
// Returns {server seconds, server microseconds, claimed, missing}: {id, version, state, body}
// per claimed watch, earliest dueAt first, and the ids whose hash is gone (evicted, deleted,
// or a half-record without a body), which are left alone for REPAIR.
const CLAIM = `
local t = redis.call('TIME')
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out, missing = {}, {}
for _, id in ipairs(ids) do
  local key = ARGV[5] .. id
  if redis.call('HEXISTS', key, 'body') == 0 then
    missing[#missing + 1] = id
  else
    local version = redis.call('HINCRBY', key, 'version', 1)
    redis.call('HSET', key, 'dueAt', ARGV[4], 'leaseOwner', ARGV[3], 'leaseUntil', ARGV[4])
    redis.call('ZADD', KEYS[1], ARGV[4], id)
    local rest = redis.call('HMGET', key, 'state', 'body')
    out[#out + 1] = {id, version, rest[1], rest[2]}
  end
end
return {t[1], t[2], out, missing}
`;

// KEYS: due, states. ARGV: watch key prefix. Drops every due entry whose hash is gone (and
// such half-records), then recounts pending and delivering: the due index holds exactly the
// watches in those states, so their counts are its members'. Returns how many were dropped.
const REPAIR = `
local counts = {pending = 0, delivering = 0}
local dropped = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. id
  local fields = redis.call('HMGET', key, 'state', 'body')
  if not fields[2] then
    redis.call('ZREM', KEYS[1], id)
    redis.call('DEL', key)
    dropped = dropped + 1
  elseif counts[fields[1]] then
    counts[fields[1]] = counts[fields[1]] + 1
  end
end
redis.call('HSET', KEYS[2], 'pending', counts.pending, 'delivering', counts.delivering)
return dropped
`;

// KEYS: watch, due, states, the state listing index. ARGV: id, expected version, state, dueAt,
// leaseOwner, leaseUntil, body. Returns the new version, or nil when the stored version is not
// the expected one.
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
local listPos = redis.call('HGET', KEYS[1], 'listPos')
if listPos and current[2] ~= ARGV[3] then
  redis.call('ZREM', KEYS[4], current[2] .. '|' .. listPos)
  redis.call('ZADD', KEYS[4], 0, ARGV[3] .. '|' .. listPos)
end
return version
`;

// KEYS: watch, then the listing indexes (state first). ARGV: position, then the other entries.
// (Re)indexes a stored watch, in its current state; 0 when it no longer exists.
const INDEX = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
${addToListing(2, "redis.call('HGET', KEYS[1], 'state')", "ARGV[1]", 2)}
return 1
`;

// KEYS: the indexes of the filters (or list:all). ARGV: wanted (limit + 1), budget, the
// position to start after ('' for the newest), then each key's entry prefix ("<value>|", or
// '' for list:all). Walks the index with the fewest entries in range, newest first, checking
// the others by ZSCORE, until `wanted` match or `budget` entries are examined. Returns the
// last position examined (false when the index ended), then the matching positions.
const LIST = `
local wanted, budget, after = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local function bounds(i)
  local prefix = ARGV[3 + i]
  local min = prefix == '' and '-' or '[' .. prefix
  if after ~= '' then return min, '(' .. prefix .. after end
  if prefix == '' then return min, '+' end
  return min, '(' .. string.sub(prefix, 1, -2) .. '}'
end
local walk, fewest = 1, nil
for i = 1, #KEYS do
  local count = redis.call('ZLEXCOUNT', KEYS[i], bounds(i))
  if fewest == nil or count < fewest then walk, fewest = i, count end
end
local min, max = bounds(walk)
local skip = #ARGV[3 + walk]
local found, examined, last = {}, 0, false
while #found < wanted and examined < budget do
  local size = math.min(#KEYS == 1 and wanted or 100, budget - examined)
  local batch = redis.call('ZREVRANGEBYLEX', KEYS[walk], max, min, 'LIMIT', 0, size)
  for _, entry in ipairs(batch) do
    examined = examined + 1
    last = string.sub(entry, skip + 1)
    local hit = true
    for i = 1, #KEYS do
      if i ~= walk and not redis.call('ZSCORE', KEYS[i], ARGV[3 + i] .. last) then hit = false break end
    end
    if hit then
      found[#found + 1] = last
      if #found == wanted then break end
    end
  end
  if #batch < size then last = false break end
  max = '(' .. batch[#batch]
end
if #found == wanted then last = false end
return {last, found}
`;

interface ScriptedRedis extends Redis {
  watchInsert(...keysAndArgs: string[]): Promise<Reply | null>;
  watchClaim(
    due: string,
    now: number,
    limit: number,
    owner: string,
    until: number,
    keyPrefix: string,
  ): Promise<[string, string, [string, number, WatchState, string][], string[]]>;
  watchRepair(due: string, states: string, keyPrefix: string): Promise<number>;
  watchSave(watchKey: string, due: string, states: string, ...args: string[]): Promise<number | null>;
  watchIndex(watchKey: string, ...args: string[]): Promise<number>;
  watchList(...args: (string | number)[]): Promise<[string | null, string[]]>;
}

const REINDEX_BATCH = 1_000;
/** The indexes every watch is in; a store indexed for another set is indexed again on open. */
const LISTING_LAYOUT = ["all", ...LIST_FILTER_NAMES].join(",");

/** A position as the indexes hold it: the time zero-padded, so text order is time order. */
const positionText = (p: Position) => `${String(p.createdAt).padStart(15, "0")}|${p.id}`;
const positionFrom = (text: string): Position => ({ createdAt: Number(text.slice(0, 15)), id: text.slice(16) });
/** An index entry: the filter value (escaped, so it holds no `|`; states need no escaping), then the position. */
const entryOf = (value: string, position: string) => `${encodeURIComponent(value)}|${position}`;
const globEscape = (text: string) => text.replace(/[*?[\]\\]/g, "\\$&");

/**
 * `redis://host:port[/db][?prefix=nettask:]` (or `rediss://` for TLS) → what ioredis needs.
 * The query is read as written, everything after the `?`: a `#` or `+` in the prefix is part
 * of it (URL parsers would cut the first and turn the second into a space).
 */
export function parseRedisUrl(url: string): { connection: string; prefix: string } {
  const queryAt = url.indexOf("?");
  const base = queryAt < 0 ? url : url.slice(0, queryAt);
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    throw new StoreConfigError("STORE_URL is not a valid URL; expected redis://host:port[/db][?prefix=nettask:]");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new StoreConfigError(`STORE_URL must use redis:// or rediss://, not ${parsed.protocol}//`);
  }
  if (!/^\/?\d*$/.test(parsed.pathname) || parsed.hash) {
    throw new StoreConfigError(
      "STORE_URL path must be a database number, as in redis://host:6379/0 (percent-encode a # in the password as %23)",
    );
  }
  const query = new Map<string, string>();
  for (const pair of queryAt < 0
    ? []
    : url
        .slice(queryAt + 1)
        .split("&")
        .filter(Boolean)) {
    const [name = "", value = ""] = pair.split(/=(.*)/s);
    let decoded: [string, string];
    try {
      decoded = [decodeURIComponent(name), decodeURIComponent(value)];
    } catch {
      throw new StoreConfigError("STORE_URL has a malformed percent-encoding (%) in its query");
    }
    if (query.has(decoded[0])) throw new StoreConfigError(`STORE_URL names the query parameter ${decoded[0]} twice`);
    query.set(...decoded);
  }
  // ioredis would turn any other query parameter into a client option; only prefix is ours.
  const unknown = [...query.keys()].filter((name) => name !== "prefix");
  if (unknown.length > 0)
    throw new StoreConfigError(`STORE_URL has unknown query parameters: ${unknown.join(", ")} (only prefix is supported)`);
  const prefix = query.get("prefix") ?? DEFAULT_PREFIX;
  if (prefix === "")
    throw new StoreConfigError(`STORE_URL prefix must not be empty (leave ?prefix= out for the default ${DEFAULT_PREFIX})`);
  return { connection: parsed.toString(), prefix };
}

export interface RedisStoreOptions {
  /** Start-up warnings (an eviction policy other than noeviction) and index repairs. */
  logger?: Logger;
  /** This machine's clock (tests skew it); the store reads times on the server's. */
  localClock?: () => number;
}

/** Eviction policies under which Redis may drop any key, the due index included. */
const EVICTS_ANY_KEY = /^allkeys-/;

/**
 * Refuses a server that may evict any key (evicting the due index silently stops all
 * polling), and warns about any policy but noeviction. Managed Redis often refuses CONFIG,
 * so the policy is read from INFO.
 */
async function checkEvictionPolicy(redis: Redis, logger: Logger | undefined): Promise<void> {
  const info = await redis.info("memory").catch(() => "");
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy === undefined) {
    logger?.warn("the Redis store does not report its maxmemory-policy; make sure it is noeviction");
    return;
  }
  if (EVICTS_ANY_KEY.test(policy)) {
    throw new StoreConfigError(
      `the Redis store's maxmemory-policy is ${policy}: Redis would evict watches and the due index when memory runs short, and polling would stop without a word; set maxmemory-policy to noeviction`,
    );
  }
  if (policy !== "noeviction") {
    logger?.warn(
      "the Redis store's maxmemory-policy is not noeviction: writes may fail or keys with a TTL be evicted when memory runs short",
      { maxmemoryPolicy: policy },
    );
  }
}

/** Connects to the Redis store at `url`; rejects when the server cannot be reached or may evict watches. */
export async function openRedisStore(url: string, options: RedisStoreOptions = {}): Promise<RedisWatchStore> {
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
    const cause = lastError ?? (error as Error);
    throw new StoreUnavailableError(
      `cannot connect to the Redis store (${failureCode(cause)})`,
      `cannot connect to the Redis store at ${hostname}:${port || 6379}: ${cause.message}`,
    );
  }
  try {
    const store = new RedisWatchStore(redis, prefix, options);
    // Both only read; the listing, which may write, waits for the policy to be accepted.
    await Promise.all([checkEvictionPolicy(redis, options.logger), store.syncClock()]);
    await store.addListing();
    return store;
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}

export class RedisWatchStore implements WatchStore {
  private readonly redis: ScriptedRedis;
  private readonly keys;
  private readonly listKeys: Record<ListFilter | "all", string>;
  /** The listing indexes a new watch goes into, in the order the scripts take them. */
  private readonly listingKeys: string[];
  private readonly listingScannedKey: string;
  private readonly listingLayoutKey: string;
  private readonly logger: Logger | undefined;
  private readonly localClock: () => number;
  /** Server clock minus this machine's, in ms. */
  private offset = 0;

  constructor(redis: Redis, prefix: string, options: RedisStoreOptions = {}) {
    this.logger = options.logger;
    this.localClock = options.localClock ?? Date.now;
    this.listKeys = {
      all: `${prefix}list:all`,
      ...(Object.fromEntries(LIST_FILTER_NAMES.map((f) => [f, `${prefix}list:${f}`])) as Record<ListFilter, string>),
    };
    // The state index first, as the scripts expect; then the others in LIST_FILTERS order.
    const fixed = LIST_FILTER_NAMES.filter((f) => f !== MUTABLE_FILTER).map((f) => this.listKeys[f]);
    this.listingKeys = [this.listKeys[MUTABLE_FILTER], this.listKeys.all, ...fixed];
    redis.defineCommand("watchInsert", { numberOfKeys: 3 + this.listingKeys.length, lua: INSERT });
    redis.defineCommand("watchClaim", { numberOfKeys: 1, lua: CLAIM });
    redis.defineCommand("watchRepair", { numberOfKeys: 2, lua: REPAIR });
    redis.defineCommand("watchSave", { numberOfKeys: 4, lua: SAVE });
    redis.defineCommand("watchIndex", { numberOfKeys: 1 + this.listingKeys.length, lua: INDEX });
    redis.defineCommand("watchList", { lua: LIST });
    this.redis = redis as ScriptedRedis;
    this.keys = { watchPrefix: `${prefix}watch:`, due: `${prefix}due`, states: `${prefix}states`, limiter: `${prefix}upstream-rate` };
    this.listingScannedKey = `${prefix}list:scanned`;
    this.listingLayoutKey = `${prefix}list:layout`;
  }

  async insert(watch: Watch): Promise<{ watch: Watch; created: boolean }> {
    const existing = await this.redis.watchInsert(...this.insertArgs(watch));
    return existing ? { watch: this.decode(watch.id, existing), created: false } : { watch, created: true };
  }

  /** Inserts many watches in pipelined batches (bulk loads, benchmarks); returns how many were new. */
  async insertMany(watches: readonly Watch[]): Promise<number> {
    let created = 0;
    for (let i = 0; i < watches.length; i += INSERT_BATCH) {
      const pipeline = this.scriptPipeline();
      for (const watch of watches.slice(i, i + INSERT_BATCH)) void pipeline.watchInsert(...this.insertArgs(watch));
      for (const [error, existing] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        if (existing === null) created++;
      }
    }
    return created;
  }

  async get(id: string): Promise<Watch | undefined> {
    const reply: Reply = await this.redis.hmget(this.watchKey(id), ...FIELDS);
    // A hash without a body is no watch (a half-record an older release's claim could leave).
    return reply[5] === null ? undefined : this.decode(id, reply);
  }

  async claimDue({ now, limit, owner, leaseMs }: ClaimOptions): Promise<Watch[]> {
    const until = now + leaseMs;
    const sent = this.localClock();
    const [seconds, micros, claimed, missing] = await this.redis.watchClaim(this.keys.due, now, limit, owner, until, this.keys.watchPrefix);
    this.learnOffset(seconds, micros, sent);
    if (missing.length > 0) {
      const dropped = await this.redis.watchRepair(this.keys.due, this.keys.states, this.keys.watchPrefix);
      this.logger?.warn("watches gone from the Redis store (evicted or deleted) were dropped from the due index", {
        missing: missing.length,
        dropped,
      });
    }
    return claimed.map(([id, version, state, body]) =>
      fromRow({ id, version, state, dueAt: until, leaseOwner: owner, leaseUntil: until, body }),
    );
  }

  now(): number {
    return Math.round(this.localClock() + this.offset);
  }

  /** Measures the offset to the server's clock. */
  async syncClock(): Promise<void> {
    const sent = this.localClock();
    const [seconds = 0, micros = 0] = await this.redis.time();
    this.learnOffset(seconds, micros, sent);
  }

  /** The server answered `seconds`.`micros` to a request sent at local time `sent`: assume it read its clock halfway. */
  private learnOffset(seconds: string | number, micros: string | number, sent: number): void {
    const server = Number(seconds) * 1000 + Number(micros) / 1000;
    this.offset = server - (sent + this.localClock()) / 2;
  }

  async save(watch: Watch): Promise<Watch | undefined> {
    const [watchKey, due, states, ...argv] = this.scriptArgs(watch);
    const newVersion = await this.redis.watchSave(watchKey, due, states, this.listKeys[MUTABLE_FILTER], ...argv);
    return newVersion === null ? undefined : { ...watch, version: newVersion };
  }

  async list(query: ListQuery): Promise<ListPage> {
    const { filters, limit, after } = query;
    const { given, budget } = walkPlan(query);
    const keys = given.length > 0 ? given.map((f) => this.listKeys[f]) : [this.listKeys.all];
    const prefixes = given.length > 0 ? given.map((f) => `${encodeURIComponent(filters[f]!)}|`) : [""];
    const [stoppedAt, found] = await this.redis.watchList(
      keys.length,
      ...keys,
      limit + 1,
      budget,
      after ? positionText(after) : "",
      ...prefixes,
    );
    const { shown, next } = pageOf(found.map(positionFrom), limit, stoppedAt ? positionFrom(stoppedAt) : undefined);
    // A hash gone missing (evicted, deleted by hand) is left out of the page rather than failing it.
    const watches = (await Promise.all(shown.map((p) => this.get(p.id)))).filter((w): w is Watch => w !== undefined);
    return { watches, next };
  }

  /**
   * Indexes watches stored without the listing: by an older version (before it existed, or an
   * instance still running it during a deploy), or before a filter was added. Watches are never
   * deleted, so the state counts say how many there are: when the index holds fewer, the
   * watches are scanned once for that count (a hash lost since would otherwise bring a scan on
   * every open). Safe to run from several processes at once.
   */
  async addListing(): Promise<void> {
    const [indexed, counts, scannedAt, layout] = await Promise.all([
      this.redis.zcard(this.listKeys.all),
      this.redis.hvals(this.keys.states),
      this.redis.get(this.listingScannedKey),
      this.redis.get(this.listingLayoutKey),
    ]);
    const total = counts.reduce((sum, n) => sum + Number(n), 0);
    const relayout = layout !== LISTING_LAYOUT && total > 0;
    if (!relayout && (indexed >= total || scannedAt === String(total))) {
      if (layout !== LISTING_LAYOUT) await this.redis.set(this.listingLayoutKey, LISTING_LAYOUT);
      return;
    }
    const stream = this.redis.scanStream({ match: `${globEscape(this.keys.watchPrefix)}*`, count: REINDEX_BATCH });
    for await (const watchKeys of stream as AsyncIterable<string[]>) {
      const pipeline = this.scriptPipeline();
      const bodies = await Promise.all(watchKeys.map((key) => this.redis.hmget(key, "listPos", "body")));
      for (const [i, [listPos, body]] of bodies.entries()) {
        if ((listPos && !relayout) || !body) continue;
        const id = watchKeys[i]!.slice(this.keys.watchPrefix.length);
        const watch = fromRow({ id, version: 0, state: "pending", dueAt: null, leaseOwner: null, leaseUntil: null, body });
        void pipeline.watchIndex(watchKeys[i]!, ...this.listingKeys, ...this.listingEntries(watch));
      }
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    }
    await this.redis.mset(this.listingScannedKey, String(total), this.listingLayoutKey, LISTING_LAYOUT);
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
    return createSharedRateLimiter(this.redis, this.keys.limiter, ratePerSecond);
  }

  async close(): Promise<void> {
    if (this.redis.status === "end") return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** A pipeline that queues the store's scripts (ioredis defines them on pipelines too, untyped). */
  private scriptPipeline() {
    return this.redis.pipeline() as unknown as Pick<ScriptedRedis, "watchInsert" | "watchIndex"> & {
      exec(): Promise<[Error | null, unknown][] | null>;
    };
  }

  private watchKey(id: string): string {
    return `${this.keys.watchPrefix}${id}`;
  }

  /** KEYS and ARGV of the insert and save scripts (for save, `version` is the expected one). */
  private scriptArgs(watch: Watch): [watchKey: string, due: string, states: string, ...argv: string[]] {
    const f = encode(toRow(watch));
    return [this.watchKey(f.id), this.keys.due, this.keys.states, f.id, f.version, f.state, f.dueAt, f.leaseOwner, f.leaseUntil, f.body];
  }

  /** KEYS and ARGV of the insert script: the save's, then the listing indexes and entries. */
  private insertArgs(watch: Watch): string[] {
    const [watchKey, due, states, ...argv] = this.scriptArgs(watch);
    return [watchKey, due, states, ...this.listingKeys, ...argv, ...this.listingEntries(watch)];
  }

  /** The watch's position, then its entries in the listing indexes after the state one (listingKeys order). */
  private listingEntries(watch: Watch): string[] {
    const position = positionText(positionOf(watch));
    return [position, position, ...fixedFilterValues(watch).map(([, value]) => entryOf(value, position))];
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
