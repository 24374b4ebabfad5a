/**
 * The persistence layer: one interface, interchangeable backends (SQLite embedded, Redis
 * shared). Every backend passes the same contract suite (test/watches/store-contract.ts).
 */
import type { Watch, WatchState } from "../schemas/index";
import type { RateLimiter } from "../upstream/rate-limit";
import type { ListPage, ListQuery } from "./listing";
import { RelayError } from "../errors";

export interface ClaimOptions {
  /** Epoch ms; watches with dueAt <= now are due. */
  now: number;
  limit: number;
  /** Who holds the lease (one id per poll invocation). */
  owner: string;
  leaseMs: number;
}

export interface WatchStore {
  /** Stores `watch` unless a watch with its id exists; returns whichever is stored. Atomic. */
  insert(watch: Watch): Promise<{ watch: Watch; created: boolean }>;

  get(id: string): Promise<Watch | undefined>;

  /**
   * Atomically leases up to `limit` due watches, earliest dueAt first. Each comes back with
   * `lease = {owner, until: now + leaseMs}`, `dueAt = until` and `version + 1`, so work held by
   * a crashed invocation comes due again once its lease ends, and no two claimers ever get
   * the same watch while a lease lasts.
   */
  claimDue(options: ClaimOptions): Promise<Watch[]>;

  /**
   * Compare-and-set: writes `watch` only if the stored version still equals `watch.version`.
   * Returns the stored document (version + 1, indexes updated from `dueAt`), or undefined when
   * someone else wrote first (the caller re-reads and decides again).
   */
  save(watch: Watch): Promise<Watch | undefined>;

  /**
   * A page of watches, newest first (createdAt, then id, descending), matching every filter
   * of `query`, strictly after `query.after`. lib/watches/listing.ts says what a page costs.
   */
  list(query: ListQuery): Promise<ListPage>;

  /** Watch counts by state (health, tests and benchmarks). */
  countByState(): Promise<Record<WatchState, number>>;

  /** The earliest dueAt of any watch, or null when nothing is scheduled. */
  nextDueAt(): Promise<number | null>;

  /**
   * The clock leases and due times are read on (epoch ms), when it is not this machine's own:
   * instances sharing a store must agree on when a lease runs out. Redis: the server's.
   */
  now?(): number;

  /**
   * An upstream rate limiter shared by every process that uses this store, when the store can
   * coordinate them (Redis): the upstream limits the account, not one function instance.
   * Stores on one machine leave it out, and each process limits itself.
   */
  sharedRateLimiter?(ratePerSecond: number): RateLimiter;

  close(): Promise<void>;
}

/** Thrown for a STORE_URL that cannot work (unknown scheme, SQLite in a temp dir on SCF/Lambda). */
export class StoreConfigError extends RelayError {
  static override readonly errorName = "StoreConfigError";
  override readonly kind = "unavailable";
}

/**
 * The store STORE_URL names cannot serve: unreachable, refusing the connection, failing or too
 * slow. `reason` says why without the URL's host or password (it is answered over HTTP);
 * the message, for the logs, may say more.
 */
export class StoreUnavailableError extends RelayError {
  static override readonly errorName = "StoreUnavailableError";
  override readonly kind = "unavailable";
  readonly variable = "STORE_URL";
  constructor(
    readonly reason: string,
    message = reason,
  ) {
    super(message);
  }
}

/** A short name for why a store call failed: an errno or SQLite code, a Redis error word, or the error's class. */
export function failureCode(error: unknown): string {
  if (!(error instanceof Error)) return "unknown failure";
  const { code } = error as { code?: unknown };
  if (typeof code === "string" && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
  // Redis error replies start with their code: WRONGPASS, NOAUTH, OOM, READONLY, …
  const word = /^([A-Z][A-Z_]{2,})\b/.exec(error.message)?.[1];
  return word ?? (error.name === "Error" ? "no answer" : error.name);
}
