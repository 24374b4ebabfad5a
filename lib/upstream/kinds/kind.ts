/**
 * A task kind: how to ask one upstream action about a task and how to read its answer. The
 * client (lib/upstream/client.ts) does the rest — rate limit, credentials, transport, retries —
 * the same for every kind. Adding a kind is a module here and a line in ./index.ts.
 */
import type { TaskRef, TaskResult } from "../../schemas/index";
import type { Credentials } from "../credentials";
import type { HttpMethod, SignatureMethod } from "../../config";
import type { UpstreamRequest } from "../transport";

/** Where and how requests go; fixed for a client's lifetime. */
export interface KindSettings {
  /** The legacy API's full URL (NETTASK_ENDPOINT). */
  legacyEndpoint: URL;
  signatureMethod: SignatureMethod;
  httpMethod: HttpMethod;
  /** The API 3.0 VPC endpoint (VPC_ENDPOINT). */
  vpcEndpoint: URL;
}

export interface TaskKind<R extends TaskRef = TaskRef> {
  /** The upstream action, as errors and logs name it. */
  readonly action: string;
  /** One attempt's signed request. */
  request(task: R, credentials: Credentials, settings: KindSettings, nowMs: number): UpstreamRequest;
  /** The normalised result of an HTTP 200 answer; throws UpstreamError for errors and malformed bodies. */
  parse(text: string, task: R): TaskResult;
}

/** The JSON of a body, or a malformed-response error naming what it starts with. */
export function parseJson(text: string, onError: (problem: string, cause?: unknown) => Error): unknown {
  if (text.trim() === "") throw onError("empty body");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw onError(`body is not JSON: ${JSON.stringify(text.trim().slice(0, 60))}`, error);
  }
}
