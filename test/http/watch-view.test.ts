import { describe, expect, it } from "vitest";
import { watchView } from "../../lib/http/watch-view";
import type { Destination, Watch } from "../../lib/schemas/index";
import { newWatch } from "../../lib/watches/model";

const SECRET = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 2).toString("base64")}`;
const watchFor = (destination: Destination): Watch => newWatch({ task: { api: "legacy", taskId: 297, region: "gz" }, destination }, Date.UTC(2026, 0, 1), 3600);

describe("watchView", () => {
  it("omits webhook secrets, one or several", () => {
    for (const secret of [SECRET, [SECRET, OTHER_SECRET]]) {
      const view = watchView(watchFor({ type: "webhook", url: "https://hooks.example.com/in", secret }));
      expect(view.destination).toEqual({ type: "webhook", url: "https://hooks.example.com/in" });
      expect(JSON.stringify(view)).not.toContain("whsec_");
    }
  });

  it("masks passwords inside amqp and webhook URLs", () => {
    const amqp = watchView(watchFor({ type: "amqp", exchange: "ex", routingKey: "rk", url: "amqps://relay:p4ssw0rd@mq.example.com:5671/vhost" }));
    expect(amqp.destination).toEqual({ type: "amqp", exchange: "ex", routingKey: "rk", url: "amqps://relay:***@mq.example.com:5671/vhost" });
    const hook = watchView(watchFor({ type: "webhook", url: "https://bot:t0ps3cret@hooks.example.com/in" }));
    expect(JSON.stringify(hook)).not.toContain("t0ps3cret");
  });

  it("masks passwords in recorded errors", () => {
    const watch = watchFor({ type: "amqp", exchange: "", routingKey: "rk" });
    watch.lastError = { message: "connect to amqp://guest:guest@10.0.0.1 refused", at: watch.createdAt };
    watch.delivery.attempts.push({ at: watch.createdAt, ok: false, error: "amqp://u:pw123@broker: ECONNRESET" });
    const view = watchView(watch);
    expect(JSON.stringify(view)).not.toMatch(/guest@|pw123/);
    expect(view.lastError?.message).toBe("connect to amqp://guest:***@10.0.0.1 refused");
  });

  it("drops the poller's bookkeeping and keeps everything else", () => {
    const watch = { ...watchFor({ type: "cmq", queue: "results", region: "gz" }), version: 7, lease: { owner: "x-1", until: 5 } };
    const view = watchView(watch);
    expect(view).not.toHaveProperty("version");
    expect(view).not.toHaveProperty("lease");
    expect(view).not.toHaveProperty("dueAt");
    const { version: _v, lease: _l, dueAt: _d, ...rest } = watch;
    expect(view).toEqual(rest);
  });
});
