import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { serializeEvent } from "../../lib/delivery/deliverer";
import { sampleEvent } from "../support/delivery";

describe("lazy loading of the queue clients", () => {
  it("loads neither the TDMQ SDK nor amqplib for webhooks, and each only when its destination is used", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "test/support/lazy-probe.ts", serializeEvent(sampleEvent())],
      { timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toEqual({
      afterCreate: { sdk: false, amqplib: false },
      webhook: true,
      afterWebhook: { sdk: false, amqplib: false },
      afterCmq: { sdk: true, amqplib: false },
      afterAmqp: { sdk: true, amqplib: true },
    });
  });
});
