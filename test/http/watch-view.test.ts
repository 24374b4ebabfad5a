import { describe, expect, it } from "vitest";
import { watchView } from "../../lib/http/watch-view";
import type { Destination, Watch } from "../../lib/schemas/index";
import { newWatch } from "../../lib/watches/model";

const SECRET = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 2).toString("base64")}`;
const watchFor = (destination: Destination): Watch =>
  newWatch({ task: { api: "legacy", taskId: 297, region: "gz" }, destination }, Date.UTC(2026, 0, 1), 3600);

describe("watchView", () => {
  it("omits webhook secrets, one or several", () => {
    for (const secret of [SECRET, [SECRET, OTHER_SECRET]]) {
      const view = watchView(watchFor({ type: "webhook", url: "https://hooks.example.com/in", secret }));
      expect(view.destination).toEqual({ type: "webhook", url: "https://hooks.example.com/in" });
      expect(JSON.stringify(view)).not.toContain("whsec_");
    }
  });

  it("masks user names and passwords inside amqp and webhook URLs, as the URL parser reads them", () => {
    const amqp = watchView(
      watchFor({ type: "amqp", exchange: "ex", routingKey: "rk", url: "amqps://relay:p4ssw0rd@mq.example.com:5671/vhost" }),
    );
    expect(amqp.destination).toEqual({ type: "amqp", exchange: "ex", routingKey: "rk", url: "amqps://***:***@mq.example.com:5671/vhost" });
    const shown = (url: string) => (watchView(watchFor({ type: "webhook", url, secret: SECRET })).destination as { url: string }).url;
    expect(shown("https://bot:t0ps3cret@hooks.example.com/in")).toBe("https://***:***@hooks.example.com/in");
    // An @ inside the password: the parser takes everything up to the last @ as credentials.
    expect(shown("https://bot:t0p@s3cret@hooks.example.com/in")).toBe("https://***:***@hooks.example.com/in");
    // A / inside the password ends the authority for every parser: masked up to the last @.
    expect(shown("https://bot:t0p/s3cret+A==@hooks.example.com/in")).toBe("https://***@hooks.example.com/in");
    expect(shown("https://t0ps3cret@hooks.example.com/in")).toBe("https://***@hooks.example.com/in");
    expect(shown("https://hooks.example.com/in?x=1")).toBe("https://hooks.example.com/in?x=1");
  });

  it("masks passwords in recorded errors", () => {
    const watch = watchFor({ type: "amqp", exchange: "", routingKey: "rk" });
    watch.lastError = { message: "connect to amqp://guest:guest@10.0.0.1 refused", at: watch.createdAt };
    watch.delivery.attempts.push({ at: watch.createdAt, ok: false, error: "amqp://u:pw123@broker: ECONNRESET" });
    const view = watchView(watch);
    expect(JSON.stringify(view)).not.toMatch(/guest@|pw123/);
    expect(view.lastError?.message).toBe("connect to amqp://***:***@10.0.0.1 refused");
  });

  it("drops the poller's bookkeeping and keeps everything else", () => {
    const watch = {
      ...watchFor({ type: "cmq", queue: "results", region: "gz" }),
      version: 7,
      lease: { owner: "x-1", until: 5 },
      sending: { owner: "x-1", until: 4 },
    };
    const view = watchView(watch);
    for (const hidden of ["version", "lease", "dueAt", "sending"]) expect(view).not.toHaveProperty(hidden);
    const { version: _v, lease: _l, dueAt: _d, sending: _s, ...rest } = watch;
    expect(view).toEqual(rest);
  });
});
