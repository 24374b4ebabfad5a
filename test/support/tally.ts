/** What the chaos tests count, print and judge: deliveries per event id, the busiest second, one summary line, exactly once. */
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import type { InboxDelivery } from "../../scripts/inbox";

/** How many times each key occurs. */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** Counts as one printable value, e.g. `legacy:250,vpc:250`. */
export const listCounts = (counts: Map<string, number>) => [...counts].map(([k, n]) => `${k}:${n}`).join(",");

/** Ids seen more than once. */
export const duplicatesIn = (counts: Map<string, number>) => [...counts.values()].filter((n) => n > 1).length;

/** What a chaos run is judged by once its counts are in. */
export interface ExactlyOnce {
  /** What the webhook inbox accepted, and why it refused the rest. */
  received: readonly InboxDelivery[];
  rejected: readonly string[];
  /** Deliveries per event id. */
  perEvent: Map<string, number>;
  /** Watches whose event never arrived (or not exactly once). */
  lost: number;
  /** Deliveries whose event reports another outcome than the task's. */
  wrongOutcome: number;
}

/** Every delivery signed and accepted; `events` distinct events, none twice, none lost, none with the wrong outcome. */
export function expectExactlyOnce(run: ExactlyOnce, events: number): void {
  expect(run.received.every((d) => d.verified)).toBe(true);
  expect(run.rejected).toEqual([]);
  expect(run.perEvent.size, "distinct events delivered").toBe(events);
  expect(duplicatesIn(run.perEvent), "events delivered more than once").toBe(0);
  expect(run.lost, "watches lost").toBe(0);
  expect(run.wrongOutcome, "deliveries with the wrong outcome").toBe(0);
}

/** The most timestamps (ms) falling in any sliding one-second window: what an upstream rate limit counts. */
export function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let busiest = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= 1000) first++;
    busiest = Math.max(busiest, last - first + 1);
  }
  return busiest;
}

/** One line per test with its counts, e.g. `chaos/upstream: tasks=500 deliveries=500 duplicates=0 lost=0`. */
export function printCounts(name: string, counts: Record<string, number | string>): void {
  console.log(
    `${name}: ${Object.entries(counts)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}`,
  );
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}
