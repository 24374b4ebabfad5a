// Stands in for `fast-sha256` (a pure-JS SHA-256) in the bundles: standardwebhooks only calls
// hmac(key, data), which Node's crypto does natively.
"use strict";
const { createHmac } = require("node:crypto");
exports.hmac = (key, data) => new Uint8Array(createHmac("sha256", key).update(data).digest());
