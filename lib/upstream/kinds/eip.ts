/**
 * DescribeTaskResult (VPC, API 3.0): the result of an asynchronous EIP call (AllocateAddresses,
 * ReleaseAddresses, …), by the integer TaskId it answered.
 * https://www.tencentcloud.com/document/api/215/34772
 */
import type { TaskRef } from "../../schemas/index";
import { API3_STATUS, vpcServiceKind } from "./api3";

export const eipKind = vpcServiceKind<Extract<TaskRef, { api: "eip" }>, "eipTaskResponse">(
  "DescribeTaskResult",
  "eipTaskResponse",
  (answer, task) => ({ ...task, status: API3_STATUS[answer.Result], output: null, data: null }),
);
