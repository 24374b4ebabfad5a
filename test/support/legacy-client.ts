/**
 * Raw signed requests to the emulator's legacy API, built with lib/upstream/sign.ts and fetch
 * (not the project's client), with knobs to get each part of a request wrong on purpose.
 */
import { randomInt } from "node:crypto";
import { computeSignature, signatureMethodOf, stringToSign } from "../../lib/upstream/sign";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type Emulator, type EmulatorCredential } from "../../scripts/emulator/index";

export interface LegacyCall {
  /** Added to / overriding the defaults (Action, Region gz, taskId 297, Timestamp, Nonce, SecretId, SignatureMethod); undefined removes one. */
  params?: Record<string, string | undefined>;
  method?: "GET" | "POST";
  credential?: EmulatorCredential;
  /** Token sent (default: the credential's). */
  token?: string;
  /** Clock the Timestamp is taken from (ms). */
  nowMs?: number;
  /** Sign as if the request went elsewhere. */
  signAs?: { method?: "GET" | "POST"; host?: string; path?: string };
  /** Signs with this key instead of the credential's. */
  signingKey?: string;
  /** Changes parameters after signing. */
  tamper?: (params: Record<string, string>) => void;
}

/** An HTTP answer as a test looks at it (of either API). */
export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  /** The parsed JSON body, undefined when the body is not JSON. */
  body: any;
}

export function legacyParams(call: LegacyCall = {}): Record<string, string> {
  const credential = call.credential ?? { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY };
  const token = "token" in call ? call.token : credential.token;
  const merged: Record<string, string | undefined> = {
    Action: "DescribeNetTaskResult",
    Region: "gz",
    taskId: "297",
    Timestamp: String(Math.floor((call.nowMs ?? Date.now()) / 1000)),
    Nonce: String(randomInt(1, 2 ** 47)),
    SecretId: credential.secretId,
    SignatureMethod: "HmacSHA256",
    ...(token !== undefined && { Token: token }),
    ...call.params,
  };
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}

export async function callLegacy(emulator: Emulator, call: LegacyCall = {}): Promise<Answer> {
  const method = call.method ?? "POST";
  const params = legacyParams(call);
  const url = new URL(emulator.endpoint);
  const text = stringToSign(call.signAs?.method ?? method, call.signAs?.host ?? url.host, call.signAs?.path ?? url.pathname, params);
  const key = call.signingKey ?? call.credential?.secretKey ?? DEFAULT_SECRET_KEY;
  params.Signature = computeSignature(key, text, signatureMethodOf(params.SignatureMethod));
  call.tamper?.(params);
  return send(emulator, method, new URLSearchParams(params).toString());
}

/** Sends an already encoded parameter string. */
export async function send(emulator: Emulator, method: "GET" | "POST", encoded: string): Promise<Answer> {
  const res =
    method === "GET"
      ? await fetch(`${emulator.endpoint}?${encoded}`)
      : await fetch(emulator.endpoint, { method, headers: { "content-type": "application/x-www-form-urlencoded" }, body: encoded });
  return readAnswer(res);
}

/** An answer as a test looks at it, whatever its body. */
export async function readAnswer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, contentType: res.headers.get("content-type"), text, body };
}

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2026, 0, 15, 12)): {
  now: () => number;
  advance: (ms: number) => void;
  set: (ms: number) => void;
} {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms), set: (ms) => (t = ms) };
}
