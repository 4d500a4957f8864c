import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance } from 'fastify';
import type { ScimTokenClaims, SignClaims } from '../../tenancy/scim-tokens.js';
import { ExpiringCache } from '../../tenancy/expiring-cache.js';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: ScimTokenClaims;
    user: ScimTokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The payload of a SCIM bearer token whose signature, issuer and expiry hold; throws otherwise. */
    verifyScimToken(token: string): unknown;
  }
}

export const TOKEN_ISSUER = 'scim-provisioning-service';

// An identity provider sends the same token with every request, so a verified token is
// remembered (within its own expiry) instead of HMAC-checked and decoded each time: that was
// a twentieth of a GET's CPU. Revocation is checked apart, on every request. The cache is
// keyed by the token itself, which costs nothing to compute (fast-jwt's own cache hashes the
// token with SHA-256 on every lookup, another twentieth); the tokens are in this process's
// memory anyway, in the requests that carry them.
const VERIFIED_CACHE_SIZE = 1000;
const VERIFIED_CACHE_TTL_MS = 60_000;

/** SCIM bearer tokens are HS256 JWTs signed with JWT_SECRET; nothing else is accepted. */
export async function registerJwt(app: FastifyInstance, secret: string): Promise<void> {
  await app.register(fastifyJwt, {
    secret,
    sign: { algorithm: 'HS256', iss: TOKEN_ISSUER },
    verify: { algorithms: ['HS256'], allowedIss: TOKEN_ISSUER },
  });
  const verified = new ExpiringCache<string, unknown>(VERIFIED_CACHE_SIZE);
  app.decorate('verifyScimToken', (token: string): unknown => {
    const cached = verified.get(token);
    if (cached !== undefined) return cached;
    const payload: unknown = app.jwt.verify(token);
    const exp = (payload as { exp?: unknown }).exp;
    const until = Math.min(Date.now() + VERIFIED_CACHE_TTL_MS, typeof exp === 'number' ? exp * 1000 : Infinity);
    verified.set(token, payload, until);
    return payload;
  });
}

export function signerOf(app: FastifyInstance): SignClaims {
  return (claims) => app.jwt.sign(claims);
}
