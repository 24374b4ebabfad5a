/**
 * The task client: one interface over every task kind (lib/upstream/kinds). For each call it
 * waits its turn at the rate limiter, signs a fresh request, sends it, checks and normalises
 * the answer, and retries with backoff what can heal (lib/upstream/codes.ts says what).
 */
import { SETTINGS, type Config, type HttpMethod, type SignatureMethod } from "../config";
import type { Logger } from "../log";
import type { TaskRef, TaskResult } from "../schemas/index";
import { validate } from "../schemas/validate";
import { retryDelay } from "./backoff";
import { resolveCredentials, type CredentialSource, type Credentials } from "./credentials";
import { classifyError, httpError, malformedError, UpstreamError } from "./errors";
import { kindOf, type KindSettings } from "./kinds/index";
import type { RateLimiter } from "./rate-limit";
import { AnswerTooLargeError, exchange, type UpstreamAnswer } from "./transport";
import { sleep as defaultSleep } from "../sleep";

export interface TaskClientOptions {
  credentials: CredentialSource;
  /** The API 3.0 VPC endpoint (vpc and eip tasks). Default: VPC_ENDPOINT's default. */
  vpcEndpoint?: string;
  /** Full URL of the legacy API, path included (legacy tasks). Default: NETTASK_ENDPOINT's default. */
  legacyEndpoint?: string;
  /** Legacy requests' signature. Default HmacSHA256. */
  signatureMethod?: SignatureMethod;
  /** Legacy requests' method. Default POST (form-encoded). */
  httpMethod?: HttpMethod;
  /** Timeout of one HTTP request. Default 10 s. */
  timeoutMs?: number;
  /** Tries per call on retryable errors, the first included. Default 4. */
  maxAttempts?: number;
  /** Asked before every HTTP request, retries included, whatever the kind. */
  rateLimiter?: RateLimiter;
  logger?: Logger;
  /** Jitter source, [0, 1). */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock for request timestamps, in ms. */
  now?: () => number;
}

export interface TaskClient {
  /** One call of the task's action (with its retries), normalised. */
  describe(task: TaskRef, opts?: { signal?: AbortSignal }): Promise<TaskResult>;
}

function endpointUrl(raw: string, name: string): URL {
  const url = new URL(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError(`${name} must be an http(s) URL, got ${url.protocol}`);
  return url;
}

export function createTaskClient(options: TaskClientOptions): TaskClient {
  const {
    credentials,
    timeoutMs = 10_000,
    maxAttempts = 4,
    rateLimiter,
    logger,
    random = Math.random,
    sleep = defaultSleep,
    now = Date.now,
  } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  const settings: KindSettings = {
    vpcEndpoint: endpointUrl(options.vpcEndpoint ?? SETTINGS.vpcEndpoint.default, "vpcEndpoint"),
    legacyEndpoint: endpointUrl(options.legacyEndpoint ?? SETTINGS.endpoint.default, "legacyEndpoint"),
    signatureMethod: options.signatureMethod ?? "HmacSHA256",
    httpMethod: options.httpMethod ?? "POST",
  };

  /** One signed HTTP request; throws UpstreamError (or what a rate limiter or credential source throws). */
  async function attempt(task: TaskRef, signal: AbortSignal | undefined): Promise<TaskResult> {
    const kind = kindOf(task);
    await rateLimiter?.acquire(signal);
    const creds = await credentials();
    const request = kind.request(task, creds, settings, now());
    const timeout = AbortSignal.timeout(timeoutMs);
    let answer: UpstreamAnswer;
    try {
      answer = await exchange(request, signal ? AbortSignal.any([signal, timeout]) : timeout);
    } catch (error) {
      if (error instanceof AnswerTooLargeError) throw malformedError(kind.action, error.message);
      throw classifyError(kind.action, error, signal, timeout);
    }
    if (answer.status !== 200) throw httpError(kind.action, answer.status, answer.statusText);
    return kind.parse(scrub(answer.text, creds), task);
  }

  return {
    async describe(input, opts = {}) {
      const task = validate("taskRef", input, "task");
      const { action } = kindOf(task);
      const { signal } = opts;
      for (let tries = 1; ; tries++) {
        try {
          signal?.throwIfAborted();
          return await attempt(task, signal);
        } catch (caught) {
          // Errors of our own making (credentials, a rate limiter) are passed on as they are.
          if (!(caught instanceof UpstreamError) && !signal?.aborted) throw caught;
          const error = classifyError(action, caught, signal);
          if (!error.retryable || tries >= maxAttempts) throw error;
          const waitMs = retryDelay(tries, random);
          logger?.debug(`${action} retry`, {
            api: task.api,
            taskId: task.taskId,
            region: task.region,
            attempt: tries,
            failure: error.failure,
            code: error.code,
            error: error.message,
            waitMs,
          });
          try {
            await sleep(waitMs, signal);
          } catch (slept) {
            throw classifyError(action, slept, signal);
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

/** Client options from the same configuration the functions use, credentials included. */
export function clientOptionsFromConfig(config: Config): TaskClientOptions {
  return {
    vpcEndpoint: config.vpcEndpoint,
    legacyEndpoint: config.endpoint,
    signatureMethod: config.signatureMethod,
    httpMethod: config.httpMethod,
    timeoutMs: config.requestTimeoutMs,
    maxAttempts: config.maxAttempts,
    credentials: resolveCredentials({ env: config.credentialEnv }),
  };
}
