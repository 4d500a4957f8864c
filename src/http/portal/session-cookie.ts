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
 * Sets a session cookie (RFC 6265 §4.1), the setup portal's or the console's: HttpOnly, so no
 * script reads it; SameSite=Strict, so no other site's page sends it; Secure when the service is
 * served over https; scoped to `path`; gone at `expiresAt` (ms since the epoch). `expiresAt`
 * undefined clears it.
 */
export function setSessionCookie(
  reply: FastifyReply,
  cookie: { name: string; path: string; secure: boolean; value: string; expiresAt: number | undefined },
): void {
  const { name, path, secure, value, expiresAt } = cookie;
  const maxAge = expiresAt === undefined ? 0 : Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
  const attributes = [
    `${name}=${expiresAt === undefined ? '' : value}`,
    `Path=${path}`,
    `Max-Age=${maxAge}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ];
  void reply.header('Set-Cookie', attributes.join('; '));
}

/** The setup portal's session cookie for one tenant: its path is the tenant's portal. */
export function setPortalCookie(
  reply: FastifyReply,
  options: { tenantId: string; secure: boolean; value: string; expiresAt: Date | undefined },
): void {
  setSessionCookie(reply, {
    name: PORTAL_COOKIE,
    path: portalPath(options.tenantId),
    secure: options.secure,
    value: options.value,
    expiresAt: options.expiresAt?.getTime(),
  });
}
