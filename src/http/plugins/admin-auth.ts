import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { bearerToken } from './bearer.js';
import { HttpError } from './errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The admin API takes ADMIN_TOKEN as a bearer token, compared in constant time. */
export function adminAuthenticator(adminToken: string) {
  const expected = digest(adminToken);
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined || !timingSafeEqual(digest(token), expected)) {
      throw new HttpError(401, 'A valid admin token is required: send "Authorization: Bearer <ADMIN_TOKEN>".', {
        'WWW-Authenticate': 'Bearer realm="admin"',
      });
    }
  };
}
