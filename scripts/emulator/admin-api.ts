/**
 * The admin HTTP API, so other processes (`npm start`, the CLI, chaos tests in child processes)
 * can drive an emulator they did not start. JSON in and out; bad input is a 400 naming the field.
 */
import type { IncomingMessage } from "node:http";
import { ValidationError } from "../../lib/schemas/validate";
import { JSON_TYPE, jsonReply, readBody, type Reply } from "./http";
import type { FaultSpec } from "./faults";
import type { Emulator } from "./index";
import type { TaskSpec } from "./tasks";

const MAX_BODY_BYTES = 1024 * 1024;
const NO_CONTENT: Reply = { status: 204, contentType: JSON_TYPE, body: "" };

type Route = (req: IncomingMessage, query: URLSearchParams, emulator: Emulator) => Reply | Promise<Reply>;

const ROUTES: Record<string, Partial<Record<string, Route>>> = {
  "/admin/tasks": {
    POST: async (req, _q, emulator) => jsonReply(201, emulator.createTask((await jsonBody(req)) as TaskSpec)),
  },
  "/admin/faults": {
    POST: async (req, _q, emulator) => {
      emulator.injectFault((await jsonBody(req)) as FaultSpec);
      return NO_CONTENT;
    },
    DELETE: (_r, _q, emulator) => {
      emulator.clearFaults();
      return NO_CONTENT;
    },
  },
  "/admin/requests": { GET: (_r, _q, emulator) => jsonReply(200, emulator.requests()) },
  "/admin/cmq/messages": { GET: (_r, query, emulator) => jsonReply(200, emulator.cmqMessages(query.get("queue") ?? undefined)) },
  "/admin/reset": {
    POST: (_r, _q, emulator) => {
      emulator.reset();
      return NO_CONTENT;
    },
  },
};

class BadRequest extends Error {}

export async function handleAdmin(req: IncomingMessage, path: string, query: string, emulator: Emulator): Promise<Reply> {
  const methods = ROUTES[path];
  if (!methods) return jsonReply(404, { error: `no admin route ${path}` });
  const route = methods[req.method ?? ""];
  if (!route) return jsonReply(405, { error: `${path} accepts ${Object.keys(methods).join(", ")}` });
  try {
    return await route(req, new URLSearchParams(query), emulator);
  } catch (e) {
    if (e instanceof ValidationError) return jsonReply(400, { error: e.message, errors: e.errors });
    if (e instanceof BadRequest) return jsonReply(400, { error: e.message });
    throw e;
  }
}

/** The request's JSON body, unchecked: the emulator's methods check the specs they are given. */
async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (!body) throw new BadRequest(`request body larger than ${MAX_BODY_BYTES} bytes`);
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new BadRequest("request body is not valid JSON");
  }
}
