/**
 * The behaviour every WatchStore backend must have. Each backend's test file calls
 * storeContract with a factory of isolated spaces (a fresh SQLite file, a fresh Redis prefix).
 */
import { setImmediate as yieldToOthers } from "node:timers/promises";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WATCH_STATES, type Destination, type Watch, type WatchState } from "../../lib/schemas/index";
import { LIST_FILTER_NAMES, SCAN_BUDGET, type ListFilter, type ListQuery, type Position } from "../../lib/watches/listing";
import type { ClaimOptions, WatchStore } from "../../lib/watches/store";
import { deliveredWatch, expectValidWatch, FIXTURE_SECRET, listedWatch, newestFirst, T0, watchesFor, watchFor } from "../watches/fixtures";

export interface StoreSpace {
  /** Another store instance (its own connection) on this space's data. */
  open(): Promise<WatchStore>;
  /** Removes the space's data. */
  destroy(): Promise<void>;
}

const LEASE_MS = 60_000;
const ids = (watches: Watch[]) => watches.map((w) => w.id);
const claim = (store: WatchStore, options: Partial<ClaimOptions> = {}) =>
  store.claimDue({ now: T0, limit: 10, owner: "poller-a", leaseMs: LEASE_MS, ...options });
const zeroCounts = () => Object.fromEntries(WATCH_STATES.map((s) => [s, 0])) as Record<WatchState, number>;

