/**
 * TDMQ for CMQ `SendCmqMsg` (API 3.0, version 2020-02-17), served at `POST /` by api3.ts.
 * Queues are created on first use, so tests can use random names.
 */
import { randomUUID } from "node:crypto";
import { CMQ_QUEUE, patternHint } from "../../lib/schemas/patterns";
import { ApiError, type Api3Action } from "./api3";

const MAX_MESSAGE_BYTES = 1024 * 1024;
const QUEUE_NAME = new RegExp(CMQ_QUEUE);

export interface CmqMessageRecord {
  at: number;
  queue: string;
  region: string;
  body: string;
  delaySeconds: number;
  msgId: string;
}

export interface TdmqState {
  messages: CmqMessageRecord[];
  now: () => number;
}

export function tdmqActions(state: TdmqState): Record<string, Api3Action> {
  return {
    SendCmqMsg: {
      product: "tdmq",
      version: "2020-02-17",
      // Checked below, so each mistake gets the code TDMQ answers it with.
      params: { type: "object" },
      run: ({ region, params }) => sendCmqMsg(region, params, state),
    },
  };
}

function sendCmqMsg(region: string, params: Record<string, unknown>, state: TdmqState): { Result: true; MsgId: string } {
  const { QueueName, MsgContent, DelaySeconds } = params;
  if (QueueName === undefined) throw new ApiError("MissingParameter", "QueueName is required");
  if (typeof QueueName !== "string" || !QUEUE_NAME.test(QueueName))
    throw new ApiError("InvalidParameterValue", `QueueName ${patternHint(CMQ_QUEUE)}`);
  if (MsgContent === undefined) throw new ApiError("MissingParameter", "MsgContent is required");
  if (typeof MsgContent !== "string") throw new ApiError("InvalidParameterValue", "MsgContent must be a string");
  if (Buffer.byteLength(MsgContent) > MAX_MESSAGE_BYTES)
    throw new ApiError("InvalidParameterValue", `MsgContent is larger than ${MAX_MESSAGE_BYTES} bytes`);
  if (DelaySeconds === undefined) throw new ApiError("MissingParameter", "DelaySeconds is required");
  if (!Number.isInteger(DelaySeconds) || (DelaySeconds as number) < 0)
    throw new ApiError("InvalidParameterValue", "DelaySeconds must be a whole number of seconds, 0 or more");

  const msgId = randomUUID();
  state.messages.push({ at: state.now(), queue: QueueName, region, body: MsgContent, delaySeconds: DelaySeconds as number, msgId });
  return { Result: true, MsgId: msgId };
}
