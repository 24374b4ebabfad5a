/**
 * DescribeNetTaskResult as the legacy ("v2") VPC API serves it (docs/upstream.md): GET with a query
 * string or POST with a form body, always HTTP 200 JSON `{code, message, codeDesc, data}`.
 * Checks run in the upstream's order; see `decide`.
 */
import type { IncomingMessage } from "node:http";
import type { SignatureMethod } from "../../lib/config";
import { computeSignature, signatureMethodOf, stringToSign } from "../../lib/upstream/sign";
import { legacyError, legacySuccess, type LegacyBody, type LegacyCode } from "./codes";
import { sameSecret, tokenProblem } from "./credentials";
import { faultyReply, stall, type AnswerDialect, type Outcome } from "./faults";
import { jsonReply, readBody, type Reply } from "./http";
import { TIMESTAMP_WINDOW_MS, type NonceRegistry } from "./nonces";
import { clip, type RequestRecordBase, type SharedState } from "./shared";
import type { TaskBook } from "./tasks";

export const LEGACY_PATH = "/v2/index.php";
const ACTION = "DescribeNetTaskResult";
const COMMON_PARAMETERS = ["Region", "Timestamp", "Nonce", "SecretId", "Signature"] as const;
const MAX_BODY_BYTES = 64 * 1024;
const MAX_TASK_ID = 2 ** 31 - 1;

export interface LegacyRequestRecord extends RequestRecordBase {
  api: "legacy";
  httpMethod: "GET" | "POST";
  signatureMethod: SignatureMethod;
  nonce: string;
  code: number;
}

export interface LegacyState extends SharedState {
  nonces: NonceRegistry;
}

type Params = Record<string, string>;

