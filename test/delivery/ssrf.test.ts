import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config";
import { createDeliverer } from "../../lib/delivery/create-deliverer";
import { checkDestination } from "../../lib/delivery/destination-policy";
import { addressKind, type Resolver } from "../../lib/delivery/ssrf";
import { createWebhookSender } from "../../lib/delivery/webhook";
import { newSecret, sampleEvent, startReceiver, status, testConfig } from "../support/delivery";

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/** Internal addresses, each as an URL host, with the kind the refusal must name. */
const INTERNAL: Array<[string, string]> = [
  ["127.0.0.1", "loopback"],
  ["127.8.9.10", "loopback"],
  ["10.1.2.3", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.254", "private"],
  ["192.168.1.1", "private"],
  ["169.254.169.254", "link-local"],
  ["100.64.0.1", "CGNAT"],
  ["0.0.0.0", "unspecified"],
  ["224.0.0.1", "multicast"],
  ["255.255.255.255", "reserved"],
  ["[::1]", "loopback"],
  ["[::]", "unspecified"],
  ["[fc00::1]", "unique-local"],
  ["[fd12:3456:789a::1]", "unique-local"],
  ["[fe80::1]", "link-local"],
  ["[::ffff:127.0.0.1]", "loopback"],
  ["[::ffff:10.0.0.1]", "private"],
  ["[::ffff:169.254.169.254]", "link-local"],
  ["[::ffff:a9fe:a9fe]", "link-local"],
  ["[::127.0.0.1]", "reserved"],
  ["[64:ff9b::7f00:1]", "reserved"],
];

/** The kind a refusal names: metadata addresses say so, whatever range they are in. */
const METADATA = new Set(["169.254.169.254", "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]"]);
const refusedAs = (host: string, kind: string) => (METADATA.has(host) ? "cloud metadata" : kind);

const PUBLIC = ["93.184.216.34", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111"];

const SECRET = newSecret();
const webhook = (url: string) => ({ type: "webhook" as const, url, secret: SECRET });

/** A resolver that answers from a table, counting the questions. */
function fakeDns(table: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve: Resolver = async (hostname) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return { resolve, asked };
}

describe("addressKind", () => {
  it("names every internal range and leaves public addresses alone", () => {
    for (const [host, kind] of INTERNAL) expect(addressKind(host.replace(/^\[|\]$/g, "")), host).toBe(kind);
    for (const address of PUBLIC) expect(addressKind(address), address).toBeUndefined();
  });
});

describe("checkDestination (registration)", () => {
  const config = testConfig();

  it.each(INTERNAL)("refuses https://%s, naming destination.url and the kind of address", async (host, kind) => {
    const errors = await checkDestination(webhook(`https://${host}/hook`), config);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.field).toBe("destination.url");
    expect(errors[0]!.message).toMatch(new RegExp(`^refused: .* resolves to a ${refusedAs(host, kind)} address`));
  });

  it("sees through other spellings of an IPv4 address (the URL parser normalises them)", async () => {
    for (const url of [
      "https://2130706433/",
      "https://0x7f.1/",
      "https://017700000001/",
      "https://169.254.43518/",
      "https://127.0.0.1./",
    ]) {
      expect((await checkDestination(webhook(url), config))[0]?.message, url).toMatch(
        /^refused: (127\.0\.0\.1|169\.254\.169\.254) resolves to a (loopback|cloud metadata) address/,
      );
    }
  });

  it("refuses localhost and its subdomains like the loopback address they are, with or without the final dot", async () => {
    for (const host of ["localhost", "api.localhost", "localhost.", "api.localhost."]) {
      expect((await checkDestination(webhook(`https://${host}:8443/x`), config))[0]?.message, host).toMatch(
        /resolves to a loopback address/,
      );
    }
  });

  it("accepts public https URLs, hostnames included (they are checked again at delivery), without resolving them", async () => {
    const dns = fakeDns({});
    for (const url of ["https://hooks.example.com/x?sig=1", "https://93.184.216.34/", "https://[2606:4700:4700::1111]:8443/"]) {
      expect(await checkDestination(webhook(url), config, dns.resolve), url).toEqual([]);
    }
    expect(dns.asked).toEqual([]);
  });

  it("refuses plain http outside the allow-list", async () => {
    for (const url of ["http://hooks.example.com/x", "http://93.184.216.34/x", "http://127.0.0.1:8787/"]) {
      const [error] = await checkDestination(webhook(url), config);
      expect(error?.field, url).toBe("destination.url");
      expect(error?.message, url).toMatch(/^refused: .*(plain http|loopback)/);
    }
    const allowing = testConfig({ WEBHOOK_ALLOW: "127.0.0.1/32" });
    expect((await checkDestination(webhook("http://93.184.216.34/x"), allowing))[0]?.message).toMatch(
      /plain http is allowed only to addresses in WEBHOOK_ALLOW/,
    );
  });

  it("refuses a plain-http host name unless it resolves into the allow-list now", async () => {
    const allowing = testConfig({ WEBHOOK_ALLOW: "10.0.0.0/8" });
    const dns = fakeDns({
      "inbox.internal": ["10.1.2.3"],
      "hooks.example.com": ["93.184.216.34"],
      "split.example": ["93.184.216.34", "10.9.9.9"],
    });
    expect(await checkDestination(webhook("http://inbox.internal/x"), allowing, dns.resolve)).toEqual([]);
    expect(await checkDestination(webhook("http://inbox.internal./x"), allowing, dns.resolve)).toEqual([]);
    expect(await checkDestination(webhook("http://split.example/x"), allowing, dns.resolve)).toEqual([]);
    const [outside] = await checkDestination(webhook("http://hooks.example.com/x"), allowing, dns.resolve);
    expect(outside).toEqual({
      field: "destination.url",
      rule: "destination",
      message:
        "refused: plain http is allowed only to addresses in WEBHOOK_ALLOW and hooks.example.com is not one (93.184.216.34); use https",
    });
    const [unknown] = await checkDestination(webhook("http://nowhere.example/x"), allowing, dns.resolve);
    expect(unknown?.message).toBe(
      "refused: plain http is allowed only to addresses in WEBHOOK_ALLOW and nowhere.example does not resolve; use https",
    );
    expect(dns.asked).toEqual(["inbox.internal", "inbox.internal", "split.example", "hooks.example.com", "nowhere.example"]);
  });

  describe("with WEBHOOK_ALLOW 127.0.0.1/32, 10.20.0.0/16, fd00::/8", () => {
    const allowing = testConfig({ WEBHOOK_ALLOW: "127.0.0.1/32, 10.20.0.0/16, fd00::/8" });

    it.each([
      ["http://127.0.0.1:8787/", "127.0.0.1/32"],
      ["http://localhost:8787/", "127.0.0.1/32, by what localhost resolves to"],
      ["https://10.20.3.4/", "10.20.0.0/16"],
      ["http://[::ffff:127.0.0.1]/", "127.0.0.1/32, IPv4-mapped"],
      ["https://[fd00::5]/", "fd00::/8"],
    ])("accepts %s (in %s), over http too", async (url) => {
      expect(await checkDestination(webhook(url), allowing)).toEqual([]);
    });

    it("refuses addresses just outside the allowed ranges", async () => {
      expect((await checkDestination(webhook("https://10.21.0.1/"), allowing))[0]?.message).toMatch(/private/);
      expect((await checkDestination(webhook("https://127.0.0.2/"), allowing))[0]?.message).toMatch(/loopback/);
    });
  });

  it("never opens a cloud metadata address, even inside an allowed range", async () => {
    const allowing = testConfig({ WEBHOOK_ALLOW: "169.254.0.0/16, 100.64.0.0/10, fd00::/8" });
    for (const host of [
      "169.254.169.254",
      "169.254.170.2",
      "169.254.0.23",
      "100.100.100.200",
      "[fd00:ec2::254]",
      "[::ffff:169.254.169.254]",
    ]) {
      const [error] = await checkDestination(webhook(`http://${host}/latest/meta-data`), allowing);
      expect(error?.message, host).toMatch(/^refused: .* resolves to a cloud metadata address, which destinations may never reach$/);
    }
    expect(await checkDestination(webhook("http://169.254.1.1/x"), allowing)).toEqual([]);
  });

  it("refuses allow-all WEBHOOK_ALLOW entries at start-up", () => {
    for (const all of ["0.0.0.0/0", "::/0", "127.0.0.1/32, ::/0"]) {
      expect(() => createDeliverer(testConfig({ WEBHOOK_ALLOW: all })), all).toThrow(/^WEBHOOK_ALLOW must not allow every address/);
    }
  });

  it("requires an amqp url when AMQP_URL is not configured; nothing to check for cmq", async () => {
    const amqp = { type: "amqp" as const, exchange: "x", routingKey: "k" };
    expect(await checkDestination(amqp, config)).toEqual([
      { field: "destination.url", rule: "required", message: "is required because AMQP_URL is not configured" },
    ]);
    expect(await checkDestination({ ...amqp, url: "amqps://broker.example" }, config)).toEqual([]);
    expect(await checkDestination(amqp, testConfig({ AMQP_URL: "amqp://broker" }))).toEqual([]);
    expect(await checkDestination({ type: "cmq", queue: "q" }, config)).toEqual([]);
  });

  it("holds a destination's broker to the same address policy, and refuses broker URLs that do not parse", async () => {
    const amqp = (url: string) => ({ type: "amqp" as const, exchange: "x", routingKey: "k", url });
    const dns = fakeDns({ "mq.internal": ["10.0.0.7"] });
    const refusal = async (url: string, c = config) => (await checkDestination(amqp(url), c, dns.resolve))[0];
    for (const [host, kind] of INTERNAL)
      expect((await refusal(`amqps://u:p@${host}:5671/v`))?.message, host).toMatch(
        new RegExp(`resolves to a ${refusedAs(host, kind)} address`),
      );
    expect((await refusal("amqp://u:p@93.184.216.34/"))?.message).toMatch(
      /plain amqp is allowed only to addresses in WEBHOOK_ALLOW .*; use amqps$/,
    );
    expect(await refusal("amqp://u:p@mq.internal/", testConfig({ WEBHOOK_ALLOW: "10.0.0.0/8" }))).toBeUndefined();
    expect((await refusal("amqp://u:p@mq.internal/", testConfig({ WEBHOOK_ALLOW: "192.168.0.0/16" })))?.message).toMatch(
      /mq.internal resolves to a private address/,
    );
    for (const [url, why] of [
      ["amqp://user:pa/ss@broker.example:5672", /^must be an amqp:\/\/ or amqps:\/\/ URL that parses/],
      ["amqp://broker.example:99999", /^must be an amqp:\/\/ or amqps:\/\/ URL that parses/],
      ["amqps://u:p@broker.example/v?frameMax=1024", /^must not have query parameters/],
      ["amqps://u:%zz@broker.example/", /malformed percent-encoding/],
      ["amqps:///vhost", /^must name the broker's host|^must be an amqp/],
    ] as const) {
      const error = await refusal(url);
      expect(error, url).toMatchObject({ field: "destination.url", rule: "destination" });
      expect(error?.message, url).toMatch(why);
      expect(error?.message, url).not.toMatch(/pa\/ss|%zz|u:p/);
    }
  });

  it("rejects a malformed WEBHOOK_ALLOW with a ConfigError naming it", async () => {
    for (const bad of ["127.0.0.1/33", "localhost", "10.0.0.0/8/1", "::1/129", "1.2.3.4/x"]) {
      expect(() => createDeliverer(testConfig({ WEBHOOK_ALLOW: bad })), bad).toThrow(ConfigError);
      expect(() => testConfig({ WEBHOOK_ALLOW: bad }), bad).toThrow(/^WEBHOOK_ALLOW must/);
    }
  });
});

describe("webhook delivery through the SSRF guard", () => {
  function sender(allow: string[], resolve?: Resolver) {
    const s = createWebhookSender({ timeoutMs: 2_000, allow, ...(resolve && { resolve }) });
    open.push(s);
    return s;
  }

  it.each(INTERNAL)("refuses a hostname resolving to %s at delivery, without connecting", async (host, kind) => {
    const dns = fakeDns({ "hooks.example.com": [host.replace(/^\[|\]$/g, "")] });
    const outcome = await sender([], dns.resolve).send(sampleEvent(), webhook("https://hooks.example.com/x"));
    expect(outcome).toMatchObject({ ok: false, permanent: true });
    expect(outcome.error).toMatch(new RegExp(`^refused: hooks.example.com resolves to a ${refusedAs(host, kind)} address`));
    expect(dns.asked).toEqual(["hooks.example.com"]);
  });

  it.each(INTERNAL)("refuses the literal %s at delivery before connecting", async (host) => {
    const dns = fakeDns({});
    const outcome = await sender([], dns.resolve).send(sampleEvent(), webhook(`https://${host}:9/x`));
    expect(outcome).toMatchObject({ ok: false, permanent: true });
    expect(outcome.error).toMatch(/^refused: /);
  });

  it("checks the address at every connection, so DNS rebinding cannot switch to an internal one", async () => {
    const r = await startReceiver([status(200)]);
    open.push(r);
    const table: Record<string, string[]> = { "rebind.example": ["127.0.0.1"] };
    const dns = fakeDns(table);
    // Allow-listed on the first answer, then the name is rebound to the metadata service.
    const s = sender(["127.0.0.1/32"], dns.resolve);
    expect(await s.send(sampleEvent(), webhook(`http://rebind.example:${r.port}/x`))).toMatchObject({ ok: true, status: 200 });
    s.close();
    table["rebind.example"] = ["169.254.169.254"];
    const outcome = await s.send(sampleEvent(), webhook(`http://rebind.example:${r.port}/x`));
    expect(outcome).toMatchObject({ ok: false, permanent: true });
    expect(outcome.error).toMatch(/cloud metadata/);
    expect(r.hits).toHaveLength(1);
  });

  it("connects to the resolved address it checked (a name only the injected resolver knows reaches the receiver)", async () => {
    const r = await startReceiver([status(200)]);
    open.push(r);
    const dns = fakeDns({ "inbox.test": ["::1", "127.0.0.1"] });
    // ::1 is not allowed, 127.0.0.1 is: the connection goes to 127.0.0.1 only.
    const outcome = await sender(["127.0.0.1/32"], dns.resolve).send(sampleEvent(), webhook(`http://inbox.test:${r.port}/x`));
    expect(outcome).toMatchObject({ ok: true, status: 200 });
    expect(r.hits[0]!.headers.host).toBe(`inbox.test:${r.port}`);
  });

  it("refuses plain http to a public address even though it is not internal", async () => {
    const dns = fakeDns({ "hooks.example.com": ["93.184.216.34"] });
    const outcome = await sender([], dns.resolve).send(sampleEvent(), webhook("http://hooks.example.com/x"));
    expect(outcome).toMatchObject({ ok: false, permanent: true });
    expect(outcome.error).toMatch(/plain http is allowed only to addresses in WEBHOOK_ALLOW/);
    expect((await sender([]).send(sampleEvent(), webhook("http://93.184.216.34/x"))).error).toMatch(/plain http/);
  });

  it("refuses localhost with the system resolver, and a loopback receiver that is not allow-listed is never contacted", async () => {
    const r = await startReceiver([status(200)]);
    open.push(r);
    const deliverer = createDeliverer(testConfig());
    open.push(deliverer);
    for (const url of [
      `https://localhost:${r.port}/x`,
      `http://localhost:${r.port}/x`,
      `https://127.0.0.1:${r.port}/x`,
      `http://127.0.0.1:${r.port}/x`,
      `https://[::ffff:127.0.0.1]:${r.port}/x`,
    ]) {
      const outcome = await deliverer.deliver(sampleEvent(), webhook(url));
      expect(outcome, url).toMatchObject({ ok: false, permanent: true });
      expect(outcome.error, url).toMatch(/^refused: .*loopback/);
    }
    expect(r.hits).toHaveLength(0);
  });

  it("delivers to an allow-listed http://127.0.0.1 receiver", async () => {
    const r = await startReceiver([status(200)]);
    open.push(r);
    const deliverer = createDeliverer(testConfig({ WEBHOOK_ALLOW: "127.0.0.1/32" }));
    open.push(deliverer);
    const event = sampleEvent();
    expect(await deliverer.deliver(event, webhook(r.url))).toMatchObject({ ok: true, status: 200 });
    expect(await deliverer.deliver(event, webhook(`http://[::ffff:127.0.0.1]:${r.port}/x`))).toMatchObject({ ok: true, status: 200 });
    expect(r.hits.map((h) => JSON.parse(h.body))).toEqual([event, event]);
  });

  it("fails (not refuses) a hostname that does not resolve, saying so in its code", async () => {
    const outcome = await sender([], fakeDns({}).resolve).send(sampleEvent(), webhook("https://nowhere.example/x"));
    expect(outcome).toMatchObject({ ok: false, code: "ENOTFOUND" });
    expect(outcome.permanent).toBeUndefined();
    expect(outcome.error).toMatch(/ENOTFOUND nowhere.example/);
  });
});
