import { randomUUID } from 'node:crypto';
import type { TokenRecord, TokenStore } from '../storage/token-store.js';
import type { TenantStore } from '../storage/tenant-store.js';
import { TenantNotFoundError } from './errors.js';
import { isUuid } from '../scim/resource/ids.js';
import { ExpiringCache } from './expiring-cache.js';
import { scimTokenPrincipal, type Principal } from './principal.js';

export const SCOPES = ['scim:read', 'scim:write'] as const;
export type Scope = (typeof SCOPES)[number];

/** The claims a SCIM bearer token carries (RFC 7519 names where one exists). */
export interface ScimTokenClaims {
  /** The tenant the token is for. */
  readonly tid: string;
  /** The token's id, under which it is stored and revoked. */
  readonly jti: string;
  /** Space-separated, as RFC 8693 §4.2 writes scopes. */
  readonly scope: string;
  /** Seconds since the epoch; absent for tokens that do not expire. */
  readonly exp?: number;
}

/** Signs claims into a JWT; http/ provides it from @fastify/jwt. */
export type SignClaims = (claims: ScimTokenClaims) => string;

export interface IssueTokenInput {
  readonly description: string;
  readonly expiresAt?: Date | undefined;
  readonly scopes?: readonly Scope[] | undefined;
}

export interface IssuedToken {
  readonly record: TokenRecord;
  /** Shown once, to whoever issued it, and never stored or logged. */
  readonly token: string;
}

export interface ScimTokensOptions {
  /**
   * How long a replica may trust what it last read about a token. Revocation on another
   * replica takes effect after at most this long; the issue asks for 5 seconds.
   */
  readonly cacheTtlMs: number;
  readonly now?: () => number;
}

const MAX_CACHED = 10_000;

/** Whether a token record can still authenticate at `now`: not revoked, not expired. */
export function isActiveToken(record: Pick<TokenRecord, 'revokedAt' | 'expiresAt'>, now: number): boolean {
  return record.revokedAt === null && (record.expiresAt === null || record.expiresAt.getTime() > now);
}

export class ScimTokens {
  private readonly cache: ExpiringCache<string, boolean>;
  private readonly now: () => number;

  constructor(
    private readonly tokens: TokenStore,
    private readonly tenants: TenantStore,
    private readonly options: ScimTokensOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.cache = new ExpiringCache(MAX_CACHED, this.now);
  }

  async issue(tenantId: string, input: IssueTokenInput, sign: SignClaims): Promise<IssuedToken> {
    if ((await this.tenants.find(tenantId)) === null) throw new TenantNotFoundError(tenantId);
    const scopes = input.scopes ?? SCOPES;
    const record = await this.tokens.create({
      tenantId,
      id: randomUUID(),
      description: input.description,
      scopes,
      expiresAt: input.expiresAt ?? null,
    });
    const claims: ScimTokenClaims = {
      tid: tenantId,
      jti: record.id,
      scope: scopes.join(' '),
      ...(input.expiresAt === undefined ? {} : { exp: Math.floor(input.expiresAt.getTime() / 1000) }),
    };
    return { record, token: sign(claims) };
  }

  async list(tenantId: string): Promise<TokenRecord[]> {
    if ((await this.tenants.find(tenantId)) === null) throw new TenantNotFoundError(tenantId);
    return this.tokens.list(tenantId);
  }

  /** False when no such token exists for the tenant. */
  async revoke(tenantId: string, tokenId: string): Promise<boolean> {
    const found = await this.tokens.revoke(tenantId, tokenId);
    this.cache.delete(key(tenantId, tokenId));
    return found;
  }

  /**
   * The principal a token whose signature already verified proves, for the tenant the request
   * is routed to; undefined when the token is for another tenant or no longer active.
   */
  async authenticate(tenantId: string, claims: ScimTokenClaims): Promise<Principal | undefined> {
    if (claims.tid !== tenantId || !(await this.isActive(tenantId, claims.jti))) return undefined;
    return scimTokenPrincipal(tenantId, claims.scope.split(' '));
  }

  /**
   * Whether a token whose signature already verified is still good: it exists (its tenant was
   * not deleted), is not revoked and has not expired. Answers are cached briefly so the hot
   * path costs no query, and the cache bound keeps a flood of distinct tokens from growing it.
   */
  async isActive(tenantId: string, tokenId: string): Promise<boolean> {
    if (!isUuid(tokenId)) return false;
    const now = this.now();
    return this.cache.through(
      key(tenantId, tokenId),
      async () => {
        const record = await this.tokens.find(tenantId, tokenId);
        return record !== null && isActiveToken(record, now);
      },
      () => now + this.options.cacheTtlMs,
    );
  }
}

function key(tenantId: string, tokenId: string): string {
  return `${tenantId}\u0000${tokenId}`;
}
