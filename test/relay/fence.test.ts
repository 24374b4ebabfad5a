/**
 * Sends are fenced: every attempt is preceded by a compare-and-set save that renews the
 * watch's lease and marks the attempt, so a poller that lost its watch (its lease ran out while
 * upstream calls stalled, and another poller took over) never sends it, and a cancel or a
 * redelivery never answers before, nor sends alongside, an attempt already on the wire. Each
 * test runs on both stores: a SQLite file and Redis (which fails, not skips, when missing).
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { createDeliverer } from "../../lib/delivery/create-deliverer";
import { createLogger } from "../../lib/log";
import { createRelay, type Relay } from "../../lib/relay";
import { clientOptionsFromConfig, createTaskClient } from "../../lib/upstream/client";
import { advanceWatch } from "../../lib/poll/advance";
import { openStore } from "../../lib/watches/open-store";
import { readCloudEvent, startReceiver, unreadableByCloudEventsSdk } from "../support/delivery";
import { startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";
import { quietLogger } from "../support/capture";
import { waitFor } from "../support/tally";
import { deleteRedisKeys } from "../support/redis";

const REDIS = "redis://127.0.0.1:6379/0";
const redisPrefix = `test:fence:${randomBytes(6).toString("hex")}:`;
let spaces = 0;
let stack: Stack;
const closing: Array<{ close(): Promise<unknown> }> = [];

beforeAll(async () => {
  stack = await startStack();
});
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.close()));
  stack.emulator.reset();
});
afterAll(async () => {
  await stack?.close();
  await deleteRedisKeys(REDIS, redisPrefix);
});

const STORES = {
  sqlite: () => `sqlite:${join(stack.env.STORE_URL!.slice("sqlite:".length), "..", `fence-${++spaces}.db`)}`,
  redis: () => `${REDIS}?prefix=${redisPrefix}${++spaces}:`,
};

interface Hit {
  id: string;
  start: number;
  end: number;
  status: number;
}

/**
 * A receiver answering each delivery with `answer(id, nth)`: a status, after `holdMs`. It
 * records when each request arrived and when it was answered, and that a CloudEvents SDK reads it.
 */
async function receiver(answer: (id: string, nth: number) => { status: number; holdMs?: number }) {
  const hits: Hit[] = [];
  const counts = new Map<string, number>();
  const r = await startReceiver([
    (res: ServerResponse) => {
      const id = String(res.req.headers["webhook-id"]);
      const nth = (counts.get(id) ?? 0) + 1;
      counts.set(id, nth);
      const { status, holdMs = 0 } = answer(id, nth);
      const hit: Hit = { id, start: Date.now(), end: Number.POSITIVE_INFINITY, status };
      hits.push(hit);
      setTimeout(() => {
        hit.end = Date.now();
        res.writeHead(status).end();
      }, holdMs);
    },
  ]);
  closing.push(r);
  return { url: r.url, hits, raw: r.hits };
}

async function relay(env: Record<string, string>, name: string): Promise<Relay> {
  const r = await createRelay(loadConfig({ ...process.env, ...env }), { logger: quietLogger(`fence-${name}`) });
  closing.push(r);
  return r;
}

