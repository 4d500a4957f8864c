import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config.js';

export type { Logger } from 'pino';

/**
 * Secrets never reach a log line: bearer tokens, the admin token, passwords and webhook secrets
 * are censored wherever they appear in a logged object.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  'password',
  'secret',
  'adminToken',
  'jwtSecret',
  '*.token',
  '*.password',
  '*.secret',
  '*.adminToken',
  '*.jwtSecret',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'scim' },
    },
    destination,
  );
}
