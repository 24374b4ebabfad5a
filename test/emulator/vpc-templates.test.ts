import { describe, expect, it } from "vitest";
import { regionName } from "../../lib/regions";
import { SEED_ADDRESS_TEMPLATE, SEED_TASK } from "../../scripts/emulator/index";
import { callApi3, REQUEST_ID, sdkOutcome, vpcClient, useApi3Emulator } from "../support/api3-client";

const ASYNC_TASK_MS = 60_000;
const TENCENT_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

/** The four security groups of seed task 297 (Tencent's documented example), as template instances. */
const SEED_INSTANCES = (SEED_TASK.data as { detail: { region: string; type: string; id: string; name: string }[] }).detail.map((sg) => ({
  Region: regionName(sg.region),
  InstanceType: sg.type,
  InstanceId: sg.id,
  InstanceName: sg.name,
}));

describe("VPC parameter templates through the official SDK's VpcClient", () => {
  const api3 = useApi3Emulator(ASYNC_TASK_MS);
  const { clock } = api3;
  const finish = () => clock.advance(ASYNC_TASK_MS);
  const task = (TaskId: string) => api3.vpc.DescribeVpcTaskResult({ TaskId });

  const newAddressTemplate = async (name = "web") =>
    (await api3.vpc.CreateAddressTemplate({ AddressTemplateName: name, Addresses: ["10.0.0.1"] })).AddressTemplate!.AddressTemplateId!;

  it("creates an address template, starts DescribeAddressTemplateInstances, and DescribeVpcTaskResult answers RUNNING, then SUCCESS with the Output", async () => {
    const created = await api3.vpc.CreateAddressTemplate({
      AddressTemplateName: "web",
      Addresses: ["10.0.0.1", "10.1.0.0/16"],
      AddressesExtra: [{ Address: "10.2.0.1-10.2.0.9", Description: "range" }],
      Tags: [{ Key: "team", Value: "net" }],
    });
    expect(created).toEqual({
      AddressTemplate: {
        AddressTemplateId: expect.stringMatching(/^ipm-[a-z0-9]{8}$/),
        AddressTemplateName: "web",
        AddressSet: ["10.0.0.1", "10.1.0.0/16", "10.2.0.1-10.2.0.9"],
        AddressExtraSet: [
          { Address: "10.0.0.1", Description: "", UpdatedTime: expect.stringMatching(TENCENT_TIME) },
          { Address: "10.1.0.0/16", Description: "", UpdatedTime: expect.stringMatching(TENCENT_TIME) },
          { Address: "10.2.0.1-10.2.0.9", Description: "range", UpdatedTime: expect.stringMatching(TENCENT_TIME) },
        ],
        CreatedTime: expect.stringMatching(TENCENT_TIME),
        UpdatedTime: expect.stringMatching(TENCENT_TIME),
        TagSet: [{ Key: "team", Value: "net" }],
      },
      RequestId: expect.stringMatching(REQUEST_ID),
    });

    const started = await api3.vpc.DescribeAddressTemplateInstances({ AddressTemplateId: created.AddressTemplate!.AddressTemplateId! });
    expect(started).toEqual({ RequestId: expect.stringMatching(REQUEST_ID) });
    expect(await task(started.RequestId!)).toEqual({
      Status: "RUNNING",
      Output: "",
      Result: null,
      RequestId: expect.stringMatching(REQUEST_ID),
    });
    clock.advance(ASYNC_TASK_MS / 2);
    expect((await task(started.RequestId!)).Status).toBe("RUNNING");
    clock.advance(ASYNC_TASK_MS / 2);
    const done = await task(started.RequestId!);
    expect(done).toMatchObject({ Status: "SUCCESS", Result: null });
    expect(JSON.parse(done.Output!)).toEqual({ TotalCount: 0, InstanceSet: [] });
  });

  it("lists the four security groups of task 297 as the instances of the seeded template, paged by Offset and Limit", async () => {
    const all = await api3.vpc.DescribeAddressTemplateInstances({ AddressTemplateId: SEED_ADDRESS_TEMPLATE.AddressTemplateId });
    const page = await api3.vpc.DescribeAddressTemplateInstances({
      AddressTemplateId: SEED_ADDRESS_TEMPLATE.AddressTemplateId,
      Offset: 1,
      Limit: 2,
    });
    finish();
    expect(JSON.parse((await task(all.RequestId!)).Output!)).toEqual({ TotalCount: 4, InstanceSet: SEED_INSTANCES });
    expect(JSON.parse((await task(page.RequestId!)).Output!)).toEqual({ TotalCount: 4, InstanceSet: SEED_INSTANCES.slice(1, 3) });
  });

  it("describes address templates with Filters by id and name, Offset and Limit (given as strings, as the SDK's model says)", async () => {
    const a = await newAddressTemplate("alpha");
    const b = await newAddressTemplate("beta");
    const ids = (r: { AddressTemplateSet?: { AddressTemplateId?: string }[] }) => r.AddressTemplateSet!.map((t) => t.AddressTemplateId);
    const everything = await api3.vpc.DescribeAddressTemplates({});
    expect(everything.TotalCount).toBe(3);
    expect(ids(everything)).toEqual([SEED_ADDRESS_TEMPLATE.AddressTemplateId, a, b]);
    expect(
      ids(await api3.vpc.DescribeAddressTemplates({ Filters: [{ Name: "address-template-id", Values: [b, "ipm-00000000"] }] })),
    ).toEqual([b]);
    expect(ids(await api3.vpc.DescribeAddressTemplates({ Filters: [{ Name: "address-template-name", Values: ["alpha"] }] }))).toEqual([a]);
    expect(ids(await api3.vpc.DescribeAddressTemplates({ Filters: [{ Name: "address-ip", Values: ["192.168.1.0/24"] }] }))).toEqual([
      SEED_ADDRESS_TEMPLATE.AddressTemplateId,
    ]);
    const paged = await api3.vpc.DescribeAddressTemplates({ Offset: "1", Limit: "1" });
    expect([paged.TotalCount, ids(paged)]).toEqual([3, [a]]);
    expect(await sdkOutcome(api3.vpc.DescribeAddressTemplates({ Filters: [{ Name: "colour", Values: ["red"] }] }))).toBe(
      "InvalidParameter.FilterInvalidKey",
    );
    expect(await sdkOutcome(api3.vpc.DescribeAddressTemplates({ Limit: "101" }))).toBe("InvalidParameterValue.Range");
    expect(await sdkOutcome(api3.vpc.DescribeAddressTemplates({ Limit: "ten" }))).toBe("InvalidParameterValue.Malformed");
  });

  it("keeps templates per region", async () => {
    const id = await newAddressTemplate();
    const shanghai = vpcClient(api3.emulator, undefined, "ap-shanghai");
    expect((await shanghai.DescribeAddressTemplates({})).TotalCount).toBe(0);
    expect(await sdkOutcome(shanghai.DeleteAddressTemplate({ AddressTemplateId: id }))).toBe("ResourceNotFound");
  });

  it("deletes a template when its DeleteAddressTemplate task finishes", async () => {
    const id = await newAddressTemplate();
    const deletion = await api3.vpc.DeleteAddressTemplate({ AddressTemplateId: id });
    expect(deletion).toEqual({ RequestId: expect.stringMatching(REQUEST_ID) });
    expect((await task(deletion.RequestId!)).Status).toBe("RUNNING");
    expect((await api3.vpc.DescribeAddressTemplates({ Filters: [{ Name: "address-template-id", Values: [id] }] })).TotalCount).toBe(1);
    finish();
    expect(await task(deletion.RequestId!)).toMatchObject({ Status: "SUCCESS", Output: "SUCCESS", Result: null });
    expect((await api3.vpc.DescribeAddressTemplates({ Filters: [{ Name: "address-template-id", Values: [id] }] })).TotalCount).toBe(0);
    expect(await sdkOutcome(api3.vpc.DescribeAddressTemplateInstances({ AddressTemplateId: id }))).toBe("ResourceNotFound");
  });

  it("modifies a template when its ModifyAddressTemplateAttribute task finishes", async () => {
    const id = await newAddressTemplate("before");
    const change = await api3.vpc.ModifyAddressTemplateAttribute({
      AddressTemplateId: id,
      AddressTemplateName: "after",
      Addresses: ["172.16.0.0/12"],
    });
    const describe = async () =>
      (await api3.vpc.DescribeAddressTemplates({ Filters: [{ Name: "address-template-id", Values: [id] }] })).AddressTemplateSet![0];
    expect(await describe()).toMatchObject({ AddressTemplateName: "before", AddressSet: ["10.0.0.1"] });
    finish();
    expect((await task(change.RequestId!)).Status).toBe("SUCCESS");
    expect(await describe()).toMatchObject({ AddressTemplateName: "after", AddressSet: ["172.16.0.0/12"] });
  });

  it("fails the task of deleting a template in use, and deletes nothing", async () => {
    const seeded = await api3.vpc.DeleteAddressTemplate({ AddressTemplateId: SEED_ADDRESS_TEMPLATE.AddressTemplateId });
    const member = await newAddressTemplate();
    const group = await api3.vpc.CreateAddressTemplateGroup({ AddressTemplateGroupName: "g", AddressTemplateIds: [member] });
    expect(group.AddressTemplateGroup).toMatchObject({
      AddressTemplateGroupId: expect.stringMatching(/^ipmg-[a-z0-9]{8}$/),
      AddressTemplateGroupName: "g",
      AddressTemplateIdSet: [member],
      AddressTemplateSet: [{ AddressTemplateId: member, AddressTemplateName: "web", UpdatedTime: expect.stringMatching(TENCENT_TIME) }],
    });
    const held = await api3.vpc.DeleteAddressTemplate({ AddressTemplateId: member });
    finish();
    expect(await task(seeded.RequestId!)).toMatchObject({
      Status: "FAILED",
      Output: `ResourceInUse: ${SEED_ADDRESS_TEMPLATE.AddressTemplateId} is used by 4 instance(s)`,
    });
    expect(await task(held.RequestId!)).toMatchObject({
      Status: "FAILED",
      Output: expect.stringContaining(group.AddressTemplateGroup!.AddressTemplateGroupId!),
    });
    expect((await api3.vpc.DescribeAddressTemplates({})).TotalCount).toBe(2);
  });

  it("runs every asynchronous template action as a task named by its RequestId", async () => {
    const address = await newAddressTemplate();
    const service = (
      await api3.vpc.CreateServiceTemplate({
        ServiceTemplateName: "ports",
        Services: ["tcp:80,443"],
        ServicesExtra: [{ Service: "udp:53", Description: "dns" }],
      })
    ).ServiceTemplate!;
    expect(service).toMatchObject({ ServiceTemplateId: expect.stringMatching(/^ppm-[a-z0-9]{8}$/), ServiceSet: ["tcp:80,443", "udp:53"] });
    const spare = (await api3.vpc.CreateServiceTemplate({ ServiceTemplateName: "spare", Services: ["icmp"] })).ServiceTemplate!
      .ServiceTemplateId!;
    const addressGroup = (await api3.vpc.CreateAddressTemplateGroup({ AddressTemplateGroupName: "ag", AddressTemplateIds: [address] }))
      .AddressTemplateGroup!.AddressTemplateGroupId!;
    const serviceGroup = (
      await api3.vpc.CreateServiceTemplateGroup({ ServiceTemplateGroupName: "sg", ServiceTemplateIds: [service.ServiceTemplateId!] })
    ).ServiceTemplateGroup!;
    expect(serviceGroup).toMatchObject({
      ServiceTemplateGroupId: expect.stringMatching(/^ppmg-[a-z0-9]{8}$/),
      ServiceTemplateSet: [expect.objectContaining({ ServiceSet: ["tcp:80,443", "udp:53"] })],
    });
    const serviceGroupId = serviceGroup.ServiceTemplateGroupId!;

    const started = [
      await api3.vpc.DescribeAddressTemplateGroupInstances({ AddressTemplateGroupId: addressGroup }),
      await api3.vpc.DescribeServiceTemplateInstances({ ServiceTemplateId: service.ServiceTemplateId! }),
      await api3.vpc.DescribeServiceTemplateGroupInstances({ ServiceTemplateGroupId: serviceGroupId }),
      await api3.vpc.ModifyAddressTemplateGroupAttribute({ AddressTemplateGroupId: addressGroup, AddressTemplateGroupName: "ag2" }),
      await api3.vpc.ModifyServiceTemplateAttribute({ ServiceTemplateId: service.ServiceTemplateId!, ServiceTemplateName: "ports2" }),
      await api3.vpc.ModifyServiceTemplateGroupAttribute({
        ServiceTemplateGroupId: serviceGroupId,
        ServiceTemplateIds: [service.ServiceTemplateId!, spare],
      }),
      await api3.vpc.DeleteAddressTemplateGroup({ AddressTemplateGroupId: addressGroup }),
      await api3.vpc.DeleteServiceTemplateGroup({ ServiceTemplateGroupId: serviceGroupId }),
    ];
    for (const answer of started) expect(answer).toEqual({ RequestId: expect.stringMatching(REQUEST_ID) });
    for (const { RequestId } of started) expect((await task(RequestId!)).Status).toBe("RUNNING");
    finish();
    const outputs = [];
    for (const { RequestId } of started) outputs.push(await task(RequestId!));
    expect(outputs.map((t) => t.Status)).toEqual(Array(8).fill("SUCCESS"));
    expect(outputs.slice(0, 3).map((t) => JSON.parse(t.Output!))).toEqual(Array(3).fill({ TotalCount: 0, InstanceSet: [] }));
    expect(outputs.slice(3).map((t) => t.Output)).toEqual(Array(5).fill("SUCCESS"));

    // The groups are gone, so their members can go too.
    const deletions = [
      await api3.vpc.DeleteServiceTemplate({ ServiceTemplateId: service.ServiceTemplateId! }),
      await api3.vpc.DeleteAddressTemplate({ AddressTemplateId: address }),
    ];
    finish();
    for (const { RequestId } of deletions) expect((await task(RequestId!)).Status).toBe("SUCCESS");
    expect((await api3.vpc.DescribeServiceTemplates({})).ServiceTemplateSet!.map((t) => t.ServiceTemplateName)).toEqual(["spare"]);
    expect((await api3.vpc.DescribeAddressTemplateGroups({})).TotalCount).toBe(0);
  });

  it.each([
    ["DeleteAddressTemplate", { AddressTemplateId: "ipm-00000000" }],
    ["ModifyAddressTemplateAttribute", { AddressTemplateId: "ipm-00000000", AddressTemplateName: "x" }],
    ["DeleteAddressTemplateGroup", { AddressTemplateGroupId: "ipmg-00000000" }],
    ["ModifyAddressTemplateGroupAttribute", { AddressTemplateGroupId: "ipmg-00000000" }],
    ["DeleteServiceTemplate", { ServiceTemplateId: "ppm-00000000" }],
    ["ModifyServiceTemplateAttribute", { ServiceTemplateId: "ppm-00000000" }],
    ["DeleteServiceTemplateGroup", { ServiceTemplateGroupId: "ppmg-00000000" }],
    ["ModifyServiceTemplateGroupAttribute", { ServiceTemplateGroupId: "ppmg-00000000" }],
    ["DescribeAddressTemplateInstances", { AddressTemplateId: "ipm-00000000" }],
    ["DescribeAddressTemplateGroupInstances", { AddressTemplateGroupId: "ipmg-00000000" }],
    ["DescribeServiceTemplateInstances", { ServiceTemplateId: "ppm-00000000" }],
    ["DescribeServiceTemplateGroupInstances", { ServiceTemplateGroupId: "ppmg-00000000" }],
    ["CreateAddressTemplateGroup", { AddressTemplateGroupName: "g", AddressTemplateIds: ["ipm-00000000"] }],
  ])("answers ResourceNotFound to %s of an unknown template, and starts no task", async (action, params) => {
    const answer = await callApi3(api3.emulator, { action, params, nowMs: clock.now() });
    expect(answer.body).toEqual({
      Response: {
        Error: { Code: "ResourceNotFound", Message: expect.stringContaining("00000000") },
        RequestId: expect.stringMatching(REQUEST_ID),
      },
    });
    expect(await sdkOutcome(task(answer.body.Response.RequestId))).toBe("ResourceNotFound");
  });

  it.each([
    ["a missing id", "DeleteAddressTemplate", {}, "MissingParameter", "AddressTemplateId"],
    ["a missing name", "CreateAddressTemplate", { Addresses: ["10.0.0.1"] }, "MissingParameter", "AddressTemplateName"],
    ["no addresses at all", "CreateAddressTemplate", { AddressTemplateName: "x" }, "MissingParameter", "Addresses"],
    ["an unknown parameter", "DeleteAddressTemplate", { AddressTemplateId: "ipm-00000000", Force: true }, "UnknownParameter", "Force"],
    [
      "a malformed id",
      "DeleteServiceTemplate",
      { ServiceTemplateId: "ipm-00000000" },
      "InvalidParameterValue.Malformed",
      "ServiceTemplateId",
    ],
    ["an id of the wrong type", "DescribeAddressTemplateInstances", { AddressTemplateId: 7 }, "InvalidParameterValue", "AddressTemplateId"],
    [
      "a Limit above 100",
      "DescribeAddressTemplateInstances",
      { AddressTemplateId: "ipm-00000000", Limit: 101 },
      "InvalidParameterValue.Range",
      "Limit",
    ],
    [
      "a name longer than 60",
      "CreateServiceTemplate",
      { ServiceTemplateName: "n".repeat(61), Services: ["tcp:80"] },
      "InvalidParameterValue.TooLong",
      "ServiceTemplateName",
    ],
    [
      "a malformed address",
      "CreateAddressTemplate",
      { AddressTemplateName: "x", Addresses: ["10.0.0.300"] },
      "InvalidParameterValue.Malformed",
      "10.0.0.300",
    ],
    [
      "a malformed service",
      "CreateServiceTemplate",
      { ServiceTemplateName: "x", Services: ["http:80"] },
      "InvalidParameterValue.Malformed",
      "http:80",
    ],
  ])("answers %s with %s naming it", async (_what, action, params, code, named) => {
    const answer = await callApi3(api3.emulator, { action, params, nowMs: clock.now() });
    expect(answer.body.Response.Error).toEqual({ Code: code, Message: expect.stringContaining(named) });
  });
});
