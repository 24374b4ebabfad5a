/**
 * Structured JSON logs, one line per event, with a correlation id (the platform request id).
 * Values under secret-looking keys, and passwords inside URLs, never reach the output.
 */
// Node loads the module at start-up; a context in use costs a hook on every promise (about a
// microsecond per await on Node 20), the price of lines that say which invocation wrote them.
import { AsyncLocalStorage } from "node:async_hooks";

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogSink = (line: string) => void;
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  service?: string;
  sink?: LogSink;
}

const SECRET_KEY = /secret|token|password|passwd|authorization|signature|credential|api[-_]?key|cookie/i;
/** Text that may be a URL: a scheme, `://`, and everything up to whitespace or a quote. */
const URL_CANDIDATE = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi;
const MASK = "***";

/**
 * `text` with the user name and password of every URL in it replaced by `***`. The URL parser
 * decides what the credentials are, not a pattern: `https://u:p@ss@host` has the password
 * `p@ss`. When it cannot (no valid URL, or an `@` after the first `/`, which ends the
 * authority for every parser, so a password containing `/` looks like a path), everything
 * from `://` up to the last `@` is masked.
 */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_CANDIDATE, (candidate) => {
    const start = candidate.indexOf("://") + 3;
    const lastAt = candidate.lastIndexOf("@");
    if (lastAt < start) return candidate;
    const authorityLength = candidate.slice(start).search(/[/?#\\]/);
    const authorityEnd = authorityLength < 0 ? candidate.length : start + authorityLength;
    if (lastAt < authorityEnd && URL.canParse(candidate)) {
      const url = new URL(candidate);
      if (url.username) url.username = MASK;
      if (url.password) url.password = MASK;
      return url.href;
    }
    return `${candidate.slice(0, start)}${MASK}${candidate.slice(lastAt)}`;
  });
}

/** A copy of `value` safe to log: secret-looking keys redacted, URL credentials masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return maskUrlCredentials(value);
  if (value instanceof Error) return { name: value.name, message: redact(value.message), ...(redact({ ...value }, depth + 1) as object) };
  if (value === null || typeof value !== "object") return value;
  if (depth > 8) return "[too deep]";
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v != null && v !== "" ? "[redacted]" : redact(v, depth + 1);
  return out;
}

const stdout: LogSink = (line) => process.stdout.write(`${line}\n`);

/**
 * The fields of the invocation being served, added to every line any logger writes while it
 * lasts. Loggers are made once per warm container and shared by invocations (the relay's,
 * the store's); each line takes its invocation's fields, concurrent invocations included,
 * from where it is written, not from the logger.
 */
const contextFields = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` (e.g. `correlation_id`) added to every line logged until it settles, however deep. */
export function withLogContext<T>(fields: LogFields, fn: () => T): T {
  return contextFields.run({ ...contextFields.getStore(), ...fields }, fn);
}

/** Adds `fields` to the lines the current withLogContext call still writes; outside one it does nothing. */
export function appendLogContext(fields: LogFields): void {
  const store = contextFields.getStore();
  if (store) Object.assign(store, fields);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? "info"];
  const sink = options.sink ?? stdout;
  const service = options.service ?? "nettask-relay";
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    const entry = redact({ level, message, timestamp: new Date().toISOString(), service, ...contextFields.getStore(), ...fields });
    sink(JSON.stringify(entry));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}
