/**
 * Elapsed time in milliseconds, from a monotonic clock. Not `performance.now()`: the global
 * `performance` loads Node's perf_hooks (eight internal modules) on first touch, a cost every
 * cold start would pay for one subtraction.
 */
export function stopwatch(): () => number {
  const started = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - started) / 1e6;
}
