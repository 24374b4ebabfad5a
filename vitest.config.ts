import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites share one Redis and one RabbitMQ; they namespace their keys and
    // queues, so files may still run in parallel.
    pool: "forks",
  },
});
