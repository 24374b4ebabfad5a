/**
 * DescribeNetTaskResult, the legacy (API 2.0) task kind: a form-encoded request signed with
 * signature v1, answered `{code, message, codeDesc, data: {status 0|1|2, output, data}}`.
 */
import { randomInt } from "node:crypto";
import { legacyRegionCode } from "../../regions";
import type { TaskRef } from "../../schemas/index";
import { check, validate } from "../../schemas/validate";
import { malformedError, upstreamError } from "../errors";
import { computeSignature, stringToSign } from "../sign";
import { parseJson, type TaskKind } from "./kind";

type LegacyTask = Extract<TaskRef, { api: "legacy" }>;

const ACTION = "DescribeNetTaskResult";
const STATUS = { 0: "succeeded", 1: "failed", 2: "running" } as const;

export const legacyKind: TaskKind<LegacyTask> = {
  action: ACTION,

  request(task, creds, settings, nowMs) {
    const { legacyEndpoint: url, httpMethod, signatureMethod } = settings;
    const params: Record<string, string> = {
      Action: ACTION,
      // The v2 API's own region codes (gz); tasks carry the API 3.0 name (ap-guangzhou).
      Region: legacyRegionCode(task.region),
      Timestamp: String(Math.floor(nowMs / 1000)),
      // A fresh Nonce per request: the upstream refuses a reused one (4500) for five minutes.
      Nonce: String(randomInt(1, 2 ** 31)),
      SecretId: creds.secretId,
      SignatureMethod: signatureMethod,
      taskId: String(task.taskId),
    };
    if (creds.token) params.Token = creds.token;
    const text = stringToSign(httpMethod, url.host, url.pathname, params);
    const form = new URLSearchParams({ ...params, Signature: computeSignature(creds.secretKey, text, signatureMethod) }).toString();
    if (httpMethod === "GET")
      return { url: new URL(`${url.origin}${url.pathname}?${form}`), method: "GET", headers: {} as Record<string, string> };
    return { url, method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form };
  },

  parse(text, task) {
    const json = parseJson(text, (problem, cause) => malformedError(ACTION, problem, cause));
    const checked = check("legacyResponse", json);
    if (!checked.ok) {
      throw malformedError(
        ACTION,
        `body is not a ${ACTION} response: ${checked.errors.map((e) => `${e.field || "(body)"} ${e.message}`).join("; ")}`,
      );
    }
    const response = checked.value;
    if (response.code !== 0) {
      throw upstreamError(
        ACTION,
        response.code,
        response.message,
        response.codeDesc === undefined ? {} : { codeDesc: String(response.codeDesc) },
      );
    }
    // The schema requires `data` when code is 0; the types cannot say so.
    const data = response.data!;
    return validate(
      "taskResult",
      { ...task, status: STATUS[data.status], code: data.status, output: data.output ?? null, data: data.data ?? null },
      "normalised task result",
    );
  },
};
