/** Against the real RabbitMQ on 127.0.0.1:5672 (guest/guest): fails, never skips, when it is missing. */
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { connect, type ChannelModel, type GetMessage } from "amqplib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDeliverer } from "../../lib/delivery/create-deliverer";
import type { Deliverer } from "../../lib/delivery/deliverer";
import { serializeEvent } from "../../lib/delivery/event";
import { createLogger } from "../../lib/log";
import { check } from "../../lib/schemas/validate";
import { sampleEvent, testConfig } from "./helpers";

const BROKER = "amqp://guest:guest@127.0.0.1:5672";
const suffix = randomBytes(6).toString("hex");
const exchange = `nettask-test-${suffix}`;
const queue = `nettask-test-${suffix}`;

let admin: ChannelModel;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  admin = await connect(BROKER);
  const ch = await admin.createChannel();
  await ch.assertExchange(exchange, "direct", { durable: false, autoDelete: false });
  await ch.assertQueue(queue, { durable: false });
  await ch.bindQueue(queue, exchange, "results");
  await ch.close();
});

afterAll(async () => {
  const ch = await admin.createChannel();
  await ch.deleteQueue(queue);
  await ch.deleteExchange(exchange);
  await admin.close();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

/** A TCP server that accepts connections and never says a word; closed after the test. */
async function silentServer(): Promise<number> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  open.push({
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise<void>((r) => server.close(() => r()));
    },
  });
  return (server.address() as AddressInfo).port;
}

function deliverer(env: Record<string, string> = {}, logLines?: string[]): Deliverer {
  const logger = logLines && createLogger({ sink: (line) => logLines.push(line) });
  const d = createDeliverer(testConfig(env), logger ? { logger } : {});
  open.push(d);
  return d;
}

/** Reads the next message of the test queue, acknowledging it. */
async function nextMessage(): Promise<GetMessage> {
  const ch = await admin.createChannel();
  try {
    for (let i = 0; i < 50; i++) {
      const message = await ch.get(queue, { noAck: true });
      if (message) return message;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no message arrived on ${queue}`);
  } finally {
    await ch.close();
  }
}

describe("AMQP delivery (RabbitMQ)", () => {
  it("publishes the event as a persistent, confirmed message a consumer reads back", async () => {
    const event = sampleEvent();
    const outcome = await deliverer().deliver(event, { type: "amqp", exchange, routingKey: "results", url: BROKER });
    expect(outcome).toMatchObject({ ok: true });

    const message = await nextMessage();
    expect(message.properties.deliveryMode).toBe(2);
    expect(message.properties.contentType).toBe("application/cloudevents+json");
    expect(message.properties.messageId).toBe(event.id);
    expect(message.properties.type).toBe(event.type);
    expect(Math.abs(message.properties.timestamp - Date.now() / 1000)).toBeLessThan(60);
    const body = message.content.toString();
    expect(body).toBe(serializeEvent(event));
    expect(check("cloudEvent", JSON.parse(body)).ok).toBe(true);
  });

  it("uses AMQP_URL when the destination has no url, and reuses one connection for many messages", async () => {
    const d = deliverer({ AMQP_URL: BROKER });
    const events = [sampleEvent(), sampleEvent({ type: "com.tencentcloud.vpc.nettask.failed" }), sampleEvent({ type: "com.tencentcloud.vpc.nettask.timedout" })];
    for (const event of events) expect((await d.deliver(event, { type: "amqp", exchange, routingKey: "results" })).ok).toBe(true);
    const ids = [(await nextMessage()).properties.messageId, (await nextMessage()).properties.messageId, (await nextMessage()).properties.messageId];
    expect(ids).toEqual(events.map((e) => e.id));
  });

  it("fails clearly, then recovers, when the broker closes the channel (unknown exchange)", async () => {
    const lines: string[] = [];
    const d = deliverer({}, lines);
    const missing = await d.deliver(sampleEvent(), { type: "amqp", exchange: `no-such-${suffix}`, routingKey: "x", url: BROKER });
    expect(missing.ok).toBe(false);
    expect(missing.error).toMatch(/^AMQP publish to 127\.0\.0\.1:5672 failed: .*NOT_FOUND - no exchange/);
    // The next attempt gets a fresh connection and channel.
    expect((await d.deliver(sampleEvent(), { type: "amqp", exchange, routingKey: "results", url: BROKER })).ok).toBe(true);
    await nextMessage();
    expect(lines.join("\n")).not.toContain("guest:guest");
  });

  it("fails fast and clearly when the broker is down", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const outcome = await deliverer().deliver(sampleEvent(), { type: "amqp", exchange, routingKey: "results", url: `amqp://user:s3cret-pass@127.0.0.1:${port}` });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toBe(`AMQP publish to 127.0.0.1:${port} failed: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(outcome.durationMs).toBeLessThan(2_000);
  });

  it("does not hang on a broker that accepts the connection and never speaks", async () => {
    const port = await silentServer();
    const outcome = await deliverer({ WEBHOOK_TIMEOUT_MS: "300" }).deliver(sampleEvent(), { type: "amqp", exchange, routingKey: "results", url: `amqp://user:s3cret-pass@127.0.0.1:${port}` });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toBe(`AMQP publish to 127.0.0.1:${port} failed: no answer from the broker within 300 ms`);
  });

  it("stops when the caller aborts", async () => {
    const port = await silentServer();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = await deliverer().deliver(sampleEvent(), { type: "amqp", exchange, routingKey: "results", url: `amqp://127.0.0.1:${port}` }, controller.signal);
    expect(outcome).toMatchObject({ ok: false, error: "delivery aborted" });
    expect(outcome.durationMs).toBeLessThan(1_500);
  });

  it("refuses wrong credentials without echoing them", async () => {
    const outcome = await deliverer().deliver(sampleEvent(), { type: "amqp", exchange, routingKey: "results", url: "amqp://guest:wrong-password-123@127.0.0.1:5672" });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/ACCESS.REFUSED/);
    expect(outcome.error).not.toContain("wrong-password-123");
  });

  it("is a permanent failure without any broker url", async () => {
    const outcome = await deliverer().deliver(sampleEvent(), { type: "amqp", exchange, routingKey: "results" });
    expect(outcome).toMatchObject({ ok: false, permanent: true, error: "no broker: the destination has no url and AMQP_URL is not set" });
  });
});
