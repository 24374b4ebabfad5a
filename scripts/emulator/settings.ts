/**
 * The emulator's settings from the environment, for `npm run emulator` and `npm start` alike:
 * EMULATOR_PORT (default 9100; 0 = random), EMULATOR_SECRET_ID / EMULATOR_SECRET_KEY (default the
 * public dev pair), EMULATOR_RATE_LIMIT (task queries per second; default unlimited),
 * EMULATOR_ASYNC_TASK_MS (how long the tasks of asynchronous API 3.0 actions run; default 3000).
 */
import { wholeNumber } from "../env";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY } from "./credentials";
import { DEFAULT_ASYNC_TASK_MS, type EmulatorOptions } from "./index";

type Env = Readonly<Record<string, string | undefined>>;

export type EmulatorSettings = Required<Pick<EmulatorOptions, "port" | "rateLimit" | "asyncTaskMs">> & {
  secretId: string;
  secretKey: string;
};

export function emulatorSettings(env: Env): EmulatorSettings {
  return {
    port: wholeNumber(env, "EMULATOR_PORT", 9100, 65_535),
    rateLimit: wholeNumber(env, "EMULATOR_RATE_LIMIT", 0, 1_000_000),
    asyncTaskMs: wholeNumber(env, "EMULATOR_ASYNC_TASK_MS", DEFAULT_ASYNC_TASK_MS, 86_400_000),
    secretId: env.EMULATOR_SECRET_ID || DEFAULT_SECRET_ID,
    secretKey: env.EMULATOR_SECRET_KEY || DEFAULT_SECRET_KEY,
  };
}

/** startEmulator's options for these settings. */
export function emulatorOptions({ secretId, secretKey, ...rest }: EmulatorSettings): EmulatorOptions {
  return { ...rest, credentials: [{ secretId, secretKey }] };
}
