/**
 * Figure 6: what one poll cycle costs as the number of pending watches grows, for both
 * stores: claiming POLL_CONCURRENCY due watches and saving each back rescheduled, which is
 * the store work a poller does per batch. Baseline: the same cycle on an empty store. And
 * what a page of `GET /watches` costs at the largest size against the smallest (the issue's
 * bound: at most 1.5×): the newest page, and a page deep in the store with a filter.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Redis } from "ioredis";
import { loadConfig } from "../../lib/config";
import type { TaskResult, Watch } from "../../lib/schemas/index";
import { recordResult } from "../../lib/watches/lifecycle";
import { newWatch } from "../../lib/watches/model";
import { openRedisStore } from "../../lib/watches/redis-store";
import { SqliteWatchStore } from "../../lib/watches/sqlite-store";
import type { ListQuery, Position } from "../../lib/watches/listing";
import type { WatchStore } from "../../lib/watches/store";
import { collectGarbage } from "./gc";
import { deletePrefixed, REDIS_SERVER } from "./redis";
import { progress, type Figure, type Row } from "./report";
import { kb, mb, ms, seconds, signed, spread, summarize, times, type Summary } from "./stats";

const SIZES = [1_000, 10_000, 100_000];
const CYCLES = 40;
const WARM_UP_CYCLES = 3;
const INSERT_CHUNK = 10_000;
const PAGE_LIMIT = 50;
const PAGE_RUNS = 200;
/** A page at the largest size may take at most this many times what it takes at the smallest. */
const PAGE_RATIO_BOUND = 1.5;
const DESTINATION = {
  type: "webhook",
  url: "https://hooks.example.com/bench",
  secret: `whsec_${Buffer.alloc(32, 4).toString("base64")}`,
} as const;

type BulkStore = WatchStore & { insertMany(watches: readonly Watch[]): Promise<number> };

interface StoreUnderTest {
  name: string;
  open(): Promise<BulkStore>;
  /** Bytes the store holds outside this process (Redis), or 0. */
  externalBytes(): Promise<number>;
  destroy(): Promise<void>;
}

const config = loadConfig({});

const running = (w: Watch): TaskResult => ({
  api: "legacy",
  taskId: Number(w.taskId),
  region: w.region,
  status: "running",
  code: 2,
  output: { code: 0, message: "" },
  data: null,
});

/** One cycle: claim a batch of due watches and save each rescheduled, as a poller does after polling them. */
async function cycle(store: WatchStore, owner: string): Promise<{ ms: number; heapBytes: number }> {
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const now = Date.now();
  const claimed = await store.claimDue({ now, limit: config.pollConcurrency, owner, leaseMs: config.leaseMs });
  const backoff = { minDelayMs: config.pollMinDelayMs, maxDelayMs: config.pollMaxDelayMs };
  const saved = await Promise.all(claimed.map((w) => store.save(recordResult(w, running(w), now, backoff))));
  const elapsed = performance.now() - started;
  if (saved.some((w) => w === undefined)) throw new Error("scale: a save lost its compare-and-set with no one else writing");
  return { ms: elapsed, heapBytes: process.memoryUsage().heapUsed - heapBefore };
}

async function cycles(store: WatchStore, expectClaimed: boolean): Promise<{ ms: number[]; heapBytes: number[] }> {
  const owner = `bench-${randomBytes(4).toString("hex")}`;
  const out = { ms: [] as number[], heapBytes: [] as number[] };
  for (let i = 0; i < WARM_UP_CYCLES + CYCLES; i++) {
    const one = await cycle(store, owner);
    if (i < WARM_UP_CYCLES) continue;
    out.ms.push(one.ms);
    out.heapBytes.push(one.heapBytes);
  }
  const due = await store.nextDueAt();
  if (expectClaimed !== (due !== null && due <= Date.now()))
    throw new Error(`scale: expected ${expectClaimed ? "due watches left" : "an empty store"}`);
  return out;
}

interface Chunk {
  first: number;
  createdAt: number;
}

/** The page queries timed at each size: the newest page, and a filtered page halfway down the store. */
function pageQueries(middle: Position): [string, ListQuery][] {
  return [
    ["the newest page", { filters: {}, limit: PAGE_LIMIT }],
    ["a page halfway down, state=pending", { filters: { state: "pending" }, limit: PAGE_LIMIT, after: middle }],
  ];
}

