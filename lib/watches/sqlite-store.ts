/**
 * The embedded store: one SQLite file (WAL), safe to share between processes. Claims run in
 * an immediate transaction (the write lock is taken before reading), so two processes never
 * lease the same watch; saves are conditional UPDATEs on the version.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { WATCH_STATES, type Watch, type WatchState } from "../schemas/index";
import { claimedRow, fromRow, toRow, type WatchRow } from "./row";
import type { ClaimOptions, WatchStore } from "./store";

/** How long a writer waits for another process's transaction before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS watches (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    due_at INTEGER,
    lease_owner TEXT,
    lease_until INTEGER,
    body TEXT NOT NULL
  );
  -- Final watches (due_at NULL) stay out of the index that every claim walks.
  CREATE INDEX IF NOT EXISTS watches_due_at ON watches (due_at) WHERE due_at IS NOT NULL;
  CREATE INDEX IF NOT EXISTS watches_state ON watches (state);
`;

const COLUMNS = "id, version, state, due_at AS dueAt, lease_owner AS leaseOwner, lease_until AS leaseUntil, body";

/** The statements the store runs (exported so tests can check their query plans). */
export const SQL = {
  insert: `INSERT INTO watches (id, version, state, due_at, lease_owner, lease_until, body)
           VALUES (@id, @version, @state, @dueAt, @leaseOwner, @leaseUntil, @body)
           ON CONFLICT (id) DO NOTHING`,
  get: `SELECT ${COLUMNS} FROM watches WHERE id = ?`,
  due: `SELECT ${COLUMNS} FROM watches WHERE due_at <= ? ORDER BY due_at LIMIT ?`,
  update: `UPDATE watches
           SET version = @version, state = @state, due_at = @dueAt, lease_owner = @leaseOwner, lease_until = @leaseUntil, body = @body
           WHERE id = @id AND version = @expected`,
  countByState: `SELECT state, count(*) AS n FROM watches GROUP BY state`,
  nextDueAt: `SELECT min(due_at) AS at FROM watches WHERE due_at IS NOT NULL`,
} as const;

export class SqliteWatchStore implements WatchStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly claimTransaction;
  private readonly insertManyTransaction;

  /**
   * Opens (and creates, with its directory) the database file at `path`. The file holds webhook
   * secrets and broker passwords: a new one is readable by its owner only (0600, directories
   * the store creates 0700), and SQLite gives its -wal and -shm files the database file's mode.
   */
  constructor(path: string) {
    if (path !== ":memory:") {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      closeSync(openSync(path, "a", 0o600));
    }
    this.db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    this.db.pragma("journal_mode = WAL");
    // With WAL, NORMAL only risks the last commits on power loss, never corruption.
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(SCHEMA);
    const db = this.db;
    this.statements = {
      insert: db.prepare<WatchRow>(SQL.insert),
      get: db.prepare<[string], WatchRow>(SQL.get),
      due: db.prepare<[number, number], WatchRow>(SQL.due),
      update: db.prepare<WatchRow & { expected: number }>(SQL.update),
      countByState: db.prepare<[], { state: WatchState; n: number }>(SQL.countByState),
      nextDueAt: db.prepare<[], { at: number | null }>(SQL.nextDueAt),
    };
    this.claimTransaction = db.transaction(({ now, limit, owner, leaseMs }: ClaimOptions) =>
      this.statements.due.all(now, limit).map((row) => {
        const claimed = claimedRow(row, owner, now + leaseMs);
        this.statements.update.run({ ...claimed, expected: row.version });
        return fromRow(claimed);
      }),
    );
    this.insertManyTransaction = db.transaction((watches: readonly Watch[]) =>
      watches.reduce((created, watch) => created + this.statements.insert.run(toRow(watch)).changes, 0),
    );
  }

  async insert(watch: Watch): Promise<{ watch: Watch; created: boolean }> {
    if (this.statements.insert.run(toRow(watch)).changes === 1) return { watch, created: true };
    return { watch: (await this.get(watch.id))!, created: false };
  }

  /** Inserts many watches in one transaction (bulk loads, benchmarks); returns how many were new. */
  async insertMany(watches: readonly Watch[]): Promise<number> {
    return this.insertManyTransaction(watches);
  }

  async get(id: string): Promise<Watch | undefined> {
    const row = this.statements.get.get(id);
    return row && fromRow(row);
  }

  async claimDue(options: ClaimOptions): Promise<Watch[]> {
    return this.claimTransaction.immediate(options);
  }

  async save(watch: Watch): Promise<Watch | undefined> {
    const stored = { ...watch, version: watch.version + 1 };
    const { changes } = this.statements.update.run({ ...toRow(stored), expected: watch.version });
    return changes === 1 ? stored : undefined;
  }

  async countByState(): Promise<Record<WatchState, number>> {
    const counts = Object.fromEntries(WATCH_STATES.map((s) => [s, 0])) as Record<WatchState, number>;
    for (const { state, n } of this.statements.countByState.all()) counts[state] = n;
    return counts;
  }

  async nextDueAt(): Promise<number | null> {
    return this.statements.nextDueAt.get()?.at ?? null;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
