/**
 * The project's task client pointed at the emulator, as the upstream client tests use it, and a
 * way to take the UpstreamError a call rejects with.
 */
import { expect } from "vitest";
import { createTaskClient, type TaskClientOptions } from "../../lib/upstream/client";
import type { Credentials } from "../../lib/upstream/credentials";
import { UpstreamError } from "../../lib/upstream/errors";
import type { Emulator } from "../../scripts/emulator/index";

/**
 * A client against the emulator; retries (three tries) without waiting unless a test says
 * otherwise. `endpoint` names the API under test (`{ legacyEndpoint }` or `{ vpcEndpoint }`).
 * `acquired` holds, for every rate limiter acquire, how many requests the emulator had seen by
 * then: a test reads from it that the limiter is asked before each request, retries included.
 */
export function emulatorTaskClient(
  emulator: Pick<Emulator, "requests">,
  endpoint: Pick<TaskClientOptions, "legacyEndpoint" | "vpcEndpoint">,
  credentials: Credentials,
  options: Partial<TaskClientOptions> = {},
) {
  const acquired: number[] = [];
  const instance = createTaskClient({
    ...endpoint,
    credentials: async () => credentials,
    maxAttempts: 3,
    random: () => 0,
    rateLimiter: {
      async acquire() {
        acquired.push(emulator.requests().length);
      },
    },
    ...options,
  });
  return { ...instance, acquired };
}

/** The UpstreamError `promise` rejects with; fails the test if it resolves or rejects with something else. */
export async function upstreamFailure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}
