/**
 * Configuration from environment variables: one table says every variable, its default and
 * what it means (the README's configuration table is checked against it). Parsed once per
 * cold start; a bad value is a ConfigError naming the variable, never a silent default.
 */
import { allowEntryProblem } from "./cidr";
import { parseBrokerUrl } from "./broker-url";
import type { LogLevel } from "./log";
import { RelayError } from "./errors";

export class ConfigError extends RelayError {
  static override readonly errorName = "ConfigError";
  override readonly kind = "unavailable";
  /**
   * @param reason what the variable must be, without its value: safe to answer over HTTP
   * @param got what was found instead (the value or a part of it), for the message only
   */
  constructor(
    readonly variable: string,
    readonly reason: string,
    got?: string,
  ) {
    super(`${variable} ${reason}${got === undefined ? "" : `; ${got}`}`);
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

interface Setting<T> {
  env: string;
  default: T;
  doc: string;
  parse: (raw: string, name: string) => T;
}

const int =
  (min: number, max: number) =>
  (raw: string, name: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, "must be a whole number", `got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}`, `got ${n}`);
    return n;
  };
const oneOf =
  <T extends string>(values: readonly T[]) =>
  (raw: string, name: string): T => {
    if (!(values as readonly string[]).includes(raw)) throw new ConfigError(name, `must be one of ${values.join(", ")}`, `got "${raw}"`);
    return raw as T;
  };
const text = (raw: string) => raw;
const url =
  (schemes: readonly string[]) =>
  (raw: string, name: string): string => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, "must be an absolute URL");
    }
    if (!schemes.includes(parsed.protocol)) throw new ConfigError(name, `must use ${schemes.join(" or ")}`);
    return raw;
  };
/** A broker URL amqplib can use (lib/broker-url.ts); never echoed, it holds a password. */
const brokerUrl = (raw: string, name: string): string => {
  const parsed = parseBrokerUrl(raw);
  if (!parsed.ok) throw new ConfigError(name, parsed.reason);
  return raw;
};
const list = (raw: string) =>
  raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
/** The stores STORE_URL may name (lib/watches/open-store.ts opens them and checks the rest). */
export const STORE_SCHEMES = { sqlite: ["sqlite:"], redis: ["redis://", "rediss://"] } as const;

/** Only the scheme is checked here, and never shown whole: a URL may carry a password. */
const storeUrl = (raw: string, name: string): string => {
  if (
    Object.values(STORE_SCHEMES)
      .flat()
      .some((scheme) => raw.startsWith(scheme))
  )
    return raw;
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(raw)?.[0] ?? "(none)";
  throw new ConfigError(name, "must start with sqlite: or redis:// (or rediss://)", `scheme ${scheme} is not supported`);
};

/** A list of CIDRs, none of them allowing every address (lib/cidr.ts). */
const cidrs = (raw: string, name: string): string[] =>
  list(raw).map((cidr) => {
    const problem = allowEntryProblem(cidr);
    if (problem) throw new ConfigError(name, problem.reason, problem.got);
    return cidr;
  });
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
/** "0,5s,5m,30m,2h" → [0, 5000, 300000, 1800000, 7200000] */
const durations = (raw: string, name: string): number[] =>
  list(raw).map((item) => {
    const m = /^(\d+)(ms|s|m|h)?$/.exec(item);
    if (!m) throw new ConfigError(name, "must be a comma-separated list of durations such as 0,5s,5m,2h", `"${item}" is not one`);
    return Number(m[1]) * UNIT_MS[m[2] ?? "ms"]!;
  });

