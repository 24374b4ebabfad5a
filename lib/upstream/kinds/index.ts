/** Every task kind, by its `api` name. */
import type { Api, TaskRef } from "../../schemas/index";
import { eipKind } from "./eip";
import type { TaskKind } from "./kind";
import { legacyKind } from "./legacy";
import { vpcKind } from "./vpc";

const TASK_KINDS: { [A in Api]: TaskKind<Extract<TaskRef, { api: A }>> } = {
  vpc: vpcKind,
  eip: eipKind,
  legacy: legacyKind,
};

/** The kind that reads `task`. */
export function kindOf<R extends TaskRef>(task: R): TaskKind<R> {
  return TASK_KINDS[task.api] as unknown as TaskKind<R>;
}

export type { KindSettings, TaskKind } from "./kind";
