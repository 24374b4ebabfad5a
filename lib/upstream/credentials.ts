/**
 * Where the SecretId/SecretKey (and Token, for temporary credentials) come from. The chain is
 * walked on every call: SCF rotates the temporary credentials it puts in the environment, and
 * the SDK's providers cache and refresh theirs themselves.
 */
import type { DynamicCredential } from "tencentcloud-sdk-nodejs/tencentcloud/common/interface";
import type { Env } from "../config";
import { RelayError } from "../errors";

export interface Credentials {
  secretId: string;
  secretKey: string;
  /** Session token of temporary credentials; sent as the `Token` parameter. */
  token?: string;
}

export type CredentialSource = () => Promise<Credentials>;

export class CredentialsError extends RelayError {
  static override readonly errorName = "CredentialsError";
  // Missing or half-set credentials: the deployment cannot call the upstream at all.
  override readonly kind = "unavailable";
}

/** The SDK's own names first, then the ones SCF injects for the function's role. */
const ENV_NAMES = [
  { id: "TENCENTCLOUD_SECRET_ID", key: "TENCENTCLOUD_SECRET_KEY", token: "TENCENTCLOUD_SESSION_TOKEN" },
  { id: "TENCENTCLOUD_SECRETID", key: "TENCENTCLOUD_SECRETKEY", token: "TENCENTCLOUD_SESSIONTOKEN" },
] as const;

const NOT_FOUND =
  "no Tencent Cloud credentials found: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY " +
  "(and TENCENTCLOUD_SESSION_TOKEN for temporary credentials), or write them to ~/.tencentcloud/credentials, " +
  "or run with a CVM role";

function credentials(secretId: string, secretKey: string, token: string | undefined): Credentials {
  return token ? { secretId, secretKey, token } : { secretId, secretKey };
}

/** Credentials from the environment, or undefined when neither naming convention is set. */
export function credentialsFromEnv(env: Env): Credentials | undefined {
  for (const names of ENV_NAMES) {
    const secretId = env[names.id];
    const secretKey = env[names.key];
    if (!secretId && !secretKey) continue;
    // Half a pair is a mistake to point out, not a reason to try the next source silently.
    if (!secretId || !secretKey)
      throw new CredentialsError(`${secretId ? names.key : names.id} must be set together with ${secretId ? names.id : names.key}`);
    return credentials(secretId, secretKey, env[names.token]);
  }
  return undefined;
}

export type ResolveCredentialsOptions =
  | {
      /** Credentials given in code: nothing else is consulted. */
      explicit: Credentials;
    }
  | {
      /** Read at every call: the environment the configuration came from (Config.credentialEnv). */
      env: Env;
      /** Factories of the SDK's providers, loaded on first need (tests pass their own). */
      loadProviders?: () => Promise<ReadonlyArray<() => DynamicCredential>>;
    };

const loadSdkProviders = async () => (await import("./sdk-credentials")).sdkCredentialProviders;

/**
 * The credential chain: explicit credentials; TENCENTCLOUD_SECRET_ID/_SECRET_KEY/_SESSION_TOKEN;
 * SCF's TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN; the SDK's profile file; the CVM role.
 * Returns the source; each call walks the chain again.
 */
export function resolveCredentials(options: ResolveCredentialsOptions): CredentialSource {
  if ("explicit" in options) {
    const { explicit } = options;
    if (!explicit.secretId || !explicit.secretKey) throw new CredentialsError("explicit credentials need both secretId and secretKey");
    const fixed = credentials(explicit.secretId, explicit.secretKey, explicit.token);
    return async () => fixed;
  }
  const { env, loadProviders = loadSdkProviders } = options;
  let providers: Promise<{ create: () => DynamicCredential; instance: DynamicCredential }[]> | undefined;
  return async () => {
    const fromEnv = credentialsFromEnv(env);
    if (fromEnv) return fromEnv;
    providers ??= loadProviders().then((factories) => factories.map((create) => ({ create, instance: create() })));
    for (const provider of await providers) {
      try {
        const found = await provider.instance.getCredential();
        if (found.secretId && found.secretKey) return credentials(found.secretId, found.secretKey, found.token);
      } catch {
        // The SDK keeps a failed metadata lookup cached for good; start that provider afresh.
        provider.instance = provider.create();
      }
    }
    throw new CredentialsError(NOT_FOUND);
  };
}
