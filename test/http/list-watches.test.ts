/**
 * `GET /watches` and `GET /watches/stats` through handleApiRequest, on both stores (a SQLite
 * file, and the real Redis under a random prefix: these fail, not skip, without it). Watches
 * are put in the store directly, so hundreds cost no upstream calls.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { handleApiRequest } from "../../lib/http/api";
import { createLogger } from "../../lib/log";
import { createRelay, type Relay } from "../../lib/relay";
import type { Destination, Watch } from "../../lib/schemas/index";
import { openStore } from "../../lib/watches/open-store";
import type { WatchStore } from "../../lib/watches/store";
import { deleteRedisKeys } from "../support/redis";
import { listedWatch, newestFirst, T0 } from "../watches/fixtures";

const TOKEN = "list-test-token-5d1e";
const SECRET = `whsec_${Buffer.alloc(32, 3).toString("base64")}`;
const PASSWORD = "amqp-pass-9c2b";
const scratch = mkdtempSync(join(tmpdir(), "nettask-list-"));
const redisPrefix = `test:list:${randomBytes(6).toString("hex")}:`;

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await deleteRedisKeys("redis://127.0.0.1:6379/0", redisPrefix);
});

/** The n-th watch: a destination of every kind in turn, each carrying a secret the API must hide. */
function watchNumber(n: number, createdAt: number): Watch {
  const destinations: Destination[] = [
    { type: "webhook", url: `https://hooks.example.com/${n}`, secret: SECRET },
    { type: "amqp", exchange: "nettask", routingKey: `r${n}`, url: `amqps://relay:${PASSWORD}@mq.example.com:5671/v` },
    { type: "cmq", queue: `q${n}` },
  ];
  return listedWatch(n, { createdAt, destination: destinations[n % 3]! });
}

describe.each([
  ["SQLite", () => `sqlite:${join(scratch, "watches.db")}`],
  ["Redis", () => `redis://127.0.0.1:6379/0?prefix=${encodeURIComponent(redisPrefix)}`],
])("GET /watches on %s", (_name, storeUrl) => {
  let store: WatchStore;
  let relay: Relay;
  let relayCalls = 0;
  const stored: Watch[] = [];

  beforeAll(async () => {
    const config = loadConfig({ STORE_URL: storeUrl(), API_TOKEN: TOKEN });
    store = await openStore(config.storeUrl, { platform: "local" });
    relay = await createRelay(config, { store, logger: createLogger({ sink: () => undefined }) });
    for (let n = 1; n <= 250; n++) {
      const watch = watchNumber(n, T0 + Math.floor(n / 4));
      await store.insert(watch);
      // Every fifth watch is a dead letter.
      stored.push(n % 5 === 0 ? (await store.save({ ...watch, state: "failed", dueAt: null }))! : watch);
    }
    return () => relay.close();
  });

  const get = async (path: string, query: Record<string, string> = {}) => {
    const response = await handleApiRequest(
      { method: "GET", path, query, headers: { authorization: `Bearer ${TOKEN}` }, requestId: "list" },
      {
        config: () => loadConfig({ API_TOKEN: TOKEN }),
        tasks: async () => relay,
        relay: async () => {
          relayCalls++;
          return relay;
        },
        logger: () => createLogger({ sink: () => undefined }),
      },
    );
    return { ...response, json: JSON.parse(response.body) };
  };

  /** Every page of the listing with `query`, at `limit`; `between` runs after each page. */
  const pages = async (query: Record<string, string>, between: () => Promise<void> = async () => undefined) => {
    const bodies: string[] = [];
    const watches: any[] = [];
    let cursor: string | null = null;
    do {
      const page = await get("/watches", { ...query, ...(cursor ? { cursor } : {}) });
      expect(page.statusCode, page.body).toBe(200);
      bodies.push(page.body);
      watches.push(...page.json.data);
      cursor = page.json.next;
      await between();
    } while (cursor);
    return { watches, bodies };
  };

  it("pages through 250 watches at limit=7, each exactly once and newest first, while new ones are registered, with no secret in any page", async () => {
    let added = 10_000;
    const before = [...stored];
    const { watches, bodies } = await pages({ limit: "7" }, async () => {
      const watch = watchNumber(++added, T0 + 10_000 + added);
      await store.insert(watch);
      stored.push(watch);
    });
    expect(bodies).toHaveLength(36);
    expect(watches.map((w) => w.id)).toEqual(newestFirst(before).map((w) => w.id));
    for (const body of bodies) {
      expect(body).not.toContain("whsec_");
      expect(body).not.toContain(PASSWORD);
      expect(body).not.toMatch(/"(lease|version|dueAt)"/);
    }
    // The same view as GET /watches/{id}.
    for (const w of watches.slice(0, 6)) expect((await get(`/watches/${w.id}`)).json).toEqual(w);
    // A new listing starts with the watches registered meanwhile.
    expect((await get("/watches", { limit: "2" })).json.data.map((w: Watch) => w.taskId)).toEqual([added, added - 1]);
  });

  it("filters by state (the dead letters), taskId and destinationType, and by several at once", async () => {
    const ids = (list: Watch[]) => newestFirst(list).map((w) => w.id);
    expect((await pages({ state: "failed", limit: "20" })).watches.map((w) => w.id)).toEqual(
      ids(stored.filter((w) => w.state === "failed")),
    );
    expect((await pages({ taskId: "42" })).watches.map((w) => w.id)).toEqual(ids(stored.filter((w) => w.taskId === 42)));
    expect((await pages({ destinationType: "amqp", limit: "100" })).watches.map((w) => w.id)).toEqual(
      ids(stored.filter((w) => w.destination.type === "amqp")),
    );
    const both = stored.filter((w) => w.state === "failed" && w.destination.type === "cmq");
    expect((await pages({ state: "failed", destinationType: "cmq", limit: "3" })).watches.map((w) => w.id)).toEqual(ids(both));
    expect(await get("/watches", { taskId: "99999" })).toMatchObject({ statusCode: 200, json: { data: [], next: null } });
  });

  it("refuses a bad filter with 422 naming it, before touching the store", async () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ state: "dead" }, "state", "enum"],
      [{ destinationType: "sms" }, "destinationType", "enum"],
      [{ taskId: "29 7" }, "taskId", "pattern"],
      [{ limit: "0" }, "limit", "minimum"],
      [{ limit: "101" }, "limit", "maximum"],
      [{ limit: "ten" }, "limit", "type"],
      [{ cursor: "not a cursor!" }, "cursor", "pattern"],
      [{ cursor: Buffer.from("1764200000123:w_bad").toString("base64url") }, "cursor", "cursor"],
      [{ status: "failed" }, "status", "additionalProperties"],
    ];
    const before = relayCalls;
    for (const [query, field, rule] of cases) {
      const response = await get("/watches", query);
      expect(response.statusCode, JSON.stringify(query)).toBe(422);
      expect(response.headers["content-type"]).toBe("application/problem+json");
      expect(response.json.errors, JSON.stringify(query)).toContainEqual(expect.objectContaining({ field, rule }));
    }
    expect(relayCalls).toBe(before);
  });

  it("GET /watches/stats counts the watches in each state", async () => {
    const response = await get("/watches/stats");
    expect(response.statusCode).toBe(200);
    const counts = await store.countByState();
    expect(response.json).toEqual({ states: counts, total: Object.values(counts).reduce((a, b) => a + b, 0) });
    expect(response.json.states.failed).toBe(50);
  });
});
