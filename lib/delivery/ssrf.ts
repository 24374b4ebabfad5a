/**
 * The SSRF guard of deliveries: which addresses a webhook or a destination's broker may reach.
 * Applied to IP literals before connecting and, through `guardedLookup`, to the address a
 * hostname resolves to at the moment of connecting, so DNS rebinding cannot slip an internal
 * address past it.
 */
import { promises as dns } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { allowEntryProblem, parseCidr, type Family } from "../cidr";
import { ConfigError } from "../config";
import { RelayError } from "../errors";

export type AddressKind =
  | "loopback"
  | "unspecified"
  | "private"
  | "link-local"
  | "CGNAT"
  | "unique-local"
  | "multicast"
  | "documentation"
  | "reserved";

// Order matters where ranges nest (::1 inside ::/96): the first match names the kind.
// IPv4 rules also match IPv4-mapped IPv6 forms (::ffff:127.0.0.1): BlockList does that itself.
const INTERNAL_RANGES: ReadonlyArray<[AddressKind, string]> = [
  ["loopback", "127.0.0.0/8"],
  ["loopback", "::1/128"],
  ["unspecified", "0.0.0.0/8"],
  ["unspecified", "::/128"],
  ["private", "10.0.0.0/8"],
  ["private", "172.16.0.0/12"],
  ["private", "192.168.0.0/16"],
  ["link-local", "169.254.0.0/16"], // includes the 169.254.169.254 metadata service
  ["link-local", "fe80::/10"],
  ["CGNAT", "100.64.0.0/10"],
  ["unique-local", "fc00::/7"],
  ["multicast", "224.0.0.0/4"],
  ["multicast", "ff00::/8"],
  ["documentation", "192.0.2.0/24"],
  ["documentation", "198.51.100.0/24"],
  ["documentation", "203.0.113.0/24"],
  ["documentation", "2001:db8::/32"],
  ["reserved", "240.0.0.0/4"], // includes the 255.255.255.255 broadcast
  ["reserved", "192.0.0.0/24"],
  ["reserved", "192.88.99.0/24"],
  ["reserved", "198.18.0.0/15"],
  // IPv6 forms that embed or tunnel to an IPv4 address BlockList does not unwrap:
  // IPv4-compatible, NAT64, Teredo, 6to4. Also discard-only and deprecated site-local.
  ["reserved", "::/96"],
  ["reserved", "64:ff9b::/96"],
  ["reserved", "64:ff9b:1::/48"],
  ["reserved", "2001::/32"],
  ["reserved", "2002::/16"],
  ["reserved", "100::/64"],
  ["reserved", "fec0::/10"],
];

/**
 * Cloud metadata services, which hand out the machine's credentials: refused even when
 * WEBHOOK_ALLOW covers them (169.254.0.0/16, or an allow-all entry). AWS, GCP and Azure
 * (169.254.169.254, fd00:ec2::254), AWS ECS task credentials (169.254.170.2), Tencent Cloud
 * (metadata.tencentyun.com, 169.254.0.23), Alibaba Cloud (100.100.100.200).
 */
const METADATA_ADDRESSES = ["169.254.169.254", "169.254.170.2", "169.254.0.23", "100.100.100.200", "fd00:ec2::254"];

/** The unencrypted scheme of a destination (`http`, `amqp`): allowed only into WEBHOOK_ALLOW. */
export type PlainScheme = "http" | "amqp";

const familyOf = (address: string): Family => (isIP(address) === 6 ? "ipv6" : "ipv4");

const INTERNAL: ReadonlyArray<[AddressKind, BlockList]> = (() => {
  const lists = new Map<AddressKind, BlockList>();
  for (const [kind, cidr] of INTERNAL_RANGES) {
    const list = lists.get(kind) ?? new BlockList();
    lists.set(kind, list);
    list.addSubnet(...parseCidr(cidr)!);
  }
  return [...lists];
})();

/** What kind of internal address `address` (an IP literal) is; undefined for a public one. */
export function addressKind(address: string): AddressKind | undefined {
  const family = familyOf(address);
  return INTERNAL.find(([, list]) => list.check(address, family))?.[0];
}

