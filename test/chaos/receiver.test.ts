/**
 * Receiver chaos: the webhook receiver is down (connection refused), then flaky (half the
 * deliveries answered 5xx), then healthy. Every event arrives; a copy is only ever a retry of
 * the same event (same id, same bytes, valid signature); none is lost. A receiver that never
 * recovers exhausts the retry schedule into failed dead letters that keep every attempt, and
 * redelivery succeeds once it is back.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { createRelay, type Relay } from "../../lib/relay";
import { independentlyVerifiedSecrets, startReceiver, status, unreadableByCloudEventsSdk } from "../support/delivery";
import { startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";
import { quietLogger } from "../support/capture";
import { countBy, duplicatesIn, printCounts } from "../support/tally";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ POLL_MIN_DELAY_MS: "100", POLL_MAX_DELAY_MS: "400", POLL_CONCURRENCY: "16", POLL_RATE_LIMIT: "200" });
});
afterAll(() => stack?.close());

function relayWith(schedule: string, source: string): Promise<Relay> {
  // A generous attempt timeout: a 2xx answered late on a busy machine would be sent again.
  return createRelay(loadConfig({ ...process.env, DELIVERY_SCHEDULE: schedule, WEBHOOK_TIMEOUT_MS: "5000" }), {
    logger: quietLogger(source),
  });
}

/**
 * A TCP gate on a fixed port in front of a receiver: while closed nothing listens there, so
 * connecting is refused, as with a receiver that is down; while open, connections pass through.
 */
async function startGate(targetPort: number) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const listen = (port: number) =>
    new Promise<number>((ready, fail) => {
      server = createServer((client) => {
        const target = connect(targetPort, "127.0.0.1");
        for (const socket of [client, target]) {
          sockets.add(socket);
          socket
            .on("error", () => {
              client.destroy();
              target.destroy();
            })
            .on("close", () => sockets.delete(socket));
        }
        client.pipe(target).pipe(client);
      });
      server.once("error", fail).listen(port, "127.0.0.1", () => ready((server!.address() as { port: number }).port));
    });
  const port = await listen(0);
  const close = () =>
    new Promise<void>((done) => {
      if (!server) return done();
      for (const s of sockets) s.destroy();
      server.close(() => done());
      server = undefined;
    });
  await close();
  return {
    url: `http://127.0.0.1:${port}/hook`,
    open: () => listen(port).then(() => undefined),
    close,
  };
}

it("delivers every event through a receiver that is down, then flaky, then healthy", { timeout: 60_000 }, async () => {
  const WATCHES = 100;
  let phase: "down" | "flaky" | "healthy" = "down";
  const accepted = new Map<string, number>();
  const answer = (res: ServerResponse) => {
    const id = String(res.req.headers["webhook-id"]);
    if (phase === "flaky" && Math.random() < 0.5) return status(Math.random() < 0.5 ? 500 : 503)(res);
    accepted.set(id, (accepted.get(id) ?? 0) + 1);
    status(204)(res);
  };
  const receiver = await startReceiver([answer]);
  const gate = await startGate(receiver.port);
  // About 11 s of retries: longer than the outage and the flaky stretch together.
  const relay = await relayWith("0,200ms,400ms,600ms,800ms,1s,1s,1s,1s,1s,1s,1s,1s,1s", "chaos-receiver");
  try {
    const destination = { type: "webhook" as const, url: gate.url, secret: WEBHOOK_SECRET };
    const watchIds = await Promise.all(
      Array.from({ length: WATCHES }, async () => {
        const task = stack.emulator.createTask({
          region: "sh",
          durationMs: Math.floor(Math.random() * 2_000),
          ...(Math.random() < 0.2 ? { outcome: "failure" as const } : {}),
        });
        return (await relay.registerWatch({ ...task, destination })).watch.id;
      }),
    );
    const polling = relay.poll({ budgetMs: 40_000 });
    await sleep(2_500);
    phase = "flaky";
    await gate.open();
    await sleep(3_000);
    phase = "healthy";
    const report = await polling;

    const watches = await Promise.all(watchIds.map((id) => relay.getWatch(id)));
    const hitsPerEvent = countBy(receiver.hits, (h) => String(h.headers["webhook-id"]));
    const bodiesPerEvent = new Map<string, Set<string>>();
    for (const { headers, body } of receiver.hits) {
      const id = String(headers["webhook-id"]);
      bodiesPerEvent.set(id, (bodiesPerEvent.get(id) ?? new Set()).add(body));
    }
    const unverified = receiver.hits.filter((h) => independentlyVerifiedSecrets(h.headers, h.body, [WEBHOOK_SECRET]).length !== 1).length;
    const lost = watches.filter((w) => w?.state !== "delivered" || accepted.get(w.event!.id) !== 1).length;
    const attempts = watches.flatMap((w) => w!.delivery.attempts);
    const refused = attempts.filter((a) => /ECONNREFUSED/.test(a.error ?? "")).length;
    const answered5xx = attempts.filter((a) => (a.status ?? 0) >= 500).length;
    printCounts("chaos/receiver", {
      tasks: WATCHES,
      deliveries: receiver.hits.length,
      accepted: accepted.size,
      duplicates: duplicatesIn(hitsPerEvent),
      lost,
      refusedAttempts: refused,
      answered5xx,
      pollMs: report.elapsedMs,
    });

    expect(lost).toBe(0);
    // Accepted once each: nothing is sent again after a 2xx.
    expect([...accepted.values()]).toEqual(watchIds.map(() => 1));
    // Copies are retries of the same event: one body per id, every copy signed.
    expect([...bodiesPerEvent.values()].every((bodies) => bodies.size === 1)).toBe(true);
    expect(unverified).toBe(0);
    expect(unreadableByCloudEventsSdk(receiver.hits)).toEqual([]);
    expect(new Set(watches.map((w) => w!.event!.id))).toEqual(new Set(hitsPerEvent.keys()));
    // Each phase really happened.
    expect(refused).toBeGreaterThan(0);
    expect(answered5xx).toBeGreaterThan(0);
  } finally {
    await relay.close();
    await gate.close();
    await receiver.close();
  }
});

