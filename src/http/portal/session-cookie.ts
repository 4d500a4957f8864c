import type { FastifyReply, FastifyRequest } from 'fastify';
import { portalPath } from './paths.js';

/** The setup portal's session cookie: one per tenant, since its path is the tenant's portal. */
export const PORTAL_COOKIE = 'scim_portal';

/**
 * Every value the request's Cookie header (RFC 6265 §5.4) carries under one name. Several can
 * come: a sibling site of the same parent domain may set one with a broader Domain or Path, and
 * browsers send it too, so a reader tries each rather than trusting the first.
 */
export function cookieValues(request: FastifyRequest, name: string): string[] {
  const header = request.headers.cookie;
  if (header === undefined) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals > 0 && pair.slice(0, equals).trim() === name) values.push(pair.slice(equals + 1).trim());
  }
  return values;
}

/**
 * Sets the session cookie (RFC 6265 §4.1): HttpOnly, so no script reads it; SameSite=Strict, so
 * no other site's page sends it; Secure when the service is served over https; scoped to this
 * tenant's portal; and gone when its link expires. `expiresAt` undefined clears it.
 */
export function setSessionCookie(
  reply: FastifyReply,
  options: { tenantId: string; secure: boolean; value: string; expiresAt: Date | undefined },
): void {
  const { tenantId, secure, value, expiresAt } = options;
  const maxAge = expiresAt === undefined ? 0 : Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  const attributes = [
    `${PORTAL_COOKIE}=${expiresAt === undefined ? '' : value}`,
    `Path=${portalPath(tenantId)}`,
    `Max-Age=${maxAge}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ];
  void reply.header('Set-Cookie', attributes.join('; '));
}
