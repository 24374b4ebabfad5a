import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../lib/watches/open-store";
import { RedisWatchStore } from "../../lib/watches/redis-store";
import { SqliteWatchStore } from "../../lib/watches/sqlite-store";
import { StoreConfigError } from "../../lib/watches/store";
import { deleteRedisKeys } from "../support/redis";
import { watchFor } from "./fixtures";

const temp = mkdtempSync(join(tmpdir(), "nettask-open-store-"));
// A directory that is not temporary, as mounted storage would be. Not the checkout itself:
// CI may clone the repository into a temporary directory.
const isTemporary = (dir: string) => [tmpdir(), "/tmp"].some((t) => dir === t || dir.startsWith(`${t}${sep}`));
const durableBase = [join(homedir(), ".cache"), "/var/tmp"].find((dir) => !isTemporary(dir))!;
const durable = join(durableBase, `nettask-open-store-test-${randomBytes(6).toString("hex")}`);
afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
  rmSync(durable, { recursive: true, force: true });
});

async function refusal(url: string, platform: "scf" | "lambda" | "local"): Promise<string> {
  const error = await openStore(url, { platform }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreConfigError);
  return (error as Error).message;
}

describe("openStore", () => {
  it("opens SQLite from sqlite:<path>, creating the directory, and the store works", async () => {
    const file = join(temp, "local", "nested", "watches.db");
    const store = await openStore(`sqlite:${file}`, { platform: "local" });
    expect(store).toBeInstanceOf(SqliteWatchStore);
    expect(existsSync(file)).toBe(true);
    expect((await store.insert(watchFor(1))).created).toBe(true);
    await store.close();
  });

  it("opens SQLite on SCF and Lambda when the file is on durable storage, relative paths included", async () => {
    const absolute = await openStore(`sqlite:${join(durable, "a.db")}`, { platform: "scf" });
    const fromCwd = await openStore(`sqlite:${relative(process.cwd(), join(durable, "b.db"))}`, { platform: "lambda" });
    expect(absolute).toBeInstanceOf(SqliteWatchStore);
    expect(fromCwd).toBeInstanceOf(SqliteWatchStore);
    await Promise.all([absolute.close(), fromCwd.close()]);
  });

  it.each(["scf", "lambda"] as const)("refuses a SQLite file that would vanish with the instance on %s", async (platform) => {
    const where: [string, string][] = [
      [join(tmpdir(), "watches.db"), `${join(tmpdir(), "watches.db")} (under the temporary directory ${tmpdir()})`],
      ["/tmp/nettask/watches.db", "/tmp/nettask/watches.db (under the temporary directory /tmp)"],
      [":memory:", ":memory: (in memory)"],
    ];
    for (const [path, resolved] of where) {
      expect(await refusal(`sqlite:${path}`, platform)).toBe(
        `STORE_URL puts the SQLite file at ${resolved}, which does not survive the instance on ${platform}: use redis://… or a path on mounted storage (CFS / EFS)`,
      );
    }
    // A relative path is resolved, so the message says where the file really is.
    const relativeToTemp = relative(process.cwd(), join(tmpdir(), "rel", "w.db"));
    expect(await refusal(`sqlite:${relativeToTemp}`, platform)).toContain(
      `at ${join(tmpdir(), "rel", "w.db")} (under the temporary directory`,
    );
  });

  it("sees through a symlink from durable storage into a temporary directory", async () => {
    mkdirSync(durable, { recursive: true });
    const link = join(durable, "to-temp");
    symlinkSync(temp, link);
    expect(await refusal(`sqlite:${join(link, "watches.db")}`, "scf")).toMatch(
      /^STORE_URL puts the SQLite file at .* does not survive the instance on scf/,
    );
  });

  it("refuses an empty SQLite path and unknown schemes, never echoing credentials", async () => {
    expect(await refusal("sqlite:", "local")).toBe("STORE_URL sqlite: needs a file path, as in sqlite:./.data/nettask.db");
    const message = await refusal("postgres://admin:pw-s3cret@db.internal/watches", "local");
    expect(message).toBe("STORE_URL must start with sqlite: or redis:// (or rediss://); scheme postgres: is not supported");
    expect(await refusal("./watches.db", "local")).toMatch(/scheme \(none\) is not supported$/);
  });

  it("opens Redis from redis://", async () => {
    const prefix = `test:open-store:${randomBytes(6).toString("hex")}:`;
    const store = await openStore(`redis://127.0.0.1:6379/0?prefix=${prefix}`, { platform: "scf" });
    expect(store).toBeInstanceOf(RedisWatchStore);
    expect(await store.countByState()).toMatchObject({ pending: 0 });
    await store.close();
    await deleteRedisKeys("redis://127.0.0.1:6379/0", prefix);
  });
});
