/**
 * One webhook delivery attempt: the event POSTed in the structured mode of the CloudEvents
 * HTTP binding (`content-type: application/cloudevents+json`, the event JSON as the body),
 * signed the Standard Webhooks way over those bytes (webhook-id / webhook-timestamp /
 * webhook-signature), through the SSRF guard.
 */
import http from "node:http";
import https from "node:https";
import { Webhook } from "standardwebhooks";
import type { CloudEvent, WebhookDestination } from "../schemas/index";
import { CLOUDEVENTS_CONTENT_TYPE, serializeEvent, timeAttempt, type DeliveryOutcome } from "./deliverer";
import { addressPolicy, guardedLookup, literalRefusal, RefusedDestinationError, type Resolver } from "./ssrf";

const USER_AGENT = "nettask-relay";
/** Statuses whose Retry-After is honoured. */
const RETRY_AFTER_STATUSES = new Set([429, 502, 503, 504]);
/** Response bodies are read and ignored up to this much; beyond it the connection is dropped. */
const MAX_DRAINED_BYTES = 64 * 1024;

export interface WebhookSenderOptions {
  timeoutMs: number;
  /** WEBHOOK_ALLOW: CIDRs reachable despite the SSRF guard, and the only ones over plain http. */
  allow: readonly string[];
  /** Hostname resolution (tests inject one); the system resolver by default. */
  resolve?: Resolver;
}

export interface WebhookSender {
  send(event: CloudEvent, destination: WebhookDestination, signal?: AbortSignal): Promise<DeliveryOutcome>;
  /** Drops connections still open (attempts in flight fail). */
  close(): void;
}

/** Milliseconds a Retry-After header asks for (delay-seconds or an HTTP date); undefined if unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP dates start with the day name; Date.parse alone would read "-3" as a year.
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The webhook-signature header: one `v1,<base64>` per secret, space-separated. */
function signatureHeader(secret: string | string[], id: string, timestamp: Date, body: string): string {
  return [secret]
    .flat()
    .map((s) => new Webhook(s).sign(id, timestamp, body))
    .join(" ");
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const policy = addressPolicy(options.allow);
  // One agent per scheme, each with its guard built in: every socket either opens is checked.
  // No keep-alive: a pooled socket the receiver closed while idle would fail the next attempt,
  // and deliveries to one receiver are too rare for reuse to pay.
  const agents = {
    "http:": new http.Agent({ lookup: guardedLookup(policy, "http", options.resolve) }),
    "https:": new https.Agent({ lookup: guardedLookup(policy, undefined, options.resolve) }),
  };

  async function send(event: CloudEvent, destination: WebhookDestination, signal?: AbortSignal): Promise<DeliveryOutcome> {
    const outcome = timeAttempt();
    const refused = (error: string) => outcome({ ok: false, permanent: true, error });

    const url = URL.canParse(destination.url) ? new URL(destination.url) : undefined;
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) return refused("webhook url must be an absolute http(s) URL");
    const why = literalRefusal(policy, url.hostname, url.protocol === "http:" ? "http" : undefined);
    if (why) return refused(why);
    // Watches registered before secrets were required may have none.
    if (destination.secret === undefined)
      return refused("webhook has no secret: every delivery is signed; register the watch again with destination.secret");

    const body = serializeEvent(event);
    const timestamp = new Date();
    const headers: Record<string, string> = {
      "content-type": CLOUDEVENTS_CONTENT_TYPE,
      "content-length": String(Buffer.byteLength(body)),
      "user-agent": USER_AGENT,
      "webhook-id": event.id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    };
    try {
      headers["webhook-signature"] = signatureHeader(destination.secret, event.id, timestamp, body);
    } catch {
      return refused("webhook secret is not a valid whsec_ secret");
    }

    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await post(url, body, headers, agents[url.protocol], signal ? AbortSignal.any([signal, timeout]) : timeout);
      const status = response.statusCode;
      if (status >= 200 && status < 300) return outcome({ ok: true, status });
      if (status === 410)
        return outcome({
          ok: false,
          status,
          disable: true,
          error: "receiver answered 410 Gone: this watch is not delivered again unless redelivered",
        });
      if (status >= 300 && status < 400)
        return outcome({
          ok: false,
          status,
          permanent: true,
          error: `receiver answered a redirect (${status}); redirects are not followed, register the final URL`,
        });
      const retryAfterMs = RETRY_AFTER_STATUSES.has(status) ? parseRetryAfter(response.retryAfter) : undefined;
      return outcome({ ok: false, status, error: `receiver answered HTTP ${status}`, ...(retryAfterMs !== undefined && { retryAfterMs }) });
    } catch (error) {
      if (error instanceof RefusedDestinationError) return refused(error.message);
      if (timeout.aborted) return outcome({ ok: false, error: `no answer within ${options.timeoutMs} ms` });
      if (signal?.aborted) return outcome({ ok: false, error: "delivery aborted" });
      const { code } = error as NodeJS.ErrnoException;
      return outcome({
        ok: false,
        error: `webhook request failed: ${(error as Error).message}`,
        ...(typeof code === "string" && { code }),
      });
    }
  }

  return {
    send,
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}

interface Answer {
  statusCode: number;
  retryAfter: string | undefined;
}

/** POSTs and settles on the response head; the body is drained in the background, bounded. */
function post(url: URL, body: string, headers: Record<string, string>, agent: http.Agent, signal: AbortSignal): Promise<Answer> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, { method: "POST", headers, agent, signal }, (response) => {
      resolve({ statusCode: response.statusCode ?? 0, retryAfter: response.headers["retry-after"] });
      let drained = 0;
      response.on("error", () => {});
      response.on("data", (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > MAX_DRAINED_BYTES) response.destroy();
      });
    });
    request.on("error", reject);
    request.end(body);
  });
}
