import { describe, expect, it } from "vitest";
import { ConfigError, detectPlatform, loadConfig, SETTINGS } from "../../lib/config";

const refused = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("accepted");
};

describe("loadConfig", () => {
  it("gives every setting its default when nothing is set", () => {
    const config = loadConfig({});
    for (const [key, setting] of Object.entries(SETTINGS)) expect(config[key as keyof typeof SETTINGS]).toEqual(setting.default);
    expect(config.platform).toBe("local");
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ POLL_RATE_LIMIT: "" }).pollRateLimit).toBe(10);
  });

  it("names the variable and the rule for a bad value", () => {
    expect(refused({ POLL_RATE_LIMIT: "ten" })).toMatchObject({
      variable: "POLL_RATE_LIMIT",
      message: expect.stringContaining("whole number"),
    });
    expect(refused({ POLL_RATE_LIMIT: "0" }).message).toContain("between 1 and 1000");
    expect(refused({ NETTASK_SIGNATURE_METHOD: "md5" }).message).toContain("HmacSHA256, HmacSHA1");
    expect(refused({ NETTASK_ENDPOINT: "ftp://x/v2" }).message).toContain("https: or http:");
    expect(refused({ DELIVERY_SCHEDULE: "0,5x" }).message).toContain('"5x" is not one');
  });

  it("refuses an AMQP_URL amqplib could not use, without repeating it", () => {
    for (const url of [
      "amqp://relay:pass/word-9d2e@broker.example",
      "amqps://broker.example/?heartbeat=1&pw=word-9d2e",
      "https://relay:word-9d2e@broker.example",
    ]) {
      const error = refused({ AMQP_URL: url });
      expect(error.variable, url).toBe("AMQP_URL");
      expect(error.message, url).toMatch(/^AMQP_URL must /);
      expect(error.message, url).not.toContain("word-9d2e");
    }
    expect(loadConfig({ AMQP_URL: "amqps://relay:p%2Fss@broker.example:5671/vhost" }).amqpUrl).toBe(
      "amqps://relay:p%2Fss@broker.example:5671/vhost",
    );
  });

  it("reads durations in the delivery schedule", () => {
    expect(loadConfig({ DELIVERY_SCHEDULE: "0, 250ms, 5s,2m,1h" }).deliverySchedule).toEqual([0, 250, 5_000, 120_000, 3_600_000]);
  });

  it("refuses a maxDelay below the minDelay", () => {
    expect(refused({ POLL_MIN_DELAY_MS: "5000", POLL_MAX_DELAY_MS: "1000" }).variable).toBe("POLL_MAX_DELAY_MS");
  });

  it("refuses a lease that a delivery attempt could outlast (the event would be sent twice)", () => {
    expect(refused({ POLL_LEASE_MS: "1000", WEBHOOK_TIMEOUT_MS: "5000" })).toMatchObject({ variable: "POLL_LEASE_MS" });
    expect(refused({ POLL_LEASE_MS: "20000" }).message).toContain("WEBHOOK_TIMEOUT_MS (15000)");
    expect(loadConfig({ POLL_LEASE_MS: "1000", WEBHOOK_TIMEOUT_MS: "500" }).leaseMs).toBe(1000);
  });

  it("knows where it runs", () => {
    expect(detectPlatform({ TENCENTCLOUD_RUNENV: "SCF" })).toBe("scf");
    expect(detectPlatform({ AWS_LAMBDA_FUNCTION_NAME: "poll" })).toBe("lambda");
    expect(detectPlatform({})).toBe("local");
    // serverless-offline runs the Lambda handlers on this machine.
    expect(detectPlatform({ AWS_LAMBDA_FUNCTION_NAME: "nettask-relay-local-http", IS_OFFLINE: "true" })).toBe("local");
  });
});
