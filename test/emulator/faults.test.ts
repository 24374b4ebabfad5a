import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { check } from "../../lib/schemas/validate";
import { FAULT_KINDS, startEmulator, type Emulator, type FaultSpec } from "../../scripts/emulator/index";
import { fieldErrors } from "../support/field-errors";
import { callLegacy } from "../support/legacy-client";

describe("legacy API: fault injection", () => {
  let emulator: Emulator;
  const ask = (taskId = "297") => callLegacy(emulator, { params: { taskId } });

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  it("answers an injected module or common code as an HTTP 200 error body", async () => {
    for (const code of [29257, 9005, 4400, 6000]) {
      emulator.injectFault({ kind: "code", code, count: 1 });
      const answer = await ask();
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ code, message: expect.any(String), codeDesc: expect.any(String) });
    }
    expect(emulator.requests().map((r) => [r.code, r.fault])).toEqual([
      [29257, "code"],
      [9005, "code"],
      [4400, "code"],
      [6000, "code"],
    ]);
  });

  it("answers an HTTP error status with a short HTML body", async () => {
    emulator.injectFault({ kind: "http", status: 502 });
    const answer = await ask();
    expect(answer.status).toBe(502);
    expect(answer.contentType).toBe("text/html");
    expect(answer.text).toContain("502 Bad Gateway");
    expect(answer.body).toBeUndefined();
  });

  it("answers an HTML error page with status 200", async () => {
    emulator.injectFault({ kind: "html" });
    const answer = await ask();
    expect([answer.status, answer.contentType]).toEqual([200, "text/html"]);
    expect(answer.text).toMatch(/^<!DOCTYPE html>/);
  });

  it("answers malformed JSON", async () => {
    emulator.injectFault({ kind: "malformed" });
    const answer = await ask();
    expect(answer.status).toBe(200);
    expect(answer.contentType).toContain("application/json");
    expect(answer.text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(answer.text)).toThrow();
  });

  it("answers an empty body", async () => {
    emulator.injectFault({ kind: "empty" });
    const answer = await ask();
    expect([answer.status, answer.text]).toEqual([200, ""]);
  });

  it("adds fields the upstream schema tolerates", async () => {
    emulator.injectFault({ kind: "extra-fields" });
    const { body } = await ask();
    expect(body).toMatchObject({ code: 0, requestId: expect.any(String), data: { status: 0, taskType: expect.any(String) } });
    expect(check("legacyResponse", body).ok).toBe(true);
  });

  it("answers fields of the wrong type, which the upstream schema refuses", async () => {
    emulator.injectFault({ kind: "wrong-types" });
    const { body } = await ask();
    expect(body).toMatchObject({ code: "0", data: { status: "0" } });
    const result = check("legacyResponse", body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field)).toEqual(expect.arrayContaining(["code", "data.status"]));
  });

  it("leaves out required fields, which the upstream schema refuses", async () => {
    emulator.injectFault({ kind: "missing-fields" });
    const { body } = await ask();
    expect(body).not.toHaveProperty("code");
    expect(body.data).not.toHaveProperty("status");
    expect(check("legacyResponse", body).ok).toBe(false);
  });

  it("distorts error answers too", async () => {
    emulator.injectFault({ kind: "wrong-types" });
    const { body } = await ask("abc");
    expect(body).toMatchObject({ code: "9003" });
    expect(check("legacyResponse", body).ok).toBe(false);
  });

  it("stalls for delayMs, then answers normally", async () => {
    emulator.injectFault({ kind: "delay", delayMs: 150 });
    const started = performance.now();
    const answer = await ask();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(answer.body.code).toBe(0);
    expect(emulator.requests().at(-1)).toMatchObject({ code: 0, fault: "delay" });
  });

  it("ends a stall when it closes", async () => {
    const stalled = await startEmulator();
    stalled.injectFault({ kind: "delay", delayMs: 600_000 });
    const pending = callLegacy(stalled).then(
      () => "answered",
      () => "connection closed",
    );
    await waitFor(() => stalled.requests().length === 1);
    await stalled.close();
    expect(await pending).toBe("connection closed");
  });

  it("applies a fault at most count times", async () => {
    emulator.injectFault({ kind: "code", code: 29257, count: 2 });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await ask()).body.code);
    expect(codes).toEqual([29257, 29257, 0, 0]);
  });

  it("applies a fault to about rate of the requests", async () => {
    emulator.injectFault({ kind: "code", code: 9005, rate: 0 });
    for (let i = 0; i < 20; i++) expect((await ask()).body.code).toBe(0);
    emulator.clearFaults();
    emulator.injectFault({ kind: "code", code: 9005, rate: 0.5 });
    let faulted = 0;
    for (let i = 0; i < 200; i++) if ((await ask()).body.code === 9005) faulted++;
    // Binomial(200, 0.5): outside 60..140 has a probability below 1e-8.
    expect(faulted).toBeGreaterThan(60);
    expect(faulted).toBeLessThan(140);
  });

  it("counts only the requests a fault was applied to when rate and count combine", async () => {
    emulator.injectFault({ kind: "code", code: 9005, rate: 0.5, count: 3 });
    let faulted = 0;
    for (let i = 0; i < 60; i++) if ((await ask()).body.code === 9005) faulted++;
    expect(faulted).toBe(3);
  });

  it("applies a fault with taskId only to requests about that task", async () => {
    const { taskId } = emulator.createTask({ region: "gz" });
    emulator.injectFault({ kind: "http", status: 503, taskId });
    expect((await ask()).body.code).toBe(0);
    expect((await ask(String(taskId))).status).toBe(503);
  });

  it("lets the first applicable fault decide, and clearFaults removes them all", async () => {
    emulator.injectFault({ kind: "code", code: 29257, count: 1 });
    emulator.injectFault({ kind: "http", status: 500 });
    expect((await ask()).body.code).toBe(29257);
    expect((await ask()).status).toBe(500);
    emulator.clearFaults();
    expect((await ask()).body.code).toBe(0);
  });

  it("applies faults only to requests that pass authentication and the rate limit", async () => {
    emulator.injectFault({ kind: "code", code: 29257, count: 1 });
    expect((await callLegacy(emulator, { signingKey: "wrong" })).body.code).toBe(4100);
    expect((await ask()).body.code).toBe(29257);
  });

  it("refuses bad fault specs with a ValidationError naming the field", () => {
    const fields = (spec: unknown) => fieldErrors(() => emulator.injectFault(spec as FaultSpec)).map((e) => `${e.field}: ${e.message}`);
    expect(fields({})).toEqual(["kind: is required"]);
    expect(fields({ kind: "chaos" })).toEqual([`kind: must be one of: ${FAULT_KINDS.map((k) => JSON.stringify(k)).join(", ")}`]);
    expect(fields({ kind: "code" })).toEqual(["code: is required"]);
    expect(fields({ kind: "code", code: 1234 })).toEqual([expect.stringMatching(/^code: must be one of: 4000, .*29260$/)]);
    expect(fields({ kind: "http" })).toEqual(["status: is required"]);
    expect(fields({ kind: "http", status: 200 })).toEqual(["status: must be >= 400"]);
    expect(fields({ kind: "delay" })).toEqual(["delayMs: is required"]);
    expect(fields({ kind: "empty", rate: 2, count: 0, taskId: -1 })).toEqual([
      "rate: must be <= 1",
      "count: must be >= 1",
      "taskId: must be >= 1",
    ]);
    expect(emulator.requests()).toEqual([]);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error("condition not met within 2 s");
}
