/** Against the real RabbitMQ on 127.0.0.1:5672 (guest/guest): fails, never skips, when it is missing. */
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { connect, type ChannelModel, type GetMessage } from "amqplib";
import { HTTP } from "cloudevents";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAmqpPublisher } from "../../lib/delivery/amqp";
import { createDeliverer } from "../../lib/delivery/create-deliverer";
import type { Resolver } from "../../lib/delivery/ssrf";
import type { Deliverer } from "../../lib/delivery/deliverer";
import { serializeEvent } from "../../lib/delivery/deliverer";
import { createLogger } from "../../lib/log";
import { check } from "../../lib/schemas/validate-watch";
import { sampleEvent, testConfig } from "../support/delivery";

const BROKER = "amqp://guest:guest@127.0.0.1:5672";
const suffix = randomBytes(6).toString("hex");
const exchange = `nettask-test-${suffix}`;
const queue = `nettask-test-${suffix}`;

/** To the test exchange's "results" key (bound to the test queue), through the broker at `url`. */
const viaResults = (url: string) => ({ type: "amqp", exchange, routingKey: "results", url }) as const;

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
async function silentServer(sockets: Socket[] = []): Promise<number> {
  const server: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  open.push({
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  });
  return (server.address() as AddressInfo).port;
}

