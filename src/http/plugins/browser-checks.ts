import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether a header carries the expected secret, compared in constant time (a CSRF token). */
export function sameSecret(given: string | string[] | undefined, expected: string): boolean {
  return typeof given === 'string' && timingSafeEqual(digest(given), digest(expected));
}

/**
 * Whether a browser's request comes from the service's own pages: its Origin, when it sends one
 * (RFC 6454 §7), is the service's. The portals require it of every change and of signing in.
 */
export function fromOwnOrigin(request: FastifyRequest, origin: string): boolean {
  const sent = request.headers.origin;
  return sent === undefined || sent === origin;
}
