/**
 * Collects garbage when node runs with --expose-gc (`npm run bench` does), so a measurement
 * does not pay for the garbage the one before it left; does nothing otherwise.
 */
export const collectGarbage: () => void = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
