/**
 * Realistic platform events and contexts for handler tests: each HTTP event starts from a
 * fixture captured in the platform's documented shape (test/fixtures/events/*.json) and has its method,
 * path, query, headers and body set the way that platform carries them.
 */
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";

export const HTTP_PLATFORMS = ["scf-function-url", "scf-api-gateway", "aws-http-api-v2", "aws-rest-v1"] as const;
export type HttpPlatform = (typeof HTTP_PLATFORMS)[number];

export function fixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), "utf8"));
}

export interface RequestSpec {
  method: string;
  path: string;
  query?: Record<string, string>;
  /** Names as a client would send them; platforms that lower-case header names do so here. */
  headers?: Record<string, string>;
  body?: string;
  /** Deliver the body base64-encoded, as gateways do for binary media types. */
  base64?: boolean;
}

const lowerCased = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

export function httpEvent(platform: HttpPlatform, spec: RequestSpec): Record<string, any> {
  const event = fixture(platform);
  const query = spec.query ?? {};
  const headers = spec.headers ?? {};
  const body = spec.body === undefined ? undefined : spec.base64 ? Buffer.from(spec.body, "utf8").toString("base64") : spec.body;
  switch (platform) {
    case "scf-function-url":
      // Function URLs have no isBase64Encoded: bodies arrive as text.
      return {
        ...event,
        httpMethod: spec.method,
        path: spec.path,
        queryString: query,
        headers: { ...event.headers, ...lowerCased(headers) },
        body: spec.body ?? "",
      };
    case "scf-api-gateway":
      return {
        ...event,
        httpMethod: spec.method,
        path: spec.path,
        queryString: query,
        queryStringParameters: query,
        headers: { ...event.headers, ...headers },
        body: body ?? "",
        isBase64Encoded: spec.base64 === true,
        requestContext: { ...event.requestContext, requestId: randomUUID() },
      };
    case "aws-http-api-v2": {
      const rawQueryString = new URLSearchParams(query).toString();
      return {
        ...event,
        rawPath: spec.path,
        rawQueryString,
        ...(rawQueryString ? { queryStringParameters: query } : {}),
        headers: { ...event.headers, ...lowerCased(headers) },
        requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: spec.method, path: spec.path } },
        ...(body === undefined ? {} : { body }),
        isBase64Encoded: spec.base64 === true,
      };
    }
    case "aws-rest-v1": {
      const hasQuery = Object.keys(query).length > 0;
      return {
        ...event,
        path: spec.path,
        httpMethod: spec.method,
        headers: { ...event.headers, ...headers },
        multiValueHeaders: { ...event.multiValueHeaders, ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) },
        queryStringParameters: hasQuery ? query : null,
        multiValueQueryStringParameters: hasQuery ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
        pathParameters: { proxy: spec.path.slice(1) },
        requestContext: { ...event.requestContext, httpMethod: spec.method, path: `/prod${spec.path}`, requestId: randomUUID() },
        body: body ?? null,
        isBase64Encoded: spec.base64 === true,
      };
    }
  }
}

/** The context SCF's Node.js runtime passes, counting down from `remainingMs`. */
export function scfContext(remainingMs = 30_000, requestId: string = randomUUID()) {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    memory_limit_in_mb: 128,
    time_limit_in_ms: remainingMs,
    request_id: requestId,
    environment: '{"SCF_NAMESPACE":"default"}',
    environ: "SCF_NAMESPACE=default;SCF_FUNCTIONNAME=nettask-relay-http",
    function_version: "$LATEST",
    function_name: "nettask-relay-http",
    namespace: "default",
    tencentcloud_region: "ap-guangzhou",
    tencentcloud_appid: "1250000000",
    tencentcloud_uin: "100000000001",
  };
}

/** The context AWS Lambda's Node.js runtime passes. */
export function lambdaContext(remainingMs = 30_000, awsRequestId: string = randomUUID()) {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "nettask-relay-dev-http",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-2:123456789012:function:nettask-relay-dev-http",
    memoryLimitInMB: "1024",
    awsRequestId,
    logGroupName: "/aws/lambda/nettask-relay-dev-http",
    logStreamName: "2026/01/31/[$LATEST]6f1a2b3c4d5e6f708192a3b4c5d6e7f8",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export const contextFor = (platform: HttpPlatform, remainingMs?: number, requestId?: string) =>
  platform.startsWith("scf") ? scfContext(remainingMs, requestId) : lambdaContext(remainingMs, requestId);
