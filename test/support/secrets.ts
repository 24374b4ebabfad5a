/**
 * The secrets the test suite hands to code, and how to spot them (or anything shaped like
 * them) in output. Tests that deliberately feed secrets to the code under test take them from
 * here or are listed here, so the end-of-run check knows what must never be printed.
 */
import { DEFAULT_SECRET_KEY } from "../../scripts/emulator/credentials";
import { API_TOKEN, WEBHOOK_SECRET } from "./stack";

const whsec = (fill: number) => `whsec_${Buffer.alloc(32, fill).toString("base64")}`;

/** Secrets of the tests in this folder and test/chaos. */
export const OWN_SECRETS = {
  wrongSecretKey: "wrong-secret-key-for-leak-tests-7c1d",
  temporarySecretKey: "temporary-secret-key-for-leak-tests-5e2a",
  sessionToken: "session-token-for-leak-tests-9b3f",
  staleSessionToken: "stale-session-token-for-leak-tests-d4c7",
  webhookSecret: whsec(77),
  webhookPassword: "hook-password-for-leak-tests-41d8",
  amqpPassword: "amqp-password-for-leak-tests-0a6e",
  /** Passwords URL parsers and patterns read differently: an @ inside, a / inside (base64). */
  webhookPasswordWithAt: "hook-p@ssword-for-leak-tests-7e3b",
  webhookPasswordWithSlash: "aG9vay1wYXNz/d29yZC1sZWFr+dGVzdHM=",
  amqpPasswordWithSlash: "amqp-pass/word-for-leak-tests-5c19",
  redisPassword: "redis-password-for-leak-tests-3f90",
  crashStackToken: "crash-stack-api-token-for-leak-tests-68b2",
} as const;

/** Name → value of every secret the suite uses, by where it comes from. */
const KNOWN: Record<string, string> = {
  "emulator SecretKey (DEFAULT_SECRET_KEY)": DEFAULT_SECRET_KEY,
  "API token of test/support/stack.ts": API_TOKEN,
  "webhook secret of test/support/stack.ts": WEBHOOK_SECRET,
  "API token of test/http/auth.test.ts": "s3cr3t-api-token-0123456789",
  "presented wrong API tokens (test/http, test/functions)": "wrong-token",
  "presented wrong API token (test/functions)": "not-the-token",
  "temporary SecretKey of test/upstream/client.test.ts": "temporary-secret-key-0123456789ab",
  "session token of test/upstream/client.test.ts": "temporary-session-token-0123456789",
  "wrong SecretKey of test/upstream/client.test.ts": "not-the-key-0123456789",
  "temporary SecretKey of test/emulator/legacy-auth.test.ts": "temporary-secret-key-abcdef012345",
  "session token of test/emulator/legacy-auth.test.ts": "session-token-with+and/chars=",
  "permanent SecretKey of test/emulator/legacy-auth.test.ts": "permanent-secret-key-abcdef012345",
  "other tokens of test/emulator/legacy-auth.test.ts": "another-token",
  "stray token of test/emulator/legacy-auth.test.ts": "stray-token",
  "temporary SecretKey of test/emulator/tdmq.test.ts": "temporary-tdmq-key-0123456789ab",
  "session token of test/emulator/tdmq.test.ts": "tdmq-session-token",
  "stale tokens of test/emulator/tdmq.test.ts and test/delivery/cmq.test.ts": "stale-token",
  "SecretKey from the environment of test/emulator/main.test.ts": "key-from-the-environment-keep-out-of-logs",
  "temporary SecretKey of test/emulator/api3-auth.test.ts": "temporary-vpc-key-0123456789abcd",
  "session token of test/emulator/api3-auth.test.ts": "vpc-session-token+/=",
  "SecretKey from the environment of test/emulator/npm-start.test.ts": "npm-start-emulator-key-0123456789ab",
  "temporary SecretKey of test/delivery/cmq.test.ts": "temporary-secret-key-for-cmq-000000",
  "session token of test/delivery/cmq.test.ts": "session-token-cmq-test",
  "wrong SecretKey of test/delivery/cmq.test.ts": "not-the-right-key-0000000000000000",
  "broker password of test/delivery/amqp.test.ts": "wrong-password-123",
  "other broker password of test/delivery/amqp.test.ts": "s3cret-pass",
  "database password of test/functions/broken-deployment.test.ts": "db-password-7",
  "session token of test/security/echo-upstream.test.ts": "session-token-echoed-by-upstream-1234",
  "SecretKey of test/security/echo-upstream.test.ts": "echo-secret-key-5678",
  "Redis password of test/watches/redis-store.test.ts": "hunter2-secret",
  "Redis password of test/watches/open-store.test.ts": "pw-s3cret",
  "URL passwords of test/http/watch-view.test.ts": "p4ssw0rd",
  "other URL password of test/http/watch-view.test.ts": "t0ps3cret",
  "URL password with an @ of test/http/watch-view.test.ts": "t0p@s3cret",
  "URL password with a / of test/http/watch-view.test.ts": "t0p/s3cret+A==",
  "broker passwords of test/http/api.test.ts": "pw-7c1",
  "AMQP_URL passwords of test/config/config.test.ts": "word-9d2e",
  "unparsable broker password of test/http/api.test.ts": "pw/7c1",
  "webhook secret of test/http/watch-view.test.ts": whsec(1),
  "other webhook secret of test/http/watch-view.test.ts": whsec(2),
  "webhook secret of test/http/openapi.test.ts": whsec(7),
  "rotated session token of test/upstream/credentials.test.ts": "rotated-token",
  "SCF session token of test/upstream/credentials.test.ts": "scf-token",
  "profile SecretKey of test/upstream/credentials.test.ts": "profile-key",
  "temporary SecretKey of test/upstream/credentials.test.ts": "tmp-key-1",
  "temporary session token of test/upstream/credentials.test.ts": "tmp-token-1",
  ...Object.fromEntries(Object.entries(OWN_SECRETS).map(([name, value]) => [`${name} of test/security and test/chaos`, value])),
};

