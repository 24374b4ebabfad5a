/**
 * Run in a child process by lazy-load.test.ts: delivers to a webhook, then to CMQ, then to
 * AMQP, and prints after each step whether the TDMQ SDK and amqplib have been loaded.
 */
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../../lib/config";
import { createDeliverer } from "../../lib/delivery/create-deliverer";
import type { CloudEvent } from "../../lib/schemas/index";

const cache = createRequire(import.meta.url).cache;
const loaded = () => {
  const paths = Object.keys(cache);
  return {
    sdk: paths.some((p) => p.includes("/node_modules/tencentcloud-sdk-nodejs/")),
    amqplib: paths.some((p) => p.includes("/node_modules/amqplib/")),
  };
};

const event = JSON.parse(process.argv[2]!) as CloudEvent;
const server = createServer((_, res) => res.writeHead(204).end());
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const port = (server.address() as AddressInfo).port;
const closedPort = "1";

const deliverer = createDeliverer(
  loadConfig({ WEBHOOK_ALLOW: "127.0.0.1/32", WEBHOOK_TIMEOUT_MS: "2000", CMQ_ENDPOINT: `http://127.0.0.1:${closedPort}` }),
  {
    credentials: async () => ({ secretId: "AKIDprobe", secretKey: "probe" }),
  },
);
const report: Record<string, unknown> = { afterCreate: loaded() };
report.webhook = (
  await deliverer.deliver(event, {
    type: "webhook",
    url: `http://127.0.0.1:${port}/`,
    secret: `whsec_${Buffer.alloc(24, 5).toString("base64")}`,
  })
).ok;
report.afterWebhook = loaded();
await deliverer.deliver(event, { type: "cmq", queue: "probe" });
report.afterCmq = loaded();
await deliverer.deliver(event, { type: "amqp", exchange: "probe", routingKey: "probe", url: `amqp://127.0.0.1:${closedPort}` });
report.afterAmqp = loaded();
console.log(JSON.stringify(report));
await deliverer.close();
server.close();
