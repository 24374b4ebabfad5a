/**
 * RabbitMQ / TDMQ for RabbitMQ delivery (AMQP 0-9-1): persistent, mandatory messages on a
 * confirm channel, one cached connection per broker URL, dropped on any error so the next
 * attempt reconnects. An attempt succeeds only when the broker confirms the message and did
 * not return it as unroutable first (it sends basic.return before basic.ack). A destination's
 * own broker URL goes through the address policy of webhooks (literal check before connecting,
 * guarded lookup when connecting); AMQP_URL is the operator's and trusted. Broker URLs carry
 * passwords: errors and logs name only the host.
 */
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from "amqplib";
import { once } from "node:events";
import { redact, type Logger } from "../log";
import type { AmqpDestination, CloudEvent } from "../schemas/index";
import { parseBrokerUrl, type BrokerAddress } from "../broker-url";
import { CLOUDEVENTS_CONTENT_TYPE, serializeEvent, timeAttempt, type DeliveryOutcome } from "./deliverer";
import { addressPolicy, guardedLookup, literalRefusal, RefusedDestinationError, type Resolver } from "./ssrf";

export interface AmqpPublisherOptions {
  /** AMQP_URL: the broker of destinations without their own url ("" = none). */
  defaultUrl: string;
  /** Bounds connecting and waiting for the broker's confirm. */
  timeoutMs: number;
  /** WEBHOOK_ALLOW: internal addresses a destination's own broker may be at. */
  allow: readonly string[];
  /** Host name resolution for destinations' brokers (tests inject one); the system resolver by default. */
  resolve?: Resolver;
  logger?: Logger;
}

export interface AmqpPublisher {
  send(event: CloudEvent, destination: AmqpDestination, signal?: AbortSignal): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}

interface Link {
  model: ChannelModel;
  channel: ConfirmChannel;
  /** Why the broker closed the channel: amqplib only tells pending confirms "channel closed". */
  closedBy?: { code?: number; message: string };
  /** Messages the broker returned, by returnKey, until their confirm arrives: "312 NO_ROUTE". */
  returned: Map<string, string>;
}

/** AMQP reply code of a channel closed for a missing exchange (or queue). */
const NOT_FOUND = 404;

