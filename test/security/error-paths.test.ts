/**
 * No secret in any log line or response body on the error paths where secrets are closest at
 * hand: wrong API tokens, Tencent Cloud refusing the relay's signature or session token, a
 * webhook with a password in its URL answering 500, a RabbitMQ broker refusing a password, a
 * Redis store that cannot be reached with a password in STORE_URL. The HTTP and poll functions
 * run with temporary credentials at LOG_LEVEL=debug, and every line they log is checked.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { handler as http } from "../../functions/http";
import { handler as poll } from "../../functions/poll";
import { runtime } from "../../lib/runtime";
import { startEmulator, type Emulator } from "../../scripts/emulator/index";
import { startReceiver, status } from "../support/delivery";
import { captureLogs } from "../support/capture-logs";
import { fixture, httpEvent, scfContext, type RequestSpec } from "../support/events";
import { API_TOKEN, startStack, type Stack } from "../support/stack";
import { recordOutput } from "../support/capture";
import { findLeaks, OWN_SECRETS } from "../support/secrets";

const TEMPORARY = {
  secretId: "AKIDleakTESTStemporary0000000000001",
  secretKey: OWN_SECRETS.temporarySecretKey,
  token: OWN_SECRETS.sessionToken,
};

let emulator: Emulator;
let stack: Stack;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  emulator = await startEmulator({ credentials: [TEMPORARY] });
  receiver = await startReceiver([status(500)]);
  stack = await startStack({
    NETTASK_ENDPOINT: emulator.endpoint,
    TENCENTCLOUD_SECRET_ID: TEMPORARY.secretId,
    TENCENTCLOUD_SECRET_KEY: TEMPORARY.secretKey,
    TENCENTCLOUD_SESSION_TOKEN: TEMPORARY.token,
    AMQP_URL: `amqp://guest:${OWN_SECRETS.amqpPassword}@127.0.0.1:5672`,
    DELIVERY_SCHEDULE: "0,20ms,40ms",
    NETTASK_MAX_ATTEMPTS: "2",
    LOG_LEVEL: "debug",
  });
});
afterAll(async () => {
  await (await runtime.relay()).close();
  await stack?.close();
  await Promise.all([emulator?.close(), receiver?.close()]);
});

interface Seen {
  /** Every log line and response body, as text. */
  output: string[];
  statuses: number[];
  bodies: any[];
}

/** Runs function invocations with their log lines captured, collecting the lines and the response bodies. */
async function observe(
  run: (invoke: { http: (spec: RequestSpec) => Promise<any>; poll: () => Promise<unknown> }) => Promise<void>,
): Promise<Seen> {
  const seen: Seen = { output: [], statuses: [], bodies: [] };
  const { logs, error } = await captureLogs(() =>
    run({
      http: async (spec) => {
        const answer = (await http(httpEvent("scf-function-url", spec), scfContext() as never)) as { statusCode: number; body: string };
        seen.output.push(answer.body);
        seen.statuses.push(answer.statusCode);
        seen.bodies.push(JSON.parse(answer.body));
        return seen.bodies.at(-1);
      },
      poll: () => poll(fixture("scf-timer"), scfContext(4_000)),
    }),
  );
  seen.output.push(...logs.map((line) => JSON.stringify(line)));
  recordOutput("security-error-paths", `${seen.output.join("\n")}\n`);
  if (error) throw error;
  return seen;
}

/** The leaks in what was seen: known secrets and their shapes, plus `presented` values given for this test. */
function leaks(seen: Seen, presented: string[] = []): string[] {
  const text = seen.output.join("\n");
  return [
    ...findLeaks(text).map((l) => l.what),
    ...presented.filter((value) => text.includes(value)).map((value) => `presented value #${presented.indexOf(value)}`),
  ];
}

const auth = (value: string) => ({ Authorization: value, "Content-Type": "application/json" });
const watchOf = (destination: object) => JSON.stringify({ taskId: 297, region: "gz", destination });
/** Requests with the configured API token. */
const postWatch = (destination: object): RequestSpec => ({
  method: "POST",
  path: "/watches",
  headers: auth(`Bearer ${API_TOKEN}`),
  body: watchOf(destination),
});
const getWatch = (id: string): RequestSpec => ({ method: "GET", path: `/watches/${id}`, headers: auth(`Bearer ${API_TOKEN}`) });

