/** Structured logs (pino, one JSON line per event). Keys and Authorization headers are never logged. */
import pino, { type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'fuyuan-hub' },
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'key', 'adminKey'], censor: '[redacted]' },
  });
}
