/**
 * Tencent Cloud API 3.0 at `POST /`, as tencentcloud-sdk-nodejs calls it: a JSON body, X-TC-*
 * headers and a TC3-HMAC-SHA256 Authorization header, dispatched on X-TC-Action. Every answer is
 * HTTP 200 `{"Response": {…, "RequestId"}}`; errors are `{"Response": {"Error": {"Code",
 * "Message"}, "RequestId"}}`.
 *
 * Checks run in this order: body size, Authorization (format, X-TC-Timestamp within 5 minutes,
 * SecretId, X-TC-Token, credential scope, signature), action, version, region, body. The task
 * queries (an action with `taskApi`) then pass the rate limit shared with the legacy API
 * (RequestLimitExceeded) and fault injection, and are recorded in the request log.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { regionName } from "../../lib/regions";
import { ValidationError, type FieldError } from "../../lib/schemas/validate";
import { sameSecret, tokenProblem } from "./credentials";
import { faultyReply, stall, type AnswerDialect, type Outcome } from "./faults";
import { jsonReply, readBody, type Reply } from "./http";
import { TIMESTAMP_WINDOW_MS } from "./nonces";
import { clip, type RequestRecordBase, type SharedState } from "./shared";
import { specChecker } from "./spec-check";
import { canonicalRequest, parseTc3Authorization, tc3Date, tc3Signature } from "./tc3";

// API 3.0 accepts request bodies up to 10 MB.
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API 3.0 knows regions by name only (ap-guangzhou); the legacy codes (gz) are refused. */
const REGION_NAME = /^(?:ap|na|eu|sa|me)-[a-z]+(?:-[a-z0-9]+)*$/;

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Api3Call {
  /** X-TC-Region, canonical. */
  region: string;
  /** The request body, checked against the action's `params` schema. */
  params: Record<string, unknown>;
  /** The RequestId of this call's answer: the TaskId of a VPC task it starts. */
  requestId: string;
}

export interface Api3Action {
  /** The product the action belongs to: a credential scope may name it as its service. */
  product: string;
  version: string;
  /** JSON Schema of the body; see paramsChecker for the codes its failures answer. */
  params: object;
  /** Set on the task queries: the kind of task they report on. */
  taskApi?: "vpc" | "eip";
  /** The answer's fields besides RequestId; throws ApiError. */
  run(call: Api3Call): object;
}

/** A checked action; made by api3Actions. */
interface ServedAction extends Api3Action {
  check(params: unknown): Record<string, unknown>;
}

export type Api3Actions = Readonly<Record<string, ServedAction>>;

export interface Api3State extends SharedState {
  actions: Api3Actions;
}

export interface Api3RequestRecord extends RequestRecordBase {
  api: "vpc" | "eip";
  httpMethod: "POST";
  /** Only legacy requests carry these. */
  signatureMethod?: undefined;
  nonce?: undefined;
}

interface Api3Body {
  Response: Record<string, unknown> & { RequestId: string; Error?: { Code: string; Message: string } };
}

/** Compiles each action's parameter schema once. */
export function api3Actions(actions: Record<string, Api3Action>): Api3Actions {
  return Object.fromEntries(Object.entries(actions).map(([name, action]) => [name, { ...action, check: paramsChecker(action.params) }]));
}

/** Answers one `POST /`. */
export async function handleApi3(req: IncomingMessage, query: string, state: Api3State): Promise<Reply> {
  const requestId = randomUUID();
  const actionName = header(req, "x-tc-action") ?? "";
  const action = Object.hasOwn(state.actions, actionName) ? state.actions[actionName] : undefined;
  const record = action?.taskApi ? startRecord(req, actionName, action.taskApi, state) : undefined;
  let outcome: Outcome;
  try {
    outcome = await serve(req, query, state, requestId, action, record);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    outcome = { reply: jsonReply(200, errorBody(e, requestId)), code: e.code };
  }
  if (record) record.code = outcome.code;
  return outcome.reply;
}

function startRecord(req: IncomingMessage, action: string, api: "vpc" | "eip", state: Api3State): Api3RequestRecord {
  const region = header(req, "x-tc-region");
  const record: Api3RequestRecord = {
    at: state.now(),
    api,
    action,
    httpMethod: "POST",
    secretId: parseTc3Authorization(header(req, "authorization"))?.secretId ?? "",
    timestamp: header(req, "x-tc-timestamp") ?? "",
    ...(region !== undefined && { region }),
    token: header(req, "x-tc-token") !== undefined,
    code: 0,
  };
  state.records.push(record);
  return record;
}

