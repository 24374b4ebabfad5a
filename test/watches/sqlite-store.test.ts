import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Watch } from "../../lib/schemas/index";
import type { Position } from "../../lib/watches/listing";
import { toRow } from "../../lib/watches/row";
import { SQL, SqliteWatchStore } from "../../lib/watches/sqlite-store";
import { deliveredWatch, expectValidWatch, listedWatch, newestFirst, previousReleaseRow, T0, watchesFor } from "./fixtures";
import { storeContract } from "../support/store-contract";

const scratch = mkdtempSync(join(tmpdir(), "nettask-sqlite-store-"));
let spaces = 0;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A database file in a directory that does not exist yet (the store creates it). */
const newFile = () => join(scratch, `space-${++spaces}`, "watches.db");

describe("SqliteWatchStore", () => {
  storeContract(async () => {
    const file = newFile();
    return {
      open: async () => new SqliteWatchStore(file),
      destroy: async () => rmSync(join(file, ".."), { recursive: true, force: true }),
    };
  });

  describe("on disk", () => {
    let file: string;
    let store: SqliteWatchStore;
    let db: Database.Database;

    beforeAll(async () => {
      file = newFile();
      store = new SqliteWatchStore(file);
      db = new Database(file, { readonly: true });
      return async () => {
        db.close();
        await store.close();
      };
    });

    it("uses WAL so readers and another process's writer do not block each other", () => {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    });

    it("finds due watches and the next due time through the due_at index, never a table scan", () => {
      const plan = (sql: string, ...params: number[]) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join("; ");
      expect(plan(SQL.due, T0, 50)).toMatch(/^SEARCH watches USING INDEX watches_due_at \(due_at<\?\)$/);
      expect(plan(SQL.nextDueAt)).toMatch(/^SEARCH watches USING COVERING INDEX watches_due_at/);
      expect(plan(SQL.countByState)).toMatch(/^SCAN watches USING COVERING INDEX watches_list_state$/);
    });

    it("pages a listing through its filter's index from the cursor on, never sorting", () => {
      const plan = (sql: string) =>
        (
          db
            .prepare(`EXPLAIN QUERY PLAN ${sql}`)
            .all({ state: "failed", taskId: "297", destinationType: "amqp", afterCreatedAt: T0, afterId: "w_x", budget: 8 }) as {
            detail: string;
          }[]
        )
          .map((r) => r.detail)
          .join("; ");
      expect(plan(SQL.list(undefined, [], false))).toBe("SCAN watches USING COVERING INDEX watches_list");
      expect(plan(SQL.list(undefined, [], true))).toBe("SEARCH watches USING COVERING INDEX watches_list ((created_at,id)<(?,?))");
      for (const [filter, column] of [
        ["state", "state"],
        ["taskId", "task_id"],
        ["destinationType", "destination_type"],
      ] as const) {
        expect(plan(SQL.list(filter, [], true))).toBe(
          `SEARCH watches USING COVERING INDEX watches_list_${column} (${column}=? AND (created_at,id)<(?,?))`,
        );
      }
      expect(plan(SQL.list("taskId", ["state", "destinationType"], true))).toBe(
        "SEARCH watches USING INDEX watches_list_task_id (task_id=? AND (created_at,id)<(?,?))",
      );
    });

    it("keeps the file, its -wal and -shm, and the directory it made to their owner (0600, 0700)", async () => {
      await store.insert(deliveredWatch(100_001));
      const mode = (path: string) => statSync(path).mode & 0o777;
      expect(mode(join(file, ".."))).toBe(0o700);
      for (const path of [file, `${file}-wal`, `${file}-shm`]) expect(mode(path), path).toBe(0o600);
    });

    it("loads a watch stored before the attempt counters and the attempt mark existed", async () => {
      const { row, loads } = previousReleaseRow(100_002, 2);
      const writer = new Database(file);
      // As that release wrote it: no listing columns.
      writer
        .prepare(
          "INSERT INTO watches (id, version, state, due_at, lease_owner, lease_until, body) VALUES (@id, " +
            "@version, @state, @dueAt, @leaseOwner, @leaseUntil, @body)",
        )
        .run(row);
      writer.close();
      const loaded = await store.get(row.id);
      expect(loaded).toEqual(loads);
      expect(loaded!.delivery).toMatchObject({ attemptCount: 2, roundAttempts: 0 });
      expectValidWatch(loaded);
    });

    it("bulk-inserts in one transaction and reports how many were new", async () => {
      const watches = watchesFor(2_000);
      expect(await store.insertMany(watches)).toBe(2_000);
      expect(await store.insertMany(watches.slice(0, 10))).toBe(0);
      expect((await store.countByState()).pending).toBe(2_000);
      expect(await store.get(watches[1_999]!.id)).toEqual(watches[1_999]);
    });
  });

  it("lists the watches of a file written before listing existed, once opened", async () => {
    const file = newFile();
    mkdirSync(join(file, ".."), { recursive: true });
    const old = new Database(file);
    // The schema and insert of the version before listing.
    old.exec(`
      CREATE TABLE watches (id TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL, due_at INTEGER, lease_owner TEXT, lease_until INTEGER, body TEXT NOT NULL);
      CREATE INDEX watches_due_at ON watches (due_at) WHERE due_at IS NOT NULL;
      CREATE INDEX watches_state ON watches (state);`);
    const insert = old.prepare(
      "INSERT INTO watches (id, version, state, due_at, lease_owner, lease_until, body) VALUES (@id, " +
        "@version, @state, @dueAt, @leaseOwner, @leaseUntil, @body)",
    );
    const stored = Array.from({ length: 2_500 }, (_, i) => ({
      ...listedWatch(i + 1, { createdAt: T0 + (i % 700) }),
      ...(i % 5 === 0 ? { state: "failed" as const, dueAt: null } : {}),
    }));
    old.transaction(() => {
      for (const w of stored) insert.run(toRow(w));
    })();
    old.close();

    const store = new SqliteWatchStore(file);
    const pages: Watch[] = [];
    let after: Position | undefined;
    do {
      const page = await store.list({ filters: { state: "failed" }, limit: 100, after });
      pages.push(...page.watches);
      after = page.next ?? undefined;
    } while (after);
    expect(pages.map((w) => w.id)).toEqual(newestFirst(stored.filter((w) => w.state === "failed")).map((w) => w.id));
    expect((await store.list({ filters: { taskId: "7" }, limit: 5 })).watches).toEqual([stored[6]]);
    await store.close();
    // Opening again finds nothing left to do, and a second store on the file agrees.
    const again = new SqliteWatchStore(file);
    expect((await again.list({ filters: {}, limit: 1 })).watches).toEqual(newestFirst(stored).slice(0, 1));
    await again.close();
    // A filter's column left empty (as a filter added later leaves older rows) is filled on open.
    const raw = new Database(file);
    raw.exec("UPDATE watches SET destination_type = NULL");
    raw.close();
    const refilled = new SqliteWatchStore(file);
    expect((await refilled.list({ filters: { destinationType: "webhook" }, limit: 3 })).watches).toEqual(newestFirst(stored).slice(0, 3));
    await refilled.close();
  });

  it("4 poller processes on one file deliver each of 1,000 due watches exactly once", async () => {
    const file = newFile();
    const seed = new SqliteWatchStore(file);
    await seed.insertMany(watchesFor(1_000, (i) => T0 - i));

    const script = fileURLToPath(new URL("../support/sqlite-poller.ts", import.meta.url));
    const deliveries = new Map<string, number>();
    let lostSaves = 0;
    const pollers = Array.from({ length: 4 }, (_, i) => {
      const child = spawn(process.execPath, ["--import", "tsx", script, file, `process-${i}`, String(T0)], {
        stdio: ["pipe", "pipe", "inherit"],
      });
      const lines = createInterface({ input: child.stdout });
      const ready = new Promise<void>((resolve) => lines.once("line", () => resolve()));
      lines.on("line", (line) => {
        const [word, value] = line.split(" ");
        if (word === "delivered") deliveries.set(value!, (deliveries.get(value!) ?? 0) + 1);
        if (word === "lost") lostSaves += Number(value);
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      return { child, ready, exited };
    });
    // Start them together, so their claims really overlap.
    await Promise.all(pollers.map((p) => p.ready));
    for (const { child } of pollers) child.stdin.end("go\n");
    expect(await Promise.all(pollers.map((p) => p.exited))).toEqual([0, 0, 0, 0]);

    expect(deliveries.size).toBe(1_000);
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(lostSaves).toBe(0);
    expect((await seed.countByState()).delivered).toBe(1_000);
    await seed.close();
  });
});
