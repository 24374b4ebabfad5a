/**
 * Crash safety: a poller killed (SIGKILL) between "task finished" and "delivery acknowledged"
 * loses nothing. After its lease runs out the next poller delivers the same event: same id,
 * same bytes.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { createRelay } from "../../lib/relay";
import { startReceiver, unreadableByCloudEventsSdk } from "../support/delivery";
import { quickPolls, startStack, WEBHOOK_SECRET, type Stack } from "../support/stack";

let stack: Stack;
beforeAll(async () => {
  // The stack's own WEBHOOK_ALLOW already admits the loopback receiver.
  stack = await startStack({ ...quickPolls(), POLL_LEASE_MS: "1500", WEBHOOK_TIMEOUT_MS: "700" });
});
afterAll(() => stack.close());

it("delivers the same event after the poller is killed mid-delivery", async () => {
  // The first request hangs (the receiver got it, but the poller never hears back); later ones succeed.
  const receiver = await startReceiver([() => undefined, (res) => res.writeHead(204).end()]);
  const relay = await createRelay(loadConfig());
  try {
    const task = stack.emulator.createTask({ region: "gz", durationMs: 300 });
    const destination = { type: "webhook" as const, url: receiver.url, secret: WEBHOOK_SECRET };
    const { watch } = await relay.registerWatch({ ...task, destination });
    expect(watch.state).toBe("pending");

    const child = spawn(process.execPath, ["--import", "tsx", "test/support/poll-child.ts"], { env: process.env, stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    await waitFor(() => receiver.hits.length === 1, 15_000);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    const orphaned = await relay.getWatch(watch.id);
    expect(orphaned).toMatchObject({ state: "delivering", delivery: { attempts: [] } });
    expect(orphaned!.event!.id).toBe(receiver.hits[0]!.headers["webhook-id"]);

    // The restarted poller picks the watch up once the dead one's lease has run out.
    const report = await relay.poll({ budgetMs: 5_000 });
    expect(report.deliveries.ok).toBe(1);
    expect(await relay.getWatch(watch.id)).toMatchObject({ state: "delivered" });
    expect(receiver.hits).toHaveLength(2);
    expect(receiver.hits[1]!.headers["webhook-id"]).toBe(receiver.hits[0]!.headers["webhook-id"]);
    expect(receiver.hits[1]!.body).toBe(receiver.hits[0]!.body);
    expect(unreadableByCloudEventsSdk(receiver.hits)).toEqual([]);
  } finally {
    await relay.close();
    await receiver.close();
  }
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
