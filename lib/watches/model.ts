/** Watch identity and construction. Ids are derived, so registering twice finds the same watch. */
import type { Destination, TaskRef, Watch, WatchState } from "../schemas/index";
import { stableId } from "../stable-id";

const FINAL_STATES: readonly WatchState[] = ["delivered", "failed", "expired", "cancelled"];

export function isFinal(state: WatchState): boolean {
  return FINAL_STATES.includes(state);
}

/** JSON with object keys sorted, so equal values give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The watch id of a (task, destination) pair; the task is (api, taskId, region). */
function watchIdOf(task: TaskRef, destination: Destination): string {
  return stableId("w_", canonical({ api: task.api, taskId: task.taskId, region: task.region, destination }));
}

export interface WatchSpec {
  task: TaskRef;
  destination: Destination;
  deadlineSeconds?: number;
}

/** A new pending watch, due at once. */
export function newWatch(spec: WatchSpec, now: number, defaultDeadlineSeconds: number): Watch {
  const { task, destination } = spec;
  const at = new Date(now).toISOString();
  const deadlineSeconds = spec.deadlineSeconds ?? defaultDeadlineSeconds;
  return {
    id: watchIdOf(task, destination),
    version: 0,
    api: task.api,
    taskId: task.taskId,
    region: task.region,
    destination,
    state: "pending",
    createdAt: at,
    updatedAt: at,
    deadlineAt: new Date(now + deadlineSeconds * 1000).toISOString(),
    dueAt: now,
    lease: null,
    polls: 0,
    firstSeenAt: null,
    lastPolledAt: null,
    lastResult: null,
    lastError: null,
    event: null,
    delivery: { attempts: [], attemptCount: 0, roundAttempts: 0, disabled: false },
    sending: null,
  };
}
