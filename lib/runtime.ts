/**
 * What a warm container keeps between invocations: the parsed config, one store, one task
 * reader (the upstream client and its rate limit) and one relay. Each is made on first use:
 * reading a task loads neither the relay nor a store (the relay is a lazy chunk of the
 * bundles). Functions call these; tests build their own with createRelay and createTaskReader.
 */
import { loadConfig, type Config } from "./config";
import { lazy } from "./lazy";
import { createLogger } from "./log";
import type { Relay } from "./relay";
import { createTaskReader, type TaskReader } from "./task-reader";
import { openStore, sharesRateLimit } from "./watches/open-store";

let config: Config | undefined;

export function getConfig(): Config {
  return (config ??= loadConfig());
}

// A failed start (a bad setting, a store that does not answer) is not kept: the next call tries again.
const store = lazy(() => {
  const { storeUrl, platform, logLevel } = getConfig();
  return openStore(storeUrl, { platform, logger: createLogger({ level: logLevel }) });
});

export const getReader: () => Promise<TaskReader> = lazy(async () => {
  const config = getConfig();
  return createTaskReader(config, sharesRateLimit(config.storeUrl) ? { sharedLimit: async () => (await store()).sharedRateLimiter!(config.pollRateLimit) } : {});
});

export const getRelay: () => Promise<Relay> = lazy(async () => {
  const { createRelay } = await import("./relay");
  return createRelay(getConfig(), { openStore: store, reader: await getReader() });
});
