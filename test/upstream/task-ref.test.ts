import { describe, expect, it } from "vitest";
import { ValidationError } from "../../lib/schemas/validate";
import { resolveTask } from "../../lib/upstream/task-ref";

const REQUEST_ID = "3c140219-cfe9-470e-b241-907877d6fb03";

function refusal(input: unknown): ValidationError["errors"] {
  try {
    resolveTask(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).errors;
  }
  throw new Error(`resolveTask accepted ${JSON.stringify(input)}`);
}

describe("resolveTask", () => {
  it("reads a RequestId as a vpc task and a number as a legacy one when api is left out", () => {
    expect(resolveTask({ taskId: REQUEST_ID, region: "ap-guangzhou" })).toEqual({ api: "vpc", taskId: REQUEST_ID, region: "ap-guangzhou" });
    expect(resolveTask({ taskId: 297, region: "ap-guangzhou" })).toEqual({ api: "legacy", taskId: 297, region: "ap-guangzhou" });
    expect(resolveTask({ taskId: "297", region: "ap-guangzhou" })).toEqual({ api: "legacy", taskId: 297, region: "ap-guangzhou" });
  });

  it("gives short and long region names one canonical form, for every kind", () => {
    expect(resolveTask({ taskId: 297, region: "gz" }).region).toBe("ap-guangzhou");
    expect(resolveTask({ api: "eip", taskId: 12, region: "sh" }).region).toBe("ap-shanghai");
    expect(resolveTask({ taskId: REQUEST_ID, region: "ca" }).region).toBe("na-toronto");
    // Regions newer than the legacy codes pass through.
    expect(resolveTask({ taskId: REQUEST_ID, region: "ap-singapore-2" }).region).toBe("ap-singapore-2");
  });

  it("takes an EIP TaskId as a number or as the digits AllocateAddresses answers", () => {
    expect(resolveTask({ api: "eip", taskId: "1234567890123", region: "ap-guangzhou" })).toEqual({
      api: "eip",
      taskId: 1234567890123,
      region: "ap-guangzhou",
    });
    expect(resolveTask({ api: "eip", taskId: 2 ** 40, region: "ap-guangzhou" }).taskId).toBe(2 ** 40);
  });

  it("names the field and says what was meant when a task id fits no kind", () => {
    expect(refusal({ taskId: "ipm-2uw6ujo6", region: "ap-guangzhou" })).toEqual([
      { field: "taskId", rule: "api", message: expect.stringMatching(/neither a RequestId \(api vpc\) nor an integer task id/) },
    ]);
    expect(refusal({ taskId: 2 ** 31, region: "gz" })[0]!.message).toMatch(/for an EIP TaskId say api: eip/);
    expect(refusal({ api: "vpc", taskId: 297, region: "gz" })[0]).toMatchObject({
      field: "taskId",
      rule: "pattern",
      message: expect.stringMatching(/RequestId/),
    });
    expect(refusal({ api: "eip", taskId: REQUEST_ID, region: "gz" })[0]).toMatchObject({
      field: "taskId",
      rule: "type",
      message: "must be integer",
    });
    expect(refusal({ api: "legacy", taskId: 2 ** 31, region: "gz" })[0]).toMatchObject({ field: "taskId", rule: "maximum" });
    expect(refusal({ api: "eip", taskId: 2 ** 53, region: "gz" })[0]).toMatchObject({ field: "taskId", rule: "maximum" });
    expect(refusal({ api: "ecs", taskId: 1, region: "gz" })[0]).toMatchObject({ field: "api", rule: "enum" });
    expect(refusal({ taskId: REQUEST_ID, region: "mars" })[0]).toMatchObject({ field: "region", rule: "pattern" });
    expect(refusal({ taskId: REQUEST_ID })[0]).toMatchObject({ field: "region", rule: "required" });
    expect(refusal({ taskId: REQUEST_ID, region: "gz", extra: 1 })[0]).toMatchObject({ field: "extra", rule: "additionalProperties" });
  });
});
