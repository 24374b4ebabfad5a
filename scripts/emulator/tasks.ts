/**
 * The asynchronous tasks the emulator reports on, in three kinds, one per task query:
 *
 *   legacy  DescribeNetTaskResult: integer ids from 1000; `data` status 2 (running), then
 *           0 (success) or 1 (failure) with `output` {code, message} and `data`.
 *   vpc     DescribeVpcTaskResult: the id is the RequestId of the asynchronous call; Status
 *           RUNNING (Output "", Result null), then SUCCESS or FAILED with the final Output and Result.
 *   eip     DescribeTaskResult: integer ids from 1000000; Result RUNNING, then SUCCESS or FAILED.
 *
 * A task runs for `durationMs` after its creation, then is final. Ids are per region and per
 * kind (the same number may be a legacy and an EIP task). Regions are kept under their API 3.0
 * name, so gz and ap-guangzhou are one region.
 */
import { randomUUID } from "node:crypto";
import { region } from "../../lib/schemas/common";
import { regionName } from "../../lib/regions";
import { specChecker } from "./spec-check";

export const TASK_APIS = ["legacy", "vpc", "eip"] as const;
export type TaskApi = (typeof TASK_APIS)[number];

interface CommonTaskSpec {
  region: string;
  /** Running for this long after creation, then final; default 0 (already final). */
  durationMs?: number;
  outcome?: "success" | "failure";
}

export interface LegacyTaskSpec extends CommonTaskSpec {
  api?: "legacy";
  /** Default: the next free id, starting at 1000. An existing task with this id is replaced. */
  taskId?: number;
  /** Final data.output; for failures typically 29259/29260/29258. */
  output?: { code: number | string; message: string };
  /** Final data.data (object or array); default {}. */
  data?: unknown;
  /** data.data while running; default null. */
  runningData?: unknown;
}

export interface VpcTaskResultItem {
  ResourceId: string;
  Status: string;
}

export interface VpcTaskSpec extends CommonTaskSpec {
  api: "vpc";
  /** The RequestId that names the task; default a fresh UUID. An existing task with this id is replaced. */
  taskId?: string;
  /** Final Output; default "SUCCESS", or FAILURE_OUTPUT for a failure. */
  output?: string;
  /** Final Result; default null. */
  result?: VpcTaskResultItem[] | null;
}

export interface EipTaskSpec extends CommonTaskSpec {
  api: "eip";
  /** Default: the next free id, starting at 1000000. An existing task with this id is replaced. */
  taskId?: number;
}

export type TaskSpec = LegacyTaskSpec | VpcTaskSpec | EipTaskSpec;

/** What createTask answers: the kind, the id to query and the region as it was given. */
export type CreatedTask<S extends TaskSpec = TaskSpec> = S extends VpcTaskSpec
  ? { api: "vpc"; taskId: string; region: string }
  : S extends EipTaskSpec
    ? { api: "eip"; taskId: number; region: string }
    : { api: "legacy"; taskId: number; region: string };

/** `data` of a DescribeNetTaskResult answer. */
export interface LegacyTaskView {
  status: 0 | 1 | 2;
  output: { code: number | string; message: string };
  data: unknown;
}

/** DescribeVpcTaskResult's answer, without RequestId. */
export interface VpcTaskView {
  Status: "SUCCESS" | "FAILED" | "RUNNING";
  Output: string;
  Result: VpcTaskResultItem[] | null;
}

/** DescribeTaskResult's answer, without RequestId. */
export interface EipTaskView {
  TaskId: number;
  Result: "SUCCESS" | "FAILED" | "RUNNING";
}

const durationMs = { type: "integer", minimum: 0, maximum: 86_400_000 } as const;
const outcome = { enum: ["success", "failure"] } as const;

const checkApi = specChecker<{ api?: TaskApi }>({ type: "object", properties: { api: { enum: TASK_APIS } } }, "task spec");

/** A kind's task spec: the fields every kind has (api, region, taskId, durationMs, outcome) and its own. */
function taskSpecChecker<S>(api: TaskApi, required: readonly string[], taskId: object, own: Record<string, object> = {}) {
  return specChecker<S>(
    {
      type: "object",
      additionalProperties: false,
      required,
      properties: { api: { const: api }, region, taskId, durationMs, outcome, ...own },
    },
    "task spec",
  );
}

// A legacy spec may leave `api` out: that is what the emulator's admin API accepted before API 3.0.
const checkLegacySpec = taskSpecChecker<LegacyTaskSpec>(
  "legacy",
  ["region"],
  { type: "integer", minimum: 1, maximum: 2147483647 },
  {
    output: {
      type: "object",
      additionalProperties: false,
      required: ["code", "message"],
      properties: { code: { type: ["integer", "string"] }, message: { type: "string" } },
    },
    data: { type: ["object", "array"] },
    runningData: { type: ["object", "array", "null"] },
  },
);

const checkVpcSpec = taskSpecChecker<VpcTaskSpec>(
  "vpc",
  ["api", "region"],
  { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9-]+$" },
  {
    output: { type: "string", maxLength: 1_000_000 },
    result: {
      type: ["array", "null"],
      items: {
        type: "object",
        additionalProperties: false,
        required: ["ResourceId", "Status"],
        properties: { ResourceId: { type: "string" }, Status: { type: "string" } },
      },
    },
  },
);

const checkEipSpec = taskSpecChecker<EipTaskSpec>("eip", ["api", "region"], {
  type: "integer",
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
});

export const FAILURE_OUTPUT = "FailedOperation: the emulated task failed";
const LEGACY_FAILURE = { code: 29257, message: "backend error" };
const LEGACY_SUCCESS = { code: 0, message: "" };
const FIRST_LEGACY_ID = 1000;
const FIRST_EIP_ID = 1_000_000;

