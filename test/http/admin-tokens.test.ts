import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, uniqueTenantId } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  t = await createTestApp();
  admin = adminClient(t.app, t.adminToken);
});
afterAll(() => t.close());

const decodeClaims = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

describe('admin API: SCIM tokens', () => {
  it('issues a JWT naming the tenant, the token id and its scopes, shown once', async () => {
    const tenant = uniqueTenantId();
    await admin.createTenant(tenant);
    const res = await admin.call('POST', `/admin/v1/tenants/${tenant}/tokens`, { description: 'okta' });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ id: string; token: string; description: string; createdAt: string; expiresAt: null }>();
    expect(body).toMatchObject({ description: 'okta', expiresAt: null, scopes: ['scim:read', 'scim:write'] });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    const [header] = body.token.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    expect(decodeClaims(body.token)).toMatchObject({ tid: tenant, jti: body.id, scope: 'scim:read scim:write' });

    const list = await admin.call('GET', `/admin/v1/tenants/${tenant}/tokens`);
    expect(list.statusCode).toBe(200);
    const tokens = list.json<{ tokens: Record<string, unknown>[] }>().tokens;
    expect(tokens).toEqual([
      {
        id: body.id,
        description: 'okta',
        scopes: ['scim:read', 'scim:write'],
        createdAt: body.createdAt,
        expiresAt: null,
        revokedAt: null,
      },
    ]);
    expect(list.body).not.toContain(body.token);
    expect(t.logText()).not.toContain(body.token);
  });

  it('puts expiresAt into the token and refuses a date in the past or a malformed one', async () => {
    const tenant = uniqueTenantId();
    await admin.createTenant(tenant);
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await admin.call('POST', `/admin/v1/tenants/${tenant}/tokens`, { description: 'x', expiresAt });
    expect(res.statusCode).toBe(201);
    const { token, expiresAt: echoed } = res.json<{ token: string; expiresAt: string }>();
    expect(echoed).toBe(expiresAt);
    expect(decodeClaims(token)['exp']).toBe(Math.floor(Date.parse(expiresAt) / 1000));
    expect(
      (await admin.call('POST', `/admin/v1/tenants/${tenant}/tokens`, { expiresAt: '2001-01-01T00:00:00Z' }))
        .statusCode,
    ).toBe(400);
    expect((await admin.call('POST', `/admin/v1/tenants/${tenant}/tokens`, { expiresAt: 'tomorrow' })).statusCode).toBe(
      400,
    );
    expect((await admin.call('POST', `/admin/v1/tenants/${tenant}/tokens`, { scopes: ['root'] })).statusCode).toBe(400);
  });

  it('issues a token for a request without a body, every field being optional', async () => {
    const tenant = uniqueTenantId();
    await admin.createTenant(tenant);
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/tenants/${tenant}/tokens`,
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ description: '', expiresAt: null, scopes: ['scim:read', 'scim:write'] });
  });

  it('answers 404 for tokens of a tenant that does not exist', async () => {
    const missing = uniqueTenantId('missing');
    expect((await admin.call('POST', `/admin/v1/tenants/${missing}/tokens`, {})).statusCode).toBe(404);
    expect((await admin.call('GET', `/admin/v1/tenants/${missing}/tokens`)).statusCode).toBe(404);
  });

  it('revokes a token: 204, listed with revokedAt; unknown ids are 404', async () => {
    const tenant = uniqueTenantId();
    await admin.createTenant(tenant);
    const { id } = await admin.issueToken(tenant);
    const res = await admin.call('DELETE', `/admin/v1/tenants/${tenant}/tokens/${id}`);
    expect(res.statusCode).toBe(204);
    const [listed] = (await admin.call('GET', `/admin/v1/tenants/${tenant}/tokens`)).json<{
      tokens: { revokedAt: string | null }[];
    }>().tokens;
    expect(listed?.revokedAt).toEqual(expect.stringMatching(/^\d{4}-/));
    expect(
      (await admin.call('DELETE', `/admin/v1/tenants/${tenant}/tokens/00000000-0000-4000-8000-000000000000`))
        .statusCode,
    ).toBe(404);
    expect((await admin.call('DELETE', `/admin/v1/tenants/${tenant}/tokens/not-a-uuid`)).statusCode).toBe(400);
    // Another tenant cannot revoke it through its own URL.
    const other = uniqueTenantId();
    await admin.createTenant(other);
    const second = await admin.issueToken(tenant);
    expect((await admin.call('DELETE', `/admin/v1/tenants/${other}/tokens/${second.id}`)).statusCode).toBe(404);
  });
});