it("wrong API tokens: 401 without the configured token or the presented one", async () => {
  const presented = [
    `Bearer ${API_TOKEN}x`,
    `Bearer ${API_TOKEN.slice(0, -1)}`,
    `Bearer ${OWN_SECRETS.sessionToken}`,
    `Basic ${Buffer.from(`relay:${API_TOKEN}`).toString("base64")}`,
    `bearer ${OWN_SECRETS.webhookSecret}`,
  ];
  const seen = await observe(async ({ http }) => {
    for (const value of presented) {
      await http({ method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: auth(value) });
      await http({ method: "POST", path: "/watches", headers: auth(value), body: watchOf({ type: "cmq", queue: "results" }) });
    }
  });
  expect(seen.statuses).toEqual(presented.flatMap(() => [401, 401]));
  expect(seen.output.some((line) => line.includes('"status":401'))).toBe(true);
  expect(
    leaks(
      seen,
      presented.map((value) => value.split(" ")[1]!),
    ),
  ).toEqual([]);
});

it("Tencent Cloud refuses the signature (4100) and the session token (4105): 502 and logged polls without the key or the tokens", async () => {
  const seen = await observe(async ({ http, poll }) => {
    process.env.TENCENTCLOUD_SECRET_KEY = OWN_SECRETS.wrongSecretKey;
    try {
      await http({ method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: auth(`Bearer ${API_TOKEN}`) });
      const watch = await http(postWatch({ type: "cmq", queue: "refused-signature" }));
      expect(watch).toMatchObject({ state: "pending", lastError: { code: 4100 } });
      await poll();
    } finally {
      process.env.TENCENTCLOUD_SECRET_KEY = TEMPORARY.secretKey;
    }
    process.env.TENCENTCLOUD_SESSION_TOKEN = OWN_SECRETS.staleSessionToken;
    try {
      await http({ method: "GET", path: "/tasks/297", query: { region: "gz" }, headers: auth(`Bearer ${API_TOKEN}`) });
      await http(postWatch({ type: "cmq", queue: "refused-token" }));
      await poll();
    } finally {
      process.env.TENCENTCLOUD_SESSION_TOKEN = TEMPORARY.token;
    }
  });
  expect(seen.statuses).toEqual([502, 202, 502, 202]);
  expect(seen.bodies[0].detail).toMatch(/credentials were refused .*4100/);
  expect(seen.bodies[2].detail).toMatch(/credentials were refused .*4105/);
  expect(emulator.requests().filter((r) => r.code === 4100 || r.code === 4105).length).toBeGreaterThanOrEqual(4);
  expect(seen.output.filter((line) => line.includes('"poll failed"')).length).toBeGreaterThanOrEqual(2);
  expect(leaks(seen)).toEqual([]);
});

it("a webhook with a password in its URL answering 500, until its watch fails: no password and no signing secret", async () => {
  const url = `http://hook-user:${OWN_SECRETS.webhookPassword}@127.0.0.1:${receiver.port}/hook?x=1`;
  const seen = await observe(async ({ http, poll }) => {
    const { id } = await http(postWatch({ type: "webhook", url, secret: OWN_SECRETS.webhookSecret }));
    await poll();
    await http(getWatch(id));
    await http(postWatch({ type: "webhook", url, secret: OWN_SECRETS.webhookSecret }));
  });
  expect(seen.statuses).toEqual([202, 200, 200]);
  expect(seen.bodies[1]).toMatchObject({ state: "failed", destination: { url: expect.stringContaining("//***:***@127.0.0.1") } });
  expect(seen.bodies[1].delivery.attempts.map((a: { status: number }) => a.status)).toEqual([500, 500, 500]);
  // The receiver did get the password (as Basic auth) and the signature: they were really sent.
  expect(receiver.hits.at(-1)!.headers.authorization).toBe(
    `Basic ${Buffer.from(`hook-user:${OWN_SECRETS.webhookPassword}`).toString("base64")}`,
  );
  expect(seen.output.filter((line) => line.includes('"delivery attempt failed"')).length).toBe(3);
  expect(leaks(seen)).toEqual([]);
});

