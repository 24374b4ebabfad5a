/**
 * The tasks DescribeNetTaskResult reports on, per region (task ids are per region). A task is
 * running (status 2) until `durationMs` after its creation, then final: 0 success, 1 failure.
 */
import { legacyTaskId as taskId, region } from "../../lib/schemas/common";
import { specChecker } from "./spec-check";

export interface TaskSpec {
  region: string;
  /** Default: the next free id, starting at 1000. An existing task with this id is replaced. */
  taskId?: number;
  /** Running for this long after creation, then final; default 0 (already final). */
  durationMs?: number;
  outcome?: "success" | "failure";
  /** Final data.output; for failures typically 29259/29260/29258. */
  output?: { code: number | string; message: string };
  /** Final data.data (object or array); default {}. */
  data?: unknown;
  /** data.data while running; default null. */
  runningData?: unknown;
}

const output = {
  type: "object",
  additionalProperties: false,
  required: ["code", "message"],
  properties: { code: { type: ["integer", "string"] }, message: { type: "string" } },
} as const;

const checkTaskSpec = specChecker<TaskSpec>(
  {
    type: "object",
    additionalProperties: false,
    required: ["region"],
    properties: {
      region,
      taskId,
      durationMs: { type: "integer", minimum: 0, maximum: 86_400_000 },
      outcome: { enum: ["success", "failure"] },
      output,
      data: { type: ["object", "array"] },
      runningData: { type: ["object", "array", "null"] },
    },
  },
  "task spec",
);

/** `data` of a DescribeNetTaskResult answer. */
export interface TaskView {
  status: 0 | 1 | 2;
  output: { code: number | string; message: string };
  data: unknown;
}

interface Task {
  finalAt: number;
  running: TaskView;
  final: TaskView;
}

const FIRST_ID = 1000;
const RUNNING_OUTPUT = { code: 0, message: "" };
const DEFAULT_FAILURE = { code: 29257, message: "backend error" };

/** Task 297 in gz, already succeeded: the result of Tencent's documentation example. */
export const SEED_TASK: Readonly<TaskSpec> & { taskId: number } = {
  region: "gz",
  taskId: 297,
  outcome: "success",
  output: { code: 0, message: "" },
  data: {
    total: 4,
    detail: [
      { region: "ca", type: "sg", id: "sg-b2qce888", name: "北美" },
      { region: "gz", type: "sg", id: "sg-5y2ta666", name: "createPolicy" },
      { region: "sh", type: "sg", id: "sg-gt6an666", name: "上海安全组" },
      { region: "gz", type: "sg", id: "sg-jn3hnxyj", name: "广州安全组" },
    ],
  },
};

export class TaskBook {
  private readonly regions = new Map<string, Map<number, Task>>();
  private nextId = FIRST_ID;

  constructor(
    private readonly now: () => number,
    private readonly seed: boolean,
  ) {
    this.reset();
  }

  /** Checks the spec (throws a ValidationError naming the bad field) and creates the task. */
  create(input: TaskSpec): { taskId: number; region: string } {
    const spec = structuredClone(checkTaskSpec(input));
    const tasks = this.regions.get(spec.region) ?? new Map<number, Task>();
    this.regions.set(spec.region, tasks);
    let id = spec.taskId;
    if (id === undefined) {
      while (tasks.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    }
    const failed = spec.outcome === "failure";
    tasks.set(id, {
      finalAt: this.now() + (spec.durationMs ?? 0),
      running: { status: 2, output: RUNNING_OUTPUT, data: spec.runningData ?? null },
      final: {
        status: failed ? 1 : 0,
        output: spec.output ?? (failed ? DEFAULT_FAILURE : { code: 0, message: "" }),
        data: spec.data ?? {},
      },
    });
    return { taskId: id, region: spec.region };
  }

  /** What DescribeNetTaskResult answers for the task now, or undefined when it does not exist. */
  view(region: string, taskId: number): TaskView | undefined {
    const task = this.regions.get(region)?.get(taskId);
    if (!task) return undefined;
    return this.now() < task.finalAt ? task.running : task.final;
  }

  reset(): void {
    this.regions.clear();
    this.nextId = FIRST_ID;
    if (this.seed) this.create(SEED_TASK);
  }
}
