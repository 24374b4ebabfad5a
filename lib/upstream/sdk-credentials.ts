/**
 * tencentcloud-sdk-nodejs's own credential providers. Kept apart and imported lazily by
 * credentials.ts, so functions that find their credentials in the environment never load the
 * SDK and a bundler can split it out.
 */
import * as sdkCredential from "tencentcloud-sdk-nodejs/tencentcloud/common/credential.js";
import type { DynamicCredential } from "tencentcloud-sdk-nodejs/tencentcloud/common/interface";

// Node's ESM loader does not see CvmRoleCredential (a getter re-export of a CommonJS module);
// the CommonJS exports object, which node and esbuild both expose as `default`, has it.
const sdk = (sdkCredential as { default?: typeof sdkCredential }).default ?? sdkCredential;

/** Factories, in order: the profile file (~/.tencentcloud/credentials), then the CVM role. */
export const sdkCredentialProviders: ReadonlyArray<() => DynamicCredential> = [
  () => new sdk.ProfileCredential(),
  () => new sdk.CvmRoleCredential(),
];
