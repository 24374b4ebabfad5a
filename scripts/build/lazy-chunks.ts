/**
 * Code that only some invocations need goes into files of its own next to the bundle
 * (dist/<fn>/chunks/<name>.js), required on first use. esbuild's CommonJS output does not
 * split code, so this plugin turns a dynamic import of one of these modules into an external
 * `./chunks/<name>.js`, and build.ts bundles each chunk separately.
 */
import { resolve } from "node:path";
import type { Plugin } from "esbuild";

/** Chunk name → the one small module that imports the heavy dependency. */
export const LAZY_CHUNKS: Readonly<Record<string, string>> = {
  // The SDK's profile file / CVM role providers: reached only without credentials in the environment.
  "sdk-credentials": "lib/upstream/sdk-credentials.ts",
  // tencentcloud-sdk-nodejs's TDMQ client: only for cmq destinations.
  tdmq: "lib/delivery/cmq-sdk.ts",
  // Only for amqp destinations.
  amqplib: "lib/delivery/amqp-lib.ts",
  // Watching: the relay (stores, polling, events, the watch validators), loaded when a watch
  // is first needed; reading a task does without it. Within it, the senders load later still.
  relay: "lib/relay.ts",
  "watch-routes": "lib/http/watch-routes.ts",
  // The senders and the address policy, loaded on the first registration or delivery.
  delivery: "lib/delivery/index.ts",
  // The watch stores, opened on first use (reading a task needs none).
  "redis-store": "lib/watches/redis-store.ts",
  "sqlite-store": "lib/watches/sqlite-store.ts",
};

/** Packages that must never be part of a main bundle (they belong in the chunks above)… */
export const LAZY_PACKAGES = ["tencentcloud-sdk-nodejs", "amqplib", "ioredis"];

/** …but for these files: the SDK's TC3 signer, which signs every API 3.0 poll (lib/upstream/tc3.ts). */
export const MAIN_BUNDLE_EXCEPTIONS = [
  "node_modules/tencentcloud-sdk-nodejs/tencentcloud/common/sign.js",
  "node_modules/tencentcloud-sdk-nodejs/tencentcloud/common/exception/tencent_cloud_sdk_exception.js",
];

const RESOLVING = Symbol("lazy-chunks");

/**
 * Records in `used` the chunks the bundle refers to. `from` is where the bundle is written
 * relative to the chunks: "./chunks/" for a main bundle, "./" for a chunk that loads another.
 */
export function lazyChunks(root: string, used: Set<string>, from = "./chunks/"): Plugin {
  const chunkOf = new Map(Object.entries(LAZY_CHUNKS).map(([name, file]) => [resolve(root, file), name]));
  return {
    name: "lazy-chunks",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind !== "dynamic-import" || args.pluginData === RESOLVING) return undefined;
        const { path } = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: RESOLVING,
        });
        const name = chunkOf.get(path);
        if (name === undefined) return undefined;
        used.add(name);
        return { path: `${from}${name}.js`, external: true };
      });
    },
  };
}
