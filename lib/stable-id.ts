/**
 * Ids derived from what they name, so naming the same thing twice gives the same id: a watch
 * registered twice is found again, an event built again (after a crash, for a redelivery)
 * keeps its id.
 */
import { createHash } from "node:crypto";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** `prefix` and 26 base32 characters (130 bits) of the SHA-256 digest of `text`. */
export function stableId(prefix: string, text: string): string {
  const bytes = createHash("sha256").update(text).digest();
  let bits = 0;
  let acc = 0;
  let out = "";
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
    if (out.length === 26) break;
  }
  return prefix + out;
}