/** One page of `query`, timed; it must be full. */
async function timedPage(store: WatchStore, query: ListQuery): Promise<number> {
  const started = performance.now();
  const page = await store.list(query);
  const elapsed = performance.now() - started;
  if (page.watches.length !== PAGE_LIMIT) throw new Error(`scale: a page held ${page.watches.length} watches, not ${PAGE_LIMIT}`);
  return elapsed;
}

/**
 * The same page on the small and the large store, alternating page by page so both see the
 * same machine (other load, GC, caches); PAGE_RUNS pages each after a few to warm up.
 */
async function pageTimes(small: [WatchStore, ListQuery], large: [WatchStore, ListQuery]): Promise<{ small: Summary; large: Summary }> {
  const samples = { small: [] as number[], large: [] as number[] };
  for (let i = 0; i < WARM_UP_CYCLES + PAGE_RUNS; i++) {
    const a = await timedPage(...small);
    const b = await timedPage(...large);
    if (i < WARM_UP_CYCLES) continue;
    samples.small.push(a);
    samples.large.push(b);
  }
  return { small: summarize(samples.small), large: summarize(samples.large) };
}

/** Halfway down a store loaded in `chunks`: the newest position of the chunk that holds its middle watch. */
const middleOf = (chunks: readonly Chunk[], size: number): Position => ({
  createdAt: chunks.findLast((c) => c.first <= size / 2)!.createdAt,
  id: `w_${"z".repeat(26)}`,
});

/** Adds pending watches on tasks from+1 … to, due now, in chunks (the documents are built as they go); returns each chunk's first task and creation time. */
async function load(store: BulkStore, from: number, to: number): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for (let start = from; start < to; start += INSERT_CHUNK) {
    const now = Date.now();
    chunks.push({ first: start + 1, createdAt: now });
    const count = Math.min(INSERT_CHUNK, to - start);
    const created = await store.insertMany(
      Array.from({ length: count }, (_, i) =>
        newWatch({ task: { api: "legacy", taskId: start + i + 1, region: "gz" }, destination: DESTINATION }, now, 86_400),
      ),
    );
    if (created !== count) throw new Error(`scale: inserted ${created} of ${count} watches`);
    // Distinct creation times per chunk, so "halfway down" is a real position.
    while (Date.now() === now) await new Promise((tick) => setImmediate(tick));
  }
  return chunks;
}

function sqliteStore(workDir: string, file = "scale.db"): StoreUnderTest {
  return {
    name: "SQLite",
    open: async () => new SqliteWatchStore(join(workDir, file)),
    externalBytes: async () => 0,
    destroy: async () => undefined,
  };
}

function redisStore(): StoreUnderTest {
  const prefix = `bench:scale:${randomBytes(6).toString("hex")}:`;
  const admin = new Redis(REDIS_SERVER, { lazyConnect: true, maxRetriesPerRequest: 1 });
  // Kept for the message: a failed connect itself only says "Connection is closed".
  let lastError: Error | undefined;
  admin.on("error", (error: Error) => (lastError = error));
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await admin.info("memory"))![1]);
  let before = 0;
  return {
    name: "Redis",
    async open() {
      try {
        await admin.connect();
      } catch (error) {
        admin.disconnect();
        throw new Error(`the scale figure needs Redis on ${REDIS_SERVER}: ${(lastError ?? (error as Error)).message}`);
      }
      before = await usedMemory();
      return openRedisStore(`${REDIS_SERVER}?prefix=${encodeURIComponent(prefix)}`);
    },
    externalBytes: async () => (await usedMemory()) - before,
    async destroy() {
      if (admin.status !== "ready") return;
      await deletePrefixed(admin, prefix);
      await admin.quit();
    },
  };
}

async function measureStore(under: StoreUnderTest, another: () => StoreUnderTest): Promise<Row[]> {
  const rows: Row[] = [];
  const store = await under.open();
  try {
    progress(`scale: ${under.name}, empty store`);
    const empty = summarize((await cycles(store, false)).ms);
    const rssEmpty = process.memoryUsage().rss;
    let loaded = 0;
    let atFirstSize: number | undefined;
    const chunks: Chunk[] = [];
    for (const size of SIZES) {
      progress(`scale: ${under.name}, loading ${size} pending watches`);
      const loadStarted = performance.now();
      chunks.push(...(await load(store, loaded, size)));
      const loadMs = performance.now() - loadStarted;
      const added = size - loaded;
      loaded = size;
      const measured = await cycles(store, true);
      const time = summarize(measured.ms);
      atFirstSize ??= time.median;
      const external = await under.externalBytes();
      rows.push({
        figure: "6. scale",
        measure: `${under.name}: one poll cycle at ${size.toLocaleString("en-US")} pending`,
        value: ms(time.median),
        baseline: `empty store ${ms(empty.median)}`,
        ratio: times(time.median / empty.median),
        spread: spread(time, ms),
        note:
          `${times(time.median / atFirstSize)} the ${SIZES[0]!.toLocaleString("en-US")} figure; heap ${signed(summarize(measured.heapBytes).median, kb)}/cycle; ` +
          `RSS ${signed(process.memoryUsage().rss - rssEmpty, mb)} since empty` +
          `${external > 0 ? `; Redis used_memory ${signed(external, mb)}` : ""}; ` +
          `${added.toLocaleString("en-US")} inserted in ${seconds(loadMs)}`,
      });
    }
    rows.push(...(await measurePages(under.name, [store, chunks], another())));
  } finally {
    await store.close();
    await under.destroy();
  }
  return rows;
}

