/** The functions' logger: one per warm container, at the configured level. */
import { createLogger, type Logger } from "../../lib/log";
import { getConfig } from "../../lib/runtime";

let logger: Logger | undefined;

export function functionLogger(): Logger {
  if (logger) return logger;
  try {
    return (logger = createLogger({ level: getConfig().logLevel }));
  } catch {
    // Bad configuration is reported by the handler that reads it; logging must still work.
    return createLogger();
  }
}
