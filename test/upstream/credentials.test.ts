import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DynamicCredential } from "tencentcloud-sdk-nodejs/tencentcloud/common/interface";
import { CredentialsError, credentialsFromEnv, resolveCredentials } from "../../lib/upstream/credentials";
import { sdkCredentialProviders } from "../../lib/upstream/sdk-credentials";

const SDK_NAMES = { TENCENTCLOUD_SECRET_ID: "AKIDsdk", TENCENTCLOUD_SECRET_KEY: "sdk-key" };
const SCF_NAMES = { TENCENTCLOUD_SECRETID: "AKIDscf", TENCENTCLOUD_SECRETKEY: "scf-key", TENCENTCLOUD_SESSIONTOKEN: "scf-token" };
const none = async () => [] as const;

describe("credentials from the environment", () => {
  it("prefers the SDK's names, then SCF's, with the token only when set", () => {
    expect(credentialsFromEnv({ ...SCF_NAMES, ...SDK_NAMES })).toEqual({ secretId: "AKIDsdk", secretKey: "sdk-key" });
    expect(credentialsFromEnv(SCF_NAMES)).toEqual({ secretId: "AKIDscf", secretKey: "scf-key", token: "scf-token" });
    expect(credentialsFromEnv({ ...SDK_NAMES, TENCENTCLOUD_SESSION_TOKEN: "" })).toEqual({ secretId: "AKIDsdk", secretKey: "sdk-key" });
    expect(credentialsFromEnv({})).toBeUndefined();
  });

  it("names the missing half of a pair", () => {
    expect(() => credentialsFromEnv({ TENCENTCLOUD_SECRET_ID: "AKID" })).toThrow(
      "TENCENTCLOUD_SECRET_KEY must be set together with TENCENTCLOUD_SECRET_ID",
    );
    expect(() => credentialsFromEnv({ TENCENTCLOUD_SECRETKEY: "k" })).toThrow(
      "TENCENTCLOUD_SECRETID must be set together with TENCENTCLOUD_SECRETKEY",
    );
  });
});

describe("resolveCredentials", () => {
  it("uses explicit credentials over everything else", async () => {
    const source = resolveCredentials({ explicit: { secretId: "AKIDx", secretKey: "x", token: "t" }, env: SDK_NAMES, loadProviders: none });
    expect(await source()).toEqual({ secretId: "AKIDx", secretKey: "x", token: "t" });
    expect(() => resolveCredentials({ explicit: { secretId: "AKIDx", secretKey: "" } })).toThrow(CredentialsError);
  });

  it("reads the environment at every call, so rotated SCF credentials are picked up", async () => {
    const env: Record<string, string> = { ...SCF_NAMES };
    const loadProviders = vi.fn(none);
    const source = resolveCredentials({ env, loadProviders });
    expect(await source()).toMatchObject({ secretId: "AKIDscf", token: "scf-token" });
    env.TENCENTCLOUD_SECRETID = "AKIDrotated";
    env.TENCENTCLOUD_SESSIONTOKEN = "rotated-token";
    expect(await source()).toEqual({ secretId: "AKIDrotated", secretKey: "scf-key", token: "rotated-token" });
    expect(loadProviders).not.toHaveBeenCalled();
  });

  it("says which variables to set when there are no credentials anywhere", async () => {
    const empty: DynamicCredential = { getCredential: async () => ({ secretId: "", secretKey: "" }) };
    const broken: DynamicCredential = { getCredential: async () => Promise.reject(new Error("metadata unreachable")) };
    const source = resolveCredentials({ env: {}, loadProviders: async () => [() => empty, () => broken] });
    await expect(source()).rejects.toThrow(CredentialsError);
    await expect(source()).rejects.toThrow(/TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY/);
  });

  describe("the SDK's providers", () => {
    const home = process.env.HOME;
    afterEach(() => {
      process.env.HOME = home;
      vi.useRealTimers();
    });

    it("finds the SDK's profile file when the environment has nothing", async () => {
      const dir = mkdtempSync(join(tmpdir(), "nettask-home-"));
      try {
        mkdirSync(join(dir, ".tencentcloud"));
        writeFileSync(join(dir, ".tencentcloud", "credentials"), "[default]\nsecret_id = AKIDprofile\nsecret_key = profile-key\n");
        process.env.HOME = dir;
        expect(await resolveCredentials({ env: {} })()).toEqual({ secretId: "AKIDprofile", secretKey: "profile-key" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    /** The SDK's CVM role provider, with the metadata server replaced by a counter (no network). */
    function cvmRole(fetches: { count: number; failNext?: boolean }, lifetimeS: number) {
      const role = sdkCredentialProviders[1]!();
      Object.assign(role, {
        getRoleName: async () => "relay-role",
        getRoleCredential: async () => {
          if (fetches.failNext) {
            fetches.failNext = false;
            throw new Error("metadata server hiccup");
          }
          fetches.count++;
          return {
            Code: "Success",
            TmpSecretId: `AKIDtmp${fetches.count}`,
            TmpSecretKey: `tmp-key-${fetches.count}`,
            Token: `tmp-token-${fetches.count}`,
            ExpiredTime: Math.floor(Date.now() / 1000) + lifetimeS,
            Expiration: "",
          };
        },
      });
      return role;
    }

    it("refreshes a temporary CVM role credential before it expires", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const t0 = Date.UTC(2026, 0, 1);
      vi.setSystemTime(t0);
      const fetches = { count: 0 };
      const role = cvmRole(fetches, 7200);
      const source = resolveCredentials({ env: {}, loadProviders: async () => [() => role] });

      expect(await source()).toEqual({ secretId: "AKIDtmp1", secretKey: "tmp-key-1", token: "tmp-token-1" });
      vi.setSystemTime(t0 + 7200_000 - 31_000);
      expect(await source()).toMatchObject({ token: "tmp-token-1" });
      expect(fetches.count).toBe(1);
      // Within the last 30 s of its life the credential is replaced, before it stops working.
      vi.setSystemTime(t0 + 7200_000 - 29_000);
      expect(await source()).toEqual({ secretId: "AKIDtmp2", secretKey: "tmp-key-2", token: "tmp-token-2" });
      expect(fetches.count).toBe(2);
    });

    it("tries a provider again after it failed once, instead of keeping the failure", async () => {
      const fetches = { count: 0, failNext: true };
      const source = resolveCredentials({ env: {}, loadProviders: async () => [() => cvmRole(fetches, 7200)] });
      await expect(source()).rejects.toThrow(CredentialsError);
      expect(await source()).toMatchObject({ secretId: "AKIDtmp1" });
    });
  });
});
