/**
 * Figure 1: what the DescribeNetTaskResult client costs per call over the least a caller must
 * do, a signed POST built with the same signing functions and sent over node:http as the client
 * sends it (keep-alive), both against the in-process emulator. The two alternate call by call,
 * so a change in machine load hits both alike.
 */
import { randomInt } from "node:crypto";
import http from "node:http";
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type Emulator } from "../emulator/index";
import { createTaskClient } from "../../lib/upstream/client";
import { computeSignature, stringToSign } from "../../lib/upstream/sign";
import { collectGarbage } from "./gc";
import { progress, type Figure } from "./report";
import { ms, signed, spread, summarize, times } from "./stats";

const CALLS_PER_ROUND = 500;
const ROUNDS = 8;
const WARM_UP_CALLS = 300;
const TASK = { api: "legacy", taskId: 297, region: "gz" } as const;
const credentials = { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY };

/** The baseline: one signed POST over a keep-alive connection, its JSON read and its code checked; no schema, no retries. */
function rawSignedPost(endpoint: string): () => Promise<void> {
  const url = new URL(endpoint);
  const agent = new http.Agent({ keepAlive: true });
  return () => {
    const params: Record<string, string> = {
      Action: "DescribeNetTaskResult",
      Region: TASK.region,
      Timestamp: String(Math.floor(Date.now() / 1000)),
      Nonce: String(randomInt(1, 2 ** 31)),
      SecretId: credentials.secretId,
      SignatureMethod: "HmacSHA256",
      taskId: String(TASK.taskId),
    };
    const signature = computeSignature(credentials.secretKey, stringToSign("POST", url.host, url.pathname, params), "HmacSHA256");
    const body = new URLSearchParams({ ...params, Signature: signature }).toString();
    const headers = { "content-type": "application/x-www-form-urlencoded", "content-length": String(Buffer.byteLength(body)) };
    return new Promise((resolve, reject) => {
      const request = http.request(url, { method: "POST", headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { code?: number };
          if (answer.code === 0) resolve();
          else reject(new Error(`raw signed POST: the emulator answered code ${answer.code}`));
        });
      });
      request.on("error", reject);
      request.end(body);
    });
  };
}

/**
 * `calls` sequential calls of each, alternating call by call so both see the same machine
 * load; returns the mean ms per call of each.
 */
async function alternated(a: () => Promise<void>, b: () => Promise<void>, calls: number): Promise<[number, number]> {
  collectGarbage();
  let aMs = 0;
  let bMs = 0;
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await a();
    const between = performance.now();
    await b();
    aMs += between - started;
    bMs += performance.now() - between;
  }
  return [aMs / calls, bMs / calls];
}

export async function clientOverhead(emulator: Emulator): Promise<Figure> {
  const raw = rawSignedPost(emulator.endpoint);
  const client = createTaskClient({ legacyEndpoint: emulator.endpoint, credentials: async () => credentials });
  const viaClient = async () => {
    const result = await client.describe(TASK);
    if (result.status !== "succeeded") throw new Error(`client: task 297 is ${result.status}`);
  };
  await alternated(raw, viaClient, WARM_UP_CALLS);

  const rawMs: number[] = [];
  const clientMs: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    progress(`client overhead: round ${round}/${ROUNDS}`);
    const [r, c] = await alternated(raw, viaClient, CALLS_PER_ROUND);
    rawMs.push(r);
    clientMs.push(c);
  }
  const ratios = summarize(clientMs.map((c, i) => c / rawMs[i]!));
  return {
    rows: [
      {
        figure: "1. client overhead",
        measure: "createTaskClient().describe(), per call",
        value: ms(summarize(clientMs).median),
        baseline: `raw signed POST ${ms(summarize(rawMs).median)}`,
        ratio: times(ratios.median),
        spread: spread(ratios, times),
        note:
          `${ROUNDS} rounds of ${CALLS_PER_ROUND} sequential calls each, alternated call by call; ` +
          `overhead ${signed(summarize(clientMs).median - summarize(rawMs).median, ms)}/call`,
      },
    ],
    method:
      `**1. Client overhead.** The client's \`describe()\` of task 297 against the in-process emulator, ` +
      `versus the least a caller can do: a signed POST built with the same \`stringToSign\`/\`computeSignature\` and sent ` +
      "over node:http with a keep-alive agent, as the client sends it, its JSON read and its code checked. " +
      `${ROUNDS} rounds of ${CALLS_PER_ROUND} sequential calls of each, alternated call by call so both meet the same ` +
      `machine load, after ${WARM_UP_CALLS} warm-up calls of each; the ratio is ` +
      "client ÷ raw mean time per call, per round (median of the rounds, min–max). " +
      "The difference is input and response schema validation, normalisation, retry bookkeeping and the abort/timeout signal.",
  };
}
