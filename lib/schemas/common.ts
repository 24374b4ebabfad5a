/** Schema pieces shared by several schemas. The generator compiles each once (see SHARED). */
import { ISO_TIME, REGION, REQUEST_ID } from "./patterns";

export const schemaId = (name: string) => `https://nettask-relay.dev/schemas/${name}.json`;

/** An object schema whose every listed property is required and which allows no other. */
export function closedObject<const P extends Record<string, object>>(properties: P) {
  return { type: "object", additionalProperties: false, required: Object.keys(properties) as (keyof P & string)[], properties } as const;
}

/** The kinds of task the relay can wait on, by the API action that reads their result. */
export const API_KINDS = ["vpc", "eip", "legacy"] as const;

export const api = {
  enum: API_KINDS,
  description:
    "Which API reads the task: `vpc` DescribeVpcTaskResult (API 3.0; the task id is the RequestId of the asynchronous call), " +
    "`eip` DescribeTaskResult (API 3.0; the integer TaskId of an EIP call), `legacy` " +
    "DescribeNetTaskResult (API 2.0, shut down by Tencent Cloud).",
} as const;

export const vpcTaskId = {
  type: "string",
  pattern: REQUEST_ID,
  description: "The RequestId of the asynchronous VPC call (DescribeVpcTaskResult's TaskId).",
} as const;

export const eipTaskId = {
  type: "integer",
  minimum: 1,
  maximum: 9007199254740991,
  description: "The TaskId an EIP call (AllocateAddresses, ReleaseAddresses, …) answered.",
} as const;

export const legacyTaskId = {
  type: "integer",
  minimum: 1,
  maximum: 2147483647,
  description: "The integer taskId of a legacy parameter-template call (DescribeNetTaskResult).",
} as const;

/** Any kind's task id, as stored and delivered; which one it is follows from `api`. */
export const taskId = {
  type: ["string", "integer"],
  minLength: 1,
  maxLength: 64,
  minimum: 1,
  maximum: 9007199254740991,
  description: "A RequestId (api vpc) or an integer task id (api eip or legacy).",
} as const;

export const region = {
  type: "string",
  minLength: 1,
  maxLength: 32,
  pattern: REGION,
  description: "A region name such as ap-guangzhou, or its legacy short code (gz, sh, bj, ca, …); both mean the same region.",
} as const;

export const isoTime = { type: "string", pattern: ISO_TIME } as const;
