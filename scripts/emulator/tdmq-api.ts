/**
 * TDMQ for CMQ `SendCmqMsg` (API 3.0, version 2020-02-17) as tencentcloud-sdk-nodejs calls it:
 * `POST /` with a JSON body, X-TC-* headers and a TC3-HMAC-SHA256 Authorization header.
 * Queues are created on first use, so tests can use random names.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { CMQ_QUEUE, patternHint } from "../../lib/schemas/patterns";
import { tokenProblem, sameSecret, type EmulatorCredential } from "./credentials";
import { jsonReply, readBody, type Reply } from "./http";
import { TIMESTAMP_WINDOW_MS } from "./nonces";
import { canonicalRequest, parseTc3Authorization, tc3Date, tc3Signature } from "./tc3";

const TDMQ_VERSION = "2020-02-17";
const MAX_MESSAGE_BYTES = 1024 * 1024;
// API 3.0 accepts request bodies up to 10 MB; the 1 MB message limit is checked after parsing.
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const QUEUE_NAME = new RegExp(CMQ_QUEUE);

export interface CmqMessageRecord {
  at: number;
  queue: string;
  region: string;
  body: string;
  delaySeconds: number;
  msgId: string;
}

export interface TdmqState {
  credentials: ReadonlyMap<string, EmulatorCredential>;
  messages: CmqMessageRecord[];
  now: () => number;
}

class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Answers one `POST /`. API 3.0 answers errors with HTTP 200 and `Response.Error`. */
export async function handleTdmq(req: IncomingMessage, query: string, state: TdmqState): Promise<Reply> {
  const requestId = randomUUID();
  try {
    return jsonReply(200, { Response: { ...(await sendCmqMsg(req, query, state)), RequestId: requestId } });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return jsonReply(200, { Response: { Error: { Code: e.code, Message: e.message }, RequestId: requestId } });
  }
}

async function sendCmqMsg(req: IncomingMessage, query: string, state: TdmqState): Promise<{ Result: true; MsgId: string }> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (!body) throw new ApiError("RequestSizeLimitExceeded", `the request body is larger than ${MAX_BODY_BYTES} bytes`);
  authenticate(req, query, body, state);

  const action = header(req, "x-tc-action");
  if (action !== "SendCmqMsg") throw new ApiError("InvalidAction", `action ${action ?? "(none)"} is not served here: only SendCmqMsg is`);
  const version = header(req, "x-tc-version");
  if (version !== TDMQ_VERSION) throw new ApiError("NoSuchVersion", `X-TC-Version must be ${TDMQ_VERSION}`);
  const region = header(req, "x-tc-region");
  if (!region) throw new ApiError("MissingParameter", "the X-TC-Region header is required");
  if (!header(req, "content-type")?.startsWith("application/json")) throw new ApiError("InvalidParameter", "Content-Type must be application/json");

  let input: unknown;
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch {
    throw new ApiError("InvalidParameter", "the request body is not valid JSON");
  }
  const { QueueName, MsgContent, DelaySeconds } = (input ?? {}) as Record<string, unknown>;
  if (QueueName === undefined) throw new ApiError("MissingParameter", "QueueName is required");
  if (typeof QueueName !== "string" || !QUEUE_NAME.test(QueueName)) throw new ApiError("InvalidParameterValue", `QueueName ${patternHint(CMQ_QUEUE)}`);
  if (MsgContent === undefined) throw new ApiError("MissingParameter", "MsgContent is required");
  if (typeof MsgContent !== "string") throw new ApiError("InvalidParameterValue", "MsgContent must be a string");
  if (Buffer.byteLength(MsgContent) > MAX_MESSAGE_BYTES) throw new ApiError("InvalidParameterValue", `MsgContent is larger than ${MAX_MESSAGE_BYTES} bytes`);
  if (DelaySeconds === undefined) throw new ApiError("MissingParameter", "DelaySeconds is required");
  if (!Number.isInteger(DelaySeconds) || (DelaySeconds as number) < 0) throw new ApiError("InvalidParameterValue", "DelaySeconds must be a whole number of seconds, 0 or more");

  const msgId = randomUUID();
  state.messages.push({ at: state.now(), queue: QueueName, region, body: MsgContent, delaySeconds: DelaySeconds as number, msgId });
  return { Result: true, MsgId: msgId };
}

/** Throws the API 3.0 AuthFailure.* error the request deserves, if any. */
function authenticate(req: IncomingMessage, query: string, body: Buffer, state: TdmqState): void {
  const auth = parseTc3Authorization(header(req, "authorization"));
  if (!auth) throw new ApiError("AuthFailure.InvalidAuthorization", "the Authorization header is not a TC3-HMAC-SHA256 authorization");
  const rawTimestamp = header(req, "x-tc-timestamp");
  if (!rawTimestamp || !/^\d{1,12}$/.test(rawTimestamp)) throw new ApiError("MissingParameter", "X-TC-Timestamp must be Unix time in seconds");
  const timestamp = Number(rawTimestamp);
  if (Math.abs(state.now() - timestamp * 1000) > TIMESTAMP_WINDOW_MS) {
    throw new ApiError("AuthFailure.SignatureExpire", "X-TC-Timestamp is more than 300 seconds away from the server time");
  }
  const credential = state.credentials.get(auth.secretId);
  if (!credential) throw new ApiError("AuthFailure.SecretIdNotFound", "SecretId does not exist");
  const badToken = tokenProblem(credential, header(req, "x-tc-token"));
  if (badToken) throw new ApiError("AuthFailure.TokenFailure", badToken.replace("Token", "X-TC-Token"));

  const host = header(req, "host") ?? "";
  // The service is what the SDK signs with: the endpoint's first dot-separated label.
  const service = host.split(".")[0]!;
  if (auth.date !== tc3Date(timestamp)) throw new ApiError("AuthFailure.SignatureFailure", "the credential scope date must be the UTC date of X-TC-Timestamp");
  if (auth.service !== service) throw new ApiError("AuthFailure.SignatureFailure", `the credential scope service must be "${service}", the first label of Host`);
  if (!auth.signedHeaders.includes("content-type") || !auth.signedHeaders.includes("host")) {
    throw new ApiError("AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host");
  }
  // Tencent's documentation signs the Host header as sent; tencentcloud-sdk-nodejs signs the
  // host name without the port. Both are accepted.
  const hostForms = new Set([host, host.replace(/:\d+$/, "")]);
  for (const hostForm of hostForms) {
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) headers[name] = name === "host" ? hostForm : (header(req, name) ?? "");
    const canonical = canonicalRequest({ method: req.method ?? "", path: "/", query, headers, signedHeaders: auth.signedHeaders, payload: body });
    if (sameSecret(tc3Signature(credential.secretKey, service, timestamp, canonical), auth.signature)) return;
  }
  throw new ApiError("AuthFailure.SignatureFailure", "the request signature does not match");
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}
