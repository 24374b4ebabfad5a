/**
 * An upstream (or a gateway in front of it) that echoes the request back — in a message, a
 * codeDesc, a plain-text error page — must not carry the session token or the key into logs,
 * stored watch errors or API answers.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { text } from "node:stream/consumers";
import { expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { handleApiRequest } from "../../lib/http/api";
import { createLogger } from "../../lib/log";
import { createRelay } from "../../lib/relay";

const TOKEN = "session-token-echoed-by-upstream-1234";

it("an upstream echoing the request keeps the session token out of logs and answers", async () => {
  let mode: "json" | "text" = "json";
  const upstream = createServer(async (req, res) => {
    // Params sorted backwards, so Token comes early (as some gateways' error pages show the request).
    const echoed = [...new URLSearchParams(await text(req))]
      .sort(([a], [b]) => (a < b ? 1 : -1))
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    if (mode === "json")
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ code: 4100, message: `refused ${echoed}`, codeDesc: `AuthFailure ${echoed}` }));
    else res.writeHead(200, { "content-type": "text/plain" }).end(`${echoed} refused`);
  });
  await new Promise<void>((ready) => upstream.listen(0, "127.0.0.1", ready));
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => lines.push(line) });
  const env = { TENCENTCLOUD_SECRET_ID: "AKIDecho", TENCENTCLOUD_SECRET_KEY: "echo-secret-key-5678", TENCENTCLOUD_SESSION_TOKEN: TOKEN };
  const config = loadConfig({
    ...env,
    NETTASK_ENDPOINT: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v2/index.php`,
    NETTASK_MAX_ATTEMPTS: "1",
    STORE_URL: "sqlite::memory:",
    API_TOKEN: "t",
  });
  const relay = await createRelay(config, { logger });
  const api = (method: string, path: string, query: Record<string, string> = {}) =>
    handleApiRequest(
      { method, path, query, headers: { authorization: "Bearer t" }, body: undefined, requestId: "r1" },
      { config: () => config, tasks: async () => relay, relay: async () => relay, logger: () => logger },
    );
  const bodies: string[] = [];
  bodies.push((await api("GET", "/tasks/1", { region: "gz" })).body); // JSON 4100 echo: message and codeDesc
  mode = "text";
  bodies.push((await api("GET", "/tasks/1", { region: "gz" })).body); // non-JSON echo: the malformed-body excerpt
  const { watch } = await relay.registerWatch({ taskId: 1, region: "gz", destination: { type: "cmq", queue: "q" } });
  bodies.push((await api("GET", `/watches/${watch.id}`)).body);
  await relay.close();
  upstream.close();
  expect(lines.some((l) => l.includes("[redacted]"))).toBe(true); // the echo did arrive, scrubbed
  for (const secret of [TOKEN, env.TENCENTCLOUD_SECRET_KEY]) {
    expect(lines.filter((l) => l.includes(secret))).toEqual([]);
    expect(bodies.filter((b) => b.includes(secret))).toEqual([]);
  }
});
