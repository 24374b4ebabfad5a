/**
 * The relay: what the functions call. One instance per warm container, built from config by
 * createRelay (lib/runtime.ts); its parts (client, store, deliverer) are interchangeable.
 */
import type { TaskInput, TaskResult, Watch, WatchRequest } from "./schemas/index";

export interface PollReport {
  /** Watches claimed and worked on. */
  claimed: number;
  /** Upstream DescribeNetTaskResult calls made (retries included). */
  requests: number;
  /** Outcomes found this run, by kind. */
  finished: { succeeded: number; failed: number; timedout: number };
  deliveries: { ok: number; failed: number };
  /** Watches registered from the timer argument. */
  registered: number;
  /** Problems that did not stop the run (bad timer argument, upstream errors), safe to log. */
  problems: string[];
  elapsedMs: number;
}

export interface Relay {
  /** One DescribeNetTaskResult call, normalised. */
  describeTask(input: TaskInput, signal?: AbortSignal): Promise<TaskResult>;
  /**
   * Registers (or finds) the watch of (taskId, region, destination) and polls it once inline,
   * so an already-finished task is answered and delivered without waiting for the timer.
   */
  registerWatch(request: WatchRequest, signal?: AbortSignal): Promise<{ watch: Watch; created: boolean }>;
  getWatch(id: string): Promise<Watch | undefined>;
  /** Cancels a watch that is not final yet; returns it (unchanged if already final). */
  cancelWatch(id: string): Promise<Watch | undefined>;
  /** Sends a finished watch's event again (dead letters included); throws ConflictError if it has none. */
  redeliver(id: string, signal?: AbortSignal): Promise<Watch | undefined>;
  /**
   * One timer invocation: registers watches named in the timer argument, then claims due
   * watches, polls and delivers until `budgetMs` runs out or nothing is due.
   */
  poll(options: { budgetMs: number; signal?: AbortSignal; timerArgument?: string | object }): Promise<PollReport>;
  close(): Promise<void>;
}

/** The request conflicts with the watch's state (e.g. redelivering a watch with no outcome yet). */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
}
