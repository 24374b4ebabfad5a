/** The few HTTP helpers the emulator's three APIs share. */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

export const JSON_TYPE = "application/json; charset=utf-8";

export function jsonReply(status: number, value: unknown): Reply {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(value) };
}

export function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { "content-type": reply.contentType, "content-length": Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

export function sendStatus(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, "content-length": 0 });
  res.end();
}

/**
 * The whole request body, or `undefined` when it is larger than `limit` bytes (the rest is read
 * and dropped, so the connection stays usable for the answer).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size <= limit ? Buffer.concat(chunks, size) : undefined));
    req.on("error", reject);
  });
}

/** Splits `req.url` into path and raw query string (without `?`). */
export function splitUrl(url: string | undefined): [path: string, query: string] {
  const raw = url ?? "/";
  const at = raw.indexOf("?");
  return at < 0 ? [raw, ""] : [raw.slice(0, at), raw.slice(at + 1)];
}
