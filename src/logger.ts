import { pino, type Logger } from 'pino';

/** One JSON line per event on stdout; pretty-printing is left to tools like pino-pretty. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'genq' }, timestamp: pino.stdTimeFunctions.isoTime });
}
