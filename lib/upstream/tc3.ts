/**
 * TC3-HMAC-SHA256, API 3.0's signature, computed by tencentcloud-sdk-nodejs's own signer
 * (`Sign.sign3`) so the relay signs exactly as the SDK does. Only the signer is loaded, not
 * the SDK's clients. https://cloud.tencent.com/document/api/213/30654
 */
import * as signModule from "tencentcloud-sdk-nodejs/tencentcloud/common/sign.js";
import type { Credentials } from "./credentials";

// A CommonJS module with a default export: node's ESM loader and esbuild give `default` the
// exports object or the class depending on interop; accept both.
type SignClass = typeof import("tencentcloud-sdk-nodejs/tencentcloud/common/sign.js").default;
const loaded = signModule as unknown as { default: SignClass | { default: SignClass } };
const Sign: SignClass = "sign3" in loaded.default ? loaded.default : loaded.default.default;

export interface Tc3Input {
  /** The request URL; the SDK signs its host name (no port) and path. */
  endpoint: URL;
  service: string;
  contentType: string;
  /** The exact bytes sent: the signature covers their hash. */
  body: string;
  /** Unix seconds, as sent in X-TC-Timestamp. */
  timestamp: number;
  credentials: Credentials;
}

/** The Authorization header value. */
export function signTc3(input: Tc3Input): string {
  return Sign.sign3({
    method: "POST",
    url: input.endpoint.href,
    // A Buffer is hashed as is; an object would be re-serialised by the SDK.
    payload: Buffer.from(input.body, "utf8"),
    timestamp: input.timestamp,
    service: input.service,
    secretId: input.credentials.secretId,
    secretKey: input.credentials.secretKey,
    multipart: false,
    boundary: "",
    headers: { "Content-Type": input.contentType },
  });
}
