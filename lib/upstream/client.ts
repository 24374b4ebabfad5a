/**
 * The DescribeNetTaskResult client: the legacy v2 request (v1 signature), retries with
 * backoff on what can heal, and the answer checked against the schema and normalised.
 */
import { randomInt } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { loadConfig, SETTINGS, type Config } from "../config";
import type { Logger } from "../log";
import type { TaskInput, TaskResult, TaskStatus, UpstreamResponse } from "../schemas/index";
import { check, validate } from "../schemas/validate";
import { retryDelay } from "./backoff";
import { resolveCredentials, type CredentialSource, type Credentials } from "./credentials";
import { classifyError, httpError, malformedError, NetTaskError, upstreamError } from "./errors";
import { computeSignature, stringToSign, type HttpMethod, type SignatureMethod } from "./sign";

const ACTION = "DescribeNetTaskResult";

/** Paces requests (lib/poll/rate-limiter.ts); resolves when one may be sent, rejects if `signal` aborts. */
export interface RateLimiter {
  acquire(signal?: AbortSignal): Promise<void>;
}

export interface NetTaskClientOptions {
  credentials: CredentialSource;
  /** Full URL of the legacy API, path included. Default: NETTASK_ENDPOINT's default. */
  endpoint?: string;
  /** Default HmacSHA256. */
  signatureMethod?: SignatureMethod;
  /** Default POST (form-encoded). */
  httpMethod?: HttpMethod;
  /** Timeout of one HTTP request. Default 10 s. */
  timeoutMs?: number;
  /** Tries per call on retryable errors, the first included. Default 4. */
  maxAttempts?: number;
  /** Asked before every HTTP request, retries included. */
  rateLimiter?: RateLimiter;
  logger?: Logger;
  /** Jitter source, [0, 1). */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface NetTaskClient {
  /** One DescribeNetTaskResult call (with its retries), normalised. */
  describe(input: TaskInput, opts?: { signal?: AbortSignal }): Promise<TaskResult>;
}

const STATUS: Record<0 | 1 | 2, TaskStatus> = { 0: "succeeded", 1: "failed", 2: "running" };

const defaultSleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal });

export function createNetTaskClient(options: NetTaskClientOptions): NetTaskClient {
  const {
    credentials,
    endpoint = SETTINGS.endpoint.default,
    signatureMethod = "HmacSHA256",
    httpMethod = "POST",
    timeoutMs = 10_000,
    maxAttempts = 4,
    rateLimiter,
    logger,
    random = Math.random,
    sleep = defaultSleep,
  } = options;
  const url = new URL(endpoint);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError(`endpoint must be an http(s) URL, got ${url.protocol}`);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);

  /** One signed HTTP request; throws NetTaskError (or whatever fetch throws) on anything but a result. */
  async function attempt(task: TaskInput, signal: AbortSignal | undefined): Promise<TaskResult> {
    await rateLimiter?.acquire(signal);
    const creds = await credentials();
    const body = signedParams(task, creds);
    const timeout = AbortSignal.timeout(timeoutMs);
    const requestSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let status: number, statusText: string, text: string;
    try {
      const response =
        httpMethod === "GET"
          ? await fetch(`${endpoint}?${body}`, { signal: requestSignal, redirect: "manual" })
          : await fetch(endpoint, { method: "POST", body, signal: requestSignal, redirect: "manual" });
      ({ status, statusText } = response);
      text = await response.text();
    } catch (error) {
      throw classifyError(error, signal, timeout);
    }
    if (status !== 200) throw httpError(status, statusText);
    return normalise(task, parseBody(text, creds));
  }

  function signedParams(task: TaskInput, creds: Credentials): URLSearchParams {
    const params: Record<string, string> = {
      Action: ACTION,
      Region: task.region,
      Timestamp: String(Math.floor(Date.now() / 1000)),
      // A fresh Nonce per request: the upstream refuses a reused one (4500) for five minutes.
      Nonce: String(randomInt(1, 2 ** 31)),
      SecretId: creds.secretId,
      SignatureMethod: signatureMethod,
      taskId: String(task.taskId),
    };
    if (creds.token) params.Token = creds.token;
    const text = stringToSign(httpMethod, url.host, url.pathname, params);
    return new URLSearchParams({ ...params, Signature: computeSignature(creds.secretKey, text, signatureMethod) });
  }

  return {
    async describe(input, opts = {}) {
      const task = validate("taskInput", input, "task input");
      const { signal } = opts;
      for (let tries = 1; ; tries++) {
        try {
          signal?.throwIfAborted();
          return await attempt(task, signal);
        } catch (caught) {
          // Errors of our own making (credentials, a rate limiter) are passed on as they are.
          if (!(caught instanceof NetTaskError) && !signal?.aborted) throw caught;
          const error = classifyError(caught, signal);
          if (!error.retryable || tries >= maxAttempts) throw error;
          const waitMs = retryDelay(tries, random);
          logger?.debug("DescribeNetTaskResult retry", { taskId: task.taskId, region: task.region, attempt: tries, kind: error.kind, code: error.code, error: error.message, waitMs });
          try {
            await sleep(waitMs, signal);
          } catch (slept) {
            throw classifyError(slept, signal);
          }
        }
      }
    },
  };
}

/**
 * Never lets a secret the upstream might echo (in a message, a codeDesc, an HTML page) reach
 * an error: the body is scrubbed before anything reads it.
 */
function scrub(text: string, creds: Credentials): string {
  let out = text;
  for (const secret of [creds.secretKey, creds.token]) if (secret) out = out.split(secret).join("[redacted]");
  return out;
}

function parseBody(raw: string, creds: Credentials): UpstreamResponse {
  const text = scrub(raw, creds);
  if (text.trim() === "") throw malformedError("empty body");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw malformedError(`body is not JSON: ${JSON.stringify(text.trim().slice(0, 60))}`, error);
  }
  const checked = check("upstreamResponse", json);
  if (!checked.ok) {
    throw malformedError(`body is not a DescribeNetTaskResult response: ${checked.errors.map((e) => `${e.field || "(body)"} ${e.message}`).join("; ")}`);
  }
  const response = checked.value;
  if (response.code !== 0) {
    throw upstreamError(response.code, response.message, response.codeDesc === undefined ? undefined : String(response.codeDesc));
  }
  return response;
}

function normalise(task: TaskInput, response: UpstreamResponse): TaskResult {
  // The schema requires `data` when code is 0; the types cannot say so.
  const data = response.data!;
  return validate(
    "taskResult",
    { taskId: task.taskId, region: task.region, status: STATUS[data.status], code: data.status, output: data.output ?? null, data: data.data ?? null },
    "normalised task result",
  );
}

/** Client options from the same configuration the functions use. */
export function clientOptionsFromConfig(config: Config, env: Readonly<Record<string, string | undefined>> = process.env): NetTaskClientOptions {
  return {
    endpoint: config.endpoint,
    signatureMethod: config.signatureMethod,
    httpMethod: config.httpMethod,
    timeoutMs: config.requestTimeoutMs,
    maxAttempts: config.maxAttempts,
    credentials: resolveCredentials({ env }),
  };
}

let defaultClient: NetTaskClient | undefined;

/** One call with the client configured from process.env, created on first use. */
export function describeNetTaskResult(input: TaskInput, opts?: { signal?: AbortSignal }): Promise<TaskResult> {
  defaultClient ??= createNetTaskClient(clientOptionsFromConfig(loadConfig()));
  return defaultClient.describe(input, opts);
}
