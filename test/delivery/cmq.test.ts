/** TDMQ for CMQ end to end through the emulator's SendCmqMsg (TC3-signed by the real SDK). */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, startEmulator, type Emulator } from "../../scripts/emulator/index";
import { MAX_CMQ_MESSAGE_BYTES } from "../../lib/delivery/cmq";
import { createDeliverer } from "../../lib/delivery/create-deliverer";
import type { Deliverer } from "../../lib/delivery/deliverer";
import { serializeEvent } from "../../lib/delivery/deliverer";
import { check } from "../../lib/schemas/validate-watch";
import { CredentialsError, type CredentialSource } from "../../lib/upstream/credentials";
import { newSecret, sampleEvent, startReceiver, status, testConfig } from "../support/delivery";

const TOKEN_ID = "AKIDtemporaryCMQtest000000000000000";
const TOKEN_KEY = "temporary-secret-key-for-cmq-000000";
const TOKEN = "session-token-cmq-test";

let emulator: Emulator;
const open: Array<{ close(): unknown }> = [];
const queue = () => `q-${randomBytes(6).toString("hex")}`;
const defaultCredentials: CredentialSource = async () => ({ secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY });

beforeAll(async () => {
  emulator = await startEmulator({
    credentials: [
      { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY },
      { secretId: TOKEN_ID, secretKey: TOKEN_KEY, token: TOKEN },
    ],
  });
});
afterAll(() => emulator.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

function deliverer(options: { endpoint?: string; credentials?: CredentialSource; env?: Record<string, string> } = {}): Deliverer {
  const d = createDeliverer(
    testConfig({ CMQ_ENDPOINT: options.endpoint ?? emulator.cmqEndpoint, WEBHOOK_ALLOW: "127.0.0.1/32", ...options.env }),
    {
      credentials: options.credentials ?? defaultCredentials,
    },
  );
  open.push(d);
  return d;
}

/** An endpoint that counts requests and never answers. */
async function blackHole(): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer(() => void hits++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const handle = {
    url,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  open.push(handle);
  return handle;
}

describe("CMQ delivery (TDMQ SendCmqMsg)", () => {
  it("sends the event JSON to the queue in the task's region, the same bytes a webhook gets", async () => {
    const q = queue();
    const event = sampleEvent();
    const d = deliverer();
    expect(await d.deliver(event, { type: "cmq", queue: q })).toMatchObject({ ok: true });

    const receiver = await startReceiver([status(200)]);
    open.push(receiver);
    expect((await d.deliver(event, { type: "webhook", url: receiver.url, secret: newSecret() })).ok).toBe(true);

    const [message, ...rest] = emulator.cmqMessages(q);
    expect(rest).toEqual([]);
    expect(message).toMatchObject({ queue: q, region: "ap-guangzhou", delaySeconds: 0 });
    expect(message!.body).toBe(receiver.hits[0]!.body);
    expect(message!.body).toBe(serializeEvent(event));
    const parsed = check("cloudEvent", JSON.parse(message!.body));
    expect(parsed.ok && parsed.value).toEqual(event);
  });

  it("uses the destination's region when it has one, legacy codes mapped, ap-style names as they are", async () => {
    const q = queue();
    const d = deliverer();
    expect((await d.deliver(sampleEvent(), { type: "cmq", queue: q, region: "sh" })).ok).toBe(true);
    expect((await d.deliver(sampleEvent(), { type: "cmq", queue: q, region: "na-ashburn" })).ok).toBe(true);
    expect(emulator.cmqMessages(q).map((m) => m.region)).toEqual(["ap-shanghai", "na-ashburn"]);
  });

  it("signs with temporary credentials and their token", async () => {
    const q = queue();
    const ok = await deliverer({ credentials: async () => ({ secretId: TOKEN_ID, secretKey: TOKEN_KEY, token: TOKEN }) }).deliver(
      sampleEvent(),
      { type: "cmq", queue: q },
    );
    expect(ok).toMatchObject({ ok: true });
    const bad = await deliverer({ credentials: async () => ({ secretId: TOKEN_ID, secretKey: TOKEN_KEY, token: "stale-token" }) }).deliver(
      sampleEvent(),
      { type: "cmq", queue: q },
    );
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/^SendCmqMsg failed \(AuthFailure\.TokenFailure\): /);
    expect(bad.error).not.toMatch(/stale-token|temporary-secret-key/);
    expect(emulator.cmqMessages(q)).toHaveLength(1);
  });

  it("reports the SDK error code of a refused request, never the secret", async () => {
    const outcome = await deliverer({
      credentials: async () => ({ secretId: DEFAULT_SECRET_ID, secretKey: "not-the-right-key-0000000000000000" }),
    }).deliver(sampleEvent(), { type: "cmq", queue: queue() });
    expect(outcome).toMatchObject({ ok: false });
    expect(outcome.permanent).toBeUndefined();
    expect(outcome.error).toMatch(/^SendCmqMsg failed \(AuthFailure\.SignatureFailure\): /);
    expect(outcome.error).not.toContain("not-the-right-key");
  });

  it("refuses a message over 1 MB before sending anything", async () => {
    const hole = await blackHole();
    const big = sampleEvent({ data: { blob: "x".repeat(MAX_CMQ_MESSAGE_BYTES) } });
    const outcome = await deliverer({ endpoint: hole.url }).deliver(big, { type: "cmq", queue: queue() });
    expect(outcome).toMatchObject({ ok: false, permanent: true });
    expect(outcome.error).toMatch(/^event is \d+ bytes; CMQ messages are limited to 1048576 bytes \(1 MB\)$/);
    expect(hole.hits()).toBe(0);

    // Just under the limit goes through.
    const q = queue();
    const fits = sampleEvent({ data: { blob: "x".repeat(MAX_CMQ_MESSAGE_BYTES - 1_000) } });
    expect(serializeEvent(fits).length).toBeLessThanOrEqual(MAX_CMQ_MESSAGE_BYTES);
    expect((await deliverer().deliver(fits, { type: "cmq", queue: q })).ok).toBe(true);
    expect(emulator.cmqMessages(q)[0]!.body).toBe(serializeEvent(fits));
  });

  it("fails an attempt the endpoint does not answer within the timeout", async () => {
    const hole = await blackHole();
    const outcome = await deliverer({ endpoint: hole.url, env: { WEBHOOK_TIMEOUT_MS: "300" } }).deliver(sampleEvent(), {
      type: "cmq",
      queue: queue(),
    });
    expect(outcome).toMatchObject({ ok: false, error: "SendCmqMsg: no answer within 300 ms" });
    expect(hole.hits()).toBe(1);
  });

  it("fails clearly when the endpoint is down or credentials are missing", async () => {
    const hole = await blackHole();
    await hole.close();
    const down = await deliverer({ endpoint: hole.url }).deliver(sampleEvent(), { type: "cmq", queue: queue() });
    expect(down.ok).toBe(false);
    expect(down.error).toMatch(/^SendCmqMsg failed: .*ECONNREFUSED/);

    const missing = await deliverer({
      credentials: async () => {
        throw new CredentialsError("no Tencent Cloud credentials found");
      },
    }).deliver(sampleEvent(), { type: "cmq", queue: queue() });
    expect(missing).toMatchObject({ ok: false, error: "SendCmqMsg failed: no Tencent Cloud credentials found" });
  });
});
