/**
 * The embedded store: one SQLite file (WAL), safe to share between processes. Claims run in
 * an immediate transaction (the write lock is taken before reading), so two processes never
 * lease the same watch; saves are conditional UPDATEs on the version.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { WATCH_STATES, type Watch, type WatchState } from "../schemas/index";
import {
  fixedFilterValues,
  LIST_FILTER_NAMES,
  pageOf,
  walkPlan,
  type ListFilter,
  type ListPage,
  type ListQuery,
  type Position,
} from "./listing";
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

/**
 * Listing (lib/watches/listing.ts): a column for the position's time, one per filter (the
 * filter's name in snake_case; `state` is the existing column), and an index per filter on
 * (value, created_at, id) plus one on (created_at, id). Added to older files on open.
 */
const columnOf = (filter: ListFilter) => filter.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const LISTING_COLUMNS = ["created_at", ...LIST_FILTER_NAMES.map(columnOf).filter((c) => c !== "state")];
const indexOf = (filter: ListFilter | undefined) => (filter ? `watches_list_${columnOf(filter)}` : "watches_list");
const LISTING_INDEXES = [
  `CREATE INDEX IF NOT EXISTS ${indexOf(undefined)} ON watches (created_at, id)`,
  ...LIST_FILTER_NAMES.map((f) => `CREATE INDEX IF NOT EXISTS ${indexOf(f)} ON watches (${columnOf(f)}, created_at, id)`),
  // (state, created_at, id) serves every query the plain state index did.
  "DROP INDEX IF EXISTS watches_state",
];
const BACKFILL_BATCH = 1_000;

/** The listing columns of `watch`, as named parameters. */
function listingColumns(watch: Watch): Record<string, string | number> {
  const values: Record<string, string | number> = { created_at: Date.parse(watch.createdAt) };
  for (const [filter, value] of fixedFilterValues(watch)) values[columnOf(filter)] = value;
  return values;
}

const COLUMNS = "id, version, state, due_at AS dueAt, lease_owner AS leaseOwner, lease_until AS leaseUntil, body";

/** The statements the store runs (exported so tests can check their query plans). */
export const SQL = {
  insert: `INSERT INTO watches (id, version, state, due_at, lease_owner, lease_until, body, ${LISTING_COLUMNS.join(", ")})
           VALUES (@id, @version, @state, @dueAt, @leaseOwner, @leaseUntil, @body, ${LISTING_COLUMNS.map((c) => `@${c}`).join(", ")})
           ON CONFLICT (id) DO NOTHING`,
  get: `SELECT ${COLUMNS} FROM watches WHERE id = ?`,
  due: `SELECT ${COLUMNS} FROM watches WHERE due_at <= ? ORDER BY due_at LIMIT ?`,
  update: `UPDATE watches
           SET version = @version, state = @state, due_at = @dueAt, lease_owner = @leaseOwner, lease_until = @leaseUntil, body = @body
           WHERE id = @id AND version = @expected`,
  countByState: `SELECT state, count(*) AS n FROM watches GROUP BY state`,
  nextDueAt: `SELECT min(due_at) AS at FROM watches WHERE due_at IS NOT NULL`,
  /**
   * A listing walk: the index of `primary` (or of all watches) from the position on, newest
   * first, with `hit` saying whether the other filters match too.
   */
  list(primary: ListFilter | undefined, others: readonly ListFilter[], after: boolean): string {
    const where = [
      ...(primary ? [`${columnOf(primary)} = @${primary}`] : []),
      ...(after ? ["(created_at, id) < (@afterCreatedAt, @afterId)"] : []),
    ];
    const hit = others.map((f) => `${columnOf(f)} = @${f}`).join(" AND ") || "1";
    return `SELECT id, created_at AS createdAt, ${hit} AS hit FROM watches INDEXED BY ${indexOf(primary)}
            ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, id DESC LIMIT @budget`;
  },
} as const;

interface Walked extends Position {
  hit: number;
}

export class SqliteWatchStore implements WatchStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly claimTransaction;
  private readonly insertManyTransaction;
  private readonly listTransaction;
  private readonly listStatements = new Map<string, Database.Statement<Record<string, string | number>, Walked>>();

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
    this.addListing();
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
      watches.reduce((created, watch) => created + this.statements.insert.run({ ...toRow(watch), ...listingColumns(watch) }).changes, 0),
    );
    // Deferred: the walk and the reads of what it found see one snapshot of the file.
    this.listTransaction = db.transaction((query: ListQuery) => this.walk(query));
  }

  /**
   * Adds the listing columns and indexes to a file made before they existed (or before a
   * filter was added), and fills them for rows that lack them (written by an older version);
   * a no-op once done.
   */
  private addListing(): void {
    const db = this.db;
    db.transaction(() => {
      const present = new Set(db.prepare<[], string>("SELECT name FROM pragma_table_info('watches')").pluck().all());
      for (const column of LISTING_COLUMNS) {
        if (!present.has(column)) db.exec(`ALTER TABLE watches ADD COLUMN ${column} ${column === "created_at" ? "INTEGER" : "TEXT"}`);
      }
      // A column added for a new filter is NULL in every older row, as all of them are in a file from before listing.
      const missing = db.prepare<[number], WatchRow>(
        `SELECT ${COLUMNS} FROM watches WHERE ${LISTING_COLUMNS.map((c) => `${c} IS NULL`).join(" OR ")} LIMIT ?`,
      );
      const fill = db.prepare(`UPDATE watches SET ${LISTING_COLUMNS.map((c) => `${c} = @${c}`).join(", ")} WHERE id = @id`);
      for (let rows = missing.all(BACKFILL_BATCH); rows.length > 0; rows = missing.all(BACKFILL_BATCH)) {
        for (const row of rows) fill.run({ id: row.id, ...listingColumns(fromRow(row)) });
      }
      for (const statement of LISTING_INDEXES) db.exec(statement);
    }).immediate();
  }

  async insert(watch: Watch): Promise<{ watch: Watch; created: boolean }> {
    if (this.statements.insert.run({ ...toRow(watch), ...listingColumns(watch) }).changes === 1) return { watch, created: true };
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

  async list(query: ListQuery): Promise<ListPage> {
    return this.listTransaction(query);
  }

  /** Walks the index of the first filter given (lib/watches/listing.ts orders them), at most SCAN_BUDGET entries. */
  private walk(query: ListQuery): ListPage {
    const { filters, limit, after } = query;
    const { given, budget } = walkPlan(query);
    const [primary, ...others] = given;
    const key = `${given.join(",")}|${after ? "after" : ""}`;
    let statement = this.listStatements.get(key);
    if (!statement) this.listStatements.set(key, (statement = this.db.prepare(SQL.list(primary, others, after !== undefined))));
    const params = { ...filters, ...(after ? { afterCreatedAt: after.createdAt, afterId: after.id } : {}), budget } as Record<
      string,
      string | number
    >;
    const found: Walked[] = [];
    let examined = 0;
    let last: Walked | undefined;
    for (const entry of statement.iterate(params)) {
      examined++;
      last = entry;
      if (entry.hit && found.push(entry) > limit) break;
    }
    const { shown, next } = pageOf(found, limit, examined === budget ? last : undefined);
    return { watches: shown.map((entry) => fromRow(this.statements.get.get(entry.id)!)), next };
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
