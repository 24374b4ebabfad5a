/**
 * VPC parameter templates (API 3.0, version 2017-03-12), kept in memory per region, in four kinds:
 * AddressTemplate (ipm-), ServiceTemplate (ppm-), AddressTemplateGroup (ipmg-) and
 * ServiceTemplateGroup (ppmg-). For each kind K, as the SDK's vpc_models.d.ts shapes them:
 *
 *   CreateK, DescribeKs            synchronous: the new K / {TotalCount, KSet} (Filters K-id,
 *                                  K-name, address-ip / service-port; Offset, Limit ≤ 100)
 *   DeleteK, ModifyKAttribute,     asynchronous: answer only {RequestId} and start a VPC task
 *   DescribeKInstances             named by it (tasks.ts), RUNNING for asyncTaskMs, then final
 *
 * Choices where Tencent documents nothing:
 * - A Delete or Modify takes effect when its task finishes, not when it is accepted: until then
 *   DescribeKs shows the template unchanged.
 * - Deleting a template that is in use (it has instances, or a group holds it) is accepted, and
 *   its task FAILS with Output "ResourceInUse: …"; nothing is deleted.
 * - A DescribeKInstances task succeeds with Output = a JSON string
 *   {"TotalCount": n, "InstanceSet": [{"Region", "InstanceType", "InstanceId", "InstanceName"}]},
 *   paged by the request's Offset and Limit (the successor of DescribeNetTaskResult's
 *   {total, detail: [{region, type, id, name}]}). Templates created through the API have no
 *   instances; the seeded address template SEED_ADDRESS_TEMPLATE (ipm-mdunqeb6 in ap-guangzhou)
 *   is used by the four security groups of seed task 297.
 * - Unknown ids answer ResourceNotFound at once; malformed ones InvalidParameterValue.Malformed.
 */
import { randomInt } from "node:crypto";
import { isIP } from "node:net";
import { ApiError, type Api3Action, type Api3Call } from "./api3";
import { clip } from "./shared";
import type { TaskBook } from "./tasks";

const VPC_VERSION = "2017-03-12";

const TEMPLATE_KINDS = ["AddressTemplate", "ServiceTemplate", "AddressTemplateGroup", "ServiceTemplateGroup"] as const;
type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** One instance that uses a template, as a DescribeKInstances task's Output lists it. */
export interface TemplateInstance {
  Region: string;
  InstanceType: string;
  InstanceId: string;
  InstanceName: string;
}

interface Member {
  value: string;
  description: string;
  updatedTime: string;
}

interface Tag {
  Key: string;
  Value?: string;
}

interface Template {
  kind: TemplateKind;
  id: string;
  name: string;
  /** Addresses, services, or (groups) the ids of member templates. */
  members: Member[];
  tags: Tag[];
  createdTime: string;
  updatedTime: string;
  instances: TemplateInstance[];
}

interface KindInfo {
  prefix: string;
  /** Filter names are `${filter}-id` and `${filter}-name`. */
  filter: string;
  /** The request parameter that lists members, and (templates) the one that lists them with descriptions. */
  members: string;
  extra?: { param: string; key: string };
  /** A filter on members (address-ip, service-port). */
  memberFilter?: string;
  /** Templates: whether a member is well formed. Groups: the kind of their members. */
  valid?: (member: string) => boolean;
  memberKind?: TemplateKind;
}

const SERVICE = /^(?:(?:tcp|udp):(?:all|\d{1,5}(?:-\d{1,5})?(?:,\d{1,5}(?:-\d{1,5})?)*)|icmp|icmpv6|gre|all)$/i;

const KINDS: Readonly<Record<TemplateKind, KindInfo>> = {
  AddressTemplate: {
    prefix: "ipm",
    filter: "address-template",
    members: "Addresses",
    extra: { param: "AddressesExtra", key: "Address" },
    memberFilter: "address-ip",
    valid: validAddress,
  },
  ServiceTemplate: {
    prefix: "ppm",
    filter: "service-template",
    members: "Services",
    extra: { param: "ServicesExtra", key: "Service" },
    memberFilter: "service-port",
    valid: (s) => SERVICE.test(s),
  },
  AddressTemplateGroup: { prefix: "ipmg", filter: "address-template-group", members: "AddressTemplateIds", memberKind: "AddressTemplate" },
  ServiceTemplateGroup: { prefix: "ppmg", filter: "service-template-group", members: "ServiceTemplateIds", memberKind: "ServiceTemplate" },
};

