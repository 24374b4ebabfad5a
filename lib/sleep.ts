/**
 * The library's one timed wait. An abort rejects with the signal's reason, as fetch does,
 * rather than Node's generic AbortError: callers tell "the budget ran out" from "the caller
 * gave up" by what they aborted with.
 */
import { setTimeout as delay } from "node:timers/promises";

export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal && { signal });
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}