/** The legacy API's signature methods (lib/upstream/sign.ts computes them). */
const SIGNATURE_METHODS = ["HmacSHA256", "HmacSHA1"] as const;
export type SignatureMethod = (typeof SIGNATURE_METHODS)[number];
/** The methods the legacy API accepts a request by. */
const HTTP_METHODS = ["GET", "POST"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const setting = <T>(env: string, def: T, parse: Setting<T>["parse"], doc: string): Setting<T> => ({ env, default: def, parse, doc });

/** Every variable nettask-relay reads (credentials are read by lib/upstream/credentials.ts). */
export const SETTINGS = {
  vpcEndpoint: setting(
    "VPC_ENDPOINT",
    "https://vpc.tencentcloudapi.com/",
    url(["https:", "http:"]),
    "Full URL of Tencent Cloud's VPC API 3.0 (DescribeVpcTaskResult, DescribeTaskResult): vpc and eip tasks.",
  ),
  endpoint: setting(
    "NETTASK_ENDPOINT",
    "https://vpc.api.qcloud.com/v2/index.php",
    url(["https:", "http:"]),
    "Full URL of the legacy VPC API 2.0 (DescribeNetTaskResult), path included: legacy tasks only.",
  ),
  signatureMethod: setting<SignatureMethod>(
    "NETTASK_SIGNATURE_METHOD",
    "HmacSHA256",
    oneOf(SIGNATURE_METHODS),
    "Legacy requests' signature: HmacSHA256 or HmacSHA1.",
  ),
  httpMethod: setting<HttpMethod>(
    "NETTASK_HTTP_METHOD",
    "POST",
    oneOf(HTTP_METHODS),
    "Legacy requests' method: GET or POST (form-encoded; keeps the signature out of URL logs).",
  ),
  requestTimeoutMs: setting("NETTASK_TIMEOUT_MS", 10_000, int(100, 120_000), "Timeout of one upstream request (every task kind)."),
  maxAttempts: setting("NETTASK_MAX_ATTEMPTS", 4, int(1, 10), "Attempts per upstream call on retryable errors (first try included)."),
  storeUrl: setting(
    "STORE_URL",
    "sqlite:./.data/nettask.db",
    storeUrl,
    "Watch store: sqlite:<path> (embedded) or redis://host:port[/db][?prefix=nettask:] (rediss:// for " +
      "TLS; the prefix is taken as written and must not be empty).",
  ),
  apiToken: setting("API_TOKEN", "", text, "Bearer token the HTTP API requires. Empty refuses every authenticated route."),
  pollRateLimit: setting(
    "POLL_RATE_LIMIT",
    10,
    int(1, 1000),
    "Upstream requests per second (polls, retries, inline polls): one limit for every instance when " +
      "STORE_URL is Redis, per process with SQLite.",
  ),
  pollConcurrency: setting("POLL_CONCURRENCY", 8, int(1, 256), "Watches worked on at once by one poll invocation."),
  pollMinDelayMs: setting("POLL_MIN_DELAY_MS", 2_000, int(10, 3_600_000), "Waiter minDelay: first re-poll of a running task."),
  pollMaxDelayMs: setting("POLL_MAX_DELAY_MS", 60_000, int(10, 3_600_000), "Waiter maxDelay: longest wait between polls of one task."),
  leaseMs: setting(
    "POLL_LEASE_MS",
    60_000,
    int(1_000, 900_000),
    "How long a claimed watch stays with its poller before others may take it; at least twice " +
      "WEBHOOK_TIMEOUT_MS. A poll still unanswered near its end is given up.",
  ),
  safetyMarginMs: setting(
    "POLL_SAFETY_MARGIN_MS",
    3_000,
    int(0, 60_000),
    "Time kept back from the platform's remaining time when looping.",
  ),
  pollBudgetMs: setting(
    "POLL_BUDGET_MS",
    55_000,
    int(100, 900_000),
    "Longest poll loop when the platform does not say how much time is left.",
  ),
  defaultDeadlineSeconds: setting(
    "WATCH_DEFAULT_DEADLINE_SECONDS",
    86_400,
    int(60, 604_800),
    "Deadline of a watch registered without deadlineSeconds.",
  ),
  webhookTimeoutMs: setting(
    "WEBHOOK_TIMEOUT_MS",
    15_000,
    int(100, 60_000),
    "A delivery attempt (webhook 2xx, CMQ answer, AMQP confirm) fails unless it completes within this time.",
  ),
  deliverySchedule: setting(
    "DELIVERY_SCHEDULE",
    [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
    durations,
    "Delay before each delivery attempt (±20% jitter); after the last the watch is failed. Default 0,5s,5m,30m,2h,5h,10h,10h.",
  ),
  webhookAllow: setting(
    "WEBHOOK_ALLOW",
    [] as string[],
    cidrs,
    "Comma-separated CIDRs webhooks and destinations' brokers may reach despite the SSRF guard (plain " +
      "http and amqp are allowed only to these). Metadata addresses never; 0.0.0.0/0 and ::/0 are refused.",
  ),
  eventSource: setting("EVENT_SOURCE", "urn:nettask-relay", text, "CloudEvents `source` of delivered events."),
  cmqEndpoint: setting(
    "CMQ_ENDPOINT",
    "https://tdmq.tencentcloudapi.com",
    url(["https:", "http:"]),
    "TDMQ API 3.0 endpoint for SendCmqMsg.",
  ),
  amqpUrl: setting(
    "AMQP_URL",
    "",
    brokerUrl,
    "Default broker for amqp destinations without their own url: amqp[s]://user:password@host:port/vhost, no query.",
  ),
  logLevel: setting<LogLevel>("LOG_LEVEL", "info", oneOf(["debug", "info", "warn", "error"] as const), "debug, info, warn or error."),
} as const;

type Settings = typeof SETTINGS;
export type Config = { -readonly [K in keyof Settings]: Settings[K]["default"] } & {
  /** Where the code runs: decides which stores are safe. */
  platform: "scf" | "lambda" | "local";
  /**
   * Where the credential chain (lib/upstream/credentials.ts) looks for keys first: the
   * environment these settings came from, read again on every call, as SCF rotates the
   * temporary keys it puts there. Nothing under lib/ reads process.env but this module.
   */
  credentialEnv: Env;
};

export function detectPlatform(env: Env): Config["platform"] {
  // serverless-offline (`npm run offline`) sets the Lambda variables too, on this machine.
  if (env.IS_OFFLINE === "true") return "local";
  if (env.TENCENTCLOUD_RUNENV === "SCF") return "scf";
  if (env.AWS_LAMBDA_FUNCTION_NAME) return "lambda";
  return "local";
}

/** Reads and checks every setting; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const out: Record<string, unknown> = { platform: detectPlatform(env), credentialEnv: env };
  for (const [key, s] of Object.entries(SETTINGS) as [string, Setting<unknown>][]) {
    const raw = env[s.env];
    out[key] = raw === undefined || raw === "" ? s.default : s.parse(raw, s.env);
  }
  const config = out as Config;
  if (config.pollMaxDelayMs < config.pollMinDelayMs) {
    throw new ConfigError(
      "POLL_MAX_DELAY_MS",
      "must not be below POLL_MIN_DELAY_MS",
      `got ${config.pollMaxDelayMs} with POLL_MIN_DELAY_MS ${config.pollMinDelayMs}`,
    );
  }
  // A delivery attempt runs under the lease of the watch it delivers; if the lease could end
  // first, another poller would take the watch and send the event a second time.
  if (config.leaseMs < 2 * config.webhookTimeoutMs) {
    throw new ConfigError(
      "POLL_LEASE_MS",
      "must be at least twice WEBHOOK_TIMEOUT_MS, so a lease outlasts a delivery attempt",
      `got ${config.leaseMs} with WEBHOOK_TIMEOUT_MS (${config.webhookTimeoutMs})`,
    );
  }
  return config;
}
