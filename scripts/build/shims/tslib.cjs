// Stands in for `tslib` in the main bundles, whose only users of it are tencentcloud-sdk-nodejs's
// TC3 signer and its exception class (lib/upstream/tc3.ts). tslib's __importStar copies every
// property of node:crypto into a new object, which touches crypto's lazy getters and loads Web
// Crypto and more at a cold start for nothing; a view with the module as prototype reads the
// same functions and touches nothing. The lazy chunks (the SDK's clients) keep the real tslib.
"use strict";
exports.__importDefault = (mod) => (mod?.__esModule ? mod : { default: mod });
exports.__importStar = (mod) => (mod?.__esModule ? mod : Object.assign(Object.create(mod), { default: mod }));
