/**
 * The poll figures' set-up: a relay built from configuration the way the functions build it,
 * pointed at an in-process emulator, over a store the figure loads in bulk with watches on
 * emulated tasks.
 */
import { loadConfig } from "../../lib/config";
import { createRelay, type Relay } from "../../lib/relay";
import type { Destination } from "../../lib/schemas/index";
import { newWatch } from "../../lib/watches/model";
import type { SqliteWatchStore } from "../../lib/watches/sqlite-store";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type Emulator } from "../emulator/index";

const DEADLINE_SECONDS = 3_600;

export async function startRelay(emulator: Emulator, store: SqliteWatchStore, settings: Record<string, string>): Promise<Relay> {
  const config = loadConfig({
    TENCENTCLOUD_SECRET_ID: DEFAULT_SECRET_ID,
    TENCENTCLOUD_SECRET_KEY: DEFAULT_SECRET_KEY,
    NETTASK_ENDPOINT: emulator.endpoint,
    // Receivers listen on loopback over plain http.
    WEBHOOK_ALLOW: "127.0.0.1/32",
    LOG_LEVEL: "error",
    ...settings,
  });
  return createRelay(config, { store });
}

/** Creates one emulated task per entry of `durationsMs` (running that long) and a due watch on each; returns the tasks with their creation time. */
export async function watchTasks(
  emulator: Emulator,
  store: SqliteWatchStore,
  durationsMs: readonly number[],
  destination: Destination,
): Promise<Array<{ taskId: number; createdAt: number; durationMs: number }>> {
  const tasks = durationsMs.map((durationMs) => {
    const createdAt = Date.now();
    const { taskId } = emulator.createTask({ region: "gz", durationMs });
    return { taskId, createdAt, durationMs };
  });
  const now = Date.now();
  await store.insertMany(
    tasks.map(({ taskId }) => newWatch({ task: { api: "legacy", taskId, region: "gz" }, destination }, now, DEADLINE_SECONDS)),
  );
  return tasks;
}