const messageOf = (error: unknown) => redact(error instanceof Error ? error.message : String(error)) as string;
const returnKey = (messageId: unknown, exchange: string, routingKey: string) => `${String(messageId)}\n${exchange}\n${routingKey}`;
const hostOf = ({ hostname, port }: BrokerAddress) => `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;

export function createAmqpPublisher(options: AmqpPublisherOptions): AmqpPublisher {
  const policy = addressPolicy(options.allow);
  const links = new Map<string, Promise<Link>>();

  const forget = (key: string, link: Promise<Link>) => {
    if (links.get(key) !== link) return;
    links.delete(key);
    link.then((l) => l.model.close()).catch(() => {});
  };

  const linkFor = (key: string, broker: BrokerAddress, guarded: boolean): Promise<Link> => {
    const cached = links.get(key);
    if (cached) return cached;
    const link = (async (): Promise<Link> => {
      const { connect } = await import("./amqp-lib");
      const { protocol, hostname, port, username, password, vhost } = broker;
      const model = await connect(
        { protocol, hostname, port, username, password, vhost },
        {
          timeout: options.timeoutMs,
          clientProperties: { connection_name: "nettask-relay" },
          ...(guarded && { lookup: guardedLookup(policy, protocol === "amqp" ? "amqp" : undefined, options.resolve) }),
        },
      );
      const broken = (error: unknown) => {
        options.logger?.warn("amqp connection dropped", { broker: hostOf(broker), error: messageOf(error) });
        forget(key, link);
      };
      model.on("error", broken);
      model.on("close", () => forget(key, link));
      try {
        const channel = await model.createConfirmChannel();
        const made: Link = { model, channel, returned: new Map() };
        channel.on("return", ({ fields, properties }: ConsumeMessage) => {
          const { replyCode, replyText } = fields as ConsumeMessage["fields"] & { replyCode: number; replyText: string };
          made.returned.set(returnKey(properties.messageId, fields.exchange, fields.routingKey), `${replyCode} ${replyText}`);
        });
        channel.on("error", (error: { code?: number }) => {
          made.closedBy = { ...(typeof error.code === "number" && { code: error.code }), message: messageOf(error) };
          broken(error);
        });
        channel.on("close", () => forget(key, link));
        return made;
      } catch (error) {
        model.close().catch(() => {});
        throw error;
      }
    })();
    link.catch(() => forget(key, link));
    links.set(key, link);
    return link;
  };

  /** Resolves once the broker confirmed the message; rejects with a message naming what went wrong. */
  async function publish(link: Link, event: CloudEvent, { exchange, routingKey }: AmqpDestination): Promise<void> {
    const key = returnKey(event.id, exchange, routingKey);
    await new Promise<void>((resolve, reject) => {
      const confirmed = (error: unknown) => {
        const returned = link.returned.get(key);
        link.returned.delete(key);
        if (error) {
          if (link.closedBy?.code === NOT_FOUND)
            return reject(new Error(`exchange ${JSON.stringify(exchange)} does not exist (${link.closedBy.message})`));
          return reject(new Error(link.closedBy?.message ?? messageOf(error)));
        }
        if (returned)
          return reject(
            new Error(
              `the broker returned the message as unroutable (${returned}): no queue is bound to exchange ${JSON.stringify(exchange)} with routing key ${JSON.stringify(routingKey)}`,
            ),
          );
        resolve();
      };
      link.channel.publish(
        exchange,
        routingKey,
        Buffer.from(serializeEvent(event)),
        {
          mandatory: true,
          persistent: true,
          contentType: CLOUDEVENTS_CONTENT_TYPE,
          messageId: event.id,
          type: event.type,
          timestamp: Math.floor(Date.now() / 1000),
        },
        confirmed,
      );
    });
  }

  return {
    async send(event, destination, signal) {
      const outcome = timeAttempt();
      const url = destination.url ?? options.defaultUrl;
      if (!url) return outcome({ ok: false, permanent: true, error: "no broker: the destination has no url and AMQP_URL is not set" });
      const parsed = parseBrokerUrl(url);
      if (!parsed.ok) return outcome({ ok: false, permanent: true, error: `the broker url ${parsed.reason}` });
      const { broker } = parsed;
      const guarded = destination.url !== undefined;
      const why = guarded ? literalRefusal(policy, broker.hostname, broker.protocol === "amqp" ? "amqp" : undefined) : undefined;
      if (why) return outcome({ ok: false, permanent: true, error: why });
      if (signal?.aborted) return outcome({ ok: false, error: "delivery aborted" });

      const key = `${guarded ? "destination" : "AMQP_URL"} ${url}`;
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const stop = signal ? AbortSignal.any([signal, timeout]) : timeout;
      const attempt = linkFor(key, broker, guarded).then((link) => publish(link, event, destination));
      try {
        await Promise.race([attempt, once(stop, "abort")]);
        if (stop.aborted) throw stop.reason;
        return outcome({ ok: true });
      } catch (error) {
        // Whatever state the connection is in, the next attempt starts from a fresh one.
        const link = links.get(key);
        if (link) forget(key, link);
        attempt.catch(() => {});
        if (error instanceof RefusedDestinationError) return outcome({ ok: false, permanent: true, error: error.message });
        if (timeout.aborted)
          return outcome({
            ok: false,
            error: `AMQP publish to ${hostOf(broker)} failed: no answer from the broker within ${options.timeoutMs} ms`,
          });
        if (signal?.aborted) return outcome({ ok: false, error: "delivery aborted" });
        const { code } = error as NodeJS.ErrnoException;
        return outcome({
          ok: false,
          error: `AMQP publish to ${hostOf(broker)} failed: ${messageOf(error)}`,
          ...(typeof code === "string" && { code }),
        });
      }
    },

    async close() {
      const open = [...links.values()];
      links.clear();
      await Promise.allSettled(open.map((l) => l.then((x) => x.model.close())));
    },
  };
}
