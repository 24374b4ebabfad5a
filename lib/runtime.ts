/**
 * What a warm container keeps between invocations: the parsed config, its logger, one store,
 * one task reader (the upstream client and its rate limit) and one relay. Each is made on
 * first use: reading a task loads neither the relay nor a store (the relay is a lazy chunk of
 * the bundles). The functions' handlers take these as their dependencies (functions/*.ts);
 * tests make a runtime of their own from a configuration of their own.
 */
import { loadConfig, type Config } from "./config";
import { lazy } from "./lazy";
import { createLogger, type Logger } from "./log";
import type { Relay } from "./relay";
import { createTaskReader, type TaskReader } from "./task-reader";
import { openStore, sharesRateLimit } from "./watches/open-store";

export interface Runtime {
  /** Read when first needed; a bad setting throws a ConfigError, and the next call reads again. */
  config: () => Config;
  /** At the configured level; at the default one while the configuration is bad, so that can be logged. */
  logger: () => Logger;
  tasks: () => Promise<TaskReader>;
  relay: () => Promise<Relay>;
}

export function createRuntime(readConfig: () => Config = () => loadConfig()): Runtime {
  let config: Config | undefined;
  let logger: Logger | undefined;
  const getConfig = () => (config ??= readConfig());
  const getLogger = (): Logger => {
    if (logger) return logger;
    try {
      return (logger = createLogger({ level: getConfig().logLevel }));
    } catch {
      return createLogger();
    }
  };
  // A failed start (a bad setting, a store that does not answer) is not kept: the next call tries again.
  const store = lazy(() => {
    const { storeUrl, platform } = getConfig();
    return openStore(storeUrl, { platform, logger: getLogger() });
  });
  const tasks = lazy(async () => {
    const config = getConfig();
    const sharedLimit = async () => (await store()).sharedRateLimiter!(config.pollRateLimit);
    return createTaskReader(config, { logger: getLogger(), ...(sharesRateLimit(config.storeUrl) && { sharedLimit }) });
  });
  const relay = lazy(async () => {
    const { createRelay } = await import("./relay");
    return createRelay(getConfig(), { openStore: store, reader: await tasks(), logger: getLogger() });
  });
  return { config: getConfig, logger: getLogger, tasks, relay };
}

/** The process's own runtime, configured by its environment: the one the deployed functions use. */
export const runtime = createRuntime();
