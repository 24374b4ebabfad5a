/**
 * Waits for a task to finish, the smithy/AWS SDK waiter way
 * (https://smithy.io/2.0/additional-specs/waiters.html): first attempt at once, then
 * waiterDelay between attempts, never sleeping past the deadline.
 */
import type { TaskRef, TaskResult } from "../schemas/index";
import { validate } from "../schemas/validate";
import { waiterDelay } from "./backoff";
import type { TaskClient } from "./client";
import { UpstreamError } from "./errors";
import { sleep as defaultSleep } from "../sleep";

export type WaiterState = "SUCCESS" | "FAILURE" | "TIMEOUT" | "ABORTED";

export interface WaitOptions {
  task: TaskRef;
  client: TaskClient;
  /** Seconds before the second attempt; delays grow from here. */
  minDelay: number;
  /** Longest wait between attempts, in seconds. */
  maxDelay: number;
  /** Seconds from the start after which the waiter gives up (TIMEOUT). */
  maxWait: number;
  signal?: AbortSignal;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock in ms. */
  now?: () => number;
}

export interface WaitResult {
  state: WaiterState;
  /** The final result; for TIMEOUT and ABORTED the last one seen, if any. */
  result?: TaskResult;
  attempts: number;
  elapsedMs: number;
}

/**
 * A succeeded task is SUCCESS, a failed one FAILURE (a final result, not an error); a running
 * task or a retryable error that outlived the client's own retries means try again. A
 * non-retryable error is thrown.
 */
export async function waitForTask(options: WaitOptions): Promise<WaitResult> {
  const { minDelay, maxDelay, maxWait, signal, client, random = Math.random, sleep = defaultSleep, now = Date.now } = options;
  const input = validate("taskRef", options.task, "task");
  if (!(maxWait >= 0)) throw new RangeError(`maxWait must be >= 0 seconds, got ${maxWait}`);
  waiterDelay(1, minDelay, maxDelay); // checks the delays before anything is sent

  const started = now();
  const deadline = started + maxWait * 1000;
  let attempts = 0;
  let result: TaskResult | undefined;
  const end = (state: WaiterState): WaitResult => ({ state, ...(result ? { result } : {}), attempts, elapsedMs: now() - started });

  for (;;) {
    if (signal?.aborted) return end("ABORTED");
    attempts++;
    try {
      result = await client.describe(input, { signal });
      if (result.status === "succeeded") return end("SUCCESS");
      if (result.status === "failed") return end("FAILURE");
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      if (error.failure === "aborted") return end("ABORTED");
      if (!error.retryable) throw error;
    }
    const remaining = deadline - now();
    if (remaining <= 0) return end("TIMEOUT");
    try {
      await sleep(Math.min(waiterDelay(attempts, minDelay, maxDelay, random) * 1000, remaining), signal);
    } catch (error) {
      if (signal?.aborted) return end("ABORTED");
      throw error;
    }
  }
}
