/**
 * DescribeVpcTaskResult (VPC, API 3.0): the result of an asynchronous VPC call, whose TaskId is
 * that call's RequestId. https://cloud.tencent.com/document/api/215/59037
 */
import type { TaskRef } from "../../schemas/index";
import { API3_STATUS, vpcServiceKind } from "./api3";

export const vpcKind = vpcServiceKind<Extract<TaskRef, { api: "vpc" }>, "vpcTaskResponse">(
  "DescribeVpcTaskResult",
  "vpcTaskResponse",
  (answer, task) => {
    const output = answer.Output ?? null;
    return { ...task, status: API3_STATUS[answer.Status], output, data: jsonData(output), result: answer.Result ?? null };
  },
);

/**
 * Output parsed, when it is a JSON object or array: how list-returning actions (the
 * Describe*TemplateInstances family) fill Output is not documented, so the text is kept as
 * sent and this is offered beside it.
 */
function jsonData(output: string | null): object | null {
  const text = output?.trim() ?? "";
  if (!text.startsWith("{") && !text.startsWith("[")) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}
