/**
 * What the relay needs of delivery, loaded on first use (a lazy chunk of the bundles): reading
 * a task at a cold start never evaluates the senders, their TLS and DNS modules, or the
 * address policy's tables.
 */
export { createDeliverer } from "./create-deliverer";
export { checkDestination } from "./destination-policy";
