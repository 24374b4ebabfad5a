/**
 * Reading tasks: one task client for every kind, behind the process's one upstream rate limit.
 * The HTTP function answers GET /tasks with it alone; the relay (lib/relay.ts, loaded when
 * watches are first needed) is built on the same reader, so reads, polls and retries all count
 * against one limit.
 */
import type { Config } from "./config";
import { lazy } from "./lazy";
import type { Logger } from "./log";
import type { TaskInput, TaskResult } from "./schemas/index";
import { clientOptionsFromConfig, createTaskClient, type TaskClient } from "./upstream/client";
import { createRateLimiter, type RateLimiter } from "./upstream/rate-limit";
import { resolveTask } from "./upstream/task-ref";

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
   * Makes the limiter every instance shares (a Redis store's), called on the first request.
   * Without one, each process limits itself.
   */
  sharedLimit?: () => Promise<RateLimiter>;
}

export function createTaskReader(config: Config, options: TaskReaderOptions = {}): TaskReader {
  let limiter: () => Promise<RateLimiter>;
  if (options.sharedLimit) limiter = lazy(options.sharedLimit);
  else {
    const own = createRateLimiter(config.pollRateLimit);
    limiter = async () => own;
  }
  let requests = 0;
  const counted: RateLimiter = {
    async acquire(signal) {
      await (await limiter()).acquire(signal);
      requests++;
    },
  };
  const client = createTaskClient({
    ...clientOptionsFromConfig(config),
    rateLimiter: counted,
    ...(options.logger && { logger: options.logger }),
  });
  return {
    client,
    requests: () => requests,
    describeTask: (input, signal) => client.describe(resolveTask(input), { signal }),
  };
}
