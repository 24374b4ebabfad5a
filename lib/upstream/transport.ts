/**
 * One HTTP exchange with the upstream over node:http(s). Not `fetch`: Node loads undici on a
 * process's first fetch, which costs a cold start more than the whole request (BENCHMARKS.md,
 * figure 2). Redirects are not followed; the answer is read as text, up to a size cap.
 */
import http from "node:http";
import { lazy } from "../lazy";
import { RelayError } from "../errors";

export interface UpstreamRequest {
  url: URL;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

export interface UpstreamAnswer {
  status: number;
  statusText: string;
  text: string;
}

/** Far above any task answer; a larger body is an upstream (or proxy) fault, not data to buffer. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

// Keep-alive: a warm function reuses its connection to the upstream across polls.
const httpAgent = new http.Agent({ keepAlive: true });
// TLS is loaded with the first https request: an endpoint on plain http (the emulator) never needs it.
const httpsClient = lazy(async () => {
  const https = (await import("node:https")).default;
  return { request: https.request, agent: new https.Agent({ keepAlive: true }) };
});

export class AnswerTooLargeError extends RelayError {
  static override readonly errorName = "AnswerTooLargeError";
  override readonly kind = "upstream-failed";
}

/** Sends the request; rejects on network errors, on `signal`, or with AnswerTooLargeError. */
export async function exchange(request: UpstreamRequest, signal: AbortSignal): Promise<UpstreamAnswer> {
  const { url } = request;
  const { request: send, agent } = url.protocol === "https:" ? await httpsClient() : { request: http.request, agent: httpAgent };
  return new Promise((resolve, reject) => {
    const headers =
      request.body === undefined ? request.headers : { ...request.headers, "content-length": String(Buffer.byteLength(request.body)) };
    const req = send(url, { method: request.method, headers, agent, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          res.destroy();
          reject(new AnswerTooLargeError(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
      res.on("close", () => {
        if (!res.complete) reject(new Error("the connection closed before the answer was complete"));
      });
    });
    req.on("error", reject);
    req.end(request.body);
  });
}
