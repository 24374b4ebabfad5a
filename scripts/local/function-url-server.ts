/**
 * Serves an SCF function over plain HTTP the way a Function URL does: each request becomes a
 * Function URL event, the function's answer ({statusCode, headers, body, isBase64Encoded})
 * becomes the response.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { text } from "node:stream/consumers";
import { functionUrlEvent, scfContext, type ScfHandler } from "./scf";

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

function reply(response: ServerResponse, answer: FunctionAnswer): void {
  const body = answer.body === undefined ? "" : answer.isBase64Encoded ? Buffer.from(answer.body, "base64") : answer.body;
  response.writeHead(answer.statusCode ?? 200, answer.headers).end(body);
}

export async function serveFunctionUrl(options: {
  handler: ScfHandler;
  functionName: string;
  timeLimitMs: number;
  /** 0 picks a free port; the host is always 127.0.0.1. */
  port: number;
  onError: (error: unknown) => void;
}): Promise<FunctionUrlServer> {
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await text(request);
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
      // A function that throws instead of answering: SCF replies with an error of its own.
      const failure = { errorCode: 502, errorMessage: "the function failed; see the log" };
      reply(response, { statusCode: 502, headers: { "content-type": "application/json" }, body: JSON.stringify(failure) });
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
