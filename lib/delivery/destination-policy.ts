/**
 * Registration-time checks of a destination that its JSON Schema cannot express. Webhook
 * hostnames are not resolved here (DNS can change before delivery); the delivery checks them
 * again on the address it connects to.
 */
import type { Config } from "../config";
import type { Destination } from "../schemas/index";
import type { FieldError } from "../schemas/validate";
import { addressPolicy, literalAddress } from "./ssrf";

/** Names that always mean this machine (RFC 6761), so they are judged like 127.0.0.1. */
const isLocalhost = (hostname: string) => hostname === "localhost" || hostname.endsWith(".localhost");

/** Why `destination` cannot be delivered to with this configuration; empty when it can. */
export function checkDestination(destination: Destination, config: Config): FieldError[] {
  switch (destination.type) {
    case "webhook":
      return checkWebhookUrl(destination.url, config);
    case "amqp":
      return destination.url === undefined && !config.amqpUrl
        ? [{ field: "destination.url", rule: "required", message: "is required because AMQP_URL is not configured" }]
        : [];
    case "cmq":
      return [];
  }
}

function checkWebhookUrl(text: string, config: Config): FieldError[] {
  const refused = (message: string): FieldError[] => [{ field: "destination.url", rule: "destination", message }];
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refused("must be an absolute http(s) URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return refused("must be an absolute http(s) URL");
  const policy = addressPolicy(config.webhookAllow);
  const plainHttp = url.protocol === "http:";
  const address = literalAddress(url.hostname) ?? (isLocalhost(url.hostname) ? "127.0.0.1" : undefined);
  if (address !== undefined) {
    const why = policy.refusal(url.hostname, address, plainHttp);
    return why ? refused(why) : [];
  }
  // A hostname over plain http may still resolve into WEBHOOK_ALLOW; only delivery can tell.
  if (plainHttp && policy.allowsNothing) return refused("refused: plain http is not allowed (WEBHOOK_ALLOW is empty); use https");
  return [];
}
