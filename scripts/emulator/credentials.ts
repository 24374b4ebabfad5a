/** The key pairs the emulator accepts, and the checks both of its APIs make with them. */
import { createHash, timingSafeEqual } from "node:crypto";

/** A public development key pair: printing it is fine, it guards nothing. */
export const DEFAULT_SECRET_ID = "AKIDnettaskrelayEMULATOR00000000000";
export const DEFAULT_SECRET_KEY = "emulator-secret-key-0123456789abcd";

/** With `token`, the pair is a temporary credential: requests must carry that token. */
export interface EmulatorCredential {
  secretId: string;
  secretKey: string;
  token?: string;
}

/** Constant-time equality of two strings of any length. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Why the request's token does not fit the credential, or undefined when it does. */
export function tokenProblem(credential: EmulatorCredential, token: string | undefined): string | undefined {
  if (credential.token === undefined) return token === undefined ? undefined : "this SecretId is a permanent key and takes no Token";
  if (token === undefined) return "this SecretId is a temporary credential: Token is required";
  return sameSecret(token, credential.token) ? undefined : "Token does not match this SecretId";
}
