/** Request bodies: size, media type and encoding are checked before any JSON parsing. */
import { HttpProblem } from "./problem";
import type { HttpRequest } from "./types";

export const MAX_BODY_BYTES = 64 * 1024;

/** `application/json` or any `+json` type; a charset, if given, must be UTF-8. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const notUtf8 = () =>
  new HttpProblem("bad-request", "The request body is not valid UTF-8.", [{ field: "body", rule: "utf8", message: "must be valid UTF-8" }]);

/** Decodes a base64 body delivered by the platform; bytes that are not UTF-8 are refused, not replaced. */
export function decodeBase64Body(encoded: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(encoded, "base64"));
  } catch {
    throw notUtf8();
  }
}

/** The parsed JSON body of `request`, or a 413/415/400 problem naming what is wrong. */
export function readJsonBody(request: HttpRequest): unknown {
  const body = request.body ?? "";
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes > MAX_BODY_BYTES) {
    throw new HttpProblem("payload-too-large", `The request body is ${bytes} bytes; at most ${MAX_BODY_BYTES} are accepted.`, [
      { field: "body", rule: "maxBytes", message: `must be at most ${MAX_BODY_BYTES} bytes` },
    ]);
  }
  const contentType = request.headers["content-type"];
  if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType)) {
    throw new HttpProblem(
      "unsupported-media-type",
      `The body must be JSON, sent as Content-Type: application/json${contentType ? `, not ${contentType}` : ""}.`,
      [{ field: "content-type", rule: "mediaType", message: "must be application/json (UTF-8)" }],
    );
  }
  if (LONE_SURROGATE.test(body)) throw notUtf8();
  try {
    return JSON.parse(body);
  } catch {
    throw new HttpProblem("bad-request", "The request body is not valid JSON.", [
      { field: "body", rule: "json", message: "must be valid JSON" },
    ]);
  }
}