async function serve(
  req: IncomingMessage,
  query: string,
  state: Api3State,
  requestId: string,
  action: ServedAction | undefined,
  record: Api3RequestRecord | undefined,
): Promise<Outcome> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (!body) throw new ApiError("RequestSizeLimitExceeded", `the request body is larger than ${MAX_BODY_BYTES} bytes`);
  // An unknown action may be meant for any product served here.
  const products = action ? [action.product] : [...new Set(Object.values(state.actions).map((a) => a.product))];
  authenticate(req, query, body, state, products);
  const name = header(req, "x-tc-action");
  if (!action) throw new ApiError("InvalidAction", name ? `the action ${clip(name)} does not exist` : "the X-TC-Action header is required");
  const version = header(req, "x-tc-version");
  if (!version) throw new ApiError("MissingParameter", "the X-TC-Version header is required");
  if (version !== action.version)
    throw new ApiError("NoSuchVersion", `version ${clip(version)} of ${name} does not exist: it is served in ${action.version}`);
  const region = header(req, "x-tc-region");
  if (!region) throw new ApiError("MissingParameter", "the X-TC-Region header is required");
  if (!REGION_NAME.test(region)) {
    const hint = regionName(region) === region ? "" : ` (the legacy code ${region} is ${regionName(region)})`;
    throw new ApiError(
      "UnsupportedRegion",
      `region ${clip(region)} is not supported: API 3.0 takes region names such as ap-guangzhou${hint}`,
    );
  }
  if (!header(req, "content-type")?.startsWith("application/json"))
    throw new ApiError("InvalidParameter", "Content-Type must be application/json");
  let input: unknown;
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch {
    throw new ApiError("InvalidParameter", "the request body is not valid JSON");
  }
  const raw = input !== null && typeof input === "object" && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined;
  const call = (params: Record<string, unknown>): Api3Call => ({ region: regionName(region), params, requestId });
  const answer = (): Api3Body => {
    try {
      if (!raw) throw new ApiError("InvalidParameter", "the request body must be a JSON object");
      return { Response: { ...action.run(call(action.check(raw))), RequestId: requestId } };
    } catch (e) {
      if (e instanceof ApiError) return errorBody(e, requestId);
      throw e;
    }
  };
  if (!action.taskApi || !record) return outcomeOf(answer());

  const taskId = raw?.TaskId;
  if (typeof taskId === "string" || typeof taskId === "number") record.taskId = String(taskId);
  if (state.limit && !state.limit.tryAdmit(state.now())) {
    throw new ApiError("RequestLimitExceeded", `more than ${state.limit.limit} task queries in one second`);
  }
  const fault = state.faults.pick(action.taskApi, taskId);
  if (fault) record.fault = fault.kind;
  if (fault && fault.kind !== "delay") return faultyReply(fault, answer, api3Answers(requestId));
  if (fault) await stall(fault, state.closing);
  return outcomeOf(answer());
}

const outcomeOf = (body: Api3Body): Outcome => ({ reply: jsonReply(200, body), code: body.Response.Error?.Code ?? 0 });

const errorBody = (e: ApiError, requestId: string): Api3Body => ({
  Response: { Error: { Code: e.code, Message: e.message }, RequestId: requestId },
});

/** Messages for the codes fault injection is most often asked for; others get a generic one. */
const INJECTED_MESSAGES: Readonly<Record<string, string>> = {
  RequestLimitExceeded:
    "Your current request times equals to `20` in a second, which exceeds the frequency limit `20` for a " +
    "second. Please reduce the frequency of calls.",
  InternalError: "An internal error has occurred. Retry your request, but if the problem persists, contact us.",
  ResourceNotFound: "The resource does not exist.",
  "AuthFailure.SignatureFailure": "The provided credentials could not be validated. Please check your signature is correct.",
  "AuthFailure.SignatureExpire": "Signature expired. Timestamp and server time cannot differ by more than five minutes.",
  "AuthFailure.UnauthorizedOperation": "The request is not authorized. Please check the CAM documentation.",
};

const STATUS_NUMBERS: Readonly<Record<string, number>> = { SUCCESS: 0, FAILED: 1, RUNNING: 2 };

function api3Answers(requestId: string): AnswerDialect<Api3Body> {
  return {
    codeOf: (body) => body.Response.Error?.Code ?? 0,
    errorBody: (code) => errorBody(new ApiError(String(code), INJECTED_MESSAGES[code] ?? `${code} (injected by the emulator)`), requestId),
    distort(kind, { Response: r }) {
      // The fields a task query's answer stands on: Status (vpc) or Result (eip), or the error.
      const key = "Status" in r ? "Status" : "Result";
      switch (kind) {
        case "extra-fields":
          return {
            Response: {
              ...r,
              TaskType: "emulator-extra",
              Extra: { nested: true },
              ...(Array.isArray(r.Result) && { Result: r.Result.map((item: object) => ({ ...item, Extra: "emulator-extra" })) }),
            },
          };
        case "wrong-types":
          if (r.Error) return { Response: { ...r, Error: `${r.Error.Code}: ${r.Error.Message}` } };
          return { Response: { ...r, [key]: STATUS_NUMBERS[String(r[key])] ?? 9, ...("TaskId" in r && { TaskId: String(r.TaskId) }) } };
        case "missing-fields": {
          if (r.Error) return { Response: { ...r, Error: { Message: r.Error.Message } } };
          const { [key]: _dropped, ...rest } = r;
          return { Response: rest };
        }
      }
    },
  };
}