/** An IP, a CIDR block or a range of IPs (a-b), v4 or v6. */
function validAddress(address: string): boolean {
  const range = address.split("-");
  if (range.length === 2) return isIP(range[0]!) !== 0 && isIP(range[0]!) === isIP(range[1]!);
  const [ip, prefix, ...rest] = address.split("/");
  const version = isIP(ip!);
  if (range.length > 2 || rest.length > 0 || version === 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}

const SEED_INSTANCES: TemplateInstance[] = [
  { Region: "na-toronto", InstanceType: "sg", InstanceId: "sg-b2qce888", InstanceName: "北美" },
  { Region: "ap-guangzhou", InstanceType: "sg", InstanceId: "sg-5y2ta666", InstanceName: "createPolicy" },
  { Region: "ap-shanghai", InstanceType: "sg", InstanceId: "sg-gt6an666", InstanceName: "上海安全组" },
  { Region: "ap-guangzhou", InstanceType: "sg", InstanceId: "sg-jn3hnxyj", InstanceName: "广州安全组" },
];

/** The address template the emulator starts with: used by the four security groups of seed task 297. */
export const SEED_ADDRESS_TEMPLATE = {
  region: "ap-guangzhou",
  AddressTemplateId: "ipm-mdunqeb6",
  AddressTemplateName: "seed-297",
  Addresses: ["10.0.0.1", "192.168.1.0/24"],
  instances: SEED_INSTANCES,
} as const;

/** `prefix-` and 8 random lower-case letters or digits, not yet `taken`. */
export function resourceId(prefix: string, taken: (id: string) => boolean): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (;;) {
    const id = `${prefix}-${Array.from({ length: 8 }, () => alphabet[randomInt(alphabet.length)]).join("")}`;
    if (!taken(id)) return id;
  }
}

/** Tencent's time format, Beijing time: "2026-01-15 20:00:00". */
const tencentTime = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace("T", " ");

export class TemplateBook {
  private readonly regions = new Map<string, Map<string, Template>>();
  // Changes accepted but not yet in effect: they take effect when their task finishes.
  private pending: { dueAt: number; apply: () => void }[] = [];

  constructor(
    readonly now: () => number,
    private readonly seed: boolean,
  ) {
    this.reset();
  }

  reset(): void {
    this.regions.clear();
    this.pending = [];
    if (!this.seed) return;
    const s = SEED_ADDRESS_TEMPLATE;
    this.add(
      s.region,
      "AddressTemplate",
      s.AddressTemplateName,
      s.Addresses.map((value) => ({ value, description: "" })),
      [],
      s.AddressTemplateId,
    );
    this.region(s.region).get(s.AddressTemplateId)!.instances = [...s.instances];
  }

