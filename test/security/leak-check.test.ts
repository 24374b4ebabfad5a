/**
 * The secret-leak check itself: it recognises every kind of secret the suite uses (and ignores
 * masked ones), and this process's output really is copied where the check reads it.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger, redact } from "../../lib/log";
import { DEFAULT_SECRET_KEY } from "../../scripts/emulator/credentials";
import { API_TOKEN, WEBHOOK_SECRET } from "../support/stack";
import { captureDir, quietLogger, recordOutput } from "../support/capture";
import { findLeaks, OWN_SECRETS } from "../support/secrets";

const captured = () =>
  readdirSync(captureDir())
    .filter((name) => name.endsWith(`-${process.pid}.log`))
    .map((name) => readFileSync(join(captureDir(), name), "utf8"))
    .join("");

describe("findLeaks", () => {
  it.each([
    ["the emulator SecretKey in an error", `error: bad key ${DEFAULT_SECRET_KEY}`, /emulator SecretKey/],
    ["the API token in a header dump", `{"authorization":"Bearer ${API_TOKEN}"}`, /API token of test\/support\/stack/],
    ["a webhook secret", `secret=${WEBHOOK_SECRET}`, /webhook secret of test\/support\/stack/],
    ["a webhook secret's bare base64 key", `key ${WEBHOOK_SECRET.slice("whsec_".length)}`, /base64 key/],
    ["a session token", `Token=${OWN_SECRETS.sessionToken}&x=1`, /sessionToken/],
    ["a whsec_ secret no test declared", `whsec_${Buffer.alloc(24, 200).toString("base64")}`, /a whsec_ webhook secret/],
    ["a password inside a URL", "connecting to amqp://relay:guest-pass@broker:5672", /a password inside a URL/],
    ["a password with an @ inside a URL", "POST https://user:p@ssw0rd-x@hooks.example.com/in", /a password inside a URL/],
    [
      "a base64 password with a / inside a URL",
      "POST https://user:c2VjcmV0/cGFzcw==@hooks.example.com/in failed",
      /a password inside a URL/,
    ],
    [
      "an amqp password with a / in a resolver's error",
      "getaddrinfo ENOTFOUND amqp://relay:pass/word@broker.example",
      /a password inside a URL/,
    ],
    ["a password half-masked by a pattern", "https://user:***@ssw0rd@hooks.example.com/", /a password inside a URL/],
  ])("finds %s", (_name, line, what) => {
    const leaks = findLeaks(`clean line\n${line}\nanother clean line`);
    expect(leaks.length).toBeGreaterThan(0);
    expect(leaks.every((l) => l.line === 2)).toBe(true);
    expect(leaks.map((l) => l.what).join("; ")).toMatch(what);
    // The report names the secret, never shows it.
    expect(leaks.map((l) => l.what).join("; ")).not.toContain(line.slice(-12));
  });

  it("passes what the code prints instead of secrets", () => {
    const lines = [
      JSON.stringify(
        redact({
          authorization: `Bearer ${API_TOKEN}`,
          secretKey: DEFAULT_SECRET_KEY,
          url: `amqp://relay:${OWN_SECRETS.amqpPassword}@broker:5672`,
        }),
      ),
      "redis://:***@127.0.0.1:6379/0 and https://user:[redacted]@hooks.example.com/",
      "amqps://***:***@mq.example.com:5671/vhost, https://***@hooks.example.com/in and https://hooks.example.com:8443/in?x=1",
      ...[
        `https://user:${OWN_SECRETS.webhookPasswordWithAt}@hooks.example.com/in`,
        `https://user:${OWN_SECRETS.webhookPasswordWithSlash}@hooks.example.com/in`,
        `amqp://relay:${OWN_SECRETS.amqpPasswordWithSlash}@broker.example:5672`,
      ].map((url) => `attempt to ${redact(url) as string} failed`),
      "webhook secret must be whsec_ followed by base64 of 24 to 64 bytes",
      '{"level":"info","message":"http request","status":401,"path":"/watches"}',
    ];
    expect(findLeaks(lines.join("\n"))).toEqual([]);
  });
});

describe("capture", () => {
  it("copies this process's stdout, stderr and console output, and recorded output, to the capture directory", () => {
    const marker = `capture-marker-${randomUUID()}`;
    process.stdout.write(`${marker} stdout\n`);
    process.stderr.write(Buffer.from(`${marker} stderr\n`));
    console.log(`${marker} console.log`);
    console.warn(`${marker} console.warn`);
    recordOutput("capture-test", `${marker} recorded\n`);
    quietLogger("capture-test").debug("quiet", { marker });
    createLogger({ level: "info" }).info("loud", { marker });

    const text = captured();
    for (const where of ["stdout", "stderr", "console.log", "console.warn", "recorded"]) expect(text).toContain(`${marker} ${where}`);
    expect(text).toContain(`"message":"quiet","timestamp"`);
    expect(text.split("\n").filter((line) => line.includes(marker) && line.includes('"message"'))).toHaveLength(2);
  });
});