/** Answers one request to LEGACY_PATH (method already known to be GET or POST). */
export async function handleLegacy(req: IncomingMessage, method: "GET" | "POST", query: string, state: LegacyState): Promise<Reply> {
  let source = query;
  if (method === "POST") {
    if (!req.headers["content-type"]?.startsWith("application/x-www-form-urlencoded")) {
      return jsonReply(200, legacyError(4000, "POST bodies must be application/x-www-form-urlencoded"));
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (!body) return jsonReply(200, legacyError(4000, `request body larger than ${MAX_BODY_BYTES} bytes`));
    source = body.toString("utf8");
  }
  const params = parseParams(source);
  const p = typeof params === "string" ? {} : params;
  const record: LegacyRequestRecord = {
    at: state.now(),
    api: "legacy",
    action: p.Action ?? "",
    httpMethod: method,
    signatureMethod: signatureMethodOf(p.SignatureMethod),
    secretId: p.SecretId ?? "",
    nonce: p.Nonce ?? "",
    timestamp: p.Timestamp ?? "",
    ...(p.taskId !== undefined && { taskId: p.taskId }),
    ...(p.Region !== undefined && { region: p.Region }),
    token: p.Token !== undefined,
    code: 0,
  };
  state.records.push(record);
  const outcome =
    typeof params === "string"
      ? { reply: jsonReply(200, legacyError(4000, params)), code: 4000 }
      : await decide(params, method, req.headers.host ?? "", state, record);
  record.code = outcome.code as number;
  return outcome.reply;
}

/** The parameters by name, or why they cannot be used (a name given twice has no single value to sign). */
function parseParams(source: string): Params | string {
  const params: Params = {};
  for (const [name, value] of new URLSearchParams(source)) {
    if (Object.hasOwn(params, name)) return `parameter ${name} is given more than once`;
    params[name] = value;
  }
  return params;
}

async function decide(p: Params, method: "GET" | "POST", host: string, state: LegacyState, record: LegacyRequestRecord): Promise<Outcome> {
  const reply = (body: LegacyBody) => ({ reply: jsonReply(200, body), code: body.code });
  const nowMs = state.now();

  if (p.Action !== ACTION) {
    return reply(
      legacyError(
        4000,
        p.Action === undefined ? "Action is required" : `Action ${clip(p.Action)} is not supported here: only ${ACTION} is served`,
      ),
    );
  }
  const missing = COMMON_PARAMETERS.filter((name) => !p[name]);
  if (missing.length > 0)
    return reply(legacyError(4000, `missing common parameter${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`));
  if (!/^\d{1,12}$/.test(p.Timestamp!)) return reply(legacyError(4000, "Timestamp must be Unix time in seconds"));
  if (!/^[1-9]\d{0,18}$/.test(p.Nonce!)) return reply(legacyError(4000, "Nonce must be a positive integer"));

  const timestampMs = Number(p.Timestamp) * 1000;
  if (Math.abs(nowMs - timestampMs) > TIMESTAMP_WINDOW_MS) {
    return reply(legacyError(4500, "Timestamp is more than 300 seconds away from the server time"));
  }
  const credential = state.credentials.get(p.SecretId!);
  if (!credential) return reply(legacyError(4104));
  const badToken = tokenProblem(credential, p.Token);
  if (badToken) return reply(legacyError(4105, badToken));
  const signatureMethod = signatureMethodOf(p.SignatureMethod);
  const expected = computeSignature(credential.secretKey, stringToSign(method, host, LEGACY_PATH, p), signatureMethod);
  if (!sameSecret(expected, p.Signature!)) {
    return reply(
      legacyError(4100, `signature mismatch (${signatureMethod} over ${method} ${host}${LEGACY_PATH} and the sorted parameters)`),
    );
  }
  if (!state.nonces.remember(p.SecretId!, p.Nonce!, nowMs, timestampMs)) {
    return reply(legacyError(4500, "Nonce was already used with this SecretId in the last 5 minutes"));
  }
  if (state.limit && !state.limit.tryAdmit(nowMs)) {
    return reply(legacyError(4400, `more than ${state.limit.limit} requests in one second`));
  }

  const taskId = parseTaskId(p.taskId);
  const normal = () => answer(p.Region!, p.taskId, taskId, state.tasks);
  const fault = state.faults.pick("legacy", taskId);
  if (fault) record.fault = fault.kind;
  if (fault && fault.kind !== "delay") return faultyReply(fault, normal, LEGACY_ANSWERS);
  if (fault) await stall(fault, state.closing);
  return reply(normal());
}

/** The task id if it is a positive 32-bit integer written plainly, else undefined. */
function parseTaskId(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^[1-9]\d{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= MAX_TASK_ID ? id : undefined;
}

function answer(region: string, raw: string | undefined, taskId: number | undefined, tasks: TaskBook): LegacyBody {
  if (taskId === undefined) {
    return legacyError(9003, raw === undefined ? "taskId is required" : `taskId must be a positive 32-bit integer, got "${clip(raw)}"`);
  }
  const view = tasks.legacy.view(region, taskId);
  if (!view) return legacyError(29258, `task ${taskId} does not exist in region ${clip(region)}`);
  return legacySuccess(view);
}

const LEGACY_ANSWERS: AnswerDialect<LegacyBody> = {
  codeOf: (body) => body.code,
  errorBody: (code) => legacyError(code as LegacyCode),
  distort(kind, body) {
    const data = body.data as Record<string, unknown> | undefined;
    switch (kind) {
      case "extra-fields":
        return {
          ...body,
          requestId: "emulator-extra",
          ...(data && { data: { ...data, taskType: "emulator-extra", extra: { nested: true } } }),
        };
      case "wrong-types":
        return { ...body, code: String(body.code), ...(data && { data: { ...data, status: String(data.status) } }) };
      case "missing-fields": {
        const { code: _code, ...rest } = body;
        if (!data) return rest;
        const { status: _status, ...dataRest } = data;
        return { ...rest, data: dataRest };
      }
    }
  },
};
