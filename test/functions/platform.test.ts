import { describe, expect, it } from "vitest";
import { invocationOf } from "../../functions/platform/context";
import { httpRequestOf, platformResponse } from "../../functions/platform/http-event";
import { timerInvocationOf } from "../../functions/platform/timer-event";
import { HttpProblem } from "../../lib/http/problem";
import { fixture, httpEvent, HTTP_PLATFORMS, lambdaContext, scfContext } from "../support/events";

describe("httpRequestOf", () => {
  it("reads each platform's fixture as the same request, with its source address", () => {
    const sourceIps = {
      "scf-function-url": "203.0.113.10",
      "scf-api-gateway": "10.0.2.14",
      "aws-http-api-v2": "198.51.100.23",
      "aws-rest-v1": "198.51.100.77",
    };
    for (const platform of HTTP_PLATFORMS) {
      const request = httpRequestOf(fixture(platform), "rid-1");
      expect(request, platform).toMatchObject({
        method: "GET",
        path: "/healthz",
        query: {},
        requestId: "rid-1",
        sourceIp: sourceIps[platform],
      });
      expect(request.headers.accept).toBe("application/json");
      expect(Object.keys(request.headers).every((name) => name === name.toLowerCase())).toBe(true);
    }
  });

  it("lower-cases header names, decodes base64 bodies and takes the query, on every platform", () => {
    const body = JSON.stringify({ taskId: 297, region: "gz", destination: { type: "cmq", queue: "结果" } });
    for (const platform of HTTP_PLATFORMS) {
      for (const base64 of platform === "scf-function-url" ? [false] : [false, true]) {
        const event = httpEvent(platform, {
          method: "POST",
          path: "/watches",
          query: { region: "gz" },
          headers: { "Content-Type": "application/json", Authorization: "Bearer t" },
          body,
          base64,
        });
        const request = httpRequestOf(event, "rid");
        expect(request, `${platform} base64=${base64}`).toMatchObject({ method: "POST", path: "/watches", query: { region: "gz" }, body });
        expect(request.headers["content-type"]).toBe("application/json");
        expect(request.headers.authorization).toBe("Bearer t");
      }
    }
  });

  it("takes the first of repeated query parameters and leaves out an HTTP API stage prefix", () => {
    const scf = { ...fixture("scf-api-gateway"), queryString: { region: ["gz", "sh"] } };
    expect(httpRequestOf(scf, "r").query).toEqual({ region: "gz" });
    const v2 = fixture("aws-http-api-v2");
    const staged = { ...v2, rawPath: "/prod/tasks/297", requestContext: { ...v2.requestContext, stage: "prod" } };
    expect(httpRequestOf(staged, "r").path).toBe("/tasks/297");
  });

  it("refuses base64 bodies that are not UTF-8 with a 400 naming body", () => {
    const event = { ...fixture("aws-http-api-v2"), body: Buffer.from([0xc3, 0x28]).toString("base64"), isBase64Encoded: true };
    expect(() => httpRequestOf(event, "r")).toThrow(HttpProblem);
    try {
      httpRequestOf(event, "r");
    } catch (error) {
      expect((error as HttpProblem).errors?.[0]?.field).toBe("body");
    }
  });

  it("refuses events that are not HTTP requests", () => {
    for (const event of [fixture("scf-timer"), fixture("aws-eventbridge-schedule"), null, "GET /", {}]) {
      expect(() => httpRequestOf(event, "r")).toThrow(/not an HTTP request/);
    }
  });

  it("shapes responses as every platform accepts them", () => {
    expect(platformResponse({ statusCode: 204, headers: { a: "b" }, body: "" })).toEqual({
      isBase64Encoded: false,
      statusCode: 204,
      headers: { a: "b" },
      body: "",
    });
  });
});

describe("invocationOf", () => {
  it("takes SCF's request_id and Lambda's awsRequestId, and the time left", () => {
    const scf = invocationOf(scfContext(20_000, "scf-req"));
    expect(scf.requestId).toBe("scf-req");
    expect(scf.remainingMs).toBeGreaterThan(19_000);
    expect(scf.remainingMs).toBeLessThanOrEqual(20_000);
    const lambda = invocationOf(lambdaContext(7_000, "aws-req"));
    expect(lambda.requestId).toBe("aws-req");
    expect(lambda.remainingMs).toBeLessThanOrEqual(7_000);
  });

  it("falls back to SCF's time_limit_in_ms, and to a generated id", () => {
    const { getRemainingTimeInMillis: _, ...withoutCountdown } = scfContext(9_000, "r");
    expect(invocationOf(withoutCountdown).remainingMs).toBe(9_000);
    const bare = invocationOf({});
    expect(bare.remainingMs).toBeUndefined();
    expect(bare.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(invocationOf(undefined).requestId).not.toBe(bare.requestId);
  });
});

describe("timerInvocationOf", () => {
  it("reads an SCF timer's Message as the argument", () => {
    expect(timerInvocationOf(fixture("scf-timer"))).toEqual({ source: "scf-timer" });
    const message = '{"watches":[]}';
    expect(timerInvocationOf({ ...fixture("scf-timer"), Message: message })).toEqual({ source: "scf-timer", timerArgument: message });
  });

  it("knows EventBridge scheduled events, and takes anything else as a schedule's constant input", () => {
    expect(timerInvocationOf(fixture("aws-eventbridge-schedule"))).toEqual({ source: "eventbridge-schedule" });
    const input = fixture("aws-schedule-constant-input");
    expect(timerInvocationOf(input)).toEqual({ source: "constant-input", timerArgument: input });
    expect(timerInvocationOf('{"watches":[]}')).toEqual({ source: "constant-input", timerArgument: '{"watches":[]}' });
    expect(timerInvocationOf(42)).toEqual({ source: "constant-input", timerArgument: "42" });
  });
});
