/**
 * TC3-HMAC-SHA256, the signature of Tencent Cloud API 3.0, as Tencent documents it: a canonical
 * request, the credential scope `date/service/tc3_request`, and a key derived from "TC3" +
 * SecretKey through the date, the service and "tc3_request".
 */
import { createHash, createHmac } from "node:crypto";

const TC3_ALGORITHM = "TC3-HMAC-SHA256";

export interface Tc3Authorization {
  secretId: string;
  date: string;
  service: string;
  /** Lower-case header names, in the order the client listed them. */
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION =
  /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** The parts of an Authorization header, or undefined when it is not a TC3 one. */
export function parseTc3Authorization(header: string | undefined): Tc3Authorization | undefined {
  const m = header === undefined ? null : AUTHORIZATION.exec(header);
  if (!m) return undefined;
  return { secretId: m[1]!, date: m[2]!, service: m[3]!, signedHeaders: m[4]!.split(";"), signature: m[5]! };
}

export interface CanonicalRequestParts {
  method: string;
  /** Canonical URI, "/" for API 3.0. */
  path: string;
  /** The URL's query string as sent (empty for POST). */
  query: string;
  /** The signed headers' values by lower-case name. */
  headers: Readonly<Record<string, string>>;
  signedHeaders: readonly string[];
  payload: Buffer | string;
}

const sha256Hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/** Header names and values are lower-cased and trimmed, one `name:value\n` per signed header. */
export function canonicalRequest(parts: CanonicalRequestParts): string {
  const headers = parts.signedHeaders.map((name) => `${name}:${(parts.headers[name] ?? "").trim().toLowerCase()}\n`).join("");
  return [parts.method, parts.path, parts.query, headers, parts.signedHeaders.join(";"), sha256Hex(parts.payload)].join("\n");
}

/** The UTC date (YYYY-MM-DD) of a Unix timestamp in seconds: the date of the credential scope. */
export function tc3Date(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

/** Hex signature of a canonical request. */
export function tc3Signature(secretKey: string, service: string, timestamp: number, canonical: string): string {
  const date = tc3Date(timestamp);
  const toSign = [TC3_ALGORITHM, String(timestamp), `${date}/${service}/tc3_request`, sha256Hex(canonical)].join("\n");
  const signingKey = hmac(hmac(hmac(`TC3${secretKey}`, date), service), "tc3_request");
  return createHmac("sha256", signingKey).update(toSign).digest("hex");
}
