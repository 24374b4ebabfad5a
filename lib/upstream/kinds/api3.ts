/**
 * The API 3.0 request and answer every API 3.0 kind shares: a JSON `POST` with X-TC-* headers,
 * signed TC3-HMAC-SHA256 by tencentcloud-sdk-nodejs's own signer, answered
 * `{"Response": {…}}` with HTTP 200, errors included (`Response.Error`).
 * https://cloud.tencent.com/document/api/213/30654 (签名方法 v3)
 */
import { regionName } from "../../regions";
import type { TaskRef } from "../../schemas/index";
import type { Credentials } from "../credentials";
import { check, validate, type Validated } from "../../schemas/validate";
import { malformedError, upstreamError } from "../errors";
import { signTc3 } from "../tc3";
import type { UpstreamRequest } from "../transport";
import { type TaskKind, parseJson } from "./kind";

export interface Api3Call {
  /** The service in the credential scope, e.g. "vpc". */
  service: string;
  action: string;
  version: string;
  region: string;
  payload: object;
}

const CONTENT_TYPE = "application/json";

/** The signed request of one API 3.0 call. */
export function api3Request(endpoint: URL, call: Api3Call, creds: Credentials, nowMs: number): UpstreamRequest {
  const body = JSON.stringify(call.payload);
  const timestamp = Math.floor(nowMs / 1000);
  const headers: Record<string, string> = {
    "content-type": CONTENT_TYPE,
    "x-tc-action": call.action,
    "x-tc-version": call.version,
    // API 3.0 knows only ap-style names; a legacy code (gz) is translated, not refused.
    "x-tc-region": regionName(call.region),
    "x-tc-timestamp": String(timestamp),
    authorization: signTc3({ endpoint, service: call.service, contentType: CONTENT_TYPE, body, timestamp, credentials: creds }),
  };
  if (creds.token) headers["x-tc-token"] = creds.token;
  return { url: endpoint, method: "POST", headers, body };
}

/**
 * The `Response` object of a successful call. An `Error` in it is thrown as an UpstreamError
 * naming the code, its meaning, the upstream message and the RequestId.
 */
function api3Response(action: string, text: string): Record<string, unknown> {
  const json = parseJson(text, (problem, cause) => malformedError(action, problem, cause));
  const checked = check("api3Response", json);
  if (!checked.ok) {
    throw malformedError(
      action,
      `body is not an API 3.0 response: ${checked.errors.map((e) => `${e.field || "(body)"} ${e.message}`).join("; ")}`,
    );
  }
  const response = checked.value.Response as Record<string, unknown> & { Error?: { Code: string; Message?: string }; RequestId?: string };
  if (response.Error) {
    throw upstreamError(
      action,
      response.Error.Code,
      response.Error.Message,
      response.RequestId === undefined ? {} : { requestId: response.RequestId },
    );
  }
  return response;
}

const VPC_VERSION = "2017-03-12";

type VpcServiceTask = Extract<TaskRef, { api: "vpc" | "eip" }>;
type Answers = Pick<Validated, "vpcTaskResponse" | "eipTaskResponse">;

/**
 * A task kind of the VPC service: `action` asked about the task by its TaskId, the answer
 * checked against its schema (`answer`) and normalised by `normalise`, whose result is checked too.
 */
export function vpcServiceKind<R extends VpcServiceTask, N extends keyof Answers>(
  action: string,
  answer: N,
  normalise: (answer: Answers[N], task: R) => object,
): TaskKind<R> {
  return {
    action,
    request: (task, creds, settings, nowMs) =>
      api3Request(
        settings.vpcEndpoint,
        { service: "vpc", action, version: VPC_VERSION, region: task.region, payload: { TaskId: task.taskId } },
        creds,
        nowMs,
      ),
    parse: (text, task) => validate("taskResult", normalise(readAnswer(answer, action, text), task), "normalised task result"),
  };
}

function readAnswer<N extends keyof Answers>(name: N, action: string, text: string): Answers[N] {
  const checked = check(name, api3Response(action, text));
  if (checked.ok) return checked.value;
  throw malformedError(
    action,
    `body is not a ${action} response: ${checked.errors.map((e) => `Response.${e.field || "(body)"} ${e.message}`).join("; ")}`,
  );
}

export const API3_STATUS = { SUCCESS: "succeeded", FAILED: "failed", RUNNING: "running" } as const;
