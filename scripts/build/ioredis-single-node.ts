/**
 * Leaves out the parts of ioredis a single-node connection never reaches: Redis Cluster,
 * Sentinel and the TLS profile presets (about 45 KB, a fifth of the http budget). The store
 * connects to one node from STORE_URL, and parseRedisUrl (lib/watches/redis-store.ts) refuses
 * every option that could ask for the others. Should anything still construct one, it fails
 * with an error saying so.
 */
import { sep } from "node:path";
import type { Plugin } from "esbuild";

/** Relative requires of those modules, from inside ioredis/built. */
const LEFT_OUT = /^\.{1,2}\/(?:cluster|(?:connectors\/)?SentinelConnector|constants\/TLSProfiles)$/;
const NAMESPACE = "ioredis-left-out";

const NOT_BUNDLED = `"use strict";
class LeftOut {
  constructor() {
    throw new Error("Redis Cluster and Sentinel are not in the nettask-relay bundles: STORE_URL names one Redis node");
  }
}
exports.default = LeftOut;
exports.SentinelIterator = LeftOut;
`;

export const ioredisSingleNode: Plugin = {
  name: NAMESPACE,
  setup(build) {
    build.onResolve({ filter: LEFT_OUT }, (args) =>
      args.importer.includes(`${sep}node_modules${sep}ioredis${sep}`) ? { path: args.path, namespace: NAMESPACE } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      // No presets: a `tls.profile` name (which STORE_URL cannot set) would find nothing.
      contents: args.path.endsWith("TLSProfiles") ? `"use strict";\nexports.default = {};\n` : NOT_BUNDLED,
      loader: "js",
    }));
  },
};
