/**
 * The README's worked example, end to end: which security groups use an IP address template?
 *
 *   1. CreateAddressTemplate (synchronous) makes a template, unless ADDRESS_TEMPLATE_ID names one;
 *   2. DescribeAddressTemplateInstances (asynchronous) answers only a RequestId;
 *   3. nettask-relay watches that RequestId (POST /watches) and delivers the result, once, to
 *      WEBHOOK_URL as a signed com.tencentcloud.vpc.task.* CloudEvent;
 *   4. this script waits until the watch is delivered and prints the event it carried.
 *
 * Steps 1 and 2 use tencentcloud-sdk-nodejs's VpcClient as any Tencent Cloud program would.
 * Settings, from the environment: TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY (and
 * TENCENTCLOUD_SESSION_TOKEN), REGION (default ap-guangzhou), VPC_ENDPOINT (default
 * https://vpc.tencentcloudapi.com/; `npm start` prints the emulator's), ADDRESS_TEMPLATE_ID,
 * NETTASK_API_URL and API_TOKEN (the relay), WEBHOOK_URL and WEBHOOK_SECRET (the destination).
 *
 *   npx tsx examples/watch-template-instances.ts
 */
import { Client as VpcClient } from "tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_client.js";

function setting(name: string, fallback?: string): string {
  const value = process.env[name] || fallback;
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

const region = setting("REGION", "ap-guangzhou");
const endpoint = new URL(setting("VPC_ENDPOINT", "https://vpc.tencentcloudapi.com/"));
const relay = setting("NETTASK_API_URL", "http://127.0.0.1:3000").replace(/\/$/, "");
const auth = { authorization: `Bearer ${setting("API_TOKEN")}` };

const vpc = new VpcClient({
  credential: {
    secretId: setting("TENCENTCLOUD_SECRET_ID"),
    secretKey: setting("TENCENTCLOUD_SECRET_KEY"),
    token: process.env.TENCENTCLOUD_SESSION_TOKEN,
  },
  region,
  profile: { httpProfile: { endpoint: endpoint.host, protocol: `${endpoint.protocol}//` } },
});

async function relayCall(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${relay}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

let templateId = process.env.ADDRESS_TEMPLATE_ID;
if (!templateId) {
  const created = await vpc.CreateAddressTemplate({
    AddressTemplateName: `nettask-example-${Date.now()}`,
    Addresses: ["10.0.0.1", "10.0.1.0/24"],
  });
  templateId = created.AddressTemplate!.AddressTemplateId!;
  console.log(`1. CreateAddressTemplate: ${templateId}`);
}

const { RequestId } = await vpc.DescribeAddressTemplateInstances({ AddressTemplateId: templateId });
console.log(`2. DescribeAddressTemplateInstances(${templateId}): RequestId ${RequestId}`);

const watch = await relayCall("POST", "/watches", {
  taskId: RequestId,
  region,
  destination: { type: "webhook", url: setting("WEBHOOK_URL"), secret: setting("WEBHOOK_SECRET") },
});
console.log(`3. POST /watches: ${watch.id} (${watch.state})`);

const deadline = Date.now() + 120_000;
let current = watch;
while (!["delivered", "failed", "expired", "cancelled"].includes(current.state)) {
  if (Date.now() > deadline) throw new Error(`watch ${watch.id} is still ${current.state} after 2 minutes`);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  current = await relayCall("GET", `/watches/${watch.id}`);
}
console.log(`4. ${current.state}: ${JSON.stringify(current.event, null, 2)}`);
process.exitCode = current.state === "delivered" ? 0 : 1;