/** Names that always mean this machine (RFC 6761), so they are judged like 127.0.0.1. */
const isLocalhost = (hostname: string) => hostname === "localhost" || hostname.endsWith(".localhost");

/**
 * The address a URL hostname stands for without asking DNS: the IP address it spells
 * (brackets of IPv6 literals removed), or 127.0.0.1 for localhost. `localhost.` is `localhost`:
 * a fully qualified name must not slip past the checks.
 */
export function fixedAddress(hostname: string): string | undefined {
  const host = hostname.replace(/\.$/, "");
  return literalAddress(host) ?? (isLocalhost(host) ? "127.0.0.1" : undefined);
}

/** The IP address a URL hostname spells (brackets of IPv6 literals removed), if it is one. */
export function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}

/**
 * Why a destination may not connect to `hostname` when it is an IP literal or localhost,
 * which never reach the guarded lookup (nor localhost its checks); undefined when it may, or
 * when the name is one the lookup will judge.
 */
export function literalRefusal(policy: AddressPolicy, hostname: string, plain?: PlainScheme): string | undefined {
  const fixed = fixedAddress(hostname);
  return fixed && policy.refusal(hostname, fixed, plain);
}

const METADATA = new BlockList();
for (const address of METADATA_ADDRESSES) METADATA.addAddress(address, familyOf(address));

export interface AddressPolicy {
  /** True when WEBHOOK_ALLOW names no address at all: plain http and amqp can then never be used. */
  readonly allowsNothing: boolean;
  /**
   * Why a destination on `host` may not connect to `address` (over the unencrypted `plain`
   * scheme, if it is one); undefined when it may.
   */
  refusal(host: string, address: string, plain?: PlainScheme): string | undefined;
}

/** The policy for the WEBHOOK_ALLOW CIDRs (a bare address means just that address). */
export function addressPolicy(allowCidrs: readonly string[]): AddressPolicy {
  const allowed = new BlockList();
  for (const cidr of allowCidrs) {
    // loadConfig has checked WEBHOOK_ALLOW; a list built in code is checked here.
    const problem = allowEntryProblem(cidr);
    if (problem) throw new ConfigError("WEBHOOK_ALLOW", problem.reason, problem.got);
    allowed.addSubnet(...parseCidr(cidr)!);
  }
  return {
    allowsNothing: allowCidrs.length === 0,
    refusal(host, address, plain) {
      const resolved = host === address ? "" : ` (${address})`;
      if (METADATA.check(address, familyOf(address)))
        return `refused: ${host} resolves to a cloud metadata address${resolved}, which destinations may never reach`;
      if (allowed.check(address, familyOf(address))) return undefined;
      const kind = addressKind(address);
      if (kind)
        return `refused: ${host} resolves to a ${kind} address${resolved}; destinations may reach internal addresses only when WEBHOOK_ALLOW includes them`;
      if (plain)
        return `refused: plain ${plain} is allowed only to addresses in WEBHOOK_ALLOW and ${host} is not one${resolved}; use ${plain}s`;
      return undefined;
    },
  };
}

/** A connection the guard refused: retrying cannot help. */
export class RefusedDestinationError extends RelayError {
  static override readonly errorName = "RefusedDestinationError";
  override readonly kind = "invalid-input";
}

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Resolves a hostname to all its addresses (dns.lookup by default; tests inject their own). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * A `lookup` for sockets (node:http(s) requests, amqplib's connections) that hands the socket
 * only addresses the policy allows, and fails with the policy's reason when there are none.
 * The socket connects to an address this returns, so the address checked is the address used.
 */
export function guardedLookup(policy: AddressPolicy, plain: PlainScheme | undefined, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname)
      .then((all) => {
        const ofFamily = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        const reasons = ofFamily.map(({ address }) => policy.refusal(hostname, address, plain));
        const usable = ofFamily.filter((_, i) => reasons[i] === undefined);
        const first = usable[0];
        if (!first) {
          const why = reasons[0];
          if (why) throw new RefusedDestinationError(why);
          throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
        }
        if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, ""));
  };
}
