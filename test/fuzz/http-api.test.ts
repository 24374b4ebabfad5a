/**
 * Property-based fuzzing of the HTTP API through the real functions/http.ts handler, with
 * SCF Function URL and AWS HTTP API events: 1,000 generated bad requests (random methods and
 * paths, odd query strings and headers, bodies of every wrong shape, watch requests with one
 * field wrong, bodies over 64 KB, base64 bodies that are not UTF-8, now and then a broken event
 * field) are each answered with a
 * 4xx application/problem+json (type, title, status, detail), never a 5xx, and store nothing.
 * Requests name tasks of every kind: legacy integer ids, vpc RequestIds, eip TaskIds, with and
 * without `api` (in watch bodies and as `?api=` on GET /tasks).
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { handler } from "../../functions/http";
import { MAX_BODY_BYTES } from "../../lib/http/body";
import { PROBLEM_KIND_NAMES, PROBLEM_TYPE_BASE } from "../../lib/http/problem";
import { runtime } from "../../lib/runtime";
import { SEED_EIP_TASK, SEED_VPC_TASK } from "../../scripts/emulator/index";
import { contextFor, httpEvent, type HttpPlatform } from "../support/events";
import { API_TOKEN, startStack, type Stack } from "../support/stack";
import { countBy, listCounts, printCounts } from "../support/tally";

const RUNS = 1_000;
const SEEDED_TASK = 297;
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The ids GET /tasks reads successfully (with the right region and api): never generated where a 4xx is expected. */
const READABLE = [String(SEEDED_TASK), SEED_VPC_TASK.taskId, String(SEED_EIP_TASK.taskId)];

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ LOG_LEVEL: "warn" });
});
afterAll(async () => {
  await (await runtime.relay()).close();
  await stack?.close();
});

// ---- bodies --------------------------------------------------------------------------------

const whsec = fc.uint8Array({ minLength: 24, maxLength: 64 }).map((bytes) => `whsec_${Buffer.from(bytes).toString("base64")}`);
const validDestination = fc.oneof(
  fc.record(
    { type: fc.constant("webhook"), url: fc.constantFrom("https://hooks.example.com/nettask", "https://relay.example.org/a?b=c") },
    { requiredKeys: ["type", "url"] },
  ),
  fc.record({ type: fc.constant("webhook"), url: fc.constant("https://hooks.example.com/signed"), secret: whsec }),
  fc.record({ type: fc.constant("cmq"), queue: fc.constantFrom("results", "nettask-results_1") }),
  fc.record({
    type: fc.constant("amqp"),
    exchange: fc.constantFrom("", "amq.topic"),
    routingKey: fc.constant("nettask.results"),
    url: fc.constant("amqps://relay:pw@broker.example.com/vhost"),
  }),
);
const deadlineSeconds = fc.integer({ min: 60, max: 604_800 });
/** A seeded task as a watch request names it: `api` optional where the id implies it, either region name. */
const validTask = fc.oneof(
  fc.record(
    {
      api: fc.constant("legacy"),
      taskId: fc.constantFrom<unknown>(SEEDED_TASK, String(SEEDED_TASK)),
      region: fc.constantFrom("gz", "ap-guangzhou"),
    },
    { requiredKeys: ["taskId", "region"] },
  ),
  fc.record(
    { api: fc.constant("vpc"), taskId: fc.constant(SEED_VPC_TASK.taskId), region: fc.constantFrom("gz", "ap-guangzhou") },
    { requiredKeys: ["taskId", "region"] },
  ),
  fc.record({
    api: fc.constant("eip"),
    taskId: fc.constantFrom<unknown>(SEED_EIP_TASK.taskId, String(SEED_EIP_TASK.taskId)),
    region: fc.constantFrom("gz", "ap-guangzhou"),
  }),
);
/** Which seeded task a valid request's taskId names. */
const seedKindOf = (taskId: unknown) =>
  REQUEST_ID.test(String(taskId)) ? "vpc" : Number(taskId) === SEED_EIP_TASK.taskId ? "eip" : "legacy";
