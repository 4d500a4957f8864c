import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, uniqueTenantId } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let admin: ReturnType<typeof adminClient>;
let tenantA: string;
let tenantB: string;
let tokenA: string;
let tokenB: string;

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
  tenantA = uniqueTenantId('a');
  tenantB = uniqueTenantId('b');
  await admin.createTenant(tenantA);
  await admin.createTenant(tenantB);
  tokenA = (await admin.issueToken(tenantA)).token;
  tokenB = (await admin.issueToken(tenantB)).token;
});
afterAll(() => t.close());

const get = (tenant: string, authorization?: string, path = '/ServiceProviderConfig') =>
  t.app.inject({ url: `/scim/v2/${tenant}${path}`, headers: authorization === undefined ? {} : { authorization } });

function expectUnauthorized(res: Awaited<ReturnType<typeof get>>): void {
  expect(res.statusCode).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="SCIM"/);
  expect(res.headers['content-type']).toBe('application/scim+json');
  const body = res.json<{ schemas: string[]; status: string; detail: string }>();
  expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  expect(body.status).toBe('401');
  expect(body.detail.length).toBeGreaterThan(10);
}

describe('SCIM bearer authentication (RFC 7644 §2, RFC 6750 §3)', () => {
  it('accepts a valid token on its own tenant', async () => {
    expect((await get(tenantA, `Bearer ${tokenA}`)).statusCode).toBe(200);
  });

  it('refuses a missing token with 401 and a bare Bearer challenge', async () => {
    const res = await get(tenantA);
    expectUnauthorized(res);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="SCIM"');
  });

  it.each([
    ['a non-Bearer scheme', () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a malformed token', () => 'Bearer not.a.jwt'],
    ['a token with a flipped signature', () => `Bearer ${tokenA.slice(0, -2)}${tokenA.endsWith('AA') ? 'BB' : 'AA'}`],
    [
      'a token signed with another key',
      () =>
        `Bearer ${createSigner({ key: 'x'.repeat(40), iss: 'scim-provisioning-service' })({ tid: tenantA, jti: '00000000-0000-4000-8000-000000000000', scope: 'scim:read scim:write' })}`,
    ],
    [
      'an unsigned (alg none) token',
      () =>
        `Bearer ${createSigner({ algorithm: 'none' })({ tid: tenantA, jti: '00000000-0000-4000-8000-000000000000', scope: 'scim:read' })}`,
    ],
  ])('refuses %s with 401', async (_label, header) => {
    expectUnauthorized(await get(tenantA, header()));
  });

  it('refuses a correctly signed token whose claims are missing or malformed', async () => {
    const sign = createSigner({ key: t.deps.secrets.jwtSecret });
    const id = (await admin.issueToken(tenantA)).id;
    const full = { tid: tenantA, jti: id, scope: 'scim:read scim:write', iss: 'scim-provisioning-service' };
    expect((await get(tenantA, `Bearer ${sign(full)}`)).statusCode).toBe(200);
    for (const claims of [
      { ...full, iss: undefined },
      { ...full, iss: 'someone-else' },
      { ...full, scope: undefined },
      { ...full, scope: ['scim:read'] },
      { ...full, tid: undefined },
      { ...full, jti: 42 },
    ]) {
      expectUnauthorized(await get(tenantA, `Bearer ${sign(claims)}`));
    }
  });

  it("refuses tenant A's token on tenant B's URL exactly as it refuses a nonexistent tenant", async () => {
    const cross = await get(tenantB, `Bearer ${tokenA}`);
    const missing = await get(uniqueTenantId('nobody'), `Bearer ${tokenA}`);
    expectUnauthorized(cross);
    expectUnauthorized(missing);
    expect(cross.json()).toEqual(missing.json());
    expect(cross.headers['www-authenticate']).toBe(missing.headers['www-authenticate']);
    // And on unknown paths too: nothing about the tenant or the route leaks before authentication.
    expectUnauthorized(await get(tenantB, `Bearer ${tokenA}`, '/Nope'));
    expectUnauthorized(await get(tenantB, undefined, '/Users'));
    expect((await get(tenantB, `Bearer ${tokenB}`)).statusCode).toBe(200);
  });

  it('refuses an expired token', async () => {
    const tenant = uniqueTenantId('exp');
    await admin.createTenant(tenant);
    const res = await admin.call('POST', `/admin/v1/tenants/${tenant}/tokens`, {
      expiresAt: new Date(Date.now() + 1_500).toISOString(),
    });
    const { token } = res.json<{ token: string }>();
    expect((await get(tenant, `Bearer ${token}`)).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 2_100));
    expectUnauthorized(await get(tenant, `Bearer ${token}`));
  });

  it('stops a revoked token on every replica within 5 seconds', async () => {
    // A second app on the same database stands in for another replica with a warm cache.
    const replica = await createTestApp({ database: t.database });
    try {
      const tenant = uniqueTenantId('rev');
      await adminClient(replica.app, replica.adminToken).createTenant(tenant);
      // Both replicas need the same signing key: issue on the replica, use on both.
      const { id, token } = await adminClient(replica.app, replica.adminToken).issueToken(tenant);
      const onReplica = () =>
        replica.app.inject({ url: `/scim/v2/${tenant}/Schemas`, headers: { authorization: `Bearer ${token}` } });
      expect((await onReplica()).statusCode).toBe(200);
      const revokedAt = Date.now();
      await t.deps.scimTokens.revoke(tenant, id);
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < 6_000) {
        status = (await onReplica()).statusCode;
        if (status === 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(401);
      expect(Date.now() - revokedAt).toBeLessThan(5_000);
    } finally {
      await replica.close();
    }
  });

  it('refuses a revoked token at once on the replica that revoked it', async () => {
    const tenant = uniqueTenantId('rev');
    await admin.createTenant(tenant);
    const { id, token } = await admin.issueToken(tenant);
    expect((await get(tenant, `Bearer ${token}`)).statusCode).toBe(200);
    expect((await admin.call('DELETE', `/admin/v1/tenants/${tenant}/tokens/${id}`)).statusCode).toBe(204);
    expectUnauthorized(await get(tenant, `Bearer ${token}`));
  });

  it('answers 403 insufficient_scope to a read-only token on a write', async () => {
    const tenant = uniqueTenantId('ro');
    await admin.createTenant(tenant);
    const { token } = await admin.issueToken(tenant, { scopes: ['scim:read'] });
    expect((await get(tenant, `Bearer ${token}`)).statusCode).toBe(200);
    const res = await t.app.inject({
      method: 'POST',
      url: `/scim/v2/${tenant}/Users`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      payload: JSON.stringify({ userName: 'x' }),
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toContain('insufficient_scope');
    expect(res.json<{ status: string }>().status).toBe('403');
  });

  it('never logs a bearer token', async () => {
    await get(tenantA, `Bearer ${tokenA}`);
    await get(tenantB, `Bearer ${tokenA}`);
    expect(t.logText()).not.toContain(tokenA);
    expect(t.logText()).not.toContain(t.adminToken);
  });
});
