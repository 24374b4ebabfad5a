/** Shared by the delivery tests: events, config, scripted receivers, an independent verifier. */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HTTP, type CloudEventV1 } from "cloudevents";
import { loadConfig, type Config } from "../../lib/config";
import { buildEvent } from "../../lib/delivery/event";
import type { CloudEvent, Destination, EventType } from "../../lib/schemas/index";
import { newWatch } from "../../lib/watches/model";

export const newSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ WEBHOOK_TIMEOUT_MS: "2000", ...env });
}

/** A finished watch's event, as the relay would build it. */
export function sampleEvent(options: { type?: EventType; destination?: Destination; data?: Record<string, unknown> } = {}): CloudEvent {
  const now = Date.parse("2026-03-01T10:00:00Z");
  const destination = options.destination ?? {
    type: "webhook",
    url: "https://hooks.example.com/nettask",
    secret: `whsec_${Buffer.alloc(24, 13).toString("base64")}`,
  };
  const watch = newWatch({ task: { api: "legacy", taskId: 297, region: "gz" }, destination }, now, 86_400);
  watch.polls = 3;
  watch.firstSeenAt = new Date(now + 1_000).toISOString();
  watch.lastResult = {
    api: "legacy",
    taskId: 297,
    region: "gz",
    status: "succeeded",
    code: 0,
    output: { code: 0, message: "" },
    data: options.data ?? { total: 1, detail: [{ region: "gz", type: "sg", id: "sg-5y2ta666", name: "createPolicy" }] },
  };
  return buildEvent(watch, options.type ?? "com.tencentcloud.vpc.nettask.succeeded", now + 5_000, "urn:nettask-relay:test");
}

export interface Hit {
  at: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The request as the CloudEvents SDK reads it (HTTP binding), or why it could not. */
  cloudEvent: CloudEventV1<unknown> | { notCloudEvent: string };
}

/** Why each hit a CloudEvents SDK could not read was refused: [] when it read them all. */
export const unreadableByCloudEventsSdk = (hits: readonly Hit[]): string[] =>
  hits.flatMap((hit) => ("notCloudEvent" in hit.cloudEvent ? [`${hit.headers["webhook-id"]}: ${hit.cloudEvent.notCloudEvent}`] : []));

/** A request as the CloudEvents SDK (the `cloudevents` package) reads it. */
export function readCloudEvent(headers: IncomingHttpHeaders, body: string): Hit["cloudEvent"] {
  try {
    const read = HTTP.toEvent({ headers, body });
    return Array.isArray(read) ? { notCloudEvent: "a batch, not one event" } : read;
  } catch (error) {
    return { notCloudEvent: (error as Error).message };
  }
}

/**
 * A loopback HTTP server answering each request with the next entry of `script` (the last one
 * repeats), recording every request.
 */
export async function startReceiver(script: Array<(res: ServerResponse) => void>) {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      hits.push({
        at: Date.now(),
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        cloudEvent: readCloudEvent(req.headers, body),
      });
      script[Math.min(hits.length - 1, script.length - 1)]!(res);
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/hook?token=abc`,
    hits,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export const status =
  (code: number, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    res.writeHead(code, headers).end(`status ${code}`);

/**
 * Standard Webhooks verification written from the spec with node:crypto alone (not the
 * library the relay signs with): which of `secrets` produced a signature in the header.
 */
export function independentlyVerifiedSecrets(headers: IncomingHttpHeaders, body: string, secrets: string[]): string[] {
  const id = String(headers["webhook-id"]);
  const timestamp = String(headers["webhook-timestamp"]);
  const sent = String(headers["webhook-signature"] ?? "")
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => Buffer.from(s.slice(3), "base64"));
  return secrets.filter((secret) => {
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
    return sent.some((s) => s.length === expected.length && timingSafeEqual(s, expected));
  });
}
