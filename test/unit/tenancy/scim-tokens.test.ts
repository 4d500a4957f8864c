import { describe, expect, it } from 'vitest';
import type { TenantStore } from '../../../src/storage/tenant-store.js';
import type { TokenRecord, TokenStore } from '../../../src/storage/token-store.js';
import { TenantNotFoundError } from '../../../src/tenancy/errors.js';
import { ScimTokens, type ScimTokenClaims } from '../../../src/tenancy/scim-tokens.js';

/** In-memory stand-ins for the two stores, counting the reads the cache should save. */
function fakes() {
  const tokens = new Map<string, TokenRecord>();
  const reads = { count: 0 };
  const tokenStore = {
    create: async (t: Omit<TokenRecord, 'createdAt' | 'revokedAt'>) => {
      const record = { ...t, createdAt: new Date(), revokedAt: null };
      tokens.set(t.id, record);
      return record;
    },
    find: async (_tenantId: string, id: string) => {
      reads.count += 1;
      return tokens.get(id) ?? null;
    },
    revoke: async (_tenantId: string, id: string) => {
      const t = tokens.get(id);
      if (t === undefined) return false;
      tokens.set(id, { ...t, revokedAt: new Date() });
      return true;
    },
    list: async () => [...tokens.values()],
  } as unknown as TokenStore;
  const tenantStore = {
    find: async (id: string) => (id === 'acme' ? { id, name: 'Acme', createdAt: new Date() } : null),
  } as unknown as TenantStore;
  return { tokens, reads, tokenStore, tenantStore };
}

const sign = (claims: ScimTokenClaims) => `signed:${JSON.stringify(claims)}`;

describe('SCIM tokens', () => {
  it('issues tokens whose claims name the tenant, the token id and the scopes', async () => {
    const { tokenStore, tenantStore } = fakes();
    const service = new ScimTokens(tokenStore, tenantStore, { cacheTtlMs: 1000 });
    const expiresAt = new Date(Date.now() + 60_000);
    const { record, token } = await service.issue(
      'acme',
      { description: 'okta', expiresAt, scopes: ['scim:read'] },
      sign,
    );
    expect(JSON.parse(token.slice('signed:'.length))).toEqual({
      tid: 'acme',
      jti: record.id,
      scope: 'scim:read',
      exp: Math.floor(expiresAt.getTime() / 1000),
    });
    await expect(service.issue('nope', { description: '' }, sign)).rejects.toBeInstanceOf(TenantNotFoundError);
  });

  it('caches answers for the TTL, then reads again (revocation reaches other replicas within it)', async () => {
    const { tokenStore, tenantStore, reads, tokens } = fakes();
    let now = 1_000_000;
    const service = new ScimTokens(tokenStore, tenantStore, { cacheTtlMs: 2000, now: () => now });
    const { record } = await service.issue('acme', { description: '' }, sign);
    expect(await service.isActive('acme', record.id)).toBe(true);
    expect(await service.isActive('acme', record.id)).toBe(true);
    expect(reads.count).toBe(1);
    // Another replica revokes it: this one keeps its cached answer until the TTL runs out.
    tokens.set(record.id, { ...record, revokedAt: new Date() });
    now += 1999;
    expect(await service.isActive('acme', record.id)).toBe(true);
    now += 2;
    expect(await service.isActive('acme', record.id)).toBe(false);
    expect(reads.count).toBe(2);
  });

  it('forgets its cached answer at once when it revokes the token itself', async () => {
    const { tokenStore, tenantStore } = fakes();
    const service = new ScimTokens(tokenStore, tenantStore, { cacheTtlMs: 60_000 });
    const { record } = await service.issue('acme', { description: '' }, sign);
    expect(await service.isActive('acme', record.id)).toBe(true);
    expect(await service.revoke('acme', record.id)).toBe(true);
    expect(await service.isActive('acme', record.id)).toBe(false);
  });

  it('treats expired, unknown and malformed token ids as inactive without querying for junk', async () => {
    const { tokenStore, tenantStore, reads } = fakes();
    let now = Date.now();
    const service = new ScimTokens(tokenStore, tenantStore, { cacheTtlMs: 0, now: () => now });
    const { record } = await service.issue('acme', { description: '', expiresAt: new Date(now + 1000) }, sign);
    expect(await service.isActive('acme', record.id)).toBe(true);
    now += 1001;
    expect(await service.isActive('acme', record.id)).toBe(false);
    expect(await service.isActive('acme', '00000000-0000-4000-8000-000000000000')).toBe(false);
    const before = reads.count;
    expect(await service.isActive('acme', "x' OR 1=1 --")).toBe(false);
    expect(reads.count).toBe(before);
  });
});
