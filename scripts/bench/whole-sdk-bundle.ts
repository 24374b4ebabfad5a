/**
 * The naive alternative figures 2 and 3 compare the bundles with: the http function built
 * with the same esbuild settings, but without lazy chunks and without deferring the function
 * module, and importing the whole tencentcloud-sdk-nodejs at the top, as a function that
 * "just uses the SDK" would.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { BUNDLE_OPTIONS, DEPENDENCY_PLUGINS, ROOT } from "../build";

export interface WholeSdkBundle {
  /** <outDir>/index.js, absolute. */
  bundle: string;
  bytes: number;
}

/** The bundles' own settings and dependency plugins, without the lazy chunks. */
const SAME_AS_BUILD: esbuild.BuildOptions = { ...BUNDLE_OPTIONS, sourcemap: false, plugins: DEPENDENCY_PLUGINS };

const ENTRY = `require("tencentcloud-sdk-nodejs");
module.exports = require("./functions/http");
`;

/**
 * Writes the variant to `outDir`, which must lie inside the repository: the bundle requires
 * better-sqlite3 (external, like the real bundles) from node_modules.
 */
export async function buildWholeSdkBundle(outDir: string): Promise<WholeSdkBundle> {
  const bundle = join(outDir, "index.js");
  const result = await esbuild.build({
    ...SAME_AS_BUILD,
    stdin: { contents: ENTRY, resolveDir: ROOT, sourcefile: "functions/http.whole-sdk.js" },
    outfile: bundle,
    write: false,
  });
  const code = result.outputFiles[0]!.contents;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(bundle, code);
  // The repository's package.json says "type": "module"; the bundle is CommonJS.
  writeFileSync(join(outDir, "package.json"), '{"type":"commonjs"}\n');
  return { bundle, bytes: code.length };
}
