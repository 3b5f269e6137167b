import pino, { type Logger } from "pino";

export type { Logger };

/** JSON lines in production; human-readable lines in development when pino-pretty is installed. */
export function createLogger(options: { level: string; pretty: boolean }): Logger {
  if (options.pretty) {
    return pino({ level: options.level, transport: { target: "pino-pretty", options: { colorize: true } } });
  }
  return pino({ level: options.level });
}

export const silentLogger: Logger = pino({ level: "silent" });
