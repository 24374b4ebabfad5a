/**
 * For receivers: checks a webhook delivery from nettask-relay and returns its event.
 * Signature and timestamp are checked by the standardwebhooks library (constant-time
 * comparison, 5-minute tolerance), then the body is validated as the CloudEvent it must be.
 *
 *   import { verifyDelivery } from "nettask-relay/lib/delivery/verify";
 *   const event = verifyDelivery(rawBody, request.headers, process.env.WEBHOOK_SECRET!);
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { CloudEvent } from "../schemas/index";
import { validate } from "../schemas/validate-watch";
import { RelayError } from "../errors";

export class DeliveryVerificationError extends RelayError {
  static override readonly errorName = "DeliveryVerificationError";
  override readonly kind = "unauthorized";
}

type Headers = Record<string, string | string[] | undefined>;

const SIGNED_HEADERS = ["webhook-id", "webhook-timestamp", "webhook-signature"] as const;

/**
 * Verifies `body` (the raw text, exactly as received) against `headers` with `secret` (or any
 * of several during a key rotation); returns the event or throws a DeliveryVerificationError.
 */
export function verifyDelivery(body: string, headers: Headers, secret: string | string[]): CloudEvent {
  const signed: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if ((SIGNED_HEADERS as readonly string[]).includes(key) && value !== undefined) signed[key] = [value].flat().join(" ");
  }
  const missing = SIGNED_HEADERS.filter((h) => !signed[h]);
  if (missing.length) throw new DeliveryVerificationError(`missing header${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);

  const secrets = [secret].flat();
  if (secrets.length === 0) throw new DeliveryVerificationError("no secret to verify with");
  let matched = false;
  for (const s of secrets) {
    try {
      new Webhook(s).verify(body, signed, { jsonParse: false });
      matched = true;
      break;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw new DeliveryVerificationError("the secret is not a valid whsec_ secret");
      // A stale or future timestamp fails the same way for every secret.
      if (error.message !== "No matching signature found")
        throw new DeliveryVerificationError(`webhook-timestamp rejected: ${error.message}`);
    }
  }
  if (!matched) throw new DeliveryVerificationError("webhook-signature matches none of the secrets");

  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new DeliveryVerificationError("the body is not JSON");
  }
  let event: CloudEvent;
  try {
    event = validate("cloudEvent", parsed, "event");
  } catch (error) {
    throw new DeliveryVerificationError((error as Error).message);
  }
  if (event.id !== signed["webhook-id"]) throw new DeliveryVerificationError("the event id differs from webhook-id");
  return event;
}
