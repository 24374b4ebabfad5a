/**
 * CIDR notation, for WEBHOOK_ALLOW (checked when the configuration is read) and the ranges of
 * the address policy (lib/delivery/ssrf.ts).
 */
import { isIP } from "node:net";

export type Family = "ipv4" | "ipv6";

/** `address/prefix` (a bare address means just that address), or undefined when it is not one. */
export function parseCidr(cidr: string): [string, number, Family] | undefined {
  const [address = "", prefixText, ...rest] = cidr.split("/");
  const version = isIP(address);
  if (!version || rest.length > 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  return prefix >= 0 && prefix <= max ? [address, prefix, version === 4 ? "ipv4" : "ipv6"] : undefined;
}

/**
 * What is wrong with a WEBHOOK_ALLOW entry, or undefined: it must be a CIDR, and not one that
 * allows every address. `reason` leaves the value out (it may be answered over HTTP).
 */
export function allowEntryProblem(cidr: string): { reason: string; got: string } | undefined {
  const parsed = parseCidr(cidr);
  if (!parsed) return { reason: "must be a comma-separated list of CIDRs such as 127.0.0.1/32", got: `"${cidr}" is not one` };
  if (parsed[1] === 0)
    return { reason: "must not allow every address: list the networks destinations may reach", got: `"${cidr}" allows them all` };
  return undefined;
}
