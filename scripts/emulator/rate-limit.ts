/**
 * The upstream's rate limit (code 4400): at most `limit` admitted requests in any sliding
 * one-second window. Refused requests do not count, so a client that backs off gets through.
 */
export class SlidingWindowLimit {
  // The arrival times of the last `limit` admitted requests, oldest at `next`.
  private readonly admitted: Float64Array;
  private next = 0;

  constructor(readonly limit: number) {
    this.admitted = new Float64Array(limit).fill(-Infinity);
  }

  tryAdmit(nowMs: number): boolean {
    if (nowMs - this.admitted[this.next]! < 1000) return false;
    this.admitted[this.next] = nowMs;
    this.next = (this.next + 1) % this.limit;
    return true;
  }

  clear(): void {
    this.admitted.fill(-Infinity);
    this.next = 0;
  }
}