export function storeContract(newSpace: () => Promise<StoreSpace>): void {
  let space: StoreSpace;
  let opened: WatchStore[];
  let store: WatchStore;

  const open = async () => {
    const s = await space.open();
    opened.push(s);
    return s;
  };

  beforeEach(async () => {
    space = await newSpace();
    opened = [];
    store = await open();
  });

  afterEach(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await space.destroy();
  });

  describe("insert and get", () => {
    it("stores a watch once: inserting the same id again returns the stored one, created false", async () => {
      const first = watchFor(1);
      expect(await store.insert(first)).toEqual({ watch: first, created: true });
      const again = await store.insert({ ...first, state: "cancelled", polls: 7, dueAt: null });
      expect(again).toEqual({ watch: first, created: false });
      expect(await store.get(first.id)).toEqual(first);
      expect((await store.countByState()).pending).toBe(1);
      expect((await store.countByState()).cancelled).toBe(0);
    });

    it("creates a watch inserted concurrently through two instances exactly once", async () => {
      const other = await open();
      const watch = watchFor(1);
      const results = await Promise.all([store, other, store, other].map((s) => s.insert(watch)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      for (const r of results) expect(r.watch).toEqual(watch);
      expect((await store.countByState()).pending).toBe(1);
    });

    it("returns a full document exactly as stored, valid against the Watch schema", async () => {
      const watch = deliveredWatch(297);
      await store.insert(watch);
      const stored = await store.get(watch.id);
      expect(stored).toEqual(watch);
      expectValidWatch(stored);
      expect(await store.get("w_aaaaaaaaaaaaaaaaaaaaaaaaaa")).toBeUndefined();
    });
  });

  describe("claimDue", () => {
    it("leases only due watches, earliest first, at most `limit`, with lease, dueAt and version set", async () => {
      const offsets = [-100, -300, 0, -200];
      for (const [i, offset] of offsets.entries()) await store.insert(watchFor(i + 1, T0 + offset));
      await store.insert(watchFor(10, T0 + 1));
      await store.insert(deliveredWatch(11));

      const first = await claim(store, { limit: 3 });
      expect(ids(first)).toEqual(ids([watchFor(2), watchFor(4), watchFor(1)]));
      for (const w of first) {
        expect(w).toMatchObject({ lease: { owner: "poller-a", until: T0 + LEASE_MS }, dueAt: T0 + LEASE_MS, version: 1, state: "pending" });
        expectValidWatch(w);
        expect(await store.get(w.id)).toEqual(w);
      }
      expect(ids(await claim(store))).toEqual([watchFor(3).id]);
      expect(await claim(store)).toEqual([]);
    });

    it("does not hand a leased watch to anyone else while the lease lasts", async () => {
      await store.insert(watchFor(1));
      const other = await open();
      expect(await claim(store)).toHaveLength(1);
      expect(await claim(other, { owner: "poller-b", now: T0 + LEASE_MS - 1 })).toEqual([]);
      expect(await claim(store, { now: T0 + LEASE_MS - 1 })).toEqual([]);
    });

    it("returns work when a lease runs out, and the first holder's save then loses", async () => {
      await store.insert(watchFor(1));
      const other = await open();
      const [held] = await claim(store);
      const [taken] = await claim(other, { owner: "poller-b", now: T0 + LEASE_MS + 1 });
      expect(taken).toMatchObject({
        id: held!.id,
        version: 2,
        lease: { owner: "poller-b", until: T0 + 2 * LEASE_MS + 1 },
        dueAt: T0 + 2 * LEASE_MS + 1,
      });
      expect(await store.save({ ...held!, state: "delivered", dueAt: null, lease: null })).toBeUndefined();
      expect(await store.get(held!.id)).toEqual(taken);
    });

    it("never claims final watches (dueAt null)", async () => {
      await store.insert(deliveredWatch(1));
      await store.insert({ ...watchFor(2, null), state: "failed" });
      await store.insert({ ...watchFor(3, null), state: "cancelled" });
      expect(await claim(store, { now: Number.MAX_SAFE_INTEGER - LEASE_MS })).toEqual([]);
    });

    it("gives concurrent claimers on separate instances disjoint watches", async () => {
      const stores = [store, await open(), await open()];
      for (const w of watchesFor(30)) await store.insert(w);
      const claims = await Promise.all(stores.map((s, i) => claim(s, { owner: `poller-${i}`, limit: 12 })));
      const all = claims.flatMap(ids);
      expect(new Set(all).size).toBe(all.length);
      expect(all).toHaveLength(30);
    });
  });

  describe("save", () => {
    it("writes when the version matches and bumps it; a stale version gets undefined and changes nothing", async () => {
      const watch = watchFor(1);
      await store.insert(watch);
      const saved = await store.save({ ...watch, polls: 1, dueAt: T0 + 5_000 });
      expect(saved).toEqual({ ...watch, polls: 1, dueAt: T0 + 5_000, version: 1 });
      expect(await store.get(watch.id)).toEqual(saved);
      expect(await store.save({ ...watch, polls: 99, state: "cancelled", dueAt: null })).toBeUndefined();
      expect(await store.get(watch.id)).toEqual(saved);
      expect(await store.countByState()).toMatchObject({ pending: 1, cancelled: 0 });
    });

    it("does not create a watch that was never inserted", async () => {
      const watch = watchFor(1);
      expect(await store.save(watch)).toBeUndefined();
      expect(await store.get(watch.id)).toBeUndefined();
    });

    it("lets exactly one of two concurrent writers of the same version win", async () => {
      const other = await open();
      const watch = watchFor(1);
      await store.insert(watch);
      const results = await Promise.all([store.save({ ...watch, polls: 1 }), other.save({ ...watch, polls: 2 })]);
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect(await store.get(watch.id)).toEqual(winners[0]);
    });

    it("moves the watch in the due order by its dueAt, and out of it when final", async () => {
      const watch = watchFor(1);
      await store.insert(watch);
      const later = await store.save({ ...watch, dueAt: T0 + 10_000 });
      expect(await claim(store)).toEqual([]);
      expect(await store.nextDueAt()).toBe(T0 + 10_000);
      const [claimed] = await claim(store, { now: T0 + 10_000 });
      expect(claimed).toMatchObject({ id: watch.id, version: later!.version + 1 });
      expect(await store.save({ ...claimed!, state: "expired", dueAt: null, lease: null })).toBeDefined();
      expect(await claim(store, { now: T0 + 10 * LEASE_MS })).toEqual([]);
      expect(await store.nextDueAt()).toBeNull();
    });
  });

  describe("countByState and nextDueAt", () => {
    it("start at zero for every state and null", async () => {
      expect(await store.countByState()).toEqual(zeroCounts());
      expect(await store.nextDueAt()).toBeNull();
    });

    it("stay equal to a recount of the stored watches through any sequence of saves and claims", async () => {
      const model = new Map<string, Watch>();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              watch: fc.nat(7),
              state: fc.constantFrom(...WATCH_STATES),
              dueIn: fc.option(fc.integer({ min: -1_000, max: 1_000 }), { nil: null }),
              claimFirst: fc.boolean(),
            }),
            { maxLength: 25 },
          ),
          async (ops) => {
            run++;
            for (const op of ops) {
              const fresh = watchFor(run * 100 + op.watch);
              if (!model.has(fresh.id)) model.set(fresh.id, (await store.insert(fresh)).watch);
              if (op.claimFirst) for (const w of await claim(store, { limit: 2 })) model.set(w.id, w);
              const current = model.get(fresh.id)!;
              const saved = await store.save({ ...current, state: op.state, dueAt: op.dueIn === null ? null : T0 + op.dueIn });
              expect(saved).toBeDefined();
              model.set(fresh.id, saved!);
            }
            const expected = zeroCounts();
            for (const w of model.values()) expected[w.state]++;
            expect(await store.countByState()).toEqual(expected);
            const dues = [...model.values()].map((w) => w.dueAt).filter((d): d is number => d !== null);
            expect(await store.nextDueAt()).toBe(dues.length ? Math.min(...dues) : null);
          },
        ),
        { numRuns: 12 },
      );
    });
  });

  describe("list", () => {
    /** Every page of `query` from the start; `between` runs after each page (to insert meanwhile). */
    const allPages = async (query: Omit<ListQuery, "after">, between: (page: number) => Promise<void> = async () => undefined) => {
      const pages: Watch[][] = [];
      let after: Position | undefined;
      do {
        const page = await store.list({ ...query, after });
        pages.push(page.watches);
        after = page.next ?? undefined;
        await between(pages.length);
        expect(pages.length, "more pages than watches").toBeLessThan(2_000);
      } while (after);
      return pages;
    };

    it("pages through 250 watches at limit 7 newest first, each exactly once, while new watches are inserted", async () => {
      // Ten watches share each createdAt, so ties are broken by id.
      const stored = Array.from({ length: 250 }, (_, i) => listedWatch(i + 1, { createdAt: T0 + Math.floor(i / 10) }));
      for (const w of stored) await store.insert(w);
      let inserted = 1_000;
      const pages = await allPages({ filters: {}, limit: 7 }, async () => {
        for (let k = 0; k < 3; k++) await store.insert(listedWatch(++inserted, { createdAt: T0 + 1_000 + inserted }));
      });
      expect(pages.map((p) => p.length)).toEqual([...Array<number>(35).fill(7), 5]);
      expect(ids(pages.flat())).toEqual(ids(newestFirst(stored)));
      for (const w of pages.flat()) expect(w).toEqual(stored.find((s) => s.id === w.id));
      // A new listing starts with the watches inserted meanwhile.
      expect((await store.list({ filters: {}, limit: 3 })).watches.map((w) => w.taskId)).toEqual([inserted, inserted - 1, inserted - 2]);
    });

    it("filters on state, taskId and destinationType, alone and together, as a recount would", async () => {
      const destinations = (i: number): Destination[] => [
        { type: "cmq", queue: `q${i}` },
        { type: "amqp", exchange: "x", routingKey: `r${i}` },
        { type: "webhook", url: `https://hooks.example.com/${i}`, secret: FIXTURE_SECRET },
      ];
      const model: Watch[] = [];
      for (let i = 0; i < 60; i++) {
        const fresh = listedWatch(1 + (i % 7), { createdAt: T0 + (i % 13), destination: destinations(i)[i % 3]! });
        const { watch } = await store.insert(fresh);
        const state = WATCH_STATES[i % 4]!;
        model.push(state === "pending" ? watch : (await store.save({ ...watch, state, dueAt: null }))!);
      }
      const cases: Partial<Record<ListFilter, string>>[] = [
        { state: "failed" },
        { taskId: "3" },
        { destinationType: "amqp" },
        { state: "delivering", destinationType: "cmq" },
        { taskId: "5", state: "pending" },
        { taskId: "2", destinationType: "webhook", state: "delivered" },
        { taskId: "404" },
        { state: "cancelled" },
      ];
      for (const filters of cases) {
        const expected = newestFirst(
          model.filter((w) =>
            LIST_FILTER_NAMES.every(
              (f) => filters[f] === undefined || String(f === "destinationType" ? w.destination.type : w[f]) === filters[f],
            ),
          ),
        );
        const pages = await allPages({ filters, limit: 3 });
        expect(ids(pages.flat()), JSON.stringify(filters)).toEqual(ids(expected));
        expect(pages.at(-1)!.length, JSON.stringify(filters)).toBeLessThanOrEqual(3);
      }
    });

    it("moves a watch between state listings when it is saved with a new state, not when it is claimed", async () => {
      const { watch } = await store.insert(listedWatch(1));
      const inState = async (state: string) => ids((await store.list({ filters: { state }, limit: 10 })).watches);
      expect(await inState("pending")).toEqual([watch.id]);
      const [claimed] = await claim(store);
      expect(await inState("pending")).toEqual([watch.id]);
      await store.save({ ...claimed!, state: "failed", dueAt: null, lease: null });
      expect(await inState("pending")).toEqual([]);
      expect(await inState("failed")).toEqual([watch.id]);
      expect((await store.list({ filters: { state: "failed" }, limit: 10 })).watches[0]).toMatchObject({ state: "failed", version: 2 });
    });

    it(`keeps a page to ${SCAN_BUDGET} index entries when filters combine: a short page, then the rest`, async () => {
      const many = Array.from({ length: SCAN_BUDGET + 150 }, (_, i) => listedWatch(i + 1, { createdAt: T0 + i }));
      const rare = [
        listedWatch(50_001, { createdAt: T0 - 2, destination: { type: "cmq", queue: "rare" } }),
        listedWatch(50_002, { createdAt: T0 - 1, destination: { type: "cmq", queue: "rare" } }),
      ];
      for (const w of [...many, ...rare]) await store.insert(w);
      const pages = await allPages({ filters: { state: "pending", destinationType: "cmq" }, limit: 5 });
      expect(ids(pages.flat())).toEqual(ids(newestFirst(rare)));
      // One filter alone never comes back short.
      const first = await store.list({ filters: { state: "pending" }, limit: 100 });
      expect(first.watches).toHaveLength(100);
      expect(first.next).toEqual({ createdAt: T0 + SCAN_BUDGET + 50, id: many[SCAN_BUDGET + 50]!.id });
    });

    it("answers an empty page with no cursor for an empty store or a value nothing has", async () => {
      expect(await store.list({ filters: {}, limit: 50 })).toEqual({ watches: [], next: null });
      await store.insert(listedWatch(1));
      expect(await store.list({ filters: { taskId: "2" }, limit: 50 })).toEqual({ watches: [], next: null });
      expect(await store.list({ filters: { taskId: "1" }, limit: 1 })).toEqual({ watches: [listedWatch(1)], next: null });
    });
  });

  describe("racing pollers", () => {
    it("4 pollers on separate instances racing over 1,000 due watches deliver each exactly once", async () => {
      const watches = watchesFor(1_000, (i) => T0 - (i % 97));
      for (const w of watches) await store.insert(w);
      const pollers = [store, await open(), await open(), await open()];
      const deliveries = new Map<string, number>();
      let lostSaves = 0;

      const poll = async (poller: WatchStore, owner: string) => {
        for (;;) {
          const batch = await poller.claimDue({ now: T0, limit: 25, owner, leaseMs: LEASE_MS });
          if (batch.length === 0) return;
          for (const w of batch) {
            deliveries.set(w.id, (deliveries.get(w.id) ?? 0) + 1);
            await yieldToOthers();
            const saved = await poller.save({ ...w, state: "delivered", dueAt: null, lease: null });
            if (!saved) lostSaves++;
          }
        }
      };
      await Promise.all(pollers.map((p, i) => poll(p, `poller-${i}`)));

      expect(deliveries.size).toBe(1_000);
      expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
      expect(lostSaves).toBe(0);
      expect(await store.countByState()).toEqual({ ...zeroCounts(), delivered: 1_000 });
      expect(await store.nextDueAt()).toBeNull();
    });
  });
}
