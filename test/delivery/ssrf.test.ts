import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config";
import { createDeliverer } from "../../lib/delivery/create-deliverer";
import { checkDestination } from "../../lib/delivery/destination-policy";
import { addressKind, type Resolver } from "../../lib/delivery/ssrf";
import { createWebhookSender } from "../../lib/delivery/webhook";
import { sampleEvent, startReceiver, status, testConfig } from "./helpers";

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

const PUBLIC = ["93.184.216.34", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111"];

const webhook = (url: string) => ({ type: "webhook" as const, url });

describe("addressKind", () => {
  it("names every internal range and leaves public addresses alone", () => {
    for (const [host, kind] of INTERNAL) expect(addressKind(host.replace(/^\[|\]$/g, "")), host).toBe(kind);
    for (const address of PUBLIC) expect(addressKind(address), address).toBeUndefined();
  });
});

describe("checkDestination (registration)", () => {
  const config = testConfig();

  it.each(INTERNAL)("refuses https://%s, naming destination.url and the kind of address", (host, kind) => {
    const errors = checkDestination(webhook(`https://${host}/hook`), config);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.field).toBe("destination.url");
    expect(errors[0]!.message).toMatch(new RegExp(`^refused: .* resolves to a ${kind} address`));
  });

  it("sees through other spellings of an IPv4 address (the URL parser normalises them)", () => {
    for (const url of ["https://2130706433/", "https://0x7f.1/", "https://017700000001/", "https://169.254.43518/"]) {
      expect(checkDestination(webhook(url), config)[0]?.message, url).toMatch(/^refused: (127\.0\.0\.1|169\.254\.169\.254) resolves to a (loopback|link-local) address/);
    }
  });

  it("refuses localhost and its subdomains like the loopback address they are", () => {
    for (const host of ["localhost", "api.localhost"]) {
      expect(checkDestination(webhook(`https://${host}:8443/x`), config)[0]?.message).toMatch(/resolves to a loopback address/);
    }
  });

  it("accepts public https URLs, hostnames included (they are checked again at delivery)", () => {
    for (const url of ["https://hooks.example.com/x?sig=1", "https://93.184.216.34/", "https://[2606:4700:4700::1111]:8443/"]) {
      expect(checkDestination(webhook(url), config), url).toEqual([]);
    }
  });

  it("refuses plain http outside the allow-list", () => {
    for (const url of ["http://hooks.example.com/x", "http://93.184.216.34/x", "http://127.0.0.1:8787/"]) {
      const [error] = checkDestination(webhook(url), config);
      expect(error?.field, url).toBe("destination.url");
      expect(error?.message, url).toMatch(/^refused: .*(plain http|loopback)/);
    }
    const allowing = testConfig({ WEBHOOK_ALLOW: "127.0.0.1/32" });
    expect(checkDestination(webhook("http://93.184.216.34/x"), allowing)[0]?.message).toMatch(/plain http is allowed only to addresses in WEBHOOK_ALLOW/);
  });

  it("accepts allow-listed addresses, over http too, including IPv4-mapped forms", () => {
    const allowing = testConfig({ WEBHOOK_ALLOW: "127.0.0.1/32, 10.20.0.0/16, fd00::/8" });
    for (const url of ["http://127.0.0.1:8787/", "http://localhost:8787/", "https://10.20.3.4/", "http://[::ffff:127.0.0.1]/", "https://[fd00::5]/"]) {
      expect(checkDestination(webhook(url), allowing), url).toEqual([]);
    }
    // Just outside the allowed ranges.
    expect(checkDestination(webhook("https://10.21.0.1/"), allowing)[0]?.message).toMatch(/private/);
    expect(checkDestination(webhook("https://127.0.0.2/"), allowing)[0]?.message).toMatch(/loopback/);
  });

  it("defers plain http to a hostname when an allow-list exists (it may resolve into it)", () => {
    expect(checkDestination(webhook("http://inbox.internal/x"), testConfig({ WEBHOOK_ALLOW: "10.0.0.0/8" }))).toEqual([]);
  });

  it("requires an amqp url when AMQP_URL is not configured; nothing to check for cmq", () => {
    const amqp = { type: "amqp" as const, exchange: "x", routingKey: "k" };
    expect(checkDestination(amqp, config)).toEqual([{ field: "destination.url", rule: "required", message: "is required because AMQP_URL is not configured" }]);
    expect(checkDestination({ ...amqp, url: "amqp://broker" }, config)).toEqual([]);
    expect(checkDestination(amqp, testConfig({ AMQP_URL: "amqp://broker" }))).toEqual([]);
    expect(checkDestination({ type: "cmq", queue: "q" }, config)).toEqual([]);
  });

  it("rejects a malformed WEBHOOK_ALLOW with a ConfigError naming it", () => {
    for (const bad of ["127.0.0.1/33", "localhost", "10.0.0.0/8/1", "::1/129", "1.2.3.4/x"]) {
      expect(() => createDeliverer(testConfig({ WEBHOOK_ALLOW: bad })), bad).toThrow(ConfigError);
      expect(() => checkDestination(webhook("https://x.example/"), testConfig({ WEBHOOK_ALLOW: bad })), bad).toThrow(/WEBHOOK_ALLOW/);
    }
  });
});

describe("webhook delivery through the SSRF guard", () => {
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

  function sender(allow: string[], resolve?: Resolver) {
    const s = createWebhookSender({ timeoutMs: 2_000, allow, ...(resolve && { resolve }) });
    open.push(s);
    return s;
  }

  it.each(INTERNAL)("refuses a hostname resolving to %s at delivery, without connecting", async (host, kind) => {
    const dns = fakeDns({ "hooks.example.com": [host.replace(/^\[|\]$/g, "")] });
    const outcome = await sender([], dns.resolve).send(sampleEvent(), webhook("https://hooks.example.com/x"));
    expect(outcome).toMatchObject({ ok: false, permanent: true });
    expect(outcome.error).toMatch(new RegExp(`^refused: hooks.example.com resolves to a ${kind} address`));
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
    expect(outcome.error).toMatch(/link-local/);
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
    for (const url of [`https://localhost:${r.port}/x`, `http://localhost:${r.port}/x`, `https://127.0.0.1:${r.port}/x`, `http://127.0.0.1:${r.port}/x`, `https://[::ffff:127.0.0.1]:${r.port}/x`]) {
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

  it("fails (not refuses) a hostname that does not resolve", async () => {
    const outcome = await sender([], fakeDns({}).resolve).send(sampleEvent(), webhook("https://nowhere.example/x"));
    expect(outcome.ok).toBe(false);
    expect(outcome.permanent).toBeUndefined();
    expect(outcome.error).toMatch(/ENOTFOUND nowhere.example/);
  });
});
