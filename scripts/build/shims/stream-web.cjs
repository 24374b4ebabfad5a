// Stands in for `node:stream/web` in the main bundles: @middy/core imports it only to stream
// responses, which the functions never do, and loading Node's web streams (a dozen internal
// modules) at every cold start costs more than answering a request. Loaded on first use instead.
"use strict";
Object.defineProperty(exports, "ReadableStream", { enumerable: true, get: () => require("node:stream/web").ReadableStream });
