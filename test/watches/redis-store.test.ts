/**
 * Runs against the real Redis on 127.0.0.1:6379; fails (does not skip) when it is not there.
 * The eviction-policy checks start their own redis-server (the shared one's policy is not ours
 * to change), and fail likewise when it cannot be started.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../lib/log";
import {
  openRedisStore,
  parseRedisUrl,
  REDIS_CONNECTION_NAME,
  type RedisStoreOptions,
  type RedisWatchStore,
} from "../../lib/watches/redis-store";
import { StoreConfigError } from "../../lib/watches/store";
import type { Watch } from "../../lib/schemas/index";
import type { Position } from "../../lib/watches/listing";
import { toRow } from "../../lib/watches/row";
import { freePort } from "../support/free-port";
import { deletePrefixed } from "../support/redis";
import { deliveredWatch, expectValidWatch, listedWatch, newestFirst, previousReleaseRow, T0, watchesFor, watchFor } from "./fixtures";
import { storeContract } from "../support/store-contract";

const SERVER = "redis://127.0.0.1:6379/0";
const filePrefix = `test:watches:${randomBytes(6).toString("hex")}:`;
let spaces = 0;
let admin: Redis;

beforeAll(async () => {
  admin = new Redis(SERVER, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
});

afterAll(async () => {
  await deletePrefixed(admin, filePrefix);
  await admin.quit();
});

const newPrefix = () => `${filePrefix}${++spaces}:`;
const urlFor = (prefix: string) => `${SERVER}?prefix=${encodeURIComponent(prefix)}`;

describe("RedisWatchStore", () => {
  storeContract(async () => {
    const prefix = newPrefix();
    return { open: () => openRedisStore(urlFor(prefix)), destroy: () => deletePrefixed(admin, prefix) };
  });

  describe("layout", () => {
    let prefix: string;
    let store: RedisWatchStore;

    beforeAll(async () => {
      prefix = newPrefix();
      store = await openRedisStore(urlFor(prefix));
      return () => store.close();
    });

    it("keeps epoch-ms scores and fields exact, and final watches out of the due set", async () => {
      const pending = watchFor(1);
      await store.insert(pending);
      await store.insert(deliveredWatch(2));
      expect(await admin.zrange(`${prefix}due`, 0, -1, "WITHSCORES")).toEqual([pending.id, String(T0)]);
      const [claimed] = await store.claimDue({ now: T0, limit: 1, owner: "p", leaseMs: 1_000 });
      expect(await admin.hmget(`${prefix}watch:${pending.id}`, "version", "dueAt", "leaseOwner", "leaseUntil")).toEqual([
        "1",
        String(T0 + 1_000),
        "p",
        String(T0 + 1_000),
      ]);
      expect(await admin.zscore(`${prefix}due`, pending.id)).toBe(String(T0 + 1_000));
      await store.save({ ...claimed!, state: "delivered", dueAt: null, lease: null });
      expect(await admin.zcard(`${prefix}due`)).toBe(0);
      expect(await admin.hgetall(`${prefix}states`)).toEqual({ pending: "0", delivered: "2" });
    });

    it("keeps each watch's listing position in its hash and its entries in one sorted set per filter", async () => {
      const watch = listedWatch(42, { createdAt: T0, destination: { type: "cmq", queue: "q" } });
      await store.insert(watch);
      const position = `00${T0}|${watch.id}`;
      expect(await admin.hget(`${prefix}watch:${watch.id}`, "listPos")).toBe(position);
      expect(await admin.zrange(`${prefix}list:all`, 0, -1)).toContain(position);
      expect(await admin.zrange(`${prefix}list:taskId`, 0, -1)).toContain(`42|${position}`);
      expect(await admin.zrange(`${prefix}list:destinationType`, 0, -1)).toContain(`cmq|${position}`);
      expect(await admin.zrange(`${prefix}list:state`, 0, -1)).toContain(`pending|${position}`);
      await store.save({ ...(await store.get(watch.id))!, state: "cancelled", dueAt: null });
      const states = await admin.zrange(`${prefix}list:state`, 0, -1);
      expect(states).toContain(`cancelled|${position}`);
      expect(states).not.toContain(`pending|${position}`);
    });

    /** Stores `watches` the way the version before listing did: the hash, the due set and the state counts. */
    const storeAsBefore = async (prefix: string, watches: Watch[]) => {
      const pipeline = admin.pipeline();
      for (const w of watches) {
        const row = toRow(w);
        pipeline.hset(`${prefix}watch:${w.id}`, {
          version: row.version,
          state: row.state,
          dueAt: row.dueAt ?? "",
          leaseOwner: "",
          leaseUntil: "",
          body: row.body,
        });
        if (row.dueAt !== null) pipeline.zadd(`${prefix}due`, row.dueAt, w.id);
        pipeline.hincrby(`${prefix}states`, row.state, 1);
      }
      await pipeline.exec();
    };

    it("indexes watches stored before listing existed when opened, from several processes at once", async () => {
      const oldPrefix = newPrefix();
      const stored = Array.from({ length: 2_300 }, (_, i) => ({
        ...listedWatch(i + 1, { createdAt: T0 + (i % 400) }),
        ...(i % 4 === 0 ? { state: "failed" as const, dueAt: null } : {}),
      }));
      await storeAsBefore(oldPrefix, stored);

      const [one, two] = await Promise.all([openRedisStore(urlFor(oldPrefix)), openRedisStore(urlFor(oldPrefix))]);
      expect(await admin.get(`${oldPrefix}list:scanned`)).toBe("2300");
      expect(await admin.zcard(`${oldPrefix}list:all`)).toBe(2_300);
      expect(await admin.zcard(`${oldPrefix}list:state`)).toBe(2_300);
      const failed: string[] = [];
      let after: Position | undefined;
      do {
        const page = await one.list({ filters: { state: "failed" }, limit: 100, after });
        failed.push(...page.watches.map((w) => w.id));
        after = page.next ?? undefined;
      } while (after);
      expect(failed).toEqual(newestFirst(stored.filter((w) => w.state === "failed")).map((w) => w.id));
      expect((await two.list({ filters: { taskId: "7", destinationType: "webhook" }, limit: 5 })).watches).toEqual([stored[6]]);
      await Promise.all([one.close(), two.close()]);
    });

    it("indexes every watch again when the listing has a filter the store was not indexed for", async () => {
      const prefix = newPrefix();
      const first = await openRedisStore(urlFor(prefix));
      const watches = [listedWatch(1), listedWatch(2, { createdAt: T0 + 1, destination: { type: "cmq", queue: "q" } })];
      for (const w of watches) await first.insert(w);
      await first.save({ ...(await first.get(watches[0]!.id))!, state: "failed", dueAt: null });
      expect(await admin.get(`${prefix}list:layout`)).toBe("all,taskId,state,destinationType,api");
      // As a store indexed before destinationType existed would be.
      await admin.del(`${prefix}list:destinationType`);
      await admin.set(`${prefix}list:layout`, "all,taskId,state");
      const second = await openRedisStore(urlFor(prefix));
      expect((await second.list({ filters: { destinationType: "cmq" }, limit: 5 })).watches.map((w) => w.id)).toEqual([watches[1]!.id]);
      expect((await second.list({ filters: { state: "failed", destinationType: "webhook" }, limit: 5 })).watches.map((w) => w.id)).toEqual([
        watches[0]!.id,
      ]);
      expect(await admin.zcard(`${prefix}list:state`)).toBe(2);
      await Promise.all([first.close(), second.close()]);
    });

    it("indexes, at the next open, a watch an older version stored meanwhile (a deploy in progress), and scans no more after", async () => {
      const prefix = newPrefix();
      const first = await openRedisStore(urlFor(prefix));
      await first.insert(listedWatch(1));
      const late = listedWatch(2, { createdAt: T0 + 1 });
      await storeAsBefore(prefix, [late]);
      expect((await first.list({ filters: {}, limit: 5 })).watches.map((w) => w.id)).toEqual([listedWatch(1).id]);
      const second = await openRedisStore(urlFor(prefix));
      expect((await second.list({ filters: {}, limit: 5 })).watches.map((w) => w.id)).toEqual([late.id, listedWatch(1).id]);
      // A hash lost for good leaves the index short of the counts: scanned once for that count, then left alone.
      await storeAsBefore(prefix, [listedWatch(3)]);
      await admin.del(`${prefix}watch:${listedWatch(3).id}`);
      await (await openRedisStore(urlFor(prefix))).close();
      expect(await admin.get(`${prefix}list:scanned`)).toBe("3");
      // A watch hash the counts do not know of would be indexed by a scan; the next open makes none.
      const uncounted = listedWatch(4);
      await admin.hset(`${prefix}watch:${uncounted.id}`, {
        version: 0,
        state: "pending",
        dueAt: "",
        leaseOwner: "",
        leaseUntil: "",
        body: toRow(uncounted).body,
      });
      const third = await openRedisStore(urlFor(prefix));
      expect((await third.list({ filters: {}, limit: 5 })).watches.map((w) => w.id)).toEqual([late.id, listedWatch(1).id]);
      await Promise.all([first.close(), second.close(), third.close()]);
    });

    it("bulk-inserts in pipelined batches and reports how many were new", async () => {
      const bulk = await openRedisStore(urlFor(newPrefix()));
      const watches = watchesFor(2_500).map((w, i) => ({ ...w, dueAt: T0 + i }));
      await bulk.insert(watches[7]!);
      expect(await bulk.insertMany(watches)).toBe(2_499);
      expect(await bulk.insertMany(watches.slice(0, 10))).toBe(0);
      expect((await bulk.countByState()).pending).toBe(2_500);
      expect(await bulk.get(watches[2_499]!.id)).toEqual(watches[2_499]);
      expect(await bulk.nextDueAt()).toBe(T0);
      await bulk.close();
    });
  });

  /** Runs `test` on a store over a fresh prefix, closed afterwards. */
  async function withStore(test: (store: RedisWatchStore, prefix: string) => Promise<void>, options?: RedisStoreOptions): Promise<void> {
    const prefix = newPrefix();
    const store = await openRedisStore(urlFor(prefix), options);
    try {
      await test(store, prefix);
    } finally {
      await store.close();
    }
  }

  describe("repair", () => {
    it("skips a due watch whose hash is gone, drops it from the index and puts the state counts right", async () => {
      const lines: string[] = [];
      await withStore(
        async (store, prefix) => {
          const [gone, halfGone, kept, delivering] = [
            watchFor(1),
            watchFor(2),
            watchFor(3),
            { ...watchFor(4), state: "delivering" as const },
          ];
          for (const w of [gone, halfGone, kept, delivering]) await store.insert(w);
          await store.insert(deliveredWatch(5));
          // Evicted or deleted by hand; and a hash without its body (what an older release's claim left behind).
          await admin.del(`${prefix}watch:${gone.id}`);
          await admin.hdel(`${prefix}watch:${halfGone.id}`, "body", "state");

          const claimed = await store.claimDue({ now: T0, limit: 10, owner: "p", leaseMs: 1_000 });
          expect(claimed.map((w) => w.id).sort()).toEqual([kept.id, delivering.id].sort());
          expect(await admin.zrange(`${prefix}due`, 0, -1)).toEqual(expect.arrayContaining([kept.id, delivering.id]));
          expect(await admin.zcard(`${prefix}due`)).toBe(2);
          expect(await admin.exists(`${prefix}watch:${gone.id}`, `${prefix}watch:${halfGone.id}`)).toBe(0);
          expect(await store.countByState()).toMatchObject({ pending: 1, delivering: 1, delivered: 1 });
          expect(await store.get(gone.id)).toBeUndefined();
          expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: "warn", missing: 2, dropped: 2 })]);
          // Nothing comes back to be claimed again.
          expect(await store.claimDue({ now: T0 + 10_000, limit: 10, owner: "q", leaseMs: 1_000 })).toHaveLength(2);
        },
        { logger: createLogger({ sink: (line) => lines.push(line) }) },
      );
    });

    it("answers a hash without a body as no watch, not as a broken one, and registers the watch over it", async () => {
      await withStore(async (store, prefix) => {
        const watch = watchFor(1);
        await admin.hset(`${prefix}watch:${watch.id}`, "version", "3", "dueAt", String(T0), "leaseOwner", "p", "leaseUntil", String(T0));
        expect(await store.get(watch.id)).toBeUndefined();
        expect(await store.insert(watch)).toEqual({ watch, created: true });
        expect(await store.get(watch.id)).toEqual(watch);
      });
    });
  });

  describe("older releases' watches", () => {
    it("loads a watch stored before the attempt counters and the attempt mark existed", async () => {
      await withStore(async (store, prefix) => {
        const { row, loads } = previousReleaseRow(1, 1);
        await admin.hset(`${prefix}watch:${row.id}`, {
          version: row.version,
          state: row.state,
          dueAt: "",
          leaseOwner: "",
          leaseUntil: "",
          body: row.body,
        });
        const loaded = await store.get(row.id);
        expect(loaded).toEqual(loads);
        expect(loaded!.delivery).toMatchObject({ attemptCount: 2, roundAttempts: 1 });
        expectValidWatch(loaded);
      });
    });
  });

  describe("clock", () => {
    it("leases on the server's clock: an instance whose clock runs 61 s ahead cannot take a freshly leased watch", async () => {
      const prefix = newPrefix();
      const honest = await openRedisStore(urlFor(prefix));
      const ahead = await openRedisStore(urlFor(prefix), { localClock: () => Date.now() + 61_000 });
      try {
        expect(Math.abs(ahead.now() - honest.now())).toBeLessThan(1_000);
        const watch = { ...watchFor(1), dueAt: honest.now() - 1 };
        await honest.insert(watch);
        const [held] = await honest.claimDue({ now: honest.now(), limit: 1, owner: "honest", leaseMs: 60_000 });
        expect(held?.id).toBe(watch.id);
        // Read on its own clock it would be past the lease: the store reads the server's.
        expect(Date.now() + 61_000).toBeGreaterThan(held!.lease!.until);
        expect(await ahead.claimDue({ now: ahead.now(), limit: 1, owner: "ahead", leaseMs: 60_000 })).toEqual([]);
        expect(await ahead.claimDue({ now: ahead.now() + 60_001, limit: 1, owner: "ahead", leaseMs: 60_000 })).toHaveLength(1);
      } finally {
        await Promise.all([honest.close(), ahead.close()]);
      }
    });
  });

  describe("eviction policy", () => {
    /** A private redis-server on a free port with `policy`; stopped after the test. */
    async function privateServer(policy: string): Promise<{ url: string; stop(): void }> {
      const port = await freePort();
      const server = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", policy],
        { stdio: "ignore" },
      );
      const failed = new Promise<never>((_, reject) =>
        server.once("error", reject).once("exit", (code) => reject(new Error(`redis-server exited with ${code}`))),
      );
      const listening = (async () => {
        for (let tries = 0; ; tries++) {
          const ready = await new Promise<boolean>((resolve) =>
            connect(port, "127.0.0.1")
              .once("connect", function (this: Socket) {
                this.destroy();
                resolve(true);
              })
              .once("error", () => resolve(false)),
          );
          if (ready) return;
          if (tries > 100) throw new Error(`redis-server did not listen on ${port}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await Promise.race([failed, listening]);
      failed.catch(() => undefined);
      return { url: `redis://127.0.0.1:${port}/0`, stop: () => server.kill() };
    }

    it("refuses a server that may evict any key (allkeys-*), naming the policy", async () => {
      for (const policy of ["allkeys-lru", "allkeys-random"]) {
        const server = await privateServer(policy);
        try {
          const error = await openRedisStore(server.url).catch((e: Error) => e);
          expect(error).toBeInstanceOf(StoreConfigError);
          expect((error as Error).message).toMatch(
            new RegExp(`^the Redis store's maxmemory-policy is ${policy}: .*set maxmemory-policy to noeviction$`),
          );
        } finally {
          server.stop();
        }
      }
    });

    it("warns about any policy but noeviction, and opens", async () => {
      const server = await privateServer("volatile-lru");
      const lines: string[] = [];
      try {
        const store = await openRedisStore(server.url, { logger: createLogger({ sink: (line) => lines.push(line) }) });
        await store.close();
        expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: "warn", maxmemoryPolicy: "volatile-lru" })]);
      } finally {
        server.stop();
      }
      lines.length = 0;
      const shared = await openRedisStore(urlFor(newPrefix()), { logger: createLogger({ sink: (line) => lines.push(line) }) });
      await shared.close();
      expect(lines).toEqual([]);
    });
  });

  describe("connection", () => {
    it("fails fast with a clear error, and no password, when the server cannot be reached", async () => {
      const port = await freePort();
      const error = await openRedisStore(`redis://:hunter2-secret@127.0.0.1:${port}/0`).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(new RegExp(`^cannot connect to the Redis store at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      expect((error as Error).message).not.toContain("hunter2");
    });

    it("names its connection, so an operator's CLIENT LIST tells the relay's connections apart", async () => {
      const store = await openRedisStore(urlFor(newPrefix()));
      try {
        // Asked on the store's own connection: other tests' stores may be connected meanwhile.
        const { redis } = store as unknown as { redis: Redis };
        expect(await redis.client("GETNAME")).toBe(REDIS_CONNECTION_NAME);
      } finally {
        await store.close();
      }
    });

    it("rejects calls after close instead of hanging, and closes twice without error", async () => {
      const store = await openRedisStore(urlFor(newPrefix()));
      await store.close();
      await expect(store.get(watchFor(1).id)).rejects.toThrow();
      await store.close();
    });
  });

  describe("parseRedisUrl", () => {
    it("takes the prefix from the query (default nettask:) and passes the rest to the client", () => {
      expect(parseRedisUrl("redis://127.0.0.1:6379")).toEqual({ connection: "redis://127.0.0.1:6379", prefix: "nettask:" });
      expect(parseRedisUrl("rediss://:pw@cache.internal:6380/2?prefix=team-a:")).toEqual({
        connection: "rediss://:pw@cache.internal:6380/2",
        prefix: "team-a:",
      });
    });

    it("reads the prefix exactly as written: # and + are part of it, %-escapes are decoded", () => {
      expect(parseRedisUrl("redis://127.0.0.1:6379/0?prefix=team#a:").prefix).toBe("team#a:");
      expect(parseRedisUrl("redis://127.0.0.1:6379/0?prefix=a+b:").prefix).toBe("a+b:");
      expect(parseRedisUrl("redis://127.0.0.1:6379/0?prefix=a%20b%3A").prefix).toBe("a b:");
      expect(parseRedisUrl("redis://127.0.0.1:6379/0?").prefix).toBe("nettask:");
    });

    it("refuses URLs it cannot honour, naming STORE_URL and never echoing the password", () => {
      const refusal = (url: string) => {
        try {
          parseRedisUrl(url);
        } catch (e) {
          expect(e).toBeInstanceOf(StoreConfigError);
          expect((e as Error).message).not.toContain("pw");
          return (e as Error).message;
        }
        throw new Error(`accepted ${url}`);
      };
      expect(refusal("redis://:pw@host:6379/zero")).toMatch(/^STORE_URL path must be a database number/);
      expect(refusal("redis://:pw@host:6379/0?family=6&tls=1")).toBe(
        "STORE_URL has unknown query parameters: family, tls (only prefix is supported)",
      );
      expect(refusal("redis//:pw@host")).toMatch(/^STORE_URL is not a valid URL/);
      expect(refusal("memcached://:pw@host")).toMatch(/^STORE_URL must use redis:\/\/ or rediss:\/\//);
      expect(refusal("redis://:pw@host:6379/0?prefix=")).toBe(
        "STORE_URL prefix must not be empty (leave ?prefix= out for the default nettask:)",
      );
      expect(refusal("redis://:pw@host:6379/0?prefix=a&prefix=b")).toBe("STORE_URL names the query parameter prefix twice");
      expect(refusal("redis://:pw@host:6379/0?prefix=%zz")).toBe("STORE_URL has a malformed percent-encoding (%) in its query");
    });
  });
});
