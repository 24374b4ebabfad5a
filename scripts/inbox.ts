/**
 * A small webhook receiver for the local stack and tests: accepts deliveries on any path,
 * verifies them when it has the secret, reads each with the CloudEvents SDK (as Knative or an
 * event router would: structured mode, `content-type: application/cloudevents+json`), prints
 * one line each, and lists them on `GET /`.
 *
 *   tsx scripts/inbox.ts            # INBOX_PORT (default 8787), INBOX_SECRET (optional whsec_…)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { text } from "node:stream/consumers";
import { pathToFileURL } from "node:url";
import { HTTP } from "cloudevents";
import { verifyDelivery } from "../lib/delivery/verify";
import { wholeNumber } from "./env";

export interface InboxDelivery {
  id: string;
  type: string;
  /** True when the signature was checked; false when the inbox has no secret. */
  verified: boolean;
  event: unknown;
}

export interface Inbox {
  /** Where to point a webhook destination, e.g. http://127.0.0.1:8787/ */
  url: string;
  port: number;
  received(): InboxDelivery[];
  /** Why each refused delivery was refused (bad signature, not a CloudEvent the SDK reads). */
  rejected(): string[];
  close(): Promise<void>;
}

export interface InboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * whsec_ secret; when set, deliveries that do not verify are answered 401 and not kept.
   * Deliveries the CloudEvents SDK cannot read are answered 415 and not kept either way.
   */
  secret?: string;
  log?: (line: string) => void;
}

function answer(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body, null, 2));
}

/** One line per delivery: what it was and whether it verified. */
function describe(delivery: InboxDelivery): string {
  const data = (delivery.event as { data?: { taskId?: unknown; region?: unknown; status?: unknown } }).data ?? {};
  return `delivery ${delivery.id} ${delivery.type} task ${String(data.taskId)} (${String(data.region)}) ${String(data.status)} ${delivery.verified ? "[verified]" : "[unverified]"}`;
}

export async function startInbox(options: InboxOptions = {}): Promise<Inbox> {
  const log = options.log ?? ((line: string) => console.log(line));
  const deliveries: InboxDelivery[] = [];
  const rejections: string[] = [];
  const reject = (why: string) => {
    rejections.push(why);
    log(`rejected delivery: ${why}`);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method === "GET" && request.url === "/") return answer(response, 200, deliveries);
    if (request.method !== "POST") return answer(response, 405, { error: "POST a delivery, or GET / for the list" });
    const body = await text(request);
    let delivery: InboxDelivery;
    try {
      if (options.secret) {
        const event = verifyDelivery(body, request.headers, options.secret);
        delivery = { id: event.id, type: event.type, verified: true, event };
      } else {
        const event = JSON.parse(body) as { id?: unknown; type?: unknown };
        const id = request.headers["webhook-id"] ?? event.id;
        delivery = { id: String(id), type: String(event.type), verified: false, event };
      }
    } catch (error) {
      reject((error as Error).message);
      return answer(response, options.secret ? 401 : 400, { error: (error as Error).message });
    }
    try {
      HTTP.toEvent({ headers: request.headers, body });
    } catch (error) {
      const why = `not a CloudEvent the CloudEvents SDK reads: ${(error as Error).message}`;
      reject(why);
      return answer(response, 415, { error: why });
    }
    deliveries.push(delivery);
    log(describe(delivery));
    answer(response, 204);
  };
  // A client that hangs up mid-body is no reason to crash the inbox.
  const server = createServer((request, response) => void handle(request, response).catch(() => response.destroy()));

  await new Promise<void>((ready, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, "127.0.0.1", ready);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    received: () => [...deliveries],
    rejected: () => [...rejections],
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

async function main(): Promise<void> {
  const port = wholeNumber(process.env, "INBOX_PORT", 8787, 65_535);
  const secret = process.env.INBOX_SECRET || undefined;
  const inbox = await startInbox({ port, ...(secret && { secret }) });
  console.log(
    `inbox listening on ${inbox.url} (${secret ? "verifying signatures" : "no INBOX_SECRET: deliveries are not verified"}); GET ${inbox.url} lists deliveries`,
  );
  const stop = () => void inbox.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: Error) => {
    console.error(`inbox: ${error.message}`);
    process.exit(1);
  });
}
