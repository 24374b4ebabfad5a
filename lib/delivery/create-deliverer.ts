/** The Deliverer the relay uses: dispatches each event to the sender of its destination type. */
import type { Config } from "../config";
import type { Logger } from "../log";
import { resolveCredentials, type CredentialSource } from "../upstream/credentials";
import { createAmqpPublisher } from "./amqp";
import { createCmqSender } from "./cmq";
import type { Deliverer } from "./deliverer";
import { createWebhookSender } from "./webhook";

export interface DelivererOptions {
  logger?: Logger;
  /** Credentials for TDMQ (CMQ); the same chain as the upstream client by default. */
  credentials?: CredentialSource;
}

/**
 * Cheap to build: nothing connects and neither the TDMQ SDK nor amqplib is loaded until a
 * destination of that type is first delivered to. A bad WEBHOOK_ALLOW throws a ConfigError here.
 */
export function createDeliverer(config: Config, options: DelivererOptions = {}): Deliverer {
  const timeoutMs = config.webhookTimeoutMs;
  const webhook = createWebhookSender({ timeoutMs, allow: config.webhookAllow });
  const cmq = createCmqSender({
    endpoint: config.cmqEndpoint,
    credentials: options.credentials ?? resolveCredentials({ env: config.credentialEnv }),
    timeoutMs,
  });
  const amqp = createAmqpPublisher({
    defaultUrl: config.amqpUrl,
    timeoutMs,
    allow: config.webhookAllow,
    ...(options.logger && { logger: options.logger }),
  });

  return {
    async deliver(event, destination, signal) {
      switch (destination.type) {
        case "webhook":
          return webhook.send(event, destination, signal);
        case "cmq":
          return cmq.send(event, destination, signal);
        case "amqp":
          return amqp.send(event, destination, signal);
      }
    },
    async close() {
      webhook.close();
      await amqp.close();
    },
  };
}
