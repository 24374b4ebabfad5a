import { describe, expect, it } from "vitest";
import { SEED_EIP_TASK, SEED_VPC_TASK, type TaskSpec } from "../../scripts/emulator/index";
import { fieldErrors } from "../support/field-errors";
import { callApi3, codeOf, REQUEST_ID, sdkOutcome, vpcClient, useApi3Emulator } from "../support/api3-client";

const ASYNC_TASK_MS = 60_000;

describe("API 3.0 task queries and the tasks behind them", () => {
  const api3 = useApi3Emulator(ASYNC_TASK_MS);
  const { clock } = api3;

  describe("DescribeVpcTaskResult", () => {
    it("answers the seeded task with the example of Tencent's documentation", async () => {
      expect(await api3.vpc.DescribeVpcTaskResult({ TaskId: SEED_VPC_TASK.taskId })).toEqual({
        Status: "SUCCESS",
        Output: "SUCCESS",
        Result: [{ ResourceId: "eni-olifj433", Status: "SUCCESS" }],
        RequestId: expect.stringMatching(REQUEST_ID),
      });
    });

    it("runs a task made with createTask for durationMs, then ends it with the given outcome, Output and Result", async () => {
      const ok = api3.emulator.createTask({
        api: "vpc",
        region: "ap-shanghai",
        durationMs: 1_000,
        output: '{"TotalCount":0}',
        result: [{ ResourceId: "eni-1", Status: "SUCCESS" }],
      });
      const failed = api3.emulator.createTask({ api: "vpc", region: "sh", durationMs: 1_000, outcome: "failure" });
      expect(ok).toEqual({ api: "vpc", taskId: expect.stringMatching(REQUEST_ID), region: "ap-shanghai" });
      expect(failed).toEqual({ api: "vpc", taskId: expect.stringMatching(REQUEST_ID), region: "sh" });
      const shanghai = vpcClient(api3.emulator, undefined, "ap-shanghai");
      expect(await shanghai.DescribeVpcTaskResult({ TaskId: ok.taskId })).toMatchObject({ Status: "RUNNING", Output: "", Result: null });
      clock.advance(1_000);
      expect(await shanghai.DescribeVpcTaskResult({ TaskId: ok.taskId })).toMatchObject({
        Status: "SUCCESS",
        Output: '{"TotalCount":0}',
        Result: [{ ResourceId: "eni-1", Status: "SUCCESS" }],
      });
      // The short region code and the region name are one region.
      expect(await shanghai.DescribeVpcTaskResult({ TaskId: failed.taskId })).toMatchObject({
        Status: "FAILED",
        Output: expect.stringMatching(/^FailedOperation: /),
        Result: null,
      });
    });

    it("answers ResourceNotFound to a task unknown in the region, MissingParameter without TaskId and InvalidParameterValue to a TaskId that is not a string", async () => {
      const { taskId } = api3.emulator.createTask({ api: "vpc", region: "ap-guangzhou" });
      expect(await sdkOutcome(vpcClient(api3.emulator, undefined, "ap-beijing").DescribeVpcTaskResult({ TaskId: taskId }))).toBe(
        "ResourceNotFound",
      );
      expect(await sdkOutcome(api3.vpc.DescribeVpcTaskResult({ TaskId: "481e9b6e-0000-4859-b8cf-a673e010b388" }))).toBe("ResourceNotFound");
      const missing = await callApi3(api3.emulator, { action: "DescribeVpcTaskResult", params: {}, nowMs: clock.now() });
      expect(missing.body.Response.Error).toEqual({ Code: "MissingParameter", Message: expect.stringContaining("TaskId") });
      expect(codeOf(await callApi3(api3.emulator, { action: "DescribeVpcTaskResult", params: { TaskId: 297 }, nowMs: clock.now() }))).toBe(
        "InvalidParameterValue",
      );
      expect(
        codeOf(
          await callApi3(api3.emulator, { action: "DescribeVpcTaskResult", params: { TaskId: taskId, Verbose: true }, nowMs: clock.now() }),
        ),
      ).toBe("UnknownParameter");
    });

    it("keeps a task's id as given, and replaces an existing task with the same id", async () => {
      const taskId = "0b8e5f38-33a5-4bbb-8c6e-5c1f2a7a9d10";
      api3.emulator.createTask({ api: "vpc", region: "ap-guangzhou", taskId, output: "first" });
      api3.emulator.createTask({ api: "vpc", region: "ap-guangzhou", taskId, output: "second" });
      expect((await api3.vpc.DescribeVpcTaskResult({ TaskId: taskId })).Output).toBe("second");
    });
  });

  describe("EIP tasks and DescribeTaskResult", () => {
    it("allocates EIPs with a TaskId of digits that DescribeTaskResult answers RUNNING, then SUCCESS; releases them likewise", async () => {
      const allocated = await api3.vpc.AllocateAddresses({ AddressCount: 2 });
      expect(allocated).toEqual({
        AddressSet: [expect.stringMatching(/^eip-[a-z0-9]{8}$/), expect.stringMatching(/^eip-[a-z0-9]{8}$/)],
        TaskId: expect.stringMatching(/^\d+$/),
        RequestId: expect.stringMatching(REQUEST_ID),
      });
      const TaskId = Number(allocated.TaskId);
      expect(await api3.vpc.DescribeTaskResult({ TaskId })).toEqual({
        TaskId,
        Result: "RUNNING",
        RequestId: expect.stringMatching(REQUEST_ID),
      });
      clock.advance(ASYNC_TASK_MS);
      expect(await api3.vpc.DescribeTaskResult({ TaskId })).toMatchObject({ TaskId, Result: "SUCCESS" });

      expect((await api3.vpc.AllocateAddresses({})).AddressSet).toHaveLength(1);
      const released = await api3.vpc.ReleaseAddresses({ AddressIds: allocated.AddressSet! });
      expect(released).toEqual({ TaskId: expect.stringMatching(/^\d+$/), RequestId: expect.stringMatching(REQUEST_ID) });
      expect(released.TaskId).not.toBe(allocated.TaskId);
      expect((await api3.vpc.DescribeTaskResult({ TaskId: Number(released.TaskId) })).Result).toBe("RUNNING");
      expect(await sdkOutcome(api3.vpc.ReleaseAddresses({ AddressIds: allocated.AddressSet! }))).toBe("InvalidAddressId.NotFound");
      expect(await sdkOutcome(api3.vpc.ReleaseAddresses({ AddressIds: ["eip-bad"] }))).toBe("InvalidParameterValue.Malformed");
    });

    it("answers the seeded task, ResourceNotFound to unknown tasks and deals, and MissingParameter without either", async () => {
      expect(await api3.vpc.DescribeTaskResult({ TaskId: SEED_EIP_TASK.taskId })).toMatchObject({
        TaskId: SEED_EIP_TASK.taskId,
        Result: "SUCCESS",
      });
      expect(
        await sdkOutcome(vpcClient(api3.emulator, undefined, "ap-shanghai").DescribeTaskResult({ TaskId: SEED_EIP_TASK.taskId })),
      ).toBe("ResourceNotFound");
      expect(await sdkOutcome(api3.vpc.DescribeTaskResult({ DealName: "20241112151073025647301" }))).toBe("ResourceNotFound");
      expect(await sdkOutcome(api3.vpc.DescribeTaskResult({}))).toBe("MissingParameter");
      expect(
        codeOf(await callApi3(api3.emulator, { action: "DescribeTaskResult", params: { TaskId: "12566700" }, nowMs: clock.now() })),
      ).toBe("InvalidParameterValue");
    });

    it("finishes a task made with createTask with its outcome", async () => {
      const task = api3.emulator.createTask({ api: "eip", region: "gz", durationMs: 500, outcome: "failure" });
      expect(task).toEqual({ api: "eip", taskId: 1_000_000, region: "gz" });
      expect(api3.emulator.createTask({ api: "eip", region: "gz", taskId: 7 })).toEqual({ api: "eip", taskId: 7, region: "gz" });
      expect((await api3.vpc.DescribeTaskResult({ TaskId: task.taskId })).Result).toBe("RUNNING");
      clock.advance(500);
      expect((await api3.vpc.DescribeTaskResult({ TaskId: task.taskId })).Result).toBe("FAILED");
      expect((await api3.vpc.DescribeTaskResult({ TaskId: 7 })).Result).toBe("SUCCESS");
    });
  });

  it("refuses bad task specs with a ValidationError naming each field", () => {
    const fields = (spec: unknown) => fieldErrors(() => api3.emulator.createTask(spec as TaskSpec)).map((e) => `${e.field}: ${e.message}`);
    expect(fields({ api: "ecs", region: "gz" })).toEqual(['api: must be one of: "legacy", "vpc", "eip"']);
    expect(fields({ api: "vpc", region: "gz", data: {} })).toEqual(["data: is not an allowed property"]);
    expect(fields({ api: "vpc", region: "gz", output: { code: 0, message: "" } })).toEqual(["output: must be string"]);
    expect(fields({ api: "vpc", region: "gz", result: [{ ResourceId: "eni-1" }] })).toEqual(["result[0].Status: is required"]);
    expect(fields({ api: "vpc", region: "gz", taskId: 5 })).toEqual(["taskId: must be string"]);
    expect(fields({ api: "eip", taskId: "5" })).toEqual(["region: is required", "taskId: must be integer"]);
    expect(fields({ api: "eip", region: "gz", output: "x" })).toEqual(["output: is not an allowed property"]);
  });

  it("creates tasks of every kind over POST /admin/tasks", async () => {
    const post = async (spec: unknown) => {
      const res = await fetch(`${api3.emulator.url}/admin/tasks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(spec),
      });
      return { status: res.status, json: (await res.json()) as any };
    };
    const created = await post({ api: "vpc", region: "ap-guangzhou", output: "done" });
    expect(created).toEqual({ status: 201, json: { api: "vpc", taskId: expect.stringMatching(REQUEST_ID), region: "ap-guangzhou" } });
    expect((await api3.vpc.DescribeVpcTaskResult({ TaskId: created.json.taskId })).Output).toBe("done");
    expect(await post({ api: "eip", region: "ap-guangzhou" })).toEqual({
      status: 201,
      json: { api: "eip", taskId: 1_000_000, region: "ap-guangzhou" },
    });
    expect(await post({ region: "gz" })).toEqual({ status: 201, json: { api: "legacy", taskId: 1000, region: "gz" } });
    expect(await post({ api: "vpc", region: "gz", outcome: "maybe" })).toMatchObject({
      status: 400,
      json: { errors: [{ field: "outcome" }] },
    });
  });
});
