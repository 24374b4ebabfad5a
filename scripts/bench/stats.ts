/**
 * The statistics and number formats every figure reports with: medians with their spread
 * (several runs of a noisy measurement), percentiles of latency samples, and ratios.
 */

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  /** Nearest-rank 95th percentile. */
  p95: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError("summarize needs at least one sample");
  const sorted = samples.toSorted((a, b) => a - b);
  const n = sorted.length;
  const middle = Math.floor(n / 2);
  return {
    n,
    median: n % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2,
    min: sorted[0]!,
    max: sorted[n - 1]!,
    p95: sorted[Math.ceil(0.95 * n) - 1]!,
  };
}

/** Most events in any window of `windowMs` (half-open: [t, t + windowMs)), the way the upstream counts requests. */
export function busiestWindow(times: readonly number[], windowMs = 1_000): number {
  const sorted = times.toSorted((a, b) => a - b);
  let busiest = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++;
    busiest = Math.max(busiest, last - first + 1);
  }
  return busiest;
}

/** Three significant digits or so: 0.412, 4.12, 41.2, 412. */
function significant(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return value.toFixed(digits);
}

export const ms = (value: number): string => `${significant(value)} ms`;
export const seconds = (valueMs: number): string => `${significant(valueMs / 1000)} s`;
export const times = (ratio: number): string => `${ratio.toFixed(2)}×`;
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** A change with its sign: "+1.2 MB", "−0.4 MB". */
export const signed = (value: number, format: (value: number) => string): string => `${value < 0 ? "−" : "+"}${format(Math.abs(value))}`;

/** "min–max" of a summary in the given format. */
export const spread = (summary: Pick<Summary, "min" | "max">, format: (value: number) => string): string =>
  `${format(summary.min)}–${format(summary.max)}`;