it("fails watches whose receiver never recovers, keeping every attempt, and redelivers them once it is back", {
  timeout: 30_000,
}, async () => {
  const SCHEDULE_MS = [0, 100, 200, 300];
  let healthy = false;
  const erroring = await startReceiver([(res) => status(healthy ? 200 : 500)(res)]);
  const down = await startReceiver([status(204)]);
  const gate = await startGate(down.port);
  const relay = await relayWith(SCHEDULE_MS.map((ms) => `${ms}ms`).join(","), "chaos-receiver-dead");
  try {
    const register = (url: string) =>
      Promise.all(
        Array.from({ length: 5 }, async () => {
          const task = stack.emulator.createTask({ region: "bj", durationMs: 0 });
          return (await relay.registerWatch({ ...task, destination: { type: "webhook", url, secret: WEBHOOK_SECRET } })).watch.id;
        }),
      );
    const refusedIds = await register(gate.url);
    const erroredIds = await register(erroring.url);
    await relay.poll({ budgetMs: 10_000 });

    const dead = await Promise.all([...refusedIds, ...erroredIds].map((id) => relay.getWatch(id)));
    for (const watch of dead) {
      expect(watch).toMatchObject({ state: "failed", dueAt: null });
      const attempts = watch!.delivery.attempts;
      expect(attempts).toHaveLength(SCHEDULE_MS.length);
      const times = attempts.map((a) => Date.parse(a.at));
      // Each attempt waited for its turn in the schedule (less the 20% jitter).
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(SCHEDULE_MS[i]! * 0.8 - 5);
      for (const attempt of attempts)
        expect(attempt).toMatchObject({ ok: false, durationMs: expect.any(Number), error: expect.any(String) });
    }
    for (const watch of dead.slice(0, refusedIds.length)) {
      for (const attempt of watch!.delivery.attempts) expect(attempt.error).toMatch(/ECONNREFUSED/);
      expect(watch!.delivery.attempts.every((a) => a.status === undefined)).toBe(true);
    }
    for (const watch of dead.slice(refusedIds.length)) {
      expect(watch!.delivery.attempts.map((a) => [a.status, a.error])).toEqual(SCHEDULE_MS.map(() => [500, "receiver answered HTTP 500"]));
    }
    expect(down.hits).toHaveLength(0);
    expect(erroring.hits).toHaveLength(erroredIds.length * SCHEDULE_MS.length);
    expect(unreadableByCloudEventsSdk(erroring.hits)).toEqual([]);

    healthy = true;
    await gate.open();
    const replayed = await Promise.all(dead.map((w) => relay.redeliver(w!.id)));
    const hits = [...down.hits, ...erroring.hits.slice(-erroredIds.length)];
    printCounts("chaos/receiver-dead", {
      tasks: dead.length,
      failedAttempts: dead.reduce((n, w) => n + w!.delivery.attempts.length, 0),
      redelivered: replayed.filter((w) => w?.state === "delivered").length,
      deliveries: hits.length,
      duplicates: duplicatesIn(countBy(hits, (h) => String(h.headers["webhook-id"]))),
      lost: replayed.filter((w) => w?.state !== "delivered").length,
    });
    expect(replayed.map((w) => w?.state)).toEqual(dead.map(() => "delivered"));
    expect(unreadableByCloudEventsSdk(hits)).toEqual([]);
    // The replay is the dead letter's own event: same id, same bytes as the failed attempts.
    expect(new Set(hits.map((h) => h.headers["webhook-id"]))).toEqual(new Set(dead.map((w) => w!.event!.id)));
    for (const watch of dead.slice(refusedIds.length)) {
      expect(new Set(erroring.hits.filter((h) => h.headers["webhook-id"] === watch!.event!.id).map((h) => h.body)).size).toBe(1);
    }
  } finally {
    await relay.close();
    await gate.close();
    await Promise.all([erroring.close(), down.close()]);
  }
});
