/** Watches for store tests, and the Watch schema check every stored document must pass. */
import Ajv2020 from "ajv/dist/2020.js";
import { expect } from "vitest";
import { watchSchema, type Destination, type Watch } from "../../lib/schemas/index";
import { positionOf } from "../../lib/watches/listing";
import { eventIdOf } from "../../lib/delivery/event";
import { newWatch } from "../../lib/watches/model";
import { toRow, type WatchRow } from "../../lib/watches/row";

export const FIXTURE_SECRET = `whsec_${Buffer.alloc(24, 11).toString("base64")}`;

/** A realistic epoch-ms clock: large enough that a lossy number encoding would show. */
export const T0 = 1_764_200_000_123;

const validateWatch = new Ajv2020({ allErrors: true, discriminator: true, allowUnionTypes: true, strictRequired: false }).compile(
  watchSchema,
);

export function expectValidWatch(value: unknown): void {
  expect(validateWatch(value), JSON.stringify(validateWatch.errors)).toBe(true);
}

/** A new pending watch for task `n`, due at `dueAt`. */
export function watchFor(n: number, dueAt: number | null = T0): Watch {
  const watch = newWatch(
    {
      task: { api: "legacy", taskId: n, region: "gz" },
      destination: { type: "webhook", url: `https://hooks.example.com/${n}`, secret: FIXTURE_SECRET },
    },
    T0,
    86_400,
  );
  return { ...watch, dueAt };
}

/** A pending watch for task `n` created at `createdAt` (epoch ms), to a destination of its own unless given. */
export function listedWatch(n: number, options: { createdAt?: number; destination?: Destination } = {}): Watch {
  const destination = options.destination ?? { type: "webhook", url: `https://hooks.example.com/${n}`, secret: FIXTURE_SECRET };
  return newWatch({ task: { api: "legacy", taskId: n, region: "gz" }, destination }, options.createdAt ?? T0, 86_400);
}

/** `watches` in listing order: createdAt, then id, descending. */
export function newestFirst(watches: readonly Watch[]): Watch[] {
  const key = (w: Watch) => positionOf(w);
  return [...watches].sort((a, b) => key(b).createdAt - key(a).createdAt || (key(b).id < key(a).id ? -1 : key(b).id > key(a).id ? 1 : 0));
}

export function watchesFor(count: number, dueAt: (i: number) => number | null = () => T0): Watch[] {
  return Array.from({ length: count }, (_, i) => watchFor(i + 1, dueAt(i)));
}

/** A delivered watch carrying every optional part of the document (result, event, attempts). */
export function deliveredWatch(n: number): Watch {
  const watch = watchFor(n, null);
  const at = new Date(T0 + 5_000).toISOString();
  const data = {
    total: 2,
    detail: [
      { region: "sh", type: "sg", id: "sg-gt6an666", name: "上海安全组" },
      { region: "gz", type: "sg", id: "sg-jn3hnxyj", name: "广州安全组" },
    ],
  };
  return {
    ...watch,
    state: "delivered",
    polls: 3,
    firstSeenAt: watch.createdAt,
    lastPolledAt: at,
    lastResult: { api: "legacy", taskId: n, region: "gz", status: "succeeded", code: 0, output: { code: 0, message: "" }, data },
    lastError: { code: 9005, message: "system busy", at: watch.createdAt },
    event: {
      specversion: "1.0",
      id: eventIdOf(watch.id, "com.tencentcloud.vpc.nettask.succeeded"),
      source: "urn:nettask-relay",
      type: "com.tencentcloud.vpc.nettask.succeeded",
      subject: String(n),
      time: at,
      datacontenttype: "application/json",
      data: {
        api: "legacy",
        taskId: n,
        region: "gz",
        status: "succeeded",
        code: 0,
        output: { code: 0, message: "" },
        data,
        watchId: watch.id,
        polls: 3,
        firstSeenAt: watch.createdAt,
        completedAt: at,
      },
    },
    delivery: {
      ...watch.delivery,
      attempts: [
        { at, ok: false, status: 503, error: "HTTP 503", durationMs: 12 },
        { at, ok: true, status: 204, durationMs: 8 },
      ],
    },
  };
}

/**
 * A delivered watch as the previous release stored it (`delivery.roundStart`, neither attempt
 * counters nor the attempt mark), and the watch it must load as.
 */
export function previousReleaseRow(n: number, roundStart: number): { row: WatchRow; loads: Watch } {
  const current = deliveredWatch(n);
  const { attemptCount: _c, roundAttempts: _r, ...delivery } = current.delivery;
  const { sending: _s, ...rest } = current;
  const row = toRow({ ...rest, delivery: { ...delivery, roundStart } } as unknown as Watch);
  const attempts = current.delivery.attempts.length;
  return { row, loads: { ...current, delivery: { ...current.delivery, attemptCount: attempts, roundAttempts: attempts - roundStart } } };
}
