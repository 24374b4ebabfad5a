import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { startInbox, type Inbox } from "../../scripts/inbox";
import { createDeliverer } from "../../lib/delivery/create-deliverer";
import type { Deliverer } from "../../lib/delivery/deliverer";
import { newSecret, sampleEvent, testConfig } from "../support/delivery";

const open: Array<Inbox | Deliverer> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setup(secret?: string) {
  const lines: string[] = [];
  const inbox = await startInbox({ ...(secret && { secret }), log: (line) => lines.push(line) });
  const deliverer = createDeliverer(testConfig({ WEBHOOK_ALLOW: "127.0.0.1/32" }));
  open.push(inbox, deliverer);
  return { inbox, deliverer, lines };
}

describe("the local inbox", () => {
  it("receives and verifies signed deliveries, prints one line each, lists them on GET /", async () => {
    const secret = newSecret();
    const { inbox, deliverer, lines } = await setup(secret);
    const event = sampleEvent();
    expect(inbox.url).toBe(`http://127.0.0.1:${inbox.port}/`);

    expect(await deliverer.deliver(event, { type: "webhook", url: inbox.url, secret: [newSecret(), secret] })).toMatchObject({
      ok: true,
      status: 204,
    });
    expect(inbox.received()).toEqual([{ id: event.id, type: event.type, verified: true, event }]);
    expect(lines).toEqual([`delivery ${event.id} com.tencentcloud.vpc.nettask.succeeded task 297 (gz) succeeded [verified]`]);

    const listed = await fetch(inbox.url);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual(inbox.received());
  });

  it("answers 401 to deliveries that do not verify and keeps none of them", async () => {
    const { inbox, deliverer, lines } = await setup(newSecret());
    const outcome = await deliverer.deliver(sampleEvent(), { type: "webhook", url: inbox.url, secret: newSecret() });
    expect(outcome).toMatchObject({ ok: false, status: 401 });
    const unsigned = await fetch(inbox.url, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ error: "missing headers webhook-id, webhook-timestamp, webhook-signature" });
    expect(inbox.received()).toEqual([]);
    expect(lines).toEqual([
      "rejected delivery: webhook-signature matches none of the secrets",
      "rejected delivery: missing headers webhook-id, webhook-timestamp, webhook-signature",
    ]);
  });

  it("refuses, 415, a correctly signed delivery the CloudEvents SDK cannot read (plain JSON, not structured mode)", async () => {
    const secret = newSecret();
    const { inbox, lines } = await setup(secret);
    const event = sampleEvent();
    const body = JSON.stringify(event);
    const at = new Date();
    const headers = {
      "webhook-id": event.id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(event.id, at, body),
    };
    const plain = await fetch(inbox.url, { method: "POST", body, headers: { ...headers, "content-type": "application/json" } });
    expect(plain.status).toBe(415);
    expect(inbox.rejected()).toEqual(["not a CloudEvent the CloudEvents SDK reads: no cloud event detected"]);
    expect(await plain.json()).toEqual({ error: "not a CloudEvent the CloudEvents SDK reads: no cloud event detected" });
    expect(inbox.received()).toEqual([]);
    const structured = await fetch(inbox.url, {
      method: "POST",
      body,
      headers: { ...headers, "content-type": "application/cloudevents+json" },
    });
    expect(structured.status).toBe(204);
    expect(inbox.received()).toEqual([{ id: event.id, type: event.type, verified: true, event }]);
    expect(lines[0]).toBe("rejected delivery: not a CloudEvent the CloudEvents SDK reads: no cloud event detected");
  });

  it("without a secret, keeps deliveries marked unverified; refuses what is not JSON", async () => {
    const { inbox, deliverer } = await setup();
    const event = sampleEvent();
    expect((await deliverer.deliver(event, { type: "webhook", url: inbox.url, secret: newSecret() })).ok).toBe(true);
    expect(inbox.received()).toEqual([{ id: event.id, type: event.type, verified: false, event }]);
    expect((await fetch(inbox.url, { method: "POST", body: "nope" })).status).toBe(400);
    expect((await fetch(inbox.url, { method: "PUT", body: "{}" })).status).toBe(405);
  });
});

describe("the inbox CLI", () => {
  it("listens on INBOX_PORT, verifies with INBOX_SECRET and prints each delivery", async () => {
    const { spawn } = await import("node:child_process");
    const { createInterface } = await import("node:readline");
    const secret = newSecret();
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/inbox.ts"], {
      env: { ...process.env, INBOX_PORT: "0", INBOX_SECRET: secret },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const banner = String((await lines.next()).value);
      expect(banner).toMatch(/^inbox listening on http:\/\/127\.0\.0\.1:\d+\/ \(verifying signatures\)/);
      const url = /(http:\/\/\S+\/)/.exec(banner)![1]!;
      const deliverer = createDeliverer(testConfig({ WEBHOOK_ALLOW: "127.0.0.1/32" }));
      open.push(deliverer);
      const event = sampleEvent();
      expect(await deliverer.deliver(event, { type: "webhook", url, secret })).toMatchObject({ ok: true });
      expect(String((await lines.next()).value)).toBe(`delivery ${event.id} ${event.type} task 297 (gz) succeeded [verified]`);
    } finally {
      child.kill();
    }
  });
});
