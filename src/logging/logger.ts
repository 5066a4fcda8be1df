import pino, { type Logger } from 'pino';

import type { LogLevel } from '../config/settings.js';

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly pretty: boolean;
  /** File descriptor to write to: 1 for the server, 2 for commands whose standard output is their result. */
  readonly fd?: 1 | 2;
}

/**
 * Paths of values that must never reach a log line: credentials in headers, and password fields.
 * Fastify's request serializer logs no headers, but a caught error may carry a request.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'password',
  '*.password',
  'token',
  '*.token',
];

/** Creates the process logger: JSON lines by default, readable lines when asked for. */
export function createLogger(options: LoggerOptions): Logger {
  const fd = options.fd ?? 1;
  const base = { level: options.level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard', destination: fd } } });
  }
  return pino(base, pino.destination({ fd, sync: fd === 2 }));
}

/** Masks an e-mail address for logs: the first letter and the domain stay, so an operator can tell accounts apart. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
