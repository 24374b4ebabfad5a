/**
 * What a warm container keeps between invocations: the parsed config and one relay (store
 * connections, keep-alive sockets). Functions call getRelay(); tests call createRelay().
 */
import { loadConfig, type Config } from "./config";
import { createRelay, type Relay } from "./relay";

let config: Config | undefined;
let relay: Promise<Relay> | undefined;

export function getConfig(): Config {
  return (config ??= loadConfig());
}

export function getRelay(): Promise<Relay> {
  // A failed start (bad config, store down) is not cached: the next invocation tries again.
  relay ??= createRelay(getConfig()).catch((error: unknown) => {
    relay = undefined;
    throw error;
  });
  return relay;
}

export { createRelay, type RelayParts } from "./relay";