const validRequest = fc.tuple(validTask, validDestination, fc.option(deadlineSeconds, { nil: undefined })).map(
  ([task, destination, deadline]): Record<string, unknown> => ({
    ...task,
    destination,
    ...(deadline === undefined ? {} : { deadlineSeconds: deadline }),
  }),
);

/** Task ids of no kind: not a positive integer (or its digits) within range, not a RequestId. */
const notATaskId = fc.oneof(
  fc.constantFrom<unknown>(
    0,
    -1,
    2_147_483_648,
    1.5,
    "0297",
    "",
    "ipm-2uw6ujo6",
    "3c140219-cfe9-470e-b241-907877d6fb0",
    null,
    true,
    [],
    {},
    Number.MAX_SAFE_INTEGER + 2,
  ),
  fc.double({ noInteger: true }),
  fc.string().filter((s) => !/^[1-9][0-9]{0,15}$/.test(s) && !REQUEST_ID.test(s)),
);
const notARegion = fc.oneof(
  fc.constantFrom<unknown>("", "GZ", "ap-", "g z", "x".repeat(33), "ap-guangzhou\n", 5, null),
  fc.string({ minLength: 33 }),
);

type Body = Record<string, unknown>;
/** A valid watch request with exactly one thing wrong: every mutation here breaks the schema or the destination policy. */
const oneFieldWrong: fc.Arbitrary<Body> = fc.tuple(validRequest, fc.nat()).chain(([request, pick]) => {
  const destination = request.destination as Body;
  const withDestination = (changed: Body) => ({ ...request, destination: changed });
  const mutations: fc.Arbitrary<Body>[] = [
    notATaskId.map((taskId) => ({ ...request, taskId })),
    // An api the task id cannot be of (legacy ids fit eip's type, so "eip" comes with a bad id), or none at all.
    fc.constantFrom<unknown>("vpc", "eip", "legacy", "ecs", "VPC", "", null, 1).map((api) => {
      const kind = seedKindOf(request.taskId);
      const fits = api === kind || (api === "eip" && kind === "legacy") || (api === "legacy" && kind === "eip");
      return { ...request, taskId: fits ? "297x" : request.taskId, api };
    }),
    notARegion.map((region) => ({ ...request, region })),
    fc
      .constantFrom("taskId", "region", "destination")
      .map((name) => Object.fromEntries(Object.entries(request).filter(([k]) => k !== name))),
    fc
      .constantFrom<unknown>(null, "webhook", [], { type: "sms", to: "+100" }, { type: "webhook" }, {})
      .map((d) => ({ ...request, destination: d })),
    fc
      .oneof(fc.constantFrom<unknown>(59, 604_801, "3600", 1.5, -60, null), fc.integer({ max: 59 }))
      .map((deadlineSeconds) => ({ ...request, deadlineSeconds })),
    fc
      .string({ minLength: 1 })
      .filter((k) => !["api", "taskId", "region", "destination", "deadlineSeconds"].includes(k))
      .map((k) => ({ ...request, [k]: 1 })),
    fc.constant(withDestination({ ...destination, extra: true })),
  ];
  switch (destination.type) {
    case "webhook":
      mutations.push(
        fc
          .constantFrom(
            "ftp://files.example.com/x",
            "not a url",
            "https://",
            "https://10.0.0.8/hook",
            "https://169.254.169.254/latest",
            "https://[::1]/x",
            "https://100.64.0.1/",
            `https://hooks.example.com/${"x".repeat(2100)}`,
          )
          .map((url) => withDestination({ ...destination, url })),
        fc
          .constantFrom<unknown>("whsec_short", "secret", "whsec_!!!!", [], ["a"], 42)
          .map((secret) => withDestination({ ...destination, secret })),
      );
      break;
    case "cmq":
      mutations.push(
        fc.constantFrom<unknown>("", "1queue", "q".repeat(65), "bad queue", 7).map((queue) => withDestination({ ...destination, queue })),
      );
      break;
    case "amqp":
      // Without a url the destination needs AMQP_URL, which the stack does not set.
      mutations.push(
        fc.constant(Object.fromEntries(Object.entries(destination).filter(([k]) => k !== "url"))).map(withDestination),
        fc
          .constantFrom<unknown>("http://broker.example.com", "amqp://", "r".repeat(256))
          .map((url) => withDestination({ ...destination, url })),
        fc.constant("r".repeat(256)).map((routingKey) => withDestination({ ...destination, routingKey })),
      );
      break;
  }
  return mutations[pick % mutations.length]!;
});