/**
 * The checker of an action's body: a missing parameter answers MissingParameter, an unknown one
 * UnknownParameter, a malformed id InvalidParameterValue.Malformed, a number out of range
 * InvalidParameterValue.Range, a name too long InvalidParameterValue.TooLong, anything else
 * (wrong types included) InvalidParameterValue.
 */
function paramsChecker(schema: object): (params: unknown) => Record<string, unknown> {
  const check = specChecker<Record<string, unknown>>(schema, "request");
  return (params) => {
    try {
      return check(params);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      throw parameterError(e.errors);
    }
  };
}

const RULE_CODES: Readonly<Record<string, string>> = {
  required: "MissingParameter",
  additionalProperties: "UnknownParameter",
  pattern: "InvalidParameterValue.Malformed",
  minimum: "InvalidParameterValue.Range",
  maximum: "InvalidParameterValue.Range",
  maxLength: "InvalidParameterValue.TooLong",
};
const RULE_ORDER = ["required", "additionalProperties"];

function parameterError(errors: readonly FieldError[]): ApiError {
  const first = [...errors].sort((a, b) => rank(a) - rank(b))[0];
  if (!first) return new ApiError("InvalidParameter", "the request is invalid");
  return new ApiError(RULE_CODES[first.rule] ?? "InvalidParameterValue", `parameter \`${first.field}\` ${first.message}`);
}

const rank = (e: FieldError) => (RULE_ORDER.includes(e.rule) ? RULE_ORDER.indexOf(e.rule) : RULE_ORDER.length);

/**
 * Throws the AuthFailure.* error the request deserves, if any. The credential scope's service may
 * be the first label of Host (what tencentcloud-sdk-nodejs signs with when pointed at
 * `127.0.0.1:<port>`) or the product of the action (what a client signing for the real host uses).
 */
function authenticate(req: IncomingMessage, query: string, body: Buffer, state: Api3State, products: readonly string[]): void {
  const auth = parseTc3Authorization(header(req, "authorization"));
  if (!auth) throw new ApiError("AuthFailure.InvalidAuthorization", "the Authorization header is not a TC3-HMAC-SHA256 authorization");
  const rawTimestamp = header(req, "x-tc-timestamp");
  if (!rawTimestamp || !/^\d{1,12}$/.test(rawTimestamp))
    throw new ApiError("MissingParameter", "X-TC-Timestamp must be Unix time in seconds");
  const timestamp = Number(rawTimestamp);
  if (Math.abs(state.now() - timestamp * 1000) > TIMESTAMP_WINDOW_MS) {
    throw new ApiError("AuthFailure.SignatureExpire", "X-TC-Timestamp is more than 300 seconds away from the server time");
  }
  const credential = state.credentials.get(auth.secretId);
  if (!credential) throw new ApiError("AuthFailure.SecretIdNotFound", "SecretId does not exist");
  const badToken = tokenProblem(credential, header(req, "x-tc-token"));
  if (badToken) throw new ApiError("AuthFailure.TokenFailure", badToken.replace("Token", "X-TC-Token"));

  const host = header(req, "host") ?? "";
  const services = [host.split(".")[0]!, ...products];
  if (auth.date !== tc3Date(timestamp))
    throw new ApiError("AuthFailure.SignatureFailure", "the credential scope date must be the UTC date of X-TC-Timestamp");
  if (!services.includes(auth.service)) {
    throw new ApiError(
      "AuthFailure.SignatureFailure",
      `the credential scope service must be ${services.map((s) => `"${s}"`).join(" or ")} (the first label of Host, or the product of the action)`,
    );
  }
  if (!auth.signedHeaders.includes("content-type") || !auth.signedHeaders.includes("host")) {
    throw new ApiError("AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host");
  }
  // Tencent's documentation signs the Host header as sent; tencentcloud-sdk-nodejs signs the
  // host name without the port. Both are accepted.
  for (const hostForm of new Set([host, host.replace(/:\d+$/, "")])) {
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) headers[name] = name === "host" ? hostForm : (header(req, name) ?? "");
    const canonical = canonicalRequest({
      method: req.method ?? "",
      path: "/",
      query,
      headers,
      signedHeaders: auth.signedHeaders,
      payload: body,
    });
    if (sameSecret(tc3Signature(credential.secretKey, auth.service, timestamp, canonical), auth.signature)) return;
  }
  throw new ApiError("AuthFailure.SignatureFailure", "the request signature does not match");
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}
