// Stands in for `debug` in the bundles: ioredis asks whether its namespace is enabled and
// returns early when not, so the package only cost bundle size and start-up time.
"use strict";
function createDebug(namespace) {
  const debug = () => {};
  debug.enabled = false;
  debug.namespace = namespace;
  debug.log = () => {};
  debug.destroy = () => true;
  debug.extend = (suffix) => createDebug(`${namespace}:${suffix}`);
  return debug;
}
createDebug.enable = () => {};
createDebug.disable = () => "";
createDebug.enabled = () => false;
module.exports = createDebug;
module.exports.default = createDebug;
