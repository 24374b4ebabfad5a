/**
 * RabbitMQ / TDMQ for RabbitMQ delivery (AMQP 0-9-1): persistent messages on a confirm
 * channel, one cached connection per broker URL, dropped on any error so the next attempt
 * reconnects. Broker URLs carry passwords: errors and logs name only the host.
 */
import type { ChannelModel, ConfirmChannel } from "amqplib";
import { once } from "node:events";
import { redact, type Logger } from "../log";
import type { AmqpDestination, CloudEvent } from "../schemas/index";
import { timeAttempt, type DeliveryOutcome } from "./deliverer";
import { serializeEvent } from "./event";

export interface AmqpPublisherOptions {
  /** AMQP_URL: the broker of destinations without their own url ("" = none). */
  defaultUrl: string;
  /** Bounds connecting and waiting for the broker's confirm. */
  timeoutMs: number;
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
  closedBecause?: string;
}

const hostOf = (url: string) => (URL.canParse(url) ? new URL(url).host : "(unparsable url)");
const messageOf = (error: unknown) => redact(error instanceof Error ? error.message : String(error)) as string;

export function createAmqpPublisher(options: AmqpPublisherOptions): AmqpPublisher {
  const links = new Map<string, Promise<Link>>();

  const forget = (url: string, link: Promise<Link>) => {
    if (links.get(url) !== link) return;
    links.delete(url);
    link.then((l) => l.model.close()).catch(() => {});
  };

  const linkFor = (url: string): Promise<Link> => {
    const cached = links.get(url);
    if (cached) return cached;
    const link = (async (): Promise<Link> => {
      const { connect } = await import("./amqp-lib");
      const model = await connect(url, { timeout: options.timeoutMs, clientProperties: { connection_name: "nettask-relay" } });
      const broken = (error: unknown) => {
        options.logger?.warn("amqp connection dropped", { broker: hostOf(url), error: messageOf(error) });
        forget(url, link);
      };
      model.on("error", broken);
      model.on("close", () => forget(url, link));
      try {
        const channel = await model.createConfirmChannel();
        const made: Link = { model, channel };
        channel.on("error", (error: unknown) => {
          made.closedBecause = messageOf(error);
          broken(error);
        });
        channel.on("close", () => forget(url, link));
        return made;
      } catch (error) {
        model.close().catch(() => {});
        throw error;
      }
    })();
    link.catch(() => forget(url, link));
    links.set(url, link);
    return link;
  };

  async function publish(url: string, event: CloudEvent, destination: AmqpDestination): Promise<void> {
    const link = await linkFor(url);
    await new Promise<void>((resolve, reject) => {
      const confirmed = (error: unknown) => (error ? reject(new Error(link.closedBecause ?? messageOf(error))) : resolve());
      link.channel.publish(
        destination.exchange,
        destination.routingKey,
        Buffer.from(serializeEvent(event)),
        {
          persistent: true,
          contentType: "application/cloudevents+json",
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
      if (signal?.aborted) return outcome({ ok: false, error: "delivery aborted" });
      const broker = hostOf(url);

      const timeout = AbortSignal.timeout(options.timeoutMs);
      const stop = signal ? AbortSignal.any([signal, timeout]) : timeout;
      const attempt = publish(url, event, destination);
      try {
        await Promise.race([attempt, once(stop, "abort")]);
        if (stop.aborted) throw stop.reason;
        return outcome({ ok: true });
      } catch (error) {
        // Whatever state the connection is in, the next attempt starts from a fresh one.
        const link = links.get(url);
        if (link) forget(url, link);
        attempt.catch(() => {});
        if (timeout.aborted) return outcome({ ok: false, error: `AMQP publish to ${broker} failed: no answer from the broker within ${options.timeoutMs} ms` });
        if (signal?.aborted) return outcome({ ok: false, error: "delivery aborted" });
        return outcome({ ok: false, error: `AMQP publish to ${broker} failed: ${messageOf(error)}` });
      }
    },

    async close() {
      const open = [...links.values()];
      links.clear();
      await Promise.allSettled(open.map((l) => l.then((x) => x.model.close())));
    },
  };
}
