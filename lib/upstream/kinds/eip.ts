/**
 * DescribeTaskResult (VPC, API 3.0): the result of an asynchronous EIP call (AllocateAddresses,
 * ReleaseAddresses, …), by the integer TaskId it answered.
 * https://www.tencentcloud.com/document/api/215/34772
 */
import type { TaskRef } from "../../schemas/index";
import { validate } from "../../schemas/validate";
import { api3Request, api3Response, API3_STATUS, checkAnswer } from "./api3";
import type { TaskKind } from "./kind";
import { VPC_VERSION } from "./vpc";

type EipTask = Extract<TaskRef, { api: "eip" }>;

const ACTION = "DescribeTaskResult";

export const eipKind: TaskKind<EipTask> = {
  action: ACTION,

  request(task, creds, settings, nowMs) {
    const call = { service: "vpc", action: ACTION, version: VPC_VERSION, region: task.region, payload: { TaskId: task.taskId } };
    return api3Request(settings.vpcEndpoint, call, creds, nowMs);
  },

  parse(text, task) {
    const answer = checkAnswer("eipTaskResponse", ACTION, api3Response(ACTION, text));
    return validate("taskResult", { ...task, status: API3_STATUS[answer.Result], output: null, data: null }, "normalised task result");
  },
};
