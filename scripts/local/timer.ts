/**
 * Fires an SCF function like a timer trigger: every `intervalMs` with a timer event, and never
 * while the previous invocation still runs (a late run starts as soon as the last one ends).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { scfContext, timerEvent, type ScfHandler } from "./scf";

export interface Timer {
  /** Stops firing and waits for the invocation in flight. */
  stop(): Promise<void>;
}

export function startTimer(options: {
  handler: ScfHandler;
  functionName: string;
  triggerName: string;
  intervalMs: number;
  timeLimitMs: number;
  onError: (error: unknown) => void;
}): Timer {
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const started = Date.now();
      try {
        await options.handler(timerEvent(options.triggerName), scfContext(options.functionName, options.timeLimitMs));
      } catch (error) {
        options.onError(error);
      }
      await sleep(Math.max(0, options.intervalMs - (Date.now() - started)), undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
