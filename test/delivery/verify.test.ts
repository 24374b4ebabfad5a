import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { serializeEvent } from "../../lib/delivery/deliverer";
import { DeliveryVerificationError, verifyDelivery } from "../../lib/delivery/verify";
import { newSecret, sampleEvent } from "../support/delivery";

/** Signs like a Standard Webhooks sender, with node:crypto alone. */
function signedHeaders(body: string, id: string, secrets: string[], timestamp = Math.floor(Date.now() / 1000)) {
  const signatures = secrets.map(
    (s) =>
      `v1,${createHmac("sha256", Buffer.from(s.slice(6), "base64"))
        .update(`${id}.${timestamp}.${body}`)
        .digest("base64")}`,
  );
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signatures.join(" ") };
}

describe("verifyDelivery", () => {
  const event = sampleEvent();
  const body = serializeEvent(event);
  const secret = newSecret();

  it("returns the event of a correctly signed delivery", () => {
    expect(verifyDelivery(body, signedHeaders(body, event.id, [secret]), secret)).toEqual(event);
  });

  it("accepts header names in any case and array values (node's IncomingHttpHeaders)", () => {
    const h = signedHeaders(body, event.id, [secret]);
    expect(
      verifyDelivery(
        body,
        {
          "Webhook-Id": h["webhook-id"],
          "WEBHOOK-TIMESTAMP": [h["webhook-timestamp"]],
          "webhook-signature": h["webhook-signature"],
          other: undefined,
        },
        secret,
      ),
    ).toEqual(event);
  });

  it("supports key rotation on both sides: any of the receiver's secrets matching any signature", () => {
    const [old, next] = [newSecret(), newSecret()];
    expect(verifyDelivery(body, signedHeaders(body, event.id, [old, next]), next).id).toBe(event.id);
    expect(verifyDelivery(body, signedHeaders(body, event.id, [old]), [next, old]).id).toBe(event.id);
    expect(() => verifyDelivery(body, signedHeaders(body, event.id, [old]), [next, newSecret()])).toThrow(
      "webhook-signature matches none of the secrets",
    );
  });

  it("refuses a tampered body, a wrong secret, a changed id", () => {
    const h = signedHeaders(body, event.id, [secret]);
    expect(() => verifyDelivery(body.replace('"polls":3', '"polls":4'), h, secret)).toThrow(DeliveryVerificationError);
    expect(() => verifyDelivery(body, h, newSecret())).toThrow(/matches none/);
    expect(() => verifyDelivery(body, { ...h, "webhook-id": "evt_aaaaaaaaaaaaaaaaaaaaaaaaaa" }, secret)).toThrow(/matches none/);
  });

  it("refuses timestamps more than 5 minutes off, even with a valid signature", () => {
    const now = Math.floor(Date.now() / 1000);
    expect(() => verifyDelivery(body, signedHeaders(body, event.id, [secret], now - 400), secret)).toThrow(
      /webhook-timestamp rejected: .*too old/,
    );
    expect(() => verifyDelivery(body, signedHeaders(body, event.id, [secret], now + 400), secret)).toThrow(/too new/);
    expect(verifyDelivery(body, signedHeaders(body, event.id, [secret], now - 200), secret).id).toBe(event.id);
  });

  it("names missing headers", () => {
    const { "webhook-signature": _, ...unsigned } = signedHeaders(body, event.id, [secret]);
    expect(() => verifyDelivery(body, unsigned, secret)).toThrow("missing header webhook-signature");
    expect(() => verifyDelivery(body, {}, secret)).toThrow("missing headers webhook-id, webhook-timestamp, webhook-signature");
  });

  it("refuses signed bodies that are not the event they claim to be", () => {
    const notJson = "hello";
    expect(() => verifyDelivery(notJson, signedHeaders(notJson, event.id, [secret]), secret)).toThrow("the body is not JSON");
    const wrong = JSON.stringify({ ...event, data: { ...event.data, taskId: -1 } });
    expect(() => verifyDelivery(wrong, signedHeaders(wrong, event.id, [secret]), secret)).toThrow(
      /invalid event: data.taskId must be >= 1/,
    );
    const other = serializeEvent(sampleEvent({ type: "com.tencentcloud.vpc.nettask.failed" }));
    expect(() => verifyDelivery(other, signedHeaders(other, event.id, [secret]), secret)).toThrow("the event id differs from webhook-id");
  });

  it("refuses a malformed secret without echoing it", () => {
    const h = signedHeaders(body, event.id, [secret]);
    try {
      verifyDelivery(body, h, "whsec_!!!not-base64!!!");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DeliveryVerificationError);
      expect((error as Error).message).not.toContain("not-base64");
    }
  });
});