/** Well-formed, but about a task the upstream does not know: refused (404) before anything is stored. */
const unknownTaskRef = fc.oneof(
  fc
    .integer({ min: 1, max: 2_147_483_647 })
    .filter((id) => id !== SEEDED_TASK)
    .map((taskId) => ({ taskId })),
  fc
    .uuid()
    .filter((id) => id !== SEED_VPC_TASK.taskId)
    .map((taskId) => ({ taskId })),
  fc
    .integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
    .filter((id) => id !== SEED_EIP_TASK.taskId)
    .map((taskId) => ({ api: "eip", taskId })),
);
const unknownTask = fc.tuple(validRequest, unknownTaskRef).map(([{ api: _api, ...request }, task]) => ({ ...request, ...task }));

const nested = (depth: number) => `${'{"a":['.repeat(depth)}1${"]}".repeat(depth)}`;
const textBodies: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: oneFieldWrong.map((body) => JSON.stringify(body)) },
  { weight: 1, arbitrary: unknownTask.map((body) => JSON.stringify(body)) },
  // Keys JSON.parse turns into own properties, which must not reach an object's prototype.
  {
    weight: 1,
    arbitrary: fc
      .tuple(validRequest, fc.constantFrom("__proto__", "constructor", "prototype"))
      .map(([request, key]) => `{"${key}":{"polluted":true},${JSON.stringify(request).slice(1)}`),
  },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      " ",
      "null",
      "[]",
      "297",
      '"text"',
      "{",
      '{"taskId":1e400}',
      '{"taskId":297,"taskId":"x"}',
      "\u0000",
      "\ud800",
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map(nested) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: MAX_BODY_BYTES + 1, max: MAX_BODY_BYTES * 2 })
      .map((n) => `{"taskId":297,"region":"gz","padding":"${"x".repeat(n)}"}`),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary" }) },
);

// ---- requests ------------------------------------------------------------------------------

const decoded = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};
const pathSegment = fc
  .oneof(
    fc.constantFrom(
      "0",
      "-1",
      "99999999999999999999",
      "1e3",
      "abc",
      "%00",
      "..%2F..",
      "__proto__",
      "constructor",
      "w_aaaaaaaaaaaaaaaaaaaaaaaaaa",
      "%E0%A4%A",
      " ",
    ),
    fc.integer({ min: 1, max: 2_147_483_647 }).map(String),
    fc.uuid(),
    fc.constantFrom(SEED_VPC_TASK.taskId.slice(0, -1), `${SEED_VPC_TASK.taskId}0`, `{${SEED_VPC_TASK.taskId}}`),
    fc.stringMatching(/^w_[a-z2-7]{26}$/),
    fc.string(),
  )
  // The seeded tasks are the reads that succeed.
  .filter((segment) => !isReadable(segment));
