import { describe, expect, it } from "vitest";
import { serializeEvent } from "../../lib/delivery/deliverer";
import { buildEvent, eventIdOf } from "../../lib/delivery/event";
import { ValidationError } from "../../lib/schemas/validate";
import { check } from "../../lib/schemas/validate-watch";
import { newWatch } from "../../lib/watches/model";
import { sampleEvent } from "../support/delivery";

const NOW = Date.parse("2026-03-01T10:00:00Z");
const watch = () =>
  newWatch({ task: { api: "legacy", taskId: 1234, region: "sh" }, destination: { type: "cmq", queue: "results" } }, NOW, 3_600);

describe("buildEvent", () => {
  it('builds the CloudEvents 1.0 event of the README\'s "What a destination receives" from the watch', () => {
    const event = sampleEvent();
    expect(check("cloudEvent", event).ok).toBe(true);
    expect(event).toMatchObject({
      specversion: "1.0",
      source: "urn:nettask-relay:test",
      type: "com.tencentcloud.vpc.nettask.succeeded",
      subject: "297",
      time: "2026-03-01T10:00:05.000Z",
      datacontenttype: "application/json",
      data: {
        taskId: 297,
        region: "gz",
        status: "succeeded",
        code: 0,
        output: { code: 0, message: "" },
        data: { total: 1 },
        polls: 3,
        firstSeenAt: "2026-03-01T10:00:01.000Z",
        completedAt: "2026-03-01T10:00:05.000Z",
      },
    });
    expect(event.id).toBe(eventIdOf(event.data.watchId, event.type));
  });

  it("gives the same event, byte for byte, when built again (retries, redeliveries, crashes)", () => {
    expect(serializeEvent(sampleEvent())).toBe(serializeEvent(sampleEvent()));
    expect(sampleEvent({ type: "com.tencentcloud.vpc.nettask.failed" }).id).not.toBe(sampleEvent().id);
  });

  it("reports a timedout watch that never got an answer as running with no output", () => {
    const w = watch();
    const event = buildEvent(w, "com.tencentcloud.vpc.nettask.timedout", NOW + 3_600_000, "urn:x");
    expect(event.data).toEqual({
      api: "legacy",
      taskId: 1234,
      region: "sh",
      status: "running",
      code: 2,
      output: null,
      data: null,
      watchId: w.id,
      polls: 0,
      firstSeenAt: w.createdAt,
      completedAt: "2026-03-01T11:00:00.000Z",
    });
  });

  it("keeps the last running result in a timedout event", () => {
    const w = watch();
    w.lastResult = { api: "legacy", taskId: 1234, region: "sh", status: "running", code: 2, output: { code: 0, message: "50%" }, data: [] };
    const event = buildEvent(w, "com.tencentcloud.vpc.nettask.timedout", NOW + 1, "urn:x");
    expect(event.data).toMatchObject({ status: "running", code: 2, output: { message: "50%" }, data: [] });
  });

  it("refuses to build a succeeded event without a result, and validates what it builds", () => {
    expect(() => buildEvent(watch(), "com.tencentcloud.vpc.nettask.succeeded", NOW, "urn:x")).toThrow(/no task result/);
    expect(() => buildEvent(watch(), "com.tencentcloud.vpc.nettask.timedout", NOW, "")).toThrow(ValidationError);
    expect(() => buildEvent(watch(), "com.tencentcloud.vpc.nettask.timedout", NOW, "")).toThrow(/source/);
  });
});
