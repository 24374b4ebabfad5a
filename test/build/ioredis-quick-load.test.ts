/**
 * The bundles' edits to ioredis (scripts/build/ioredis-quick-load.ts): they apply to the
 * installed release, the build refuses a release they no longer fit, and ioredis bundled with
 * them still works against the real Redis on loopback: every command method there, no
 * placeholder left, node:tls loaded only for a TLS connection.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_OPTIONS, DEPENDENCY_PLUGINS, ROOT } from "../../scripts/build";
import { IOREDIS_EDITS, quickLoading } from "../../scripts/build/ioredis-quick-load";

const ioredisFile = (relative: string) => createRequire(join(ROOT, "package.json")).resolve(`ioredis/built/${relative}.js`);
const FILES = ["utils/Commander", "connectors/StandaloneConnector"].map(ioredisFile);

describe("the edits", () => {
  it("each fits one file of the installed ioredis, and changes it", () => {
    expect(FILES.map((file) => IOREDIS_EDITS.filter((edit) => edit.file.test(file)).length)).toEqual([1, 1]);
    for (const file of FILES) {
      const source = readFileSync(file, "utf8");
      expect(quickLoading(source, file)).not.toBe(source);
    }
  });

  it("refuses a file that no longer has the statement it changes, naming the file", () => {
    expect(() => quickLoading('"use strict";\n', FILES[0]!)).toThrow(/Commander\.js: "const commands = .*ioredis has changed/);
  });

  it("leaves every other file as it is", () => {
    const other = ioredisFile("Redis");
    const source = readFileSync(other, "utf8");
    expect(quickLoading(source, other)).toBe(source);
  });
});

describe("ioredis bundled with them", () => {
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "nettask-ioredis-"));
    bundle = join(dir, "ioredis.cjs");
    await esbuild.build({
      ...BUNDLE_OPTIONS,
      stdin: { contents: 'module.exports = require("ioredis");', resolveDir: ROOT },
      outfile: bundle,
      sourcemap: false,
      plugins: DEPENDENCY_PLUGINS,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `body` (with `Redis` and `loaded(module)`) in a fresh node; returns what it prints. */
  const inFreshNode = (body: string): any =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [
          "-e",
          `const Redis = require(${JSON.stringify(bundle)});
           const loaded = (name) => process.moduleLoadList.includes("NativeModule " + name);
           (async () => { ${body} })().then((v) => { process.stdout.write(JSON.stringify(v)); process.exit(0); }, (e) => { console.error(e); process.exit(1); });`,
        ],
        { encoding: "utf8", env: { PATH: process.env.PATH } },
      ),
    );

  it("has every command method, leaves no placeholder, and talks to Redis without loading node:tls", () => {
    const result = inFreshNode(`
      const redis = new Redis("redis://127.0.0.1:6379/0", { lazyConnect: true, maxRetriesPerRequest: 1 });
      const methods = ["get", "set", "eval", "evalBuffer", "zrangebyscore", "xadd", "sentinel"].every((m) => typeof redis[m] === "function");
      const placeholders = ["__nettaskRelayA", "__nettaskRelayB"].filter((p) => p in redis);
      await redis.connect();
      const key = "nettask-test:ioredis-quick-load:" + process.pid;
      await redis.set(key, "1", "EX", 10);
      const read = await redis.get(key);
      const lua = await redis.eval("return redis.call('DEL', KEYS[1])", 1, key);
      await redis.quit();
      return { methods, placeholders, read, lua, tls: loaded("tls") };`);
    expect(result).toEqual({ methods: true, placeholders: [], read: "1", lua: 1, tls: false });
  });

  it("loads node:tls when a connection asks for TLS", () => {
    // The plain Redis on loopback does not speak TLS: the handshake fails, after node:tls was loaded for it.
    const result = inFreshNode(`
      const before = loaded("tls");
      const redis = new Redis({ host: "127.0.0.1", port: 6379, tls: {}, connectTimeout: 500, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      redis.on("error", () => {});
      const failed = await redis.connect().then(() => false, () => true);
      redis.disconnect();
      return { before, failed, after: loaded("tls") };`);
    expect(result).toEqual({ before: false, failed: true, after: true });
  });
});
