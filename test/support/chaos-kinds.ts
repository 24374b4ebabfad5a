/**
 * Task kinds in the chaos tests: the tasks of one run alternate between kinds, so one run covers
 * them all under one rate limit, and each outcome must arrive in its own kind's event family
 * (com.tencentcloud.vpc.task.* for API 3.0 tasks, com.tencentcloud.vpc.nettask.* for legacy ones).
 */
import type { Emulator } from "../../scripts/emulator/index";

export type ChaosApi = "legacy" | "vpc" | "eip";
export type Outcome = "succeeded" | "failed";

/** A task in the emulator and what its event must say. */
export interface ChaosTask {
  api: ChaosApi;
  taskId: number | string;
  /** As the emulator was given it. */
  region: string;
  outcome: Outcome;
  /** A vpc task's Output, which its event must carry exactly as sent. */
  output?: string;
}

/** The i-th task's kind: legacy and vpc in turn, or `kinds` in turn. */
export const kindAt = (i: number, kinds: readonly ChaosApi[] = ["legacy", "vpc"]): ChaosApi => kinds[i % kinds.length]!;

// A JSON list, as the Describe*TemplateInstances tasks answer, and a plain-text failure reason.
const VPC_OUTPUT: Record<Outcome, string> = {
  succeeded:
    '{"TotalCount":1,"InstanceSet":[{"Region":"ap-guangzhou","InstanceType":"sg","InstanceId":"sg-5y2ta666","InstanceName":"createPolicy"}]}',
  failed: "ResourceInUse: the template is in use",
};

/** Creates a task of `api` that runs for `durationMs` and then has `outcome`. */
export function createChaosTask(
  emulator: Emulator,
  api: ChaosApi,
  spec: { region: string; durationMs: number; outcome: Outcome },
): ChaosTask {
  const { region, durationMs, outcome } = spec;
  const failure = outcome === "failed" ? { outcome: "failure" as const } : {};
  switch (api) {
    case "vpc": {
      const output = VPC_OUTPUT[outcome];
      return { ...emulator.createTask({ api, region, durationMs, output, ...failure }), outcome, output };
    }
    case "eip":
      return { ...emulator.createTask({ api, region, durationMs, ...failure }), outcome };
    case "legacy":
      return { ...emulator.createTask({ region, durationMs, ...failure }), outcome };
  }
}

/** A task's key in maps: ids of different kinds may be the same number. */
export const taskKey = (task: { api: string; taskId: number | string }) => `${task.api}:${task.taskId}`;

interface TaskEvent {
  type: string;
  data: { api: string; taskId: number | string; output: unknown };
}

/** The task a delivered event is about, as taskKey names it. */
export const eventTaskKey = (event: unknown) => taskKey((event as TaskEvent).data);

/** The event type `outcome` of a task of `api` must arrive as. */
export const eventTypeFor = (api: ChaosApi, outcome: Outcome) =>
  api === "legacy" ? `com.tencentcloud.vpc.nettask.${outcome}` : `com.tencentcloud.vpc.task.${outcome}`;

/** Whether `event` reports `task` as it must: its family and outcome, its api, a vpc task's Output verbatim. */
export function reportsTask(event: unknown, task: ChaosTask | undefined): boolean {
  const { type, data } = event as TaskEvent;
  if (!task || type !== eventTypeFor(task.api, task.outcome) || data.api !== task.api) return false;
  return task.api !== "vpc" || data.output === task.output;
}
