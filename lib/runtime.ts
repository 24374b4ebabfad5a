/**
 * What a warm container keeps between invocations: the parsed config and one relay (store
 * connections, keep-alive sockets). Functions call getRelay(); tests call createRelay().
 */
import { loadConfig, type Config } from "./config";
import { lazy } from "./lazy";
import { createRelay, type Relay } from "./relay";

let config: Config | undefined;

export function getConfig(): Config {
  return (config ??= loadConfig());
}

/** A failed start (a bad setting) is not kept: the next invocation tries again. */
export const getRelay: () => Promise<Relay> = lazy(() => createRelay(getConfig()));

export { createRelay, type RelayParts } from "./relay";
