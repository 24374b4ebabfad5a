/** TDMQ for CMQ delivery: SendCmqMsg through tencentcloud-sdk-nodejs, loaded on first use. */
import { redact } from "../log";
import { regionName } from "../regions";
import type { CloudEvent, CmqDestination } from "../schemas/index";
import type { CredentialSource } from "../upstream/credentials";
import { serializeEvent, timeAttempt, type DeliveryOutcome } from "./deliverer";

/** CMQ refuses larger messages; refusing before sending saves a doomed round trip per retry. */
export const MAX_CMQ_MESSAGE_BYTES = 1024 * 1024;

export interface CmqSenderOptions {
  /** CMQ_ENDPOINT: the TDMQ API 3.0 endpoint URL. */
  endpoint: string;
  credentials: CredentialSource;
  timeoutMs: number;
}

export interface CmqSender {
  send(event: CloudEvent, destination: CmqDestination, signal?: AbortSignal): Promise<DeliveryOutcome>;
}

type TdmqClient = InstanceType<typeof import("./cmq-sdk")["TdmqClient"]>;

/** What the SDK throws: API errors carry `code`, non-200 answers `httpCode`. */
interface SdkError {
  message?: string;
  code?: string;
  httpCode?: number;
}

export function createCmqSender(options: CmqSenderOptions): CmqSender {
  const endpoint = new URL(options.endpoint);
  const clients = new Map<string, Promise<TdmqClient>>();

  const clientFor = (region: string): Promise<TdmqClient> => {
    let client = clients.get(region);
    if (!client) {
      client = import("./cmq-sdk").then(
        ({ TdmqClient }) =>
          new TdmqClient({
            credential: { getCredential: options.credentials },
            region,
            profile: {
              httpProfile: {
                endpoint: endpoint.host,
                protocol: `${endpoint.protocol}//`,
                reqTimeout: Math.ceil(options.timeoutMs / 1000),
              },
            },
          }),
      );
      client.catch(() => clients.delete(region));
      clients.set(region, client);
    }
    return client;
  };

  return {
    async send(event, destination, signal) {
      const outcome = timeAttempt();
      const body = serializeEvent(event);
      const size = Buffer.byteLength(body);
      if (size > MAX_CMQ_MESSAGE_BYTES) {
        return outcome({
          ok: false,
          permanent: true,
          error: `event is ${size} bytes; CMQ messages are limited to ${MAX_CMQ_MESSAGE_BYTES} bytes (1 MB)`,
        });
      }
      const timeout = AbortSignal.timeout(options.timeoutMs);
      try {
        const client = await clientFor(regionName(destination.region ?? event.data.region));
        await client.request(
          "SendCmqMsg",
          { QueueName: destination.queue, MsgContent: body, DelaySeconds: 0 },
          { signal: signal ? AbortSignal.any([signal, timeout]) : timeout },
        );
        return outcome({ ok: true });
      } catch (caught) {
        if (timeout.aborted) return outcome({ ok: false, error: `SendCmqMsg: no answer within ${options.timeoutMs} ms` });
        if (signal?.aborted) return outcome({ ok: false, error: "delivery aborted" });
        const error = caught as SdkError;
        const code = error.code ?? (error.httpCode ? `HTTP ${error.httpCode}` : undefined);
        return outcome({
          ok: false,
          error: redact(`SendCmqMsg failed${code ? ` (${code})` : ""}: ${error.message ?? String(caught)}`) as string,
        });
      }
    },
  };
}
