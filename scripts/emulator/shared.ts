/**
 * What the legacy API and API 3.0 share: the key pairs, the tasks, one fault book, one rate
 * limit on task queries and one request log.
 */
import type { Api3RequestRecord } from "./api3";
import type { EmulatorCredential } from "./credentials";
import type { FaultBook } from "./faults";
import type { LegacyRequestRecord } from "./legacy-api";
import type { SlidingWindowLimit } from "./rate-limit";
import type { TaskBook } from "./tasks";

export interface SharedState {
  credentials: ReadonlyMap<string, EmulatorCredential>;
  tasks: TaskBook;
  faults: FaultBook;
  /** Task queries of every kind admitted in any sliding second. */
  limit: SlidingWindowLimit | undefined;
  records: RequestRecord[];
  now: () => number;
  /** Aborted when the emulator closes, ending injected stalls. */
  closing: AbortSignal;
}

/** One task query, as it arrived. */
export interface RequestRecordBase {
  at: number;
  action: string;
  secretId: string;
  /** Unix seconds as the request gave them. */
  timestamp: string;
  /** The task id as the request gave it. */
  taskId?: string;
  /** The region as the request gave it. */
  region?: string;
  token: boolean;
  /** The code decided for the request (an injected code included; 0 = a normal answer); `fault` says if the body was then broken. */
  code: number | string;
  fault?: string;
}

/** `api` tells the kinds apart; legacy records also carry the v1 signature's details. */
export type RequestRecord = LegacyRequestRecord | Api3RequestRecord;

/** Echoes of request input stay short. */
export const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
