/**
 * `npm run offline`: the AWS side locally. Builds the bundles, then serves serverless.yml with
 * serverless-offline on stage `local`, where every setting comes from the shell (README.md,
 * "Run the AWS functions locally"): the HTTP API on 127.0.0.1:4000 and the poll function on its
 * schedule. Extra arguments go to `serverless offline` (e.g. `-- --httpPort 4100`).
 */
import { spawn } from "node:child_process";
import { build, ROOT } from "./build";
import { SERVERLESS_CLI, SERVERLESS_QUIET } from "./build/package";

await build();
const child = spawn(process.execPath, [SERVERLESS_CLI, "offline", "start", "--stage", "local", "--noSponsor", ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: "inherit",
  env: { ...process.env, ...SERVERLESS_QUIET },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
