/**
 * `npm run emulator`: the emulator on its own, for `npm start`, the CLI and manual runs.
 * EMULATOR_PORT (default 9100; 0 = random), EMULATOR_SECRET_ID / EMULATOR_SECRET_KEY (default
 * the public dev pair), EMULATOR_RATE_LIMIT (requests per second; default unlimited).
 */
import { wholeNumber } from "../env";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, startEmulator } from "./index";

async function main(): Promise<void> {
  const port = wholeNumber(process.env, "EMULATOR_PORT", 9100, 65_535);
  const rateLimit = wholeNumber(process.env, "EMULATOR_RATE_LIMIT", 0, 1_000_000);
  const secretId = process.env.EMULATOR_SECRET_ID || DEFAULT_SECRET_ID;
  const secretKey = process.env.EMULATOR_SECRET_KEY || DEFAULT_SECRET_KEY;
  const emulator = await startEmulator({ port, rateLimit, credentials: [{ secretId, secretKey }] });

  // Only the public dev key is printed; a key given through the environment may be a real one.
  const shownKey = secretKey === DEFAULT_SECRET_KEY ? secretKey : '"$EMULATOR_SECRET_KEY"';
  process.stdout.write(
    [
      `Tencent API emulator listening on ${emulator.url}`,
      `  legacy API (DescribeNetTaskResult): ${emulator.endpoint}`,
      `  TDMQ API 3.0 (SendCmqMsg):          ${emulator.cmqEndpoint}`,
      `  admin API:                          ${emulator.url}/admin/{tasks,faults,requests,cmq/messages,reset}`,
      `  key pair: SecretId ${secretId}, SecretKey ${shownKey}`,
      `  rate limit: ${rateLimit > 0 ? `${rateLimit} requests per second` : "none"}; task 297 in gz is pre-seeded`,
      "Point nettask-relay at it with:",
      `  NETTASK_ENDPOINT=${emulator.endpoint} TENCENTCLOUD_SECRET_ID=${secretId} TENCENTCLOUD_SECRET_KEY=${shownKey} CMQ_ENDPOINT=${emulator.cmqEndpoint}`,
      "",
    ].join("\n"),
  );

  const stop = () => {
    emulator.close().then(
      () => process.stdout.write("emulator closed\n"),
      (error: unknown) => {
        process.stderr.write(`emulator: closing failed: ${String(error)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
