import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ScimTokenClaims, ScimTokens } from '../../tenancy/scim-tokens.js';
import type { Principal } from '../../tenancy/principal.js';
import type { TenantContext } from '../../provisioning/context.js';
import { TOKEN_ISSUER } from '../plugins/jwt.js';
import { ScimError } from '../../scim/errors.js';
import { bearerToken } from '../plugins/bearer.js';

export type ScimScope = 'scim:read' | 'scim:write';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Who the request acts for, built once the bearer token is verified for the tenant the router
     * took from the path (null before, and for every request that failed authentication).
     */
    tenantContext: TenantContext | null;
    /** The identity provider the request comes from (declared for the tenant, or recognised). */
    scimProvider: string;
    /** The response body as sent, for the request log ('' when none). */
    scimResponseBody: string;
  }
  interface FastifyContextConfig {
    /** The scope a SCIM route needs, when its method does not say it (POST …/.search reads). */
    scimScope?: ScimScope;
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

/**
 * The scope a request needs: the route's own when it declares one (RFC 7644 §3.4.3: a POST to
 * .search is a query), else scim:read for GET and HEAD and scim:write for everything else.
 */
export function neededScope(request: FastifyRequest): ScimScope {
  const declared = request.routeOptions.config.scimScope;
  if (declared !== undefined) return declared;
  return request.method === 'GET' || request.method === 'HEAD' ? 'scim:read' : 'scim:write';
}

/**
 * Authenticates a request for `tenantId`, the tenant the router matched (the same value every
 * handler acts for): signature, tenant, revocation, scope. Throws a 401 or 403 SCIM error.
 */
export async function authenticateScim(
  request: FastifyRequest,
  reply: FastifyReply,
  tenantId: string,
  scimTokens: ScimTokens,
): Promise<Principal> {
  const { principal } = await verifiedToken(request, reply, tenantId, scimTokens);
  // RFC 6750 §3.1: a valid token without the needed scope is 403 insufficient_scope.
  const needed = neededScope(request);
  if (!principal.scopes.includes(needed)) {
    void reply.header('WWW-Authenticate', `${CHALLENGE}, error="insufficient_scope", scope="${needed}"`);
    throw new ScimError(403, undefined, `This token lacks the ${needed} scope.`);
  }
  return principal;
}

/**
 * The request's bearer token checked for `tenantId`: signature, claims, tenant, revocation. The
 * principal it proves, and the token's id (its jti), which names the caller. Throws a 401.
 */
export async function verifiedToken(
  request: FastifyRequest,
  reply: FastifyReply,
  tenantId: string,
  scimTokens: ScimTokens,
): Promise<{ principal: Principal; tokenId: string }> {
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
  const principal = claims === undefined ? undefined : await scimTokens.authenticate(tenantId, claims);
  if (principal === undefined || claims === undefined) throw reject(reply, INVALID, REJECTED);
  return { principal, tokenId: claims.jti };
}

/** The request's tenant context; a handler reached without one refuses (fails closed). */
export function tenantContextOf(request: FastifyRequest): TenantContext {
  if (request.tenantContext === null) throw new ScimError(401, undefined, UNAUTHENTICATED);
  return request.tenantContext;
}
