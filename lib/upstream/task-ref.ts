/**
 * From a task as users name it to a task as the relay works with it: the kind inferred when
 * `api` is left out, an integer given as digits made a number, the region given its API 3.0
 * name (gz and ap-guangzhou are one region), then checked against that kind's schema.
 */
import { regionName } from "../regions";
import { legacyTaskId, type Api, type TaskInput, type TaskRef } from "../schemas/index";
import { DIGITS, REQUEST_ID } from "../schemas/patterns";
import { validate, ValidationError } from "../schemas/validate";

const REQUEST_ID_PATTERN = new RegExp(REQUEST_ID);
const LEGACY_MAX = legacyTaskId.maximum;

/** A RequestId means `vpc`; a number (or its digits) the legacy kind, as before API 3.0 existed. */
function inferApi(taskId: string | number): Api | undefined {
  if (typeof taskId === "number" || DIGITS.test(taskId)) return "legacy";
  if (REQUEST_ID_PATTERN.test(taskId)) return "vpc";
  return undefined;
}

/**
 * The TaskRef of `input`, or a ValidationError naming the field (`subject` says what was
 * being read: "task", "request body", …).
 */
export function resolveTask(input: unknown, subject = "task"): TaskRef {
  const task = validate("taskInput", input, subject);
  const api = task.api ?? inferApi(task.taskId);
  if (!api) {
    throw new ValidationError(subject, [
      {
        field: "taskId",
        rule: "api",
        message: "is neither a RequestId (api vpc) nor an integer task id; say which API reads it with api: vpc, eip or legacy",
      },
    ]);
  }
  // A RequestId is text; an integer id given as digits is a number (EIP calls answer it as text).
  const taskId =
    api === "vpc" ? String(task.taskId) : typeof task.taskId === "string" && DIGITS.test(task.taskId) ? Number(task.taskId) : task.taskId;
  if (!task.api && typeof taskId === "number" && taskId > LEGACY_MAX) {
    throw new ValidationError(subject, [
      { field: "taskId", rule: "api", message: `is larger than any legacy task id (${LEGACY_MAX}); for an EIP TaskId say api: eip` },
    ]);
  }
  return validate("taskRef", { api, taskId, region: regionName(task.region) }, subject);
}

/** The task fields of a watch request (or anything else that names a task beside other things). */
export function taskFieldsOf(value: { api?: Api; taskId: string | number; region: string }): TaskInput {
  return { ...(value.api === undefined ? {} : { api: value.api }), taskId: value.taskId, region: value.region };
}

/** How a task is named in messages: "vpc task 3c14…03 in ap-guangzhou". */
export function describeTask(task: TaskRef): string {
  return `${task.api} task ${task.taskId} in ${task.region}`;
}
