import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config.js';

export type { Logger } from 'pino';

/**
 * Secrets never reach a log line: bearer tokens, the admin token, passwords, webhook secrets and
 * the keys that encrypt them are censored wherever they appear in a logged object.
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
  'previousSecret',
  'webhookSecretKeys',
  '*.token',
  '*.password',
  '*.secret',
  '*.adminToken',
  '*.jwtSecret',
  '*.previousSecret',
  '*.webhookSecretKeys',
];

// Credentials some clients put in the query string (RFC 6750 §2.3); we never accept them, but
// the URL is logged, so their values are censored there too.
const SECRET_QUERY = /([?&](?:access_token|token|password|secret)=)[^&#]*/gi;

/** The request as logged: no headers, and no secrets in the query string. */
function serializeRequest(request: { method?: string; url?: string; host?: string; ip?: string }) {
  return {
    method: request.method,
    url: request.url?.replace(SECRET_QUERY, '$1[redacted]'),
    host: request.host,
    remoteAddress: request.ip,
  };
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { req: serializeRequest, err: pino.stdSerializers.err },
      base: { service: 'scim' },
    },
    destination,
  );
}