it("webhook and broker URLs whose passwords URL parsers and patterns read differently (an @, a / inside): no password anywhere", async () => {
  const withAt = `http://hook-user:${OWN_SECRETS.webhookPasswordWithAt}@127.0.0.1:${receiver.port}/hook`;
  const withSlash = `http://hook-user:${OWN_SECRETS.webhookPasswordWithSlash}@127.0.0.1:${receiver.port}/hook`;
  const brokerWithSlash = `amqp://relay:${OWN_SECRETS.amqpPasswordWithSlash}@127.0.0.1:5672/`;
  const seen = await observe(async ({ http, poll }) => {
    const { id } = await http(postWatch({ type: "webhook", url: withAt, secret: OWN_SECRETS.webhookSecret }));
    await poll();
    await http(getWatch(id));
    await http(postWatch({ type: "webhook", url: withSlash, secret: OWN_SECRETS.webhookSecret }));
    await http(postWatch({ type: "amqp", exchange: "amq.topic", routingKey: "nettask", url: brokerWithSlash }));
  });
  expect(seen.statuses).toEqual([202, 200, 422, 422]);
  expect(seen.bodies[1]).toMatchObject({ state: "failed", destination: { url: `http://***:***@127.0.0.1:${receiver.port}/hook` } });
  // The password did reach the receiver (as Basic auth), whole: the parser read it as the user meant.
  expect(receiver.hits.at(-1)!.headers.authorization).toBe(
    `Basic ${Buffer.from(`hook-user:${OWN_SECRETS.webhookPasswordWithAt}`).toString("base64")}`,
  );
  expect(seen.bodies[2].errors).toEqual([{ field: "destination.url", rule: "destination", message: "must be an absolute http(s) URL" }]);
  expect(seen.bodies[3].errors).toEqual([
    expect.objectContaining({
      field: "destination.url",
      message: expect.stringMatching(/^must be an amqp:\/\/ or amqps:\/\/ URL that parses/),
    }),
  ]);
  expect(
    leaks(seen, [
      OWN_SECRETS.webhookPasswordWithAt,
      "ssword-for-leak",
      OWN_SECRETS.webhookPasswordWithSlash,
      "d29yZC1sZWFr",
      OWN_SECRETS.amqpPasswordWithSlash,
      "word-for-leak-tests-5c19",
    ]),
  ).toEqual([]);
});

it("a RabbitMQ broker refusing the password of the destination URL and of AMQP_URL: no password", async () => {
  const seen = await observe(async ({ http, poll }) => {
    const own = await http(
      postWatch({
        type: "amqp",
        exchange: "amq.topic",
        routingKey: "nettask",
        url: `amqp://guest:${OWN_SECRETS.amqpPassword}@127.0.0.1:5672`,
      }),
    );
    const byDefault = await http(postWatch({ type: "amqp", exchange: "amq.topic", routingKey: "nettask" }));
    await poll();
    await http(getWatch(own.id));
    await http(getWatch(byDefault.id));
  });
  expect(seen.statuses).toEqual([202, 202, 200, 200]);
  for (const watch of seen.bodies.slice(2)) {
    expect(watch.state).toBe("failed");
    expect(watch.delivery.attempts.map((a: { error: string }) => a.error)).toEqual(
      [0, 1, 2].map(() => expect.stringMatching(/ACCESS.REFUSED/)),
    );
  }
  expect(seen.bodies[2].destination.url).toBe("amqp://***:***@127.0.0.1:5672");
  expect(leaks(seen)).toEqual([]);
});

it("a Redis store that cannot be reached, with a password in STORE_URL: the failed poll invocation shows no password", async () => {
  // Its own process: the functions read their configuration once per container.
  const script = `const { handler } = await import("./functions/poll.ts");
await handler({ Type: "Timer", TriggerName: "t", Time: "2026-01-31T12:00:00Z", Message: "" }, {}).catch((error) => { console.error("invocation failed: " + error.message); process.exitCode = 1; });`;
  const run = promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], {
    env: { ...process.env, STORE_URL: `redis://:${OWN_SECRETS.redisPassword}@127.0.0.1:1/0`, LOG_LEVEL: "debug" },
    timeout: 20_000,
  });
  const failure = (await run.catch((error: { code: number; stdout: string; stderr: string }) => error)) as {
    code?: number;
    stdout: string;
    stderr: string;
  };
  const seen: Seen = { output: [failure.stdout, failure.stderr], statuses: [], bodies: [] };
  recordOutput("security-error-paths-store", seen.output.join("\n"));
  expect(failure.code).toBe(1);
  expect(failure.stdout).toMatch(/"message":"poll failed"/);
  expect(failure.stderr).toMatch(/invocation failed: cannot connect to the Redis store at 127\.0\.0\.1:1/);
  expect(leaks(seen)).toEqual([]);
});
