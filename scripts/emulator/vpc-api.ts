/**
 * The VPC actions (API 3.0, version 2017-03-12) the emulator serves at `POST /`: the two task
 * queries, a few EIP actions that start EIP tasks, and the parameter templates (vpc-templates.ts).
 *
 *   DescribeVpcTaskResult {TaskId: RequestId}  → {Status, Output, Result}   (tasks.ts, kind vpc)
 *   DescribeTaskResult {TaskId: integer}       → {TaskId, Result}           (tasks.ts, kind eip)
 *   AllocateAddresses {AddressCount = 1}       → {AddressSet: ["eip-…"], TaskId: "<digits>"}
 *   ReleaseAddresses {AddressIds}              → {TaskId: "<digits>"}
 *
 * A task id unknown in the region answers ResourceNotFound: Tencent documents no code of its own
 * for it, and that is the common code for a resource that does not exist. DescribeTaskResult by
 * DealName is accepted but always answers ResourceNotFound (the emulator keeps no deals).
 * Allocated EIPs exist at once; a released one is gone at once (its task still runs for
 * asyncTaskMs); an unknown one answers InvalidAddressId.NotFound.
 */
import { ApiError, type Api3Action } from "./api3";
import type { TaskBook } from "./tasks";
import { clip } from "./shared";
import { resourceId, templateActions, vpcAction, type TemplateBook } from "./vpc-templates";

export interface VpcState {
  tasks: TaskBook;
  templates: TemplateBook;
  /** Allocated EIP ids by region. */
  addresses: Map<string, Set<string>>;
  /** How long the tasks the actions start stay RUNNING. */
  asyncTaskMs: number;
}

// AllocateAddresses parameters the emulator accepts and ignores (vpc_models.d.ts).
const ALLOCATE_OPTIONS = [
  "InternetServiceProvider",
  "InternetChargeType",
  "IPChargeType",
  "InternetMaxBandwidthOut",
  "AddressChargePrepaid",
  "AddressType",
  "AnycastZone",
  "VipCluster",
  "ApplicableForCLB",
  "Tags",
  "BandwidthPackageId",
  "AddressName",
  "DedicatedClusterId",
  "IsDedicatedAddressPool",
  "Egress",
  "AntiDDoSPackageId",
  "ClientToken",
];

export function vpcActions(state: VpcState): Record<string, Api3Action> {
  const { tasks, addresses } = state;
  const addressesIn = (region: string) => {
    let set = addresses.get(region);
    if (!set) addresses.set(region, (set = new Set()));
    return set;
  };
  const startEipTask = (region: string) => String(tasks.createEip({ api: "eip", region, durationMs: state.asyncTaskMs }).taskId);

  return {
    DescribeVpcTaskResult: vpcAction(
      { TaskId: { type: "string" } },
      ["TaskId"],
      ({ region, params }) => {
        const view = tasks.vpc.view(region, params.TaskId as string);
        if (!view) throw new ApiError("ResourceNotFound", `no task "${clip(params.TaskId as string)}" in ${region}`);
        return view;
      },
      "vpc",
    ),

    DescribeTaskResult: vpcAction(
      { TaskId: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, DealName: { type: "string" } },
      [],
      ({ region, params }) => {
        const { TaskId, DealName } = params as { TaskId?: number; DealName?: string };
        if (TaskId === undefined && DealName === undefined)
          throw new ApiError("MissingParameter", "one of TaskId and DealName is required");
        if (TaskId === undefined)
          throw new ApiError("ResourceNotFound", `no deal "${clip(DealName!)}" in ${region}: the emulator keeps no deals`);
        const view = tasks.eip.view(region, TaskId);
        if (!view) throw new ApiError("ResourceNotFound", `no task ${TaskId} in ${region}`);
        return view;
      },
      "eip",
    ),

    AllocateAddresses: vpcAction(
      { AddressCount: { type: "integer", minimum: 1, maximum: 100 }, ...Object.fromEntries(ALLOCATE_OPTIONS.map((name) => [name, {}])) },
      [],
      ({ region, params }) => {
        const allocated = addressesIn(region);
        const ids = Array.from({ length: (params.AddressCount as number | undefined) ?? 1 }, () => {
          const id = resourceId("eip", (candidate) => allocated.has(candidate));
          allocated.add(id);
          return id;
        });
        return { AddressSet: ids, TaskId: startEipTask(region) };
      },
    ),

    ReleaseAddresses: vpcAction(
      { AddressIds: { type: "array", minItems: 1, maxItems: 100, items: { type: "string", pattern: "^eip-[a-z0-9]{8}$" } } },
      ["AddressIds"],
      ({ region, params }) => {
        const allocated = addressesIn(region);
        const ids = params.AddressIds as string[];
        const unknown = ids.find((id) => !allocated.has(id));
        if (unknown) throw new ApiError("InvalidAddressId.NotFound", `the EIP ${unknown} does not exist in ${region}`);
        for (const id of ids) allocated.delete(id);
        return { TaskId: startEipTask(region) };
      },
    ),

    ...templateActions(state.templates, tasks, state.asyncTaskMs),
  };
}
