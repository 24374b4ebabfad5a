/**
 * AMQP broker URLs (`amqp://user:password@host:port/vhost`, `amqps://` for TLS), read with the
 * WHATWG URL parser into the parts amqplib needs and nothing else: query options such as
 * `frameMax` or `heartbeat` would let a destination tune the relay's connection.
 */

export interface BrokerAddress {
  protocol: "amqp" | "amqps";
  /** Without the brackets of an IPv6 literal. */
  hostname: string;
  port: number;
  /** Decoded; both undefined when the URL has none (amqplib then logs in as guest). */
  username: string | undefined;
  password: string | undefined;
  /** As written in the path (amqplib decodes it); undefined for the default vhost `/`. */
  vhost: string | undefined;
}

export type BrokerUrl = { ok: true; broker: BrokerAddress } | { ok: false; reason: string };

const DEFAULT_PORTS = { amqp: 5672, amqps: 5671 } as const;

const decodes = (text: string) => {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
};

/** Reads a broker URL; the reason never repeats the URL (it may hold a password). */
export function parseBrokerUrl(text: string): BrokerUrl {
  const refused = (reason: string): BrokerUrl => ({ ok: false, reason });
  if (!URL.canParse(text))
    return refused("must be an amqp:// or amqps:// URL that parses (percent-encode any / ? # in the user name and password)");
  const url = new URL(text);
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== "amqp" && scheme !== "amqps") return refused("must be an amqp:// or amqps:// URL");
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  if (!hostname) return refused("must name the broker's host");
  if (url.search || url.hash) return refused("must not have query parameters or a fragment: the relay sets the connection options itself");
  const path = url.pathname.slice(1);
  if (![url.username, url.password, path].every(decodes))
    return refused("has a malformed percent-encoding (%) in its user name, password or vhost");
  const credentials = url.username !== "" || url.password !== "";
  return {
    ok: true,
    broker: {
      protocol: scheme,
      hostname,
      port: url.port ? Number(url.port) : DEFAULT_PORTS[scheme],
      username: credentials ? decodeURIComponent(url.username) : undefined,
      password: credentials ? decodeURIComponent(url.password) : undefined,
      vhost: path || undefined,
    },
  };
}
