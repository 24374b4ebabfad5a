/**
 * The signer choice behind figure 2: API 3.0 requests signed by tencentcloud-sdk-nodejs's own
 * `Sign.sign3` under the relay's small node:http transport (lib/upstream), or sent by the SDK's
 * `VpcClient`, loaded on first use the way the functions load the TDMQ client. Each variant is
 * a bundle whose handler reads one vpc task; figure 2 times both as whole processes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { BUNDLE_OPTIONS, MAIN_BUNDLE_SHIMS, ROOT } from "../build";
import { lazyChunks } from "../build/lazy-chunks";

export interface SignerVariants {
  /** lib/upstream's client: the SDK's signer, the relay's transport. */
  ours: string;
  /** The SDK's VpcClient, required from a chunk on first use. */
  sdk: string;
}

/** Reads `event.taskId` (a vpc task in ap-guangzhou) with VPC_ENDPOINT and the key pair from the environment. */
const OURS = `const { createTaskClient } = require("./lib/upstream/client");
exports.handler = async (event) => {
  const credentials = async () => ({ secretId: process.env.TENCENTCLOUD_SECRET_ID, secretKey: process.env.TENCENTCLOUD_SECRET_KEY });
  const result = await createTaskClient({ vpcEndpoint: process.env.VPC_ENDPOINT, credentials }).describe({ api: "vpc", taskId: event.taskId, region: "ap-guangzhou" });
  return { status: result.status };
};
`;

const SDK = `exports.handler = async (event) => {
  const { Client } = require("./vpc-client.js");
  const endpoint = new URL(process.env.VPC_ENDPOINT);
  const client = new Client({
    credential: { secretId: process.env.TENCENTCLOUD_SECRET_ID, secretKey: process.env.TENCENTCLOUD_SECRET_KEY },
    region: "ap-guangzhou",
    profile: { httpProfile: { endpoint: endpoint.host, protocol: endpoint.protocol + "//" } },
  });
  const answer = await client.DescribeVpcTaskResult({ TaskId: event.taskId });
  return { status: answer.Status === "SUCCESS" ? "succeeded" : answer.Status };
};
`;

/** Writes both variants under `outDir` (inside the repository, as the bundles' own settings expect). */
export async function buildSignerVariants(outDir: string): Promise<SignerVariants> {
  const settings = { ...BUNDLE_OPTIONS, sourcemap: false, write: true } as const;
  const write = (dir: string, entry: string, extra: esbuild.BuildOptions = {}) =>
    esbuild.build({
      ...settings,
      stdin: { contents: entry, resolveDir: ROOT, sourcefile: `${dir}.entry.js` },
      outfile: join(outDir, dir, "index.js"),
      ...extra,
    });
  // Built as the functions' main bundles are: their stand-ins, their lazy chunks left out (none is needed here).
  await write("ours", OURS, { alias: { ...BUNDLE_OPTIONS.alias, ...MAIN_BUNDLE_SHIMS }, plugins: [lazyChunks(ROOT, new Set())] });
  await write("sdk", SDK, { external: ["./vpc-client.js"] });
  await esbuild.build({
    ...settings,
    entryPoints: { "vpc-client": "tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_client.js" },
    outdir: join(outDir, "sdk"),
    absWorkingDir: ROOT,
  });
  for (const dir of ["ours", "sdk"]) {
    mkdirSync(join(outDir, dir), { recursive: true });
    // The repository's package.json says "type": "module"; these are CommonJS.
    writeFileSync(join(outDir, dir, "package.json"), '{"type":"commonjs"}\n');
  }
  return { ours: join(outDir, "ours", "index.js"), sdk: join(outDir, "sdk", "index.js") };
}