  /** Applies the changes whose tasks have finished, in the order they finish. */
  settle(): void {
    const now = this.now();
    const due = this.pending.filter((p) => p.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    if (due.length === 0) return;
    this.pending = this.pending.filter((p) => p.dueAt > now);
    for (const change of due) change.apply();
  }

  later(delayMs: number, apply: () => void): void {
    this.pending.push({ dueAt: this.now() + delayMs, apply });
  }

  region(region: string): Map<string, Template> {
    let templates = this.regions.get(region);
    if (!templates) this.regions.set(region, (templates = new Map()));
    return templates;
  }

  add(
    region: string,
    kind: TemplateKind,
    name: string,
    members: { value: string; description: string }[],
    tags: Tag[],
    id?: string,
  ): Template {
    const templates = this.region(region);
    const time = tencentTime(this.now());
    const template: Template = {
      kind,
      id: id ?? resourceId(KINDS[kind].prefix, (candidate) => templates.has(candidate)),
      name,
      members: members.map((m) => ({ ...m, updatedTime: time })),
      tags,
      createdTime: time,
      updatedTime: time,
      instances: [],
    };
    templates.set(template.id, template);
    return template;
  }

  /** The template of this kind, or ResourceNotFound. */
  find(region: string, kind: TemplateKind, id: string): Template {
    const template = this.region(region).get(id);
    if (template?.kind !== kind) throw new ApiError("ResourceNotFound", `the ${kind} ${id} does not exist in ${region}`);
    return template;
  }

  /** Why the template cannot be deleted, or undefined when it can. */
  inUse(region: string, template: Template): string | undefined {
    if (template.instances.length > 0) return `${template.id} is used by ${template.instances.length} instance(s)`;
    const group = [...this.region(region).values()].find(
      (t) => t.members.some((m) => m.value === template.id) && KINDS[t.kind].memberKind === template.kind,
    );
    return group ? `${template.id} is a member of ${group.id}` : undefined;
  }

  /** A template as the SDK's model of its kind has it. */
  shape(region: string, t: Template): Record<string, unknown> {
    const common = {
      [`${t.kind}Id`]: t.id,
      [`${t.kind}Name`]: t.name,
      CreatedTime: t.createdTime,
      UpdatedTime: t.updatedTime,
      TagSet: t.tags,
    };
    const values = t.members.map((m) => m.value);
    const memberTemplates = () => t.members.flatMap((m) => this.region(region).get(m.value) ?? []);
    switch (t.kind) {
      case "AddressTemplate":
        return {
          ...common,
          AddressSet: values,
          AddressExtraSet: t.members.map((m) => ({ Address: m.value, Description: m.description, UpdatedTime: m.updatedTime })),
        };
      case "ServiceTemplate":
        return {
          ...common,
          ServiceSet: values,
          ServiceExtraSet: t.members.map((m) => ({ Service: m.value, Description: m.description, UpdatedTime: m.updatedTime })),
        };
      case "AddressTemplateGroup":
        return {
          ...common,
          AddressTemplateIdSet: values,
          AddressTemplateSet: memberTemplates().map((m) => ({
            AddressTemplateId: m.id,
            AddressTemplateName: m.name,
            UpdatedTime: m.updatedTime,
          })),
        };
      case "ServiceTemplateGroup":
        return { ...common, ServiceTemplateIdSet: values, ServiceTemplateSet: memberTemplates().map((m) => this.shape(region, m)) };
    }
  }
}

const NAME = { type: "string", minLength: 1, maxLength: 60 } as const;
const TAGS = {
  type: "array",
  items: {
    type: "object",
    additionalProperties: false,
    required: ["Key"],
    properties: { Key: { type: "string" }, Value: { type: "string" } },
  },
} as const;
const STRINGS = { type: "array", items: { type: "string" } } as const;
const PAGE = { Offset: { type: "integer", minimum: 0 }, Limit: { type: "integer", minimum: 1, maximum: 100 } } as const;
// DescribeKs take Offset and Limit as strings (vpc_models.d.ts); numbers are accepted too.
const COUNT_TEXT = { type: ["string", "integer"], pattern: "^\\d{1,9}$", minimum: 0 } as const;
const DESCRIBE_EXTRAS = ["NeedMemberInfo", "OrderField", "OrderDirection", "MemberOrderField", "MemberOrderDirection"];
const FILTERS = {
  type: "array",
  items: {
    type: "object",
    additionalProperties: false,
    required: ["Name", "Values"],
    properties: { Name: { type: "string" }, Values: STRINGS },
  },
} as const;

const idSchema = (kind: TemplateKind) => ({ type: "string", pattern: `^${KINDS[kind].prefix}-[a-z0-9]{8}$` });

function memberSchemas(kind: TemplateKind): Record<string, object> {
  const info = KINDS[kind];
  if (info.memberKind) return { [info.members]: { type: "array", items: idSchema(info.memberKind) } };
  const extra = info.extra!;
  const extraItem = {
    type: "object",
    additionalProperties: false,
    required: [extra.key],
    properties: { [extra.key]: { type: "string" }, Description: { type: "string", maxLength: 100 } },
  };
  return { [info.members]: STRINGS, [extra.param]: { type: "array", items: extraItem } };
}

/** A VPC action whose body has exactly these parameters. */
export const vpcAction = (
  params: Record<string, object>,
  required: string[],
  run: Api3Action["run"],
  taskApi?: "vpc" | "eip",
): Api3Action => ({
  product: "vpc",
  version: VPC_VERSION,
  params: { type: "object", additionalProperties: false, required, properties: params },
  run,
  ...(taskApi && { taskApi }),
});

/** The template actions of all four kinds, starting their VPC tasks in `tasks`. */
export function templateActions(book: TemplateBook, tasks: TaskBook, asyncTaskMs: number): Record<string, Api3Action> {
  const actions: Record<string, Api3Action> = {};
  const action = (params: Record<string, object>, required: string[], run: Api3Action["run"]) =>
    vpcAction(params, required, (call) => {
      book.settle();
      return run(call);
    });
  /** Answers {} (the RequestId is added) and starts the task the call's RequestId names. */
  const startTask = (call: Api3Call, failure: string | undefined, output = "SUCCESS"): object => {
    const outcome = failure === undefined ? "success" : "failure";
    tasks.createVpc({
      api: "vpc",
      region: call.region,
      taskId: call.requestId,
      durationMs: asyncTaskMs,
      outcome,
      output: failure ?? output,
    });
    return {};
  };

  for (const kind of TEMPLATE_KINDS) {
    const info = KINDS[kind];
    const members = memberSchemas(kind);
    const idParam = `${kind}Id`;

    /** The members given (undefined when none is), checked; throws the error a bad one deserves. */
    const membersOf = (call: Api3Call): { value: string; description: string }[] | undefined => {
      const plain = call.params[info.members] as string[] | undefined;
      const extra = info.extra && (call.params[info.extra.param] as Record<string, string>[] | undefined);
      if (plain === undefined && extra === undefined) return undefined;
      const list = [
        ...(plain ?? []).map((value) => ({ value, description: "" })),
        ...(extra ?? []).map((e) => ({ value: e[info.extra!.key]!, description: e.Description ?? "" })),
      ];
      for (const { value } of list) {
        if (info.memberKind) book.find(call.region, info.memberKind, value);
        else if (!info.valid!(value))
          throw new ApiError("InvalidParameterValue.Malformed", `${info.members} member "${clip(value)}" is malformed`);
      }
      return list;
    };

    actions[`Create${kind}`] = action(
      { [`${kind}Name`]: NAME, ...members, Tags: TAGS },
      [`${kind}Name`, ...(info.memberKind ? [info.members] : [])],
      (call) => {
        const list = membersOf(call);
        if (!list) throw new ApiError("MissingParameter", `one of ${info.members} and ${info.extra!.param} is required`);
        const template = book.add(
          call.region,
          kind,
          call.params[`${kind}Name`] as string,
          list,
          (call.params.Tags as Tag[] | undefined) ?? [],
        );
        return { [kind]: book.shape(call.region, template) };
      },
    );

    actions[`Describe${kind}s`] = action(
      { Filters: FILTERS, Offset: COUNT_TEXT, Limit: COUNT_TEXT, ...Object.fromEntries(DESCRIBE_EXTRAS.map((p) => [p, {}])) },
      [],
      (call) => {
        const offset = Number(call.params.Offset ?? 0);
        const limit = Number(call.params.Limit ?? 20);
        if (limit < 1 || limit > 100) throw new ApiError("InvalidParameterValue.Range", "parameter `Limit` must be from 1 to 100");
        const filters = (call.params.Filters as { Name: string; Values: string[] }[] | undefined) ?? [];
        const fields: Record<string, (t: Template) => string[]> = {
          [`${info.filter}-id`]: (t) => [t.id],
          [`${info.filter}-name`]: (t) => [t.name],
          ...(info.memberFilter && { [info.memberFilter]: (t: Template) => t.members.map((m) => m.value) }),
        };
        for (const f of filters) {
          if (!Object.hasOwn(fields, f.Name))
            throw new ApiError(
              "InvalidParameter.FilterInvalidKey",
              `filter "${clip(f.Name)}" is not one of ${Object.keys(fields).join(", ")}`,
            );
        }
        const matches = [...book.region(call.region).values()].filter(
          (t) => t.kind === kind && filters.every((f) => fields[f.Name]!(t).some((v) => f.Values.includes(v))),
        );
        return { TotalCount: matches.length, [`${kind}Set`]: matches.slice(offset, offset + limit).map((t) => book.shape(call.region, t)) };
      },
    );

    actions[`Delete${kind}`] = action({ [idParam]: idSchema(kind) }, [idParam], (call) => {
      const template = book.find(call.region, kind, call.params[idParam] as string);
      const busy = book.inUse(call.region, template);
      if (busy) return startTask(call, `ResourceInUse: ${busy}`);
      book.later(asyncTaskMs, () => book.region(call.region).delete(template.id));
      return startTask(call, undefined);
    });

    actions[`Modify${kind}Attribute`] = action({ [idParam]: idSchema(kind), [`${kind}Name`]: NAME, ...members }, [idParam], (call) => {
      const template = book.find(call.region, kind, call.params[idParam] as string);
      const name = call.params[`${kind}Name`] as string | undefined;
      const list = membersOf(call);
      book.later(asyncTaskMs, () => {
        const time = tencentTime(book.now());
        if (name !== undefined) template.name = name;
        if (list) template.members = list.map((m) => ({ ...m, updatedTime: time }));
        template.updatedTime = time;
      });
      return startTask(call, undefined);
    });

    actions[`Describe${kind}Instances`] = action({ [idParam]: idSchema(kind), ...PAGE }, [idParam], (call) => {
      const { instances } = book.find(call.region, kind, call.params[idParam] as string);
      const offset = (call.params.Offset as number | undefined) ?? 0;
      const limit = (call.params.Limit as number | undefined) ?? 20;
      return startTask(
        call,
        undefined,
        JSON.stringify({ TotalCount: instances.length, InstanceSet: instances.slice(offset, offset + limit) }),
      );
    });
  }
  return actions;
}
