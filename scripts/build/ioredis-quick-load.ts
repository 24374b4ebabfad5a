/**
 * Makes requiring ioredis cheap; what it evaluates on require is most of what loading the
 * Redis store costs a cold start (BENCHMARKS.md, figure 2). Two edits, each anchored on the
 * statement it changes, and the build fails when an ioredis release no longer has it:
 *
 * - ioredis adds a method per Redis command (about 600 with their Buffer twins) to its
 *   Commander prototype, one at a time. V8 keeps a prototype's properties in "fast" mode and
 *   copies its descriptor array on every addition, so that loop is quadratic. Adding two
 *   placeholder properties and deleting the first puts the prototype in dictionary mode,
 *   where each addition is constant time; V8 makes it fast again, once, when it is first
 *   used as a prototype. Both placeholders are deleted before the methods are added.
 * - Its standalone connector requires node:tls at the top but uses it only to connect to a
 *   rediss:// URL; it is required on that first connect instead.
 */
import { readFile } from "node:fs/promises";
import type { Plugin } from "esbuild";

interface Edit {
  file: RegExp;
  anchor: string;
  replacement: string;
}

/** ioredis's built/<file>.js (`file` written with /), under either path separator. */
const inIoredis = (file: string) =>
  new RegExp(`[\\\\/]node_modules[\\\\/]ioredis[\\\\/]built[\\\\/]${file.replaceAll("/", "[\\\\/]")}\\.js$`);

export const IOREDIS_EDITS: readonly Edit[] = [
  {
    file: inIoredis("utils/Commander"),
    anchor: "const commands = commands_1.list.filter(",
    replacement:
      "Commander.prototype.__nettaskRelayA = 0; Commander.prototype.__nettaskRelayB = 0;\n" +
      "delete Commander.prototype.__nettaskRelayA; delete Commander.prototype.__nettaskRelayB;\n" +
      "const commands = commands_1.list.filter(",
  },
  {
    file: inIoredis("connectors/StandaloneConnector"),
    anchor: 'const tls_1 = require("tls");',
    replacement: 'const tls_1 = { get connect() { return require("tls").connect; } };',
  },
];

/** `source` of the ioredis file at `path` with its edit made (unchanged for other files); throws when the anchor is gone. */
export function quickLoading(source: string, path: string): string {
  const edit = IOREDIS_EDITS.find(({ file }) => file.test(path));
  if (!edit) return source;
  if (!source.includes(edit.anchor))
    throw new Error(`${path}: "${edit.anchor}" not found; ioredis has changed, see scripts/build/ioredis-quick-load.ts`);
  return source.replace(edit.anchor, edit.replacement);
}

export const ioredisQuickLoad: Plugin = {
  name: "ioredis-quick-load",
  setup(build) {
    for (const { file } of IOREDIS_EDITS) {
      build.onLoad({ filter: file }, async (args) => ({
        contents: quickLoading(await readFile(args.path, "utf8"), args.path),
        loader: "js",
      }));
    }
  },
};