describe.each(Object.keys(STORES) as Array<keyof typeof STORES>)("fenced sends (%s store)", (kind) => {
  it("two pollers whose upstream calls outlast the lease send each event once, never after the watch is final", {
    timeout: 60_000,
  }, async () => {
    const env = {
      STORE_URL: STORES[kind](),
      POLL_LEASE_MS: "1000",
      WEBHOOK_TIMEOUT_MS: "400",
      NETTASK_TIMEOUT_MS: "5000",
      NETTASK_MAX_ATTEMPTS: "1",
      POLL_CONCURRENCY: "2",
      POLL_MIN_DELAY_MS: "100",
      POLL_MAX_DELAY_MS: "200",
      POLL_RATE_LIMIT: "200",
      DELIVERY_SCHEDULE: "0,50ms,50ms,50ms,50ms,50ms",
    };
    // Every first attempt fails, so those watches wait for a poller in the delivering state.
    const r = await receiver((_id, nth) => ({ status: nth === 1 ? 503 : 204 }));
    const [a, b] = [await relay(env, "a"), await relay(env, "b")];
    const store = await openStore(env.STORE_URL, { platform: "local" });
    closing.push(store);
    const destination = { type: "webhook" as const, url: r.url, secret: WEBHOOK_SECRET };
    const register = async (stalls: boolean) => {
      const task = stack.emulator.createTask({ region: "gz", durationMs: stalls ? 200 : 0 });
      const { watch } = await a.registerWatch({ ...task, destination });
      // Its next poll stalls for three leases.
      if (stalls) stack.emulator.injectFault({ kind: "delay", delayMs: 3_000, taskId: task.taskId, count: 1 });
      return watch.id;
    };
    // Claimed in this order, two at a time: poller a polls S1 and delivers D0, then claims S2
    // and D1 and polls S2 while D1 waits its turn: longer than its lease, were the polls not cut
    // short. Poller b starts once that lease has run out and finds D1 and D2 due.
    const order = [await register(true), await register(false), await register(true), await register(false), await register(false)];
    const base = (store.now?.() ?? Date.now()) + 300;
    for (const [i, id] of order.entries()) {
      const watch = (await store.get(id))!;
      expect(await store.save({ ...watch, dueAt: base + i })).toBeDefined();
    }

    const first = a.poll({ budgetMs: 10_000 });
    await sleep(base - (store.now?.() ?? Date.now()) + 1_300);
    const reports = await Promise.all([first, b.poll({ budgetMs: 8_000 })]);
    // The stalled requests really outlasted the lease.
    const stalled = stack.emulator.requests().filter((q) => q.fault === "delay");
    expect(stalled).toHaveLength(2);

    for (const id of order) {
      const watch = await a.getWatch(id);
      expect(watch).toMatchObject({ state: "delivered" });
      const eventId = watch!.event!.id;
      // The failed first attempt (delivering watches only), the one that made the watch final, and nothing after it.
      const expected = watch!.delivery.attempts.map((attempt) => attempt.status);
      expect(expected.at(-1)).toBe(204);
      expect(
        r.hits.filter((h) => h.id === eventId).map((h) => h.status),
        `deliveries of ${eventId}`,
      ).toEqual(expected);
      expect(expected.filter((status) => status === 204)).toHaveLength(1);
    }
    expect(unreadableByCloudEventsSdk(r.raw)).toEqual([]);
    console.log(
      `fence/two-pollers (${kind}): watches=${order.length} hits=${r.hits.length} stalledRequests=${stalled.length} superseded=${reports.map((x) => x.superseded).join("+")}`,
    );
  });

  it("a poller whose lease ran out does not send what another poller took over and delivered", { timeout: 30_000 }, async () => {
    const env = { STORE_URL: STORES[kind](), POLL_LEASE_MS: "1000", WEBHOOK_TIMEOUT_MS: "400", DELIVERY_SCHEDULE: "0,50ms,50ms" };
    const config = loadConfig({ ...process.env, ...env });
    const r = await receiver((_id, nth) => ({ status: nth === 1 ? 503 : 204 }));
    const taker = await relay(env, "taker");
    const { watch } = await taker.registerWatch({
      ...stack.emulator.createTask({ region: "gz" }),
      destination: { type: "webhook", url: r.url, secret: WEBHOOK_SECRET },
    });
    expect(watch.state).toBe("delivering");

    // The slow poller claims the watch, then stalls for longer than its lease.
    const store = await openStore(env.STORE_URL, { platform: "local" });
    const deliverer = createDeliverer(config);
    closing.push(store, deliverer);
    const now = () => store.now?.() ?? Date.now();
    await sleep(80);
    const [held] = await store.claimDue({ now: now(), limit: 1, owner: "slow-poller", leaseMs: config.leaseMs });
    expect(held?.id).toBe(watch.id);
    await sleep(config.leaseMs + 100);
    expect((await taker.poll({ budgetMs: 3_000 })).deliveries.ok).toBe(1);

    const parts = {
      config,
      store,
      deliverer,
      now,
      random: Math.random,
      logger: createLogger({ level: "error" }),
      client: createTaskClient(clientOptionsFromConfig(config)),
    };
    const step = await advanceWatch(held!, "slow-poller", parts);
    expect(step).toMatchObject({ watch: undefined, superseded: true });
    expect(r.hits.map((h) => h.status)).toEqual([503, 204]);
    expect(await taker.getWatch(watch.id)).toMatchObject({ state: "delivered", delivery: { attemptCount: 2 } });
  });

  describe("user actions racing an attempt on the wire", () => {
    const env = () => ({ STORE_URL: STORES[kind](), POLL_LEASE_MS: "5000", WEBHOOK_TIMEOUT_MS: "2000", DELIVERY_SCHEDULE: "0,50ms,3s" });
    const HOLD_MS = 600;

    /** A watch whose first attempt failed, and a poll run that sends its second attempt (answered `status` after HOLD_MS). */
    async function inFlight(status: number) {
      const settings = env();
      const r = await receiver((_id, nth) => (nth === 1 ? { status: 503 } : { status, holdMs: HOLD_MS }));
      const [poller, user] = [await relay(settings, "poller"), await relay(settings, "user")];
      const { watch } = await poller.registerWatch({
        ...stack.emulator.createTask({ region: "sh" }),
        destination: { type: "webhook", url: r.url, secret: WEBHOOK_SECRET },
      });
      const polling = poller.poll({ budgetMs: 2_500 });
      await waitFor("the second attempt to reach the receiver", () => r.hits.length === 2, 10_000);
      return { r, poller, user, watch, polling };
    }

    it("DELETE waits for the attempt: delivered if it got through, and nothing more is sent", { timeout: 30_000 }, async () => {
      const { r, user, watch, polling } = await inFlight(204);
      const answer = await user.cancelWatch(watch.id);
      const answeredAt = Date.now();
      expect(answer).toMatchObject({ state: "delivered" });
      expect(answeredAt).toBeGreaterThanOrEqual(r.hits[1]!.end);
      await polling;
      expect(r.hits.map((h) => h.status)).toEqual([503, 204]);
    });

    it("DELETE waits for the attempt: cancelled if it failed, with that attempt on record, and nothing more is sent", {
      timeout: 30_000,
    }, async () => {
      const { r, user, poller, watch, polling } = await inFlight(500);
      const answer = await user.cancelWatch(watch.id);
      expect(answer).toMatchObject({ state: "cancelled", dueAt: null });
      expect(answer!.delivery.attempts.map((a) => a.status)).toEqual([503, 500]);
      await polling;
      await poller.poll({ budgetMs: 4_000 });
      expect(r.hits.map((h) => h.status)).toEqual([503, 500]);
      expect(await poller.getWatch(watch.id)).toMatchObject({ state: "cancelled" });
    });

    it("redeliver waits for the attempt on the wire and sends after it, never alongside it", { timeout: 30_000 }, async () => {
      const { r, user, watch, polling } = await inFlight(204);
      const again = await user.redeliver(watch.id);
      expect(again).toMatchObject({ state: "delivered", delivery: { attemptCount: 3, roundAttempts: 1 } });
      await polling;
      expect(r.hits.map((h) => h.status)).toEqual([503, 204, 204]);
      expect(r.hits[2]!.start).toBeGreaterThanOrEqual(r.hits[1]!.end);
      // The same event, byte for byte, readable by a CloudEvents SDK.
      const bodies = new Set(r.raw.map((h) => h.body));
      expect(bodies.size).toBe(1);
      expect(readCloudEvent(r.raw[2]!.headers, r.raw[2]!.body)).toMatchObject({ id: watch.event!.id });
    });
  });
});
