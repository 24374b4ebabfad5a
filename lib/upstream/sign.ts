/**
 * Signature v1 of Tencent Cloud's legacy ("v2") APIs. The emulator verifies with these same
 * functions; the known-answer vector from Tencent's documentation pins them down
 * (test/upstream/sign.test.ts).
 */
import { createHmac } from "node:crypto";
import type { HttpMethod, SignatureMethod } from "../config";

/** The upstream's rule: `HmacSHA256` selects SHA-256; anything else, or nothing, means SHA-1. */
export function signatureMethodOf(value: string | undefined): SignatureMethod {
  return value === "HmacSHA256" ? "HmacSHA256" : "HmacSHA1";
}

/**
 * METHOD + host + path + "?" + the parameters (all but Signature) sorted by name in byte order,
 * joined as `name=value` with raw (not URL-encoded) values; `_` in a name is written as `.`.
 * `host` is exactly as in the request URL, with `:port` when the URL has one.
 */
export function stringToSign(method: HttpMethod, host: string, path: string, params: Readonly<Record<string, string>>): string {
  const query = Object.keys(params)
    .filter((name) => name !== "Signature")
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `${name.replace(/_/g, ".")}=${params[name]}`)
    .join("&");
  return `${method}${host}${path}?${query}`;
}

/** Base64 HMAC of the string to sign. */
export function computeSignature(secretKey: string, text: string, method: SignatureMethod): string {
  return createHmac(method === "HmacSHA256" ? "sha256" : "sha1", secretKey)
    .update(text, "utf8")
    .digest("base64");
}
