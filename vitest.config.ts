import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The second module collects every test process's output and, when the run ends, fails it
    // if a test secret shows up there (test/support/leak-check.global.ts).
    globalSetup: ["test/support/global-setup.ts", "test/support/leak-check.global.ts"],
    setupFiles: ["test/support/tee-output.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites share one Redis and one RabbitMQ; they namespace their keys and
    // queues, so files may still run in parallel.
    pool: "forks",
  },
});
