/**
 * Nonce replay detection (code 4500): a Nonce may be used once per SecretId while a request
 * carrying it could still pass the 5-minute Timestamp window.
 */
export const TIMESTAMP_WINDOW_MS = 300_000;

export class NonceRegistry {
  private readonly expiries = new Map<string, number>();
  // Insertion order lets expired entries be dropped from the front without scanning the map.
  private queue: string[] = [];
  private head = 0;

  /** Records the nonce; false when it was already used and is still within its window. */
  remember(secretId: string, nonce: string, nowMs: number, timestampMs: number): boolean {
    this.prune(nowMs);
    const key = `${secretId}\n${nonce}`;
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry > nowMs) return false;
    this.expiries.set(key, Math.max(nowMs, timestampMs) + TIMESTAMP_WINDOW_MS);
    this.queue.push(key);
    return true;
  }

  clear(): void {
    this.expiries.clear();
    this.queue = [];
    this.head = 0;
  }

  private prune(nowMs: number): void {
    while (this.head < this.queue.length) {
      const key = this.queue[this.head]!;
      const expiry = this.expiries.get(key);
      if (expiry !== undefined && expiry > nowMs) break;
      this.expiries.delete(key);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
