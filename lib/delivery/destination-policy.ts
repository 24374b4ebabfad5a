/**
 * Registration-time checks of a destination that its JSON Schema cannot express: the address
 * policy (lib/delivery/ssrf.ts) on webhook and broker hosts, and broker URLs that parse.
 * Host names over https and amqps are not resolved here (DNS can change before delivery);
 * every delivery checks them again on the address it connects to. Over plain http and amqp a
 * host name must resolve into WEBHOOK_ALLOW now as well.
 */
import type { Config } from "../config";
import type { Destination } from "../schemas/index";
import type { FieldError } from "../schemas/validate";
import { parseBrokerUrl } from "../broker-url";
import { addressPolicy, fixedAddress, literalAddress, systemResolver, type AddressPolicy, type PlainScheme, type Resolver } from "./ssrf";

const refusedUrl = (message: string): FieldError[] => [{ field: "destination.url", rule: "destination", message }];

/** Why `destination` cannot be delivered to with this configuration; empty when it can. */
export async function checkDestination(
  destination: Destination,
  config: Config,
  resolve: Resolver = systemResolver,
): Promise<FieldError[]> {
  const policy = addressPolicy(config.webhookAllow);
  switch (destination.type) {
    case "webhook": {
      const url = URL.canParse(destination.url) ? new URL(destination.url) : undefined;
      if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) return refusedUrl("must be an absolute http(s) URL");
      return checkHost(url.hostname, url.protocol === "http:" ? "http" : undefined, policy, resolve);
    }
    case "amqp": {
      // AMQP_URL is the operator's own broker, trusted like STORE_URL; a destination's url is not.
      if (destination.url === undefined)
        return config.amqpUrl
          ? []
          : [{ field: "destination.url", rule: "required", message: "is required because AMQP_URL is not configured" }];
      const parsed = parseBrokerUrl(destination.url);
      if (!parsed.ok) return refusedUrl(parsed.reason);
      return checkHost(parsed.broker.hostname, parsed.broker.protocol === "amqp" ? "amqp" : undefined, policy, resolve);
    }
    case "cmq":
      return [];
  }
}

async function checkHost(
  hostname: string,
  plain: PlainScheme | undefined,
  policy: AddressPolicy,
  resolve: Resolver,
): Promise<FieldError[]> {
  const host = hostname.replace(/\.$/, "");
  const address = fixedAddress(host);
  if (address !== undefined) {
    const why = policy.refusal(literalAddress(host) ?? host, address, plain);
    return why ? refusedUrl(why) : [];
  }
  if (!plain) return [];
  if (policy.allowsNothing) return refusedUrl(`refused: plain ${plain} is not allowed (WEBHOOK_ALLOW is empty); use ${plain}s`);
  let addresses: { address: string }[];
  try {
    addresses = await resolve(host);
  } catch {
    addresses = [];
  }
  const reasons = addresses.map(({ address }) => policy.refusal(host, address, plain));
  if (reasons.some((why) => why === undefined)) return [];
  return refusedUrl(
    reasons[0] ?? `refused: plain ${plain} is allowed only to addresses in WEBHOOK_ALLOW and ${host} does not resolve; use ${plain}s`,
  );
}
