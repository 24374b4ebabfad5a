// Stands in for `json-bigint` in the main bundles, whose only tencentcloud-sdk-nodejs module is
// the TC3 signer (lib/upstream/tc3.ts): it creates a JSONbig instance when loaded but, given
// the request body as a Buffer (as the relay always gives it), never uses it. The lazy chunks
// holding the SDK's clients (TDMQ) keep the real json-bigint, which they parse answers with.
"use strict";
module.exports = () => ({ parse: JSON.parse, stringify: JSON.stringify });