const anyPath = fc.oneof(
  pathSegment.map((s) => `/tasks/${s}`),
  pathSegment.map((s) => `/watches/${s}`),
  pathSegment.map((s) => `/watches/${s}/redeliver`),
  fc.constantFrom(
    "/watches",
    "/watches/",
    "/tasks",
    "/",
    "",
    "//watches",
    "/WATCHES",
    "/healthz/x",
    "/openapi.json/..",
    "/watches?x=1",
    `/${"a/".repeat(2_000)}`,
  ),
  fc.webPath(),
  fc.string().map((s) => `/${s}`),
);
const anyMethod = fc.oneof(
  fc.constantFrom("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS", "get", "post", "delete"),
  fc.string({ maxLength: 10 }),
);
/** Mostly requests a route takes, so the fuzz gets past routing to the token, body and schema checks. */
const route = fc.oneof(
  { weight: 12, arbitrary: fc.record({ method: fc.constantFrom("POST", "post"), path: fc.constantFrom("/watches", "/watches/") }) },
  { weight: 3, arbitrary: fc.record({ method: fc.constant("GET"), path: pathSegment.map((s) => `/tasks/${s}`) }) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.record({ method: fc.constantFrom("GET", "DELETE"), path: pathSegment.map((s) => `/watches/${s}`) }).filter(isNotASuccessfulRead),
      fc.record({ method: fc.constant("POST"), path: pathSegment.map((s) => `/watches/${s}/redeliver`) }),
    ),
  },
  // Anything at all, except the reads that answer 200.
  {
    weight: 3,
    arbitrary: fc.record({ method: anyMethod, path: anyPath }).filter(isNotASuccessfulRead),
  },
);
const queryPairs = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom("region", "api", "__proto__", "constructor", "taskId", "hasOwnProperty"), fc.string()),
    fc.oneof(fc.constantFrom("gz", "sh", "GZ", "", "ap-guangzhou", "x".repeat(5_000), "vpc", "eip", "legacy", "VPC", "ecs"), fc.string()),
  ),
  { maxLength: 4 },
);
const headerPairs = fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 200 })), { maxLength: 4 });
const authorization = fc.oneof(
  { weight: 17, arbitrary: fc.constant(`Bearer ${API_TOKEN}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      "",
      "Bearer",
      `Bearer ${API_TOKEN}x`,
      `Basic ${API_TOKEN}`,
      `bearer  ${API_TOKEN.slice(1)}`,
      "Bearer ".padEnd(10_000, "t"),
    ),
  },
);
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8", "application/cloudevents+json") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      undefined,
      "",
      "text/plain",
      "application/json; charset=latin1",
      "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded",
    ),
  },
);
type GeneratedBody = { text: string; base64: boolean } | { bytes: Uint8Array } | undefined;
const body: fc.Arbitrary<GeneratedBody> = fc.oneof(
  { weight: 16, arbitrary: fc.tuple(textBodies, fc.boolean()).map(([text, base64]) => ({ text, base64 })) },
  // Bytes that are not UTF-8, base64-encoded by the gateway.
  {
    weight: 2,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 300 })
      .filter((b) => !isUtf8(b))
      .map((bytes) => ({ bytes })),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const request = fc.record({
  platform: fc.constantFrom<HttpPlatform>("scf-function-url", "aws-http-api-v2"),
  route,
  query: queryPairs,
  headers: headerPairs,
  authorization,
  contentType,
  body,
  // Now and then a field of the event itself is broken, as a misconfigured gateway might send it.
  damage: fc.oneof(
    { weight: 9, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom(
          "headers",
          "body",
          "path",
          "rawPath",
          "httpMethod",
          "queryString",
          "queryStringParameters",
          "isBase64Encoded",
          "requestContext",
          "version",
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    },
  ),
});
type GeneratedRequest = typeof request extends fc.Arbitrary<infer R> ? R : never;

/**
 * Not one of the reads that answer 200 (health, the document, a problem page, the listing, the
 * stats, a seeded task; a trailing slash is the same route), which a fuzz of bad requests must skip.
 */
function isNotASuccessfulRead({ method, path }: { method: string; path: string }): boolean {
  const read = /^\/(?:healthz|openapi\.json|watches|watches\/stats|problems\/([^/]*)|tasks\/([^/]*))\/?$/.exec(decoded(path));
  if (method.toUpperCase() !== "GET" || read === null) return true;
  const [, kind, task] = read;
  if (kind !== undefined) return !(PROBLEM_KIND_NAMES as readonly string[]).includes(kind);
  return task !== undefined && !isReadable(task);
}

/** A path segment naming a seeded task (any case, any leading zeros). */
function isReadable(segment: string): boolean {
  const id = decoded(segment).toLowerCase().replace(/^0+/, "");
  return READABLE.includes(id);
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The platform event of a generated request, as each gateway would deliver it. */
function eventOf(r: GeneratedRequest): Record<string, any> {
  const headers: Record<string, string> = Object.fromEntries(r.headers);
  if (r.authorization !== undefined) headers.Authorization = r.authorization;
  if (r.contentType !== undefined) headers["Content-Type"] = r.contentType;
  const text = r.body && "text" in r.body ? r.body.text : undefined;
  // Function URLs carry text only; the AWS gateway base64-encodes when asked to.
  const base64 = r.platform === "aws-http-api-v2" && r.body !== undefined && "text" in r.body && r.body.base64;
  const event = httpEvent(r.platform, { ...r.route, query: Object.fromEntries(r.query), headers, body: text, base64 });
  if (r.body && "bytes" in r.body) {
    const bytes = Buffer.from(r.body.bytes);
    Object.assign(
      event,
      r.platform === "aws-http-api-v2" ? { body: bytes.toString("base64"), isBase64Encoded: true } : { body: bytes.toString("latin1") },
    );
  }
  if (r.damage) event[r.damage[0]] = r.damage[1];
  return event;
}

it(`answers ${RUNS} generated bad requests with 4xx problem+json only, storing nothing`, { timeout: 120_000 }, async () => {
  const before = await stack.countWatches();
  const statuses: number[] = [];
  // A failing run prints its seed; FUZZ_SEED=<seed> replays it.
  const seed = Number(process.env.FUZZ_SEED) || Date.now() % 2 ** 31;
  try {
    await fc.assert(
      fc.asyncProperty(request, async (generated) => {
        const answer = (await handler(eventOf(generated), contextFor(generated.platform) as never)) as {
          statusCode: number;
          headers: Record<string, string>;
          body: string;
        };
        statuses.push(answer.statusCode);
        expect(answer.statusCode).toBeGreaterThanOrEqual(400);
        expect(answer.statusCode).toBeLessThan(500);
        expect(answer.headers["content-type"]).toBe("application/problem+json");
        expect(JSON.parse(answer.body)).toMatchObject({
          type: expect.stringMatching(new RegExp(`^${PROBLEM_TYPE_BASE}[a-z-]+$`)),
          title: expect.any(String),
          status: answer.statusCode,
          detail: expect.any(String),
        });
        expect(await stack.countWatches()).toBe(before);
      }),
      { numRuns: RUNS, seed },
    );
  } finally {
    const byStatus = countBy(statuses, String);
    printCounts("fuzz/http-api", {
      requests: statuses.length,
      answers: [...byStatus]
        .sort()
        .map(([status, n]) => `${status}:${n}`)
        .join(","),
      "5xx": statuses.filter((s) => s >= 500).length,
      stored: (await stack.countWatches()) - before,
      upstreamQueries: listCounts(countBy(stack.emulator.requests(), (r) => r.api)),
      seed,
    });
  }
  // Well-formed requests about unknown tasks of every kind got as far as the upstream (and were refused).
  expect([...new Set(stack.emulator.requests().map((r) => r.api))].sort()).toEqual(["eip", "legacy", "vpc"]);
  // Keys named __proto__ or constructor in bodies and queries changed no prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty("polluted");
});
