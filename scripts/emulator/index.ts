/**
 * A local stand-in for the Tencent Cloud APIs nettask-relay talks to: the legacy
 * DescribeNetTaskResult (signatures, replay and rate checks, tasks that finish after a set
 * time, injected faults) and TDMQ SendCmqMsg (TC3-HMAC-SHA256), plus an admin API. A dev and
 * test tool: nothing under lib/ or functions/ may import it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleAdmin } from "./admin-api";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type EmulatorCredential } from "./credentials";
import { FaultBook, type FaultSpec } from "./faults";
import { jsonReply, send, sendStatus, splitUrl } from "./http";
import { handleLegacy, LEGACY_PATH, type LegacyRequestRecord, type LegacyState } from "./legacy-api";
import { NonceRegistry } from "./nonces";
import { SlidingWindowLimit } from "./rate-limit";
import { TaskBook, type TaskSpec } from "./tasks";
import { handleTdmq, type CmqMessageRecord, type TdmqState } from "./tdmq-api";

export { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type EmulatorCredential } from "./credentials";
export { FAULT_KINDS, type FaultKind, type FaultSpec } from "./faults";
export type { LegacyRequestRecord } from "./legacy-api";
export { SEED_TASK, type TaskSpec } from "./tasks";
export type { CmqMessageRecord } from "./tdmq-api";

export interface EmulatorOptions {
  /** 0 (default) = a random free port; the host is always 127.0.0.1. */
  port?: number;
  /** Default: the one pair DEFAULT_SECRET_ID / DEFAULT_SECRET_KEY. */
  credentials?: EmulatorCredential[];
  /** Most legacy requests admitted in any sliding second (all callers); beyond → 4400. 0/undefined = unlimited. */
  rateLimit?: number;
  /** Clock in ms; default Date.now. */
  now?: () => number;
  /** Pre-seed task 297 in gz (default true). */
  seed?: boolean;
}

export interface Emulator {
  port: number;
  /** "http://127.0.0.1:<port>" */
  url: string;
  /** The legacy API, what NETTASK_ENDPOINT is set to. */
  endpoint: string;
  /** TDMQ API 3.0 (SendCmqMsg), what CMQ_ENDPOINT is set to. */
  cmqEndpoint: string;
  /** Throws a ValidationError naming the bad field. */
  createTask(spec: TaskSpec): { taskId: number; region: string };
  /** Throws a ValidationError naming the bad field. */
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  /** Every legacy request, in arrival order. */
  requests(): LegacyRequestRecord[];
  cmqMessages(queue?: string): CmqMessageRecord[];
  /** Tasks back to the seed; faults, logs and nonces cleared. */
  reset(): void;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const now = options.now ?? Date.now;
  const credentials = options.credentials ?? [{ secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY }];
  const rateLimit = options.rateLimit ?? 0;
  if (!Number.isInteger(rateLimit) || rateLimit < 0) throw new RangeError(`rateLimit must be a whole number, 0 or more; got ${rateLimit}`);
  const closing = new AbortController();
  const legacy: LegacyState = {
    credentials: new Map(credentials.map((c) => [c.secretId, { ...c }])),
    tasks: new TaskBook(now, options.seed ?? true),
    faults: new FaultBook(),
    nonces: new NonceRegistry(),
    limit: rateLimit > 0 ? new SlidingWindowLimit(rateLimit) : undefined,
    records: [],
    now,
    closing: closing.signal,
  };
  const tdmq: TdmqState = { credentials: legacy.credentials, messages: [], now };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const [path, query] = splitUrl(req.url);
    const method = req.method ?? "";
    if (path === LEGACY_PATH) {
      if (method !== "GET" && method !== "POST") return sendStatus(res, 405, { allow: "GET, POST" });
      return send(res, await handleLegacy(req, method, query, legacy));
    }
    if (path === "/") {
      if (method !== "POST") return sendStatus(res, 405, { allow: "POST" });
      return send(res, await handleTdmq(req, query, tdmq));
    }
    if (path.startsWith("/admin/")) return send(res, await handleAdmin(req, path, query, emulator));
    send(res, jsonReply(404, { error: `nothing is served at ${path}` }));
  };

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else send(res, jsonReply(500, { error: error instanceof Error ? error.message : String(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const emulator: Emulator = {
    port,
    url,
    endpoint: `${url}${LEGACY_PATH}`,
    cmqEndpoint: url,
    createTask: (spec) => legacy.tasks.create(spec),
    injectFault: (fault) => legacy.faults.add(fault),
    clearFaults: () => legacy.faults.clear(),
    requests: () => legacy.records.slice(),
    cmqMessages: (queue) => (queue === undefined ? tdmq.messages.slice() : tdmq.messages.filter((m) => m.queue === queue)),
    reset: () => {
      legacy.tasks.reset();
      legacy.faults.clear();
      legacy.nonces.clear();
      legacy.limit?.clear();
      legacy.records.length = 0;
      tdmq.messages.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return emulator;
}