/** Every whsec_ secret also leaks as its bare base64 key. */
const SEARCHED: Array<[string, string]> = Object.entries(KNOWN).flatMap(
  ([name, value]): Array<[string, string]> =>
    value.startsWith("whsec_")
      ? [
          [name, value],
          [`${name}, base64 key`, value.slice("whsec_".length).replace(/=+$/, "")],
        ]
      : [[name, value]],
);

/** What the code prints instead of a password in a URL. */
const MASKED_PASSWORD = /^(?:\*\*\*|\[redacted\])$/;

/**
 * A password inside a URL, whatever the parser would make of it: everything between `://` and
 * the last `@` may be credentials (a `/` in a password ends the authority for every parser), so
 * a `:` there that is not a mask is a leak.
 */
function urlPassword(line: string): boolean {
  for (const [candidate] of line.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi)) {
    const start = candidate.indexOf("://") + 3;
    const userinfo = candidate.slice(start, Math.max(start, candidate.lastIndexOf("@")));
    const colon = userinfo.indexOf(":");
    if (colon >= 0 && !MASKED_PASSWORD.test(userinfo.slice(colon + 1))) return true;
  }
  return false;
}

/** Shapes of secrets whatever their value: a Standard Webhooks secret, a password inside a URL. */
const SHAPES: Array<[string, (line: string) => boolean]> = [
  ["a whsec_ webhook secret", (line) => /whsec_(?:[A-Za-z0-9+/]{4}){8}/.test(line)],
  ["a password inside a URL", urlPassword],
];

export interface Leak {
  /** 1-based line number in the text. */
  line: number;
  /** Which secret or shape; never the secret itself. */
  what: string;
}

/** Every line of `text` that shows a known secret or something shaped like one. */
export function findLeaks(text: string): Leak[] {
  const leaks: Leak[] = [];
  text.split("\n").forEach((content, index) => {
    for (const [name, value] of SEARCHED) if (content.includes(value)) leaks.push({ line: index + 1, what: name });
    for (const [name, shape] of SHAPES) if (shape(content)) leaks.push({ line: index + 1, what: name });
  });
  return leaks;
}
