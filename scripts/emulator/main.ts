/**
 * `npm run emulator`: the emulator on its own, for the CLI and manual runs, configured from the
 * environment as settings.ts says.
 */
import { DEFAULT_SECRET_KEY, SEED_ADDRESS_TEMPLATE, SEED_EIP_TASK, SEED_TASK, SEED_VPC_TASK, startEmulator } from "./index";
import { emulatorOptions, emulatorSettings } from "./settings";

async function main(): Promise<void> {
  const settings = emulatorSettings(process.env);
  const { secretId, secretKey, rateLimit, asyncTaskMs } = settings;
  const emulator = await startEmulator(emulatorOptions(settings));
  // Before anything is printed: whoever reads the banner may signal at once.
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

  // Only the public dev key is printed; a key given through the environment may be a real one.
  const shownKey = secretKey === DEFAULT_SECRET_KEY ? secretKey : '"$EMULATOR_SECRET_KEY"';
  process.stdout.write(
    [
      `Tencent API emulator listening on ${emulator.url}`,
      `  VPC API 3.0 (DescribeVpcTaskResult, DescribeTaskResult, templates, EIPs): ${emulator.vpcEndpoint}`,
      `  TDMQ API 3.0 (SendCmqMsg):          ${emulator.cmqEndpoint}`,
      `  legacy API (DescribeNetTaskResult): ${emulator.endpoint}`,
      `  admin API:                          ${emulator.url}/admin/{tasks,faults,requests,cmq/messages,reset}`,
      `  key pair: SecretId ${secretId}, SecretKey ${shownKey}`,
      `  rate limit on task queries: ${rateLimit > 0 ? `${rateLimit} requests per second` : "none"}; asynchronous actions run ${asyncTaskMs} ms`,
      `  pre-seeded in ap-guangzhou: VPC task ${SEED_VPC_TASK.taskId}, EIP task ${SEED_EIP_TASK.taskId}, address template ${SEED_ADDRESS_TEMPLATE.AddressTemplateId}, legacy task ${SEED_TASK.taskId}`,
      "Point nettask-relay at it with:",
      `  VPC_ENDPOINT=${emulator.vpcEndpoint} NETTASK_ENDPOINT=${emulator.endpoint} CMQ_ENDPOINT=${emulator.cmqEndpoint} TENCENTCLOUD_SECRET_ID=${secretId} TENCENTCLOUD_SECRET_KEY=${shownKey}`,
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
