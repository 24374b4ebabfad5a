/**
 * Two ways to call the emulator's API 3.0: the official SDK's VpcClient, unchanged, pointed at it
 * the way a user would; and raw signed requests (fetch + scripts/emulator/tc3.ts) with knobs to
 * get each part wrong on purpose, for what the SDK would not send or could not parse.
 */
import { Client as VpcClient } from "tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_client.js";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, startEmulator, type Emulator } from "../../scripts/emulator/index";
import { canonicalRequest, tc3Date, tc3Signature } from "../../scripts/emulator/tc3";
import { readAnswer, type Answer } from "./legacy-client";

export interface Credential {
  secretId: string;
  secretKey: string;
  token?: string;
}

export const DEFAULT_CREDENTIAL: Credential = { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY };

export function vpcClient(
  emulator: Pick<Emulator, "port">,
  credential: Credential = DEFAULT_CREDENTIAL,
  region = "ap-guangzhou",
): VpcClient {
  return new VpcClient({
    credential,
    region,
    profile: { httpProfile: { endpoint: `127.0.0.1:${emulator.port}`, protocol: "http://", reqTimeout: 10 } },
  });
}

/** The SDK's error code for a call, or "ok". */
export async function sdkOutcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (e) {
    return String((e as { code?: string }).code);
  }
}

export interface RawCall {
  action: string;
  /** The JSON body (default {}); `body` sends this text instead. */
  params?: unknown;
  body?: string;
  version?: string;
  /** X-TC-Region; null leaves it out. */
  region?: string | null;
  credential?: Credential;
  /** X-TC-Token sent (default: the credential's). */
  token?: string;
  /** Clock the X-TC-Timestamp is taken from (ms). */
  nowMs?: number;
  /** Credential scope: service (default "vpc") and date (default the timestamp's UTC date). */
  service?: string;
  scopeDate?: string;
  /** Host signed (default the Host header as sent, port included). */
  signedHost?: string;
  signingKey?: string;
  authorization?: string;
}

/** The canonical request of an API 3.0 call as the SDK signs it: a POST with a query-less URL, signing content-type and host. */
export function canonicalPost(host: string, contentType: string, payload: string, path = "/"): string {
  return canonicalRequest({
    method: "POST",
    path,
    query: "",
    headers: { "content-type": contentType, host },
    signedHeaders: ["content-type", "host"],
    payload,
  });
}

export async function callApi3(emulator: Pick<Emulator, "vpcEndpoint">, call: RawCall): Promise<Answer> {
  const credential = call.credential ?? DEFAULT_CREDENTIAL;
  const token = "token" in call ? call.token : credential.token;
  const timestamp = Math.floor((call.nowMs ?? Date.now()) / 1000);
  const payload = call.body ?? JSON.stringify(call.params ?? {});
  const contentType = "application/json";
  const service = call.service ?? "vpc";
  const canonical = canonicalPost(call.signedHost ?? new URL(emulator.vpcEndpoint).host, contentType, payload);
  const signature = tc3Signature(call.signingKey ?? credential.secretKey, service, timestamp, canonical);
  const scope = `${call.scopeDate ?? tc3Date(timestamp)}/${service}/tc3_request`;
  const headers: Record<string, string> = {
    "content-type": contentType,
    authorization:
      call.authorization ??
      `TC3-HMAC-SHA256 Credential=${credential.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
    "x-tc-action": call.action,
    "x-tc-version": call.version ?? "2017-03-12",
    "x-tc-timestamp": String(timestamp),
    ...(call.region !== null && { "x-tc-region": call.region ?? "ap-guangzhou" }),
    ...(token !== undefined && { "x-tc-token": token }),
  };
  return readAnswer(await fetch(emulator.vpcEndpoint, { method: "POST", headers, body: payload }));
}

/** The error code of a raw answer, or "ok". */
export const codeOf = (answer: Answer): string => answer.body?.Response?.Error?.Code ?? "ok";

/** A clock that follows real time, so the SDK's timestamps stay valid, but that tests can move ahead. */
export function aheadClock(): { now: () => number; advance: (ms: number) => void; reset: () => void } {
  let ahead = 0;
  return { now: () => Date.now() + ahead, advance: (ms) => void (ahead += ms), reset: () => void (ahead = 0) };
}

export const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * For a describe block (or file) that talks to one emulator through the SDK: starts it before
 * the tests, its tasks taking `asyncTaskMs` on a clock the tests move ahead, closes it after,
 * and resets the clock and its state before each test. `emulator` and `vpc` (the SDK client,
 * region ap-guangzhou) are there once the tests run.
 */
export function useApi3Emulator(asyncTaskMs: number): { clock: ReturnType<typeof aheadClock>; emulator: Emulator; vpc: VpcClient } {
  const clock = aheadClock();
  let emulator: Emulator | undefined;
  let vpc: VpcClient | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ now: clock.now, asyncTaskMs });
    vpc = vpcClient(emulator);
  });
  afterAll(() => emulator?.close());
  beforeEach(() => {
    clock.reset();
    emulator!.reset();
  });
  return {
    clock,
    get emulator() {
      return emulator!;
    },
    get vpc() {
      return vpc!;
    },
  };
}
