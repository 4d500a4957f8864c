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

/** SCIM bearer tokens are HS256 JWTs signed with JWT_SECRET; nothing else is accepted. */
export async function registerJwt(app: FastifyInstance, secret: string): Promise<void> {
  await app.register(fastifyJwt, {
    secret,
    sign: { algorithm: 'HS256', iss: TOKEN_ISSUER },
    verify: { algorithms: ['HS256'], allowedIss: TOKEN_ISSUER },
  });
}

export function signerOf(app: FastifyInstance): SignClaims {
  return (claims) => app.jwt.sign(claims);
}
