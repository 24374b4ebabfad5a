/**
 * `npm run package`: builds, writes the SCF code package (dist/scf/nettask-relay.zip, the
 * tree deploy/scf/serverless.yml deploys) and the AWS package (`serverless package` into
 * .serverless/). Offline: no credentials, no telemetry. Extra arguments go to serverless
 * (e.g. `npm run package -- --stage prod`).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build, ROOT, type BuiltFunction } from "../build";
import { zip } from "./zip";

export const SCF_ZIP = join(ROOT, "dist", "scf", "nettask-relay.zip");

/** Zips every function directory, paths relative to dist/ (so handlers read `http/index.main_handler`). */
export function writeScfZip(built: readonly BuiltFunction[], file = SCF_ZIP): string {
  const entries = built.flatMap((fn) =>
    readdirSync(fn.dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .sort()
      .map((path) => ({ name: relative(join(fn.dir, ".."), path).split(sep).join("/"), data: readFileSync(path) })),
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, zip(entries));
  return file;
}

export const SERVERLESS_CLI = join(ROOT, "node_modules", "serverless", "bin", "serverless.js");
/** Keeps the Serverless Framework from calling home (telemetry, notifications). */
export const SERVERLESS_QUIET = { SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off" } as const;

function serverlessPackage(args: readonly string[] = []): void {
  const result = spawnSync(process.execPath, [SERVERLESS_CLI, "package", ...args], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, ...SERVERLESS_QUIET },
  });
  if (result.status !== 0) throw new Error(`serverless package failed (exit ${result.status ?? result.signal})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await build();
  console.log(`SCF package: ${relative(ROOT, writeScfZip(built))}`);
  serverlessPackage(process.argv.slice(2));
}
