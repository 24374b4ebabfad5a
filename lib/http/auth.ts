/** Bearer-token check for the authenticated routes. */
import { createHash, timingSafeEqual } from "node:crypto";
import { HttpProblem } from "./problem";

const BEARER = /^Bearer +(\S+) *$/i;

// Hashing both sides gives equal lengths, so the comparison time says nothing about the token.
const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/**
 * Throws a 401 problem unless `authorization` is `Bearer <token>`. An empty configured token
 * refuses everything: a deployment without API_TOKEN must not be open.
 */
export function requireBearer(authorization: string | undefined, token: string): void {
  const presented = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
  if (token !== "" && presented !== undefined && timingSafeEqual(digest(presented), digest(token))) return;
  const challenge = presented === undefined ? 'Bearer realm="nettask-relay"' : 'Bearer realm="nettask-relay", error="invalid_token"';
  const detail =
    token === ""
      ? "This deployment has no API token configured, so every authenticated route is refused."
      : presented === undefined
        ? "Send the API token as `Authorization: Bearer <token>`."
        : "The bearer token is not valid.";
  throw new HttpProblem("unauthorized", detail, undefined, { "www-authenticate": challenge });
}
