/**
 * Serves an SCF function over plain HTTP the way a Function URL does: each request becomes a
 * Function URL event, the function's answer ({statusCode, headers, body, isBase64Encoded})
 * becomes the response.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { functionUrlEvent, scfContext, type ScfHandler } from "./scf";

/** SCF refuses larger synchronous request bodies. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface FunctionUrlServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface FunctionAnswer {
  statusCode?: number;
  headers?: Record<string, string | string[]>;
  body?: string;
  isBase64Encoded?: boolean;
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function reply(response: ServerResponse, answer: FunctionAnswer): void {
  const body = answer.body === undefined ? "" : answer.isBase64Encoded ? Buffer.from(answer.body, "base64") : answer.body;
  response.writeHead(answer.statusCode ?? 200, answer.headers).end(body);
}

/** What SCF answers when the function itself fails (an error, not an HTTP response). */
const functionError = (status: number, message: string): FunctionAnswer => ({
  statusCode: status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ errorCode: status, errorMessage: message }),
});

export async function serveFunctionUrl(options: {
  handler: ScfHandler;
  functionName: string;
  timeLimitMs: number;
  /** 0 picks a free port; the host is always 127.0.0.1. */
  port: number;
  onError: (error: unknown) => void;
}): Promise<FunctionUrlServer> {
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    if (body === undefined) return reply(response, functionError(413, `request body over ${MAX_BODY_BYTES} bytes`));
    const event = functionUrlEvent({
      method: request.method ?? "GET",
      url: request.url ?? "/",
      headers: request.headers,
      remoteAddress: request.socket.remoteAddress ?? "",
      body,
    });
    try {
      reply(response, (await options.handler(event, scfContext(options.functionName, options.timeLimitMs))) as FunctionAnswer);
    } catch (error) {
      options.onError(error);
      reply(response, functionError(502, "the function failed; see the log"));
    }
  };
  const server = createServer((request, response) => void handle(request, response).catch(() => response.destroy()));
  await new Promise<void>((ready, fail) => {
    server.once("error", fail);
    server.listen(options.port, "127.0.0.1", ready);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