/** Task 297 in gz, already succeeded: the result of Tencent's documentation example. */
export const SEED_TASK: Readonly<LegacyTaskSpec> & { taskId: number } = {
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

/** The example of DescribeVpcTaskResult's documentation (https://cloud.tencent.com/document/api/215/59037), already succeeded. */
export const SEED_VPC_TASK: Readonly<VpcTaskSpec> & { taskId: string } = {
  api: "vpc",
  region: "ap-guangzhou",
  taskId: "481e9b6e-81d1-4859-b8cf-a673e010b388",
  output: "SUCCESS",
  result: [{ ResourceId: "eni-olifj433", Status: "SUCCESS" }],
};

/** The example of DescribeTaskResult's documentation (https://cloud.tencent.com/document/api/215/36271), already succeeded. */
export const SEED_EIP_TASK: Readonly<EipTaskSpec> & { taskId: number } = { api: "eip", region: "ap-guangzhou", taskId: 12566700 };

interface Timed<View> {
  finalAt: number;
  running: View;
  final: View;
}

/** Tasks of one kind, by region (either name of it), then id. */
class Timeline<Id, View> {
  private readonly regions = new Map<string, Map<Id, Timed<View>>>();

  constructor(private readonly now: () => number) {}

  set(region: string, id: Id, durationMs: number, running: View, final: View): void {
    const key = regionName(region);
    const tasks = this.regions.get(key) ?? new Map<Id, Timed<View>>();
    this.regions.set(key, tasks);
    tasks.set(id, { finalAt: this.now() + durationMs, running, final });
  }

  has(region: string, id: Id): boolean {
    return this.regions.get(regionName(region))?.has(id) ?? false;
  }

  /** What the task query answers now, or undefined when there is no such task in the region. */
  view(region: string, id: Id): View | undefined {
    const task = this.regions.get(regionName(region))?.get(id);
    if (!task) return undefined;
    return this.now() < task.finalAt ? task.running : task.final;
  }

  clear(): void {
    this.regions.clear();
  }
}

export class TaskBook {
  readonly legacy: Timeline<number, LegacyTaskView>;
  readonly vpc: Timeline<string, VpcTaskView>;
  readonly eip: Timeline<number, EipTaskView>;
  private nextLegacyId = FIRST_LEGACY_ID;
  private nextEipId = FIRST_EIP_ID;

  constructor(
    now: () => number,
    private readonly seed: boolean,
  ) {
    this.legacy = new Timeline(now);
    this.vpc = new Timeline(now);
    this.eip = new Timeline(now);
    this.reset();
  }

  /** Checks the spec (throws a ValidationError naming the bad field) and creates the task. */
  create<S extends TaskSpec>(input: S): CreatedTask<S>;
  create(input: TaskSpec): CreatedTask {
    const { api = "legacy" } = checkApi(input);
    if (api === "vpc") return this.createVpc(structuredClone(checkVpcSpec(input)));
    if (api === "eip") return this.createEip(checkEipSpec(input));
    return this.createLegacy(structuredClone(checkLegacySpec(input)));
  }

  /** A VPC task under the RequestId of the call that started it (spec already checked). */
  createVpc(spec: VpcTaskSpec): CreatedTask<VpcTaskSpec> {
    const id = spec.taskId ?? randomUUID();
    const failed = spec.outcome === "failure";
    this.vpc.set(
      spec.region,
      id,
      spec.durationMs ?? 0,
      { Status: "RUNNING", Output: "", Result: null },
      { Status: failed ? "FAILED" : "SUCCESS", Output: spec.output ?? (failed ? FAILURE_OUTPUT : "SUCCESS"), Result: spec.result ?? null },
    );
    return { api: "vpc", taskId: id, region: spec.region };
  }

  /** An EIP task (spec already checked). */
  createEip(spec: EipTaskSpec): CreatedTask<EipTaskSpec> {
    const id = spec.taskId ?? this.freeId(this.eip, spec.region, "nextEipId");
    const result = spec.outcome === "failure" ? "FAILED" : "SUCCESS";
    this.eip.set(spec.region, id, spec.durationMs ?? 0, { TaskId: id, Result: "RUNNING" }, { TaskId: id, Result: result });
    return { api: "eip", taskId: id, region: spec.region };
  }

  reset(): void {
    this.legacy.clear();
    this.vpc.clear();
    this.eip.clear();
    this.nextLegacyId = FIRST_LEGACY_ID;
    this.nextEipId = FIRST_EIP_ID;
    if (!this.seed) return;
    this.create(SEED_TASK);
    this.create(SEED_VPC_TASK);
    this.create(SEED_EIP_TASK);
  }

  private createLegacy(spec: LegacyTaskSpec): CreatedTask<LegacyTaskSpec> {
    const id = spec.taskId ?? this.freeId(this.legacy, spec.region, "nextLegacyId");
    const failed = spec.outcome === "failure";
    this.legacy.set(
      spec.region,
      id,
      spec.durationMs ?? 0,
      { status: 2, output: LEGACY_SUCCESS, data: spec.runningData ?? null },
      { status: failed ? 1 : 0, output: spec.output ?? (failed ? LEGACY_FAILURE : LEGACY_SUCCESS), data: spec.data ?? {} },
    );
    return { api: "legacy", taskId: id, region: spec.region };
  }

  private freeId(timeline: Timeline<number, unknown>, region: string, counter: "nextLegacyId" | "nextEipId"): number {
    while (timeline.has(region, this[counter])) this[counter]++;
    return this[counter]++;
  }
}
