import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance } from 'fastify';
import type { ScimTokenClaims, SignClaims } from '../../tenancy/scim-tokens.js';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: ScimTokenClaims;
    user: ScimTokenClaims;
  }
}

export const TOKEN_ISSUER = 'scim-provisioning-service';

// An identity provider sends the same token with every request, so a verified token is
// remembered (within its own expiry) instead of HMAC-checked and decoded
// each time: that was a twentieth of a GET's CPU. Revocation is checked apart, on every request.
const VERIFIED_CACHE_SIZE = 1000;
const VERIFIED_CACHE_TTL_MS = 60_000;

/** SCIM bearer tokens are HS256 JWTs signed with JWT_SECRET; nothing else is accepted. */
export async function registerJwt(app: FastifyInstance, secret: string): Promise<void> {
  await app.register(fastifyJwt, {
    secret,
    sign: { algorithm: 'HS256', iss: TOKEN_ISSUER },
    verify: {
      algorithms: ['HS256'],
      allowedIss: TOKEN_ISSUER,
      cache: VERIFIED_CACHE_SIZE,
      // fast-jwt keys the cache by a SHA-256 of the token (its own, collision-free default).
      cacheTTL: VERIFIED_CACHE_TTL_MS,
    },
  });
}

export function signerOf(app: FastifyInstance): SignClaims {
  return (claims) => app.jwt.sign(claims);
}
