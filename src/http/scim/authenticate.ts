import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ScimTokenClaims, ScimTokens } from '../../tenancy/scim-tokens.js';
import { TOKEN_ISSUER } from '../plugins/jwt.js';
import { ScimError } from '../../scim/errors.js';
import { bearerToken } from '../plugins/bearer.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the bearer token is verified for the tenant named in the URL ('' before). */
    scimTenantId: string;
    /** Provider rules (scim/compat) applied to this request, collected by the use cases. */
    compatRules: Set<string> | null;
    /** The identity provider the request comes from (declared for the tenant, or recognised). */
    scimProvider: string;
    /** The tenant's delete policy, read with its profile. */
    scimDeletePolicy: 'delete' | 'deactivate';
    /** The response body as sent, for the request log ('' when none). */
    scimResponseBody: string;
  }
}

// RFC 6750 §3: the challenge. Every rejection looks the same, whether the tenant exists or not.
const CHALLENGE = 'Bearer realm="SCIM"';
const INVALID = `${CHALLENGE}, error="invalid_token"`;
const UNAUTHENTICATED =
  'Authentication required: send "Authorization: Bearer <token>" with a SCIM token issued for this tenant.';
const REJECTED =
  'The bearer token is not valid for this tenant: it may be malformed, expired, revoked or issued for another tenant.';

function reject(reply: FastifyReply, challenge: string, detail: string): ScimError {
  void reply.header('WWW-Authenticate', challenge);
  return new ScimError(401, undefined, detail);
}

function asClaims(value: unknown): ScimTokenClaims | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { tid, jti, scope, iss } = value as Record<string, unknown>;
  if (typeof tid !== 'string' || typeof jti !== 'string' || typeof scope !== 'string' || iss !== TOKEN_ISSUER)
    return undefined;
  return { tid, jti, scope };
}

/** Authenticates a request under /scim/v2/{tenantId}: signature, tenant, revocation, scope. */
export async function authenticateScim(
  request: FastifyRequest,
  reply: FastifyReply,
  tenantId: string,
  scimTokens: ScimTokens,
): Promise<void> {
  const token = bearerToken(request.headers.authorization);
  if (token === undefined) throw reject(reply, CHALLENGE, UNAUTHENTICATED);
  let verified: unknown;
  try {
    verified = request.server.verifyScimToken(token);
  } catch {
    throw reject(reply, INVALID, REJECTED);
  }
  // A signature proves who issued the token, not that its claims have the shape we rely on.
  const claims = asClaims(verified);
  if (claims === undefined || claims.tid !== tenantId || !(await scimTokens.isActive(tenantId, claims.jti))) {
    throw reject(reply, INVALID, REJECTED);
  }
  // RFC 6750 §3.1: a valid token without the needed scope is 403 insufficient_scope.
  const needed = request.method === 'GET' || request.method === 'HEAD' ? 'scim:read' : 'scim:write';
  if (!claims.scope.split(' ').includes(needed)) {
    void reply.header('WWW-Authenticate', `${CHALLENGE}, error="insufficient_scope", scope="${needed}"`);
    throw new ScimError(403, undefined, `This token lacks the ${needed} scope.`);
  }
  request.scimTenantId = tenantId;
}
