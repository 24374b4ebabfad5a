/**
 * The dependency rule of lib/ (docs/architecture.md, "Layers"): `npm run lint:deps`, and
 * test/architecture.test.ts runs it in `npm test`. Type-only imports count (a type drags its
 * module's meaning with it), and so do dynamic imports: a lazy chunk is no way round a rule.
 */
const { join } = require("node:path");

/**
 * lib/ from the bottom up: a file may import its own layer and the layers below it, nothing
 * above. Every lib file belongs to exactly one layer.
 */
const LAYERS = [
  ["base", "^lib/(errors|lazy|stopwatch|sleep|stable-id|log|cidr|broker-url)[.]ts$"],
  ["schemas", "^lib/(schemas/|regions[.]ts$)"],
  ["config", "^lib/config[.]ts$"],
  ["upstream", "^lib/upstream/"],
  ["delivery", "^lib/delivery/"],
  ["watches", "^lib/watches/"],
  ["poll", "^lib/poll/"],
  ["relay", "^lib/(relay|task-reader)[.]ts$"],
  ["http", "^lib/http/"],
  ["runtime", "^lib/runtime[.]ts$"],
];

/** Packages that tie code to one platform: they belong in functions/, lib/ stays platform-neutral. */
const PLATFORM_PACKAGES = ["@middy/", "aws-lambda", "@types/aws-lambda", "@aws-lambda-powertools/", "serverless", "serverless-offline"];

const layerRules = LAYERS.map(([name, path], i) => ({
  name: `layer-${name}`,
  severity: "error",
  comment: `lib/ ${name} may import only ${LAYERS.slice(0, i + 1)
    .map(([n]) => n)
    .join(", ")} (docs/architecture.md)`,
  from: { path },
  to: { path: "^lib/", pathNot: LAYERS.slice(0, i + 1).map(([, p]) => p) },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A file cycle: the modules can be neither understood nor loaded one without the other.",
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: "lib-in-a-layer",
      severity: "error",
      comment:
        "Every lib/ file belongs to a layer: add a new folder or file to LAYERS in .dependency-cruiser.cjs and to docs/architecture.md.",
      from: { path: "^lib/", pathNot: LAYERS.map(([, p]) => p) },
      to: {},
    },
    {
      name: "lib-not-to-outside",
      severity: "error",
      comment: "lib/ is the library the functions, scripts and tests use; it uses none of them.",
      from: { path: "^lib/" },
      to: { path: "^(functions|scripts|test|examples)/" },
    },
    {
      name: "lib-not-to-platform",
      severity: "error",
      comment: "lib/ is platform-neutral: adapting SCF or Lambda (middy, their event types) is functions/'s job.",
      from: { path: "^lib/" },
      to: { path: PLATFORM_PACKAGES.map((p) => `(^|/)node_modules/${p.replace(/[.]/g, "[.]")}`) },
    },
    {
      name: "lib-not-to-dev-dep",
      severity: "error",
      comment: "What lib/ runs is deployed: it may use a devDependency only for its types.",
      from: { path: "^lib/" },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that does not resolve cannot be checked against the rules above.",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "(^|/)node_modules/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: join(__dirname, "tsconfig.json") },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
