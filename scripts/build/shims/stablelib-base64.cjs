// Stands in for `@stablelib/base64` in the bundles: standardwebhooks only calls encode and
// decode (standard alphabet, padded), which Buffer does natively. Decoding stays as strict.
"use strict";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
exports.encode = (data) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
exports.decode = (text) => {
  if (!BASE64.test(text)) throw new Error("Base64Coder: incorrect characters for decoding");
  return new Uint8Array(Buffer.from(text, "base64"));
};
