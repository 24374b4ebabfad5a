/** Schema pieces shared by several schemas. The generator compiles each once (see SHARED). */
import { ISO_TIME, REGION } from "./patterns";

export const schemaId = (name: string) => `https://nettask-relay.dev/schemas/${name}.json`;

export const taskId = {
  type: "integer",
  minimum: 1,
  maximum: 2147483647,
  description: "The integer task id returned by the asynchronous parameter-template call.",
} as const;

export const region = {
  type: "string",
  minLength: 1,
  maxLength: 32,
  pattern: REGION,
  description: "A legacy region code (gz, sh, bj, ca, …) or an ap-… style name.",
} as const;

export const isoTime = { type: "string", pattern: ISO_TIME } as const;