/** Listing pages on the large store against the same pages on a store of the smallest size, side by side. */
async function measurePages(name: string, [large, largeChunks]: [WatchStore, Chunk[]], smallUnder: StoreUnderTest): Promise<Row[]> {
  const [smallest, largest] = [SIZES[0]!, SIZES.at(-1)!];
  progress(`scale: ${name}, listing pages at ${largest} against ${smallest}`);
  const small = await smallUnder.open();
  try {
    const smallQueries = pageQueries(middleOf(await load(small, 0, smallest), smallest));
    const largeQueries = pageQueries(middleOf(largeChunks, largest));
    const rows: Row[] = [];
    for (const [i, [what, query]] of largeQueries.entries()) {
      const timed = await pageTimes([small, smallQueries[i]![1]], [large, query]);
      const ratio = timed.large.median / timed.small.median;
      rows.push({
        figure: "6. scale",
        measure: `${name}: GET /watches ${what} (${PAGE_LIMIT}) at ${largest.toLocaleString("en-US")}`,
        value: ms(timed.large.median),
        baseline: `at ${smallest.toLocaleString("en-US")} ${ms(timed.small.median)}`,
        ratio: times(ratio),
        spread: spread(timed.large, ms),
        target: { text: `≤ ${PAGE_RATIO_BOUND}×`, met: ratio <= PAGE_RATIO_BOUND },
        note: `store.list, ${PAGE_RUNS} pages each, alternating with a store of ${smallest.toLocaleString("en-US")}: ${spread(timed.small, ms)}`,
      });
    }
    return rows;
  } finally {
    await small.close();
    await smallUnder.destroy();
  }
}

export async function scale(workDir: string): Promise<Figure> {
  const rows = [
    ...(await measureStore(sqliteStore(workDir), () => sqliteStore(workDir, "scale-small.db"))),
    ...(await measureStore(redisStore(), redisStore)),
  ];
  return {
    rows,
    method:
      `**6. Scale.** Pending watches, all due, are bulk-inserted (\`insertMany\`) into a SQLite file and into the real Redis ` +
      `(a random key prefix, deleted afterwards) up to ${SIZES.map((s) => s.toLocaleString("en-US")).join(" / ")}. One cycle = ` +
      `\`claimDue(limit = POLL_CONCURRENCY = ${config.pollConcurrency})\` plus saving each claimed watch rescheduled (\`recordResult\` ` +
      `of a running answer), the store work a poller does per batch. ${CYCLES} cycles after ${WARM_UP_CYCLES} warm-up ones per size: ` +
      "median time with min–max; the ratio is against the same cycle on the empty store, the note gives it against the smallest " +
      "size. Heap is the median growth of the JS heap over one cycle (garbage collected before each when node runs with " +
      "--expose-gc, as `npm run bench` does); RSS is this process's growth since the store was empty (SQLite's page cache lives here); for Redis " +
      "the server's own used_memory growth is given too (it includes the listing indexes). " +
      `Listing: \`store.list\` of the newest ${PAGE_LIMIT} watches, and of ${PAGE_LIMIT} watches with \`state=pending\` after a ` +
      `cursor halfway down the store (the keyset seek a deep page makes), on the store of ${SIZES.at(-1)!.toLocaleString("en-US")} ` +
      `and on a second store of the same kind holding ${SIZES[0]!.toLocaleString("en-US")}, alternating page by page so both see the ` +
      `same machine, ${PAGE_RUNS} pages each after ${WARM_UP_CYCLES} warm-up ones; the ratio is the median at ` +
      `${SIZES.at(-1)!.toLocaleString("en-US")} over the median at ${SIZES[0]!.toLocaleString("en-US")}, target ≤ ${PAGE_RATIO_BOUND}×.`,
  };
}
