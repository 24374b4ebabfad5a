/**
 * A local stand-in for the Tencent Cloud APIs nettask-relay talks to, on one port:
 *
 *   /v2/index.php   the legacy DescribeNetTaskResult (v1 signatures, replay checks)   legacy-api.ts
 *   POST /          API 3.0 (TC3-HMAC-SHA256), by X-TC-Action: the VPC task queries
 *                   DescribeVpcTaskResult and DescribeTaskResult, parameter templates and EIPs
 *                   that start tasks, and TDMQ SendCmqMsg                              api3.ts
 *   /admin/…        tasks, faults, the request log, CMQ messages, reset                  admin-api.ts
 *
 * Tasks of the three kinds (tasks.ts) finish after a set time; the task queries of all kinds share
 * one rate limit, one fault book and one request log. A dev and test tool: nothing under lib/ or
 * functions/ may import it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleAdmin } from "./admin-api";
import { api3Actions, handleApi3, type Api3State } from "./api3";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type EmulatorCredential } from "./credentials";
import { FaultBook, type FaultSpec } from "./faults";
import { jsonReply, send, sendStatus, splitUrl } from "./http";
import { handleLegacy, LEGACY_PATH, type LegacyState } from "./legacy-api";
import { NonceRegistry } from "./nonces";
import { SlidingWindowLimit } from "./rate-limit";
import type { RequestRecord, SharedState } from "./shared";
import { TaskBook, type CreatedTask, type TaskSpec } from "./tasks";
import { tdmqActions, type CmqMessageRecord, type TdmqState } from "./tdmq-api";
import { vpcActions, type VpcState } from "./vpc-api";
import { TemplateBook } from "./vpc-templates";

export { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type EmulatorCredential } from "./credentials";
export { FAULT_KINDS, type FaultKind, type FaultSpec } from "./faults";
export type { Api3RequestRecord } from "./api3";
export type { LegacyRequestRecord } from "./legacy-api";
export type { RequestRecord } from "./shared";
export {
  SEED_EIP_TASK,
  SEED_TASK,
  SEED_VPC_TASK,
  type CreatedTask,
  type EipTaskSpec,
  type LegacyTaskSpec,
  type TaskApi,
  type TaskSpec,
  type VpcTaskSpec,
} from "./tasks";
export type { CmqMessageRecord } from "./tdmq-api";
export { SEED_ADDRESS_TEMPLATE, type TemplateInstance } from "./vpc-templates";

/** How long the tasks started by asynchronous API 3.0 actions run, unless asyncTaskMs says otherwise. */
export const DEFAULT_ASYNC_TASK_MS = 3_000;

export interface EmulatorOptions {
  /** 0 (default) = a random free port; the host is always 127.0.0.1. */
  port?: number;
  /** Default: the one pair DEFAULT_SECRET_ID / DEFAULT_SECRET_KEY. */
  credentials?: EmulatorCredential[];
  /**
   * Most task queries (DescribeNetTaskResult, DescribeVpcTaskResult and DescribeTaskResult
   * together) admitted in any sliding second, from all callers; beyond → 4400 (legacy) or
   * RequestLimitExceeded (API 3.0). Other actions are not limited. 0/undefined = unlimited.
   */
  rateLimit?: number;
  /** How long the tasks that API 3.0 actions start stay RUNNING (default DEFAULT_ASYNC_TASK_MS). */
  asyncTaskMs?: number;
  /** Clock in ms; default Date.now. */
  now?: () => number;
  /** Pre-seed SEED_TASK (297 in gz), SEED_VPC_TASK, SEED_EIP_TASK and SEED_ADDRESS_TEMPLATE (default true). */
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
  /** VPC API 3.0 ("http://127.0.0.1:<port>/"), what VPC_ENDPOINT is set to. */
  vpcEndpoint: string;
  /** A task of any kind (`api`, default legacy); throws a ValidationError naming the bad field. */
  createTask<S extends TaskSpec>(spec: S): CreatedTask<S>;
  /** Throws a ValidationError naming the bad field. */
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  /** Every task query (legacy ones, and DescribeVpcTaskResult / DescribeTaskResult), in arrival order. */
  requests(): RequestRecord[];
  cmqMessages(queue?: string): CmqMessageRecord[];
  /** Tasks and templates back to the seed; EIPs, faults, logs and nonces cleared. */
  reset(): void;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const now = options.now ?? Date.now;
  const credentials = options.credentials ?? [{ secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY }];
  const rateLimit = options.rateLimit ?? 0;
  if (!Number.isInteger(rateLimit) || rateLimit < 0) throw new RangeError(`rateLimit must be a whole number, 0 or more; got ${rateLimit}`);
  const asyncTaskMs = options.asyncTaskMs ?? DEFAULT_ASYNC_TASK_MS;
  if (!Number.isInteger(asyncTaskMs) || asyncTaskMs < 0)
    throw new RangeError(`asyncTaskMs must be a whole number, 0 or more; got ${asyncTaskMs}`);
  const seed = options.seed ?? true;
  const closing = new AbortController();
  const shared: SharedState = {
    credentials: new Map(credentials.map((c) => [c.secretId, { ...c }])),
    tasks: new TaskBook(now, seed),
    faults: new FaultBook(),
    limit: rateLimit > 0 ? new SlidingWindowLimit(rateLimit) : undefined,
    records: [],
    now,
    closing: closing.signal,
  };
  const legacy: LegacyState = { ...shared, nonces: new NonceRegistry() };
  const tdmq: TdmqState = { messages: [], now };
  const vpc: VpcState = { tasks: shared.tasks, templates: new TemplateBook(now, seed), addresses: new Map(), asyncTaskMs };
  const api3: Api3State = { ...shared, actions: api3Actions({ ...tdmqActions(tdmq), ...vpcActions(vpc) }) };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const [path, query] = splitUrl(req.url);
    const method = req.method ?? "";
    if (path === LEGACY_PATH) {
      if (method !== "GET" && method !== "POST") return sendStatus(res, 405, { allow: "GET, POST" });
      return send(res, await handleLegacy(req, method, query, legacy));
    }
    if (path === "/") {
      if (method !== "POST") return sendStatus(res, 405, { allow: "POST" });
      return send(res, await handleApi3(req, query, api3));
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
    vpcEndpoint: `${url}/`,
    createTask: (spec) => shared.tasks.create(spec),
    injectFault: (fault) => shared.faults.add(fault),
    clearFaults: () => shared.faults.clear(),
    requests: () => shared.records.slice(),
    cmqMessages: (queue) => (queue === undefined ? tdmq.messages.slice() : tdmq.messages.filter((m) => m.queue === queue)),
    reset: () => {
      shared.tasks.reset();
      vpc.templates.reset();
      vpc.addresses.clear();
      shared.faults.clear();
      legacy.nonces.clear();
      shared.limit?.clear();
      shared.records.length = 0;
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
