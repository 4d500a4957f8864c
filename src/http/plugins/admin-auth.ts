import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { bearerToken } from './bearer.js';
import { HttpError } from './errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** What else authenticates an admin request: the console's session cookie (http/console/session.ts). */
export interface AdminSessions {
  /** A valid session's claims (throws 403 for a change without its CSRF token), else undefined. */
  session(request: FastifyRequest): unknown;
}

/**
 * The admin API takes ADMIN_TOKEN as a bearer token, compared in constant time; or, without an
 * Authorization header, the console's session cookie.
 */
export function adminAuthenticator(adminToken: string, sessions?: AdminSessions) {
  const expected = digest(adminToken);
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined && request.headers.authorization === undefined && sessions?.session(request) !== undefined)
      return;
    if (token === undefined || !timingSafeEqual(digest(token), expected)) {
      throw new HttpError(401, 'A valid admin token is required: send "Authorization: Bearer <ADMIN_TOKEN>".', {
        'WWW-Authenticate': 'Bearer realm="admin"',
      });
    }
  };
}
