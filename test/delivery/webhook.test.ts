import { afterEach, describe, expect, it } from "vitest";
import { createDeliverer } from "../../lib/delivery/create-deliverer";
import type { Deliverer, DeliveryOutcome } from "../../lib/delivery/deliverer";
import { nextAttemptDelay } from "../../lib/delivery/schedule";
import { parseRetryAfter } from "../../lib/delivery/webhook";
import type { WebhookDestination } from "../../lib/schemas/index";
import { independentlyVerifiedSecrets, newSecret, sampleEvent, startReceiver, status, testConfig } from "../support/delivery";

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/** A deliverer allowed to reach loopback over plain http, the way the local stack runs. */
function loopbackDeliverer(env: Record<string, string> = {}): Deliverer {
  const deliverer = createDeliverer(testConfig({ WEBHOOK_ALLOW: "127.0.0.1/32", ...env }));
  open.push(deliverer);
  return deliverer;
}

async function receiver(...script: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(script);
  open.push(r);
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("webhook delivery", () => {
  it("retries 500, 500, 503 (Retry-After: 1) until a 200, with the same webhook-id and a valid signature on every copy", async () => {
    const r = await receiver(status(500), status(500), status(503, { "retry-after": "1" }), status(200));
    const deliverer = loopbackDeliverer();
    const secret = newSecret();
    const event = sampleEvent();
    const destination: WebhookDestination = { type: "webhook", url: r.url, secret };
    const schedule = [0, 40, 40, 40, 40];

    const outcomes: DeliveryOutcome[] = [];
    const waits: number[] = [];
    for (;;) {
      const outcome = await deliverer.deliver(event, destination);
      outcomes.push(outcome);
      if (outcome.ok) break;
      const delay = nextAttemptDelay(outcomes.length, schedule, outcome.retryAfterMs);
      expect(delay).not.toBeNull();
      waits.push(delay!);
      await sleep(delay!);
    }

    expect(outcomes.map((o) => [o.ok, o.status])).toEqual([
      [false, 500],
      [false, 500],
      [false, 503],
      [true, 200],
    ]);
    expect(outcomes[0]!.error).toMatch(/HTTP 500/);
    expect(outcomes[0]!.retryAfterMs).toBeUndefined();
    expect(outcomes[2]!.retryAfterMs).toBe(1_000);
    // The wait after the 503 honoured Retry-After, the others followed the short schedule.
    expect(waits[2]).toBeGreaterThanOrEqual(1_000);
    expect(waits[0]).toBeLessThan(1_000);
    expect(r.hits[3]!.at - r.hits[2]!.at).toBeGreaterThanOrEqual(1_000);

    expect(r.hits).toHaveLength(4);
    expect(new Set(r.hits.map((h) => h.headers["webhook-id"]))).toEqual(new Set([event.id]));
    for (const hit of r.hits) {
      expect(hit.method).toBe("POST");
      expect(hit.url).toBe("/hook?token=abc");
      expect(hit.headers["content-type"]).toBe("application/cloudevents+json");
      // Structured mode of the CloudEvents HTTP binding: an SDK reads the very event.
      expect(hit.cloudEvent).toMatchObject({ ...event, data: event.data });
      expect(hit.headers["user-agent"]).toBe("nettask-relay");
      expect(Math.abs(Number(hit.headers["webhook-timestamp"]) - hit.at / 1000)).toBeLessThan(5);
      expect(JSON.parse(hit.body)).toEqual(event);
      expect(independentlyVerifiedSecrets(hit.headers, hit.body, [secret])).toEqual([secret]);
      expect(independentlyVerifiedSecrets(hit.headers, hit.body, [newSecret()])).toEqual([]);
    }
  });

  it("signs once per secret during a key rotation, and each signature verifies", async () => {
    const r = await receiver(status(204));
    const secrets = [newSecret(), newSecret(), newSecret()];
    for (const secret of [secrets.slice(0, 2), secrets]) {
      const outcome = await loopbackDeliverer().deliver(sampleEvent(), { type: "webhook", url: r.url, secret });
      expect(outcome).toMatchObject({ ok: true, status: 204 });
      const hit = r.hits.at(-1)!;
      const signatures = String(hit.headers["webhook-signature"]).split(" ");
      expect(signatures).toHaveLength(secret.length);
      for (const [i, s] of secret.entries()) {
        expect(independentlyVerifiedSecrets({ ...hit.headers, "webhook-signature": signatures[i] }, hit.body, [s])).toEqual([s]);
      }
      expect(independentlyVerifiedSecrets(hit.headers, hit.body, secrets)).toEqual(secret);
    }
  });

  it("never sends unsigned: a stored webhook without a secret (registered before secrets were required) fails for good", async () => {
    const r = await receiver(status(200));
    const unsigned = { type: "webhook", url: r.url } as unknown as WebhookDestination;
    const outcome = await loopbackDeliverer().deliver(sampleEvent(), unsigned);
    expect(outcome).toMatchObject({ ok: false, permanent: true, error: expect.stringMatching(/no secret: every delivery is signed/) });
    expect(r.hits).toHaveLength(0);
  });

  it("disables the destination on 410 Gone", async () => {
    const r = await receiver(status(410));
    const outcome = await loopbackDeliverer().deliver(sampleEvent(), { type: "webhook", url: r.url, secret: newSecret() });
    expect(outcome).toMatchObject({ ok: false, status: 410, disable: true });
    expect(outcome.error).toMatch(/410/);
  });

  it.each([301, 302, 307, 308])("treats a %i redirect as a permanent failure and never contacts its target", async (code) => {
    const target = await receiver(status(200));
    const r = await receiver(status(code, { location: target.url }));
    const outcome = await loopbackDeliverer().deliver(sampleEvent(), { type: "webhook", url: r.url, secret: newSecret() });
    expect(outcome).toMatchObject({ ok: false, status: code, permanent: true });
    expect(outcome.error).toMatch(/redirect.*not followed/);
    expect(outcome.disable).toBeUndefined();
    await sleep(50);
    expect(r.hits).toHaveLength(1);
    expect(target.hits).toHaveLength(0);
  });

  it("reads Retry-After only on 429/502/503/504, as seconds or an HTTP date", async () => {
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    const r = await receiver(
      status(429, { "retry-after": "7" }),
      status(504, { "retry-after": inTwoMinutes }),
      status(500, { "retry-after": "9" }),
      status(503, { "retry-after": "soon" }),
    );
    const deliverer = loopbackDeliverer();
    const destination: WebhookDestination = { type: "webhook", url: r.url, secret: newSecret() };
    const [a, b, c, d] = [
      await deliverer.deliver(sampleEvent(), destination),
      await deliverer.deliver(sampleEvent(), destination),
      await deliverer.deliver(sampleEvent(), destination),
      await deliverer.deliver(sampleEvent(), destination),
    ];
    expect(a).toMatchObject({ ok: false, status: 429, retryAfterMs: 7_000 });
    expect(b!.retryAfterMs).toBeGreaterThan(110_000);
    expect(b!.retryAfterMs).toBeLessThanOrEqual(120_000);
    expect(c!.retryAfterMs).toBeUndefined();
    expect(d!.retryAfterMs).toBeUndefined();
  });

  it("parses Retry-After values", () => {
    const now = Date.parse("2026-03-01T10:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Sun, 01 Mar 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Sun, 01 Mar 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("-3", now)).toBeUndefined();
    expect(parseRetryAfter("later", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it("fails an attempt with no answer within WEBHOOK_TIMEOUT_MS", async () => {
    const r = await receiver(() => {}); // never answers
    const outcome = await loopbackDeliverer({ WEBHOOK_TIMEOUT_MS: "300" }).deliver(sampleEvent(), {
      type: "webhook",
      url: r.url,
      secret: newSecret(),
    });
    expect(outcome).toMatchObject({ ok: false, error: "no answer within 300 ms" });
    expect(outcome.permanent).toBeUndefined();
    expect(outcome.durationMs).toBeGreaterThanOrEqual(250);
  });

  it("stops when the caller aborts", async () => {
    const r = await receiver(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = await loopbackDeliverer().deliver(
      sampleEvent(),
      { type: "webhook", url: r.url, secret: newSecret() },
      controller.signal,
    );
    expect(outcome).toMatchObject({ ok: false, error: "delivery aborted" });
  });

  it("reports a refused connection clearly, without the URL's path or query", async () => {
    const r = await receiver(status(200));
    await r.close();
    const outcome = await loopbackDeliverer().deliver(sampleEvent(), { type: "webhook", url: r.url, secret: newSecret() });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/webhook request failed: .*ECONNREFUSED/);
    expect(outcome.code).toBe("ECONNREFUSED");
    expect(outcome.error).not.toMatch(/token|abc|whsec/);
  });

  it("succeeds on a 2xx even when the receiver sends a large body, and keeps working afterwards", async () => {
    const big = "x".repeat(1_000_000);
    const r = await receiver((res) => res.writeHead(200).end(big), status(202));
    const deliverer = loopbackDeliverer();
    const destination: WebhookDestination = { type: "webhook", url: r.url, secret: newSecret() };
    expect(await deliverer.deliver(sampleEvent(), destination)).toMatchObject({ ok: true, status: 200 });
    expect(await deliverer.deliver(sampleEvent(), destination)).toMatchObject({ ok: true, status: 202 });
  });
});
