/**
 * Reading tasks: one task client for every kind, behind the process's one upstream rate limit.
 * The HTTP function answers GET /tasks with it alone; the relay (lib/relay.ts, loaded when
 * watches are first needed) is built on the same reader, so reads, polls and retries all count
 * against one limit.
 */
import type { Config } from "./config";
import { lazy } from "./lazy";
import type { Logger } from "./log";
import { createRateLimiter, type RateLimiter } from "./poll/rate-limiter";
import type { TaskInput, TaskResult } from "./schemas/index";
import { clientOptionsFromConfig, createTaskClient, type TaskClient } from "./upstream/client";
import { resolveTask } from "./upstream/task-ref";
import type { WatchStore } from "./watches/store";

export interface TaskReader {
  /** One call of the task's action (its kind inferred when `api` is left out), normalised. */
  describeTask(input: TaskInput, signal?: AbortSignal): Promise<TaskResult>;
  /** The client every read and poll goes through. */
  readonly client: TaskClient;
  /** Upstream requests made so far, retries included. */
  requests(): number;
}

export interface TaskReaderOptions {
  logger?: Logger;
  /**
   * The store to take a limiter shared by every instance from (a Redis store), opened on the
   * first request. Without one, each process limits itself.
   */
  sharedLimitFrom?: () => Promise<WatchStore>;
}

export function createTaskReader(config: Config, options: TaskReaderOptions = {}): TaskReader {
  const { sharedLimitFrom } = options;
  const limiter: () => Promise<RateLimiter> = sharedLimitFrom
    ? lazy(async () => (await sharedLimitFrom()).sharedRateLimiter!(config.pollRateLimit))
    : ((own) => async () => own)(createRateLimiter(config.pollRateLimit));
  let requests = 0;
  const counted: RateLimiter = {
    async acquire(signal) {
      await (await limiter()).acquire(signal);
      requests++;
    },
  };
  const client = createTaskClient({ ...clientOptionsFromConfig(config), rateLimiter: counted, ...(options.logger && { logger: options.logger }) });
  return {
    client,
    requests: () => requests,
    describeTask: (input, signal) => client.describe(resolveTask(input), { signal }),
  };
}