/** The broker is on loopback: allowed, as WEBHOOK_ALLOW allows the local stack's inbox. */
function deliverer(env: Record<string, string> = {}, logLines?: string[]): Deliverer {
  const logger = logLines && createLogger({ sink: (line) => logLines.push(line) });
  const d = createDeliverer(testConfig({ WEBHOOK_ALLOW: "127.0.0.1/32", ...env }), logger ? { logger } : {});
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
  it("publishes the event as a persistent, confirmed message a consumer reads back as a CloudEvent", async () => {
    const event = sampleEvent();
    const outcome = await deliverer().deliver(event, viaResults(BROKER));
    expect(outcome).toMatchObject({ ok: true });

    const message = await nextMessage();
    // Structured mode, as the CloudEvents SDK reads it from the message's content type.
    const read = HTTP.toEvent({ headers: { "content-type": message.properties.contentType }, body: message.content.toString() });
    expect(read).toMatchObject({ ...event, data: event.data });
    expect(message.properties.deliveryMode).toBe(2);
    expect(message.properties.contentType).toBe("application/cloudevents+json");
    expect(message.properties.messageId).toBe(event.id);
    expect(message.properties.type).toBe(event.type);
    expect(Math.abs(message.properties.timestamp - Date.now() / 1000)).toBeLessThan(60);
    const body = message.content.toString();
    expect(body).toBe(serializeEvent(event));
    expect(check("cloudEvent", JSON.parse(body)).ok).toBe(true);
  });

  it("uses AMQP_URL when the destination has no url (the operator's broker: WEBHOOK_ALLOW does not apply), and reuses one connection for many messages", async () => {
    const d = deliverer({ AMQP_URL: BROKER, WEBHOOK_ALLOW: "" });
    const events = [
      sampleEvent(),
      sampleEvent({ type: "com.tencentcloud.vpc.nettask.failed" }),
      sampleEvent({ type: "com.tencentcloud.vpc.nettask.timedout" }),
    ];
    for (const event of events) expect((await d.deliver(event, { type: "amqp", exchange, routingKey: "results" })).ok).toBe(true);
    const ids = [
      (await nextMessage()).properties.messageId,
      (await nextMessage()).properties.messageId,
      (await nextMessage()).properties.messageId,
    ];
    expect(ids).toEqual(events.map((e) => e.id));
  });

  it("fails an unroutable message (no queue bound to the routing key), naming exchange and routing key, and delivers nothing", async () => {
    const d = deliverer();
    const unroutable = await d.deliver(sampleEvent(), { type: "amqp", exchange, routingKey: "reslts", url: BROKER });
    expect(unroutable).toMatchObject({ ok: false });
    expect(unroutable.permanent).toBeUndefined();
    expect(unroutable.error).toBe(
      `AMQP publish to 127.0.0.1:5672 failed: the broker returned the message as unroutable (312 NO_ROUTE): no queue is bound to exchange "${exchange}" with routing key "reslts"`,
    );
    // The same connection goes on confirming routable messages, and only they arrive.
    const event = sampleEvent({ type: "com.tencentcloud.vpc.nettask.failed" });
    expect((await d.deliver(event, viaResults(BROKER))).ok).toBe(true);
    expect((await nextMessage()).properties.messageId).toBe(event.id);
    const ch = await admin.createChannel();
    expect(await ch.get(queue)).toBe(false);
    await ch.close();
  });

  it("fails clearly, naming the exchange, then recovers, when the exchange does not exist", async () => {
    const lines: string[] = [];
    const d = deliverer({}, lines);
    const missing = await d.deliver(sampleEvent(), { type: "amqp", exchange: `no-such-${suffix}`, routingKey: "x", url: BROKER });
    expect(missing.ok).toBe(false);
    expect(missing.error).toMatch(
      new RegExp(`^AMQP publish to 127\\.0\\.0\\.1:5672 failed: exchange "no-such-${suffix}" does not exist \\(.*NOT_FOUND - no exchange`),
    );
    // The next attempt gets a fresh connection and channel.
    expect((await d.deliver(sampleEvent(), viaResults(BROKER))).ok).toBe(true);
    await nextMessage();
    expect(lines.join("\n")).not.toContain("guest:guest");
  });

  it("fails fast and clearly when the broker is down", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const outcome = await deliverer().deliver(sampleEvent(), viaResults(`amqp://user:s3cret-pass@127.0.0.1:${port}`));
    expect(outcome.ok).toBe(false);
    expect(outcome).toMatchObject({
      error: `AMQP publish to 127.0.0.1:${port} failed: connect ECONNREFUSED 127.0.0.1:${port}`,
      code: "ECONNREFUSED",
    });
    expect(outcome.durationMs).toBeLessThan(2_000);
  });

  it("does not hang on a broker that accepts the connection and never speaks", async () => {
    const port = await silentServer();
    const outcome = await deliverer({ WEBHOOK_TIMEOUT_MS: "300" }).deliver(
      sampleEvent(),
      viaResults(`amqp://user:s3cret-pass@127.0.0.1:${port}`),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toBe(`AMQP publish to 127.0.0.1:${port} failed: no answer from the broker within 300 ms`);
  });

  it("stops when the caller aborts", async () => {
    const port = await silentServer();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = await deliverer().deliver(sampleEvent(), viaResults(`amqp://127.0.0.1:${port}`), controller.signal);
    expect(outcome).toMatchObject({ ok: false, error: "delivery aborted" });
    expect(outcome.durationMs).toBeLessThan(1_500);
  });

  it("refuses wrong credentials without echoing them", async () => {
    const outcome = await deliverer().deliver(sampleEvent(), viaResults("amqp://guest:wrong-password-123@127.0.0.1:5672"));
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/ACCESS.REFUSED/);
    expect(outcome.error).not.toContain("wrong-password-123");
  });

  it("refuses a destination's broker at an internal address before connecting, unless WEBHOOK_ALLOW includes it", async () => {
    const sockets: Socket[] = [];
    const port = await silentServer(sockets);
    for (const url of [
      `amqp://u:p@127.0.0.1:${port}`,
      `amqps://u:p@[::ffff:127.0.0.1]:${port}`,
      `amqp://u:p@localhost.:${port}`,
      "amqp://u:p@10.0.0.1:5672",
      "amqps://169.254.169.254",
    ]) {
      const outcome = await deliverer({ WEBHOOK_ALLOW: "" }).deliver(sampleEvent(), viaResults(url));
      expect(outcome, url).toMatchObject({
        ok: false,
        permanent: true,
        error: expect.stringMatching(/^refused: .* resolves to a (loopback|private|cloud metadata) address/),
      });
    }
    expect(sockets).toHaveLength(0);
  });

  it("checks a broker host name on the address it connects to, and passes none of the URL's query on", async () => {
    const asked: string[] = [];
    const table: Record<string, string> = { "broker.test": "127.0.0.1", "inside.test": "10.1.2.3" };
    const resolve: Resolver = async (hostname) => {
      asked.push(hostname);
      return [{ address: table[hostname]!, family: 4 }];
    };
    const publisher = createAmqpPublisher({ defaultUrl: "", timeoutMs: 2_000, allow: ["127.0.0.1/32"], resolve });
    open.push(publisher);
    const event = sampleEvent();
    // Only the injected resolver knows broker.test: the connection went through it.
    expect(await publisher.send(event, viaResults("amqp://guest:guest@broker.test:5672"))).toMatchObject({ ok: true });
    expect((await nextMessage()).properties.messageId).toBe(event.id);
    const inside = await publisher.send(event, viaResults("amqp://guest:guest@inside.test:5672"));
    expect(inside).toMatchObject({
      ok: false,
      permanent: true,
      error:
        "refused: inside.test resolves to a private address (10.1.2.3); destinations may reach internal " +
        "addresses only when WEBHOOK_ALLOW includes them",
    });
    expect(asked).toEqual(["broker.test", "inside.test"]);
    const tuned = await publisher.send(event, viaResults("amqp://guest:guest@broker.test:5672/?frameMax=4096&heartbeat=1"));
    expect(tuned).toMatchObject({
      ok: false,
      permanent: true,
      error: expect.stringMatching(/^the broker url must not have query parameters/),
    });
  });

  it("is a permanent failure without any broker url", async () => {
    const outcome = await deliverer().deliver(sampleEvent(), { type: "amqp", exchange, routingKey: "results" });
    expect(outcome).toMatchObject({ ok: false, permanent: true, error: "no broker: the destination has no url and AMQP_URL is not set" });
  });
});
